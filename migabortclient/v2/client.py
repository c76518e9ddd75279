"""The compute client of API major version 2."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from migabortclient.v2 import instance_actions
from migabortclient.v2 import migrations
from migabortclient.v2 import server_migrations
from migabortclient.v2 import servers

if TYPE_CHECKING:
    from migabortclient import _http
    from migabortclient.api_versions import APIVersion


class Client:
    """Managers for the migration APIs, sharing one HTTP client.

    Build it with :func:`migabortclient.client.Client`.
    """

    def __init__(
        self,
        http: _http.HTTPClient,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.servers = servers.ServersManager(http)
        self.instance_actions = instance_actions.InstanceActionsManager(http)
        self.migrations = migrations.MigrationsManager(http)
        self.server_migrations = server_migrations.ServerMigrationsManager(
            http,
            actions=self.instance_actions,
            migrations=self.migrations,
            servers=self.servers,
            sleep=sleep,
            monotonic=monotonic,
        )

    @property
    def api_version(self) -> APIVersion:
        """The microversion every request uses (negotiated on first use)."""
        return self.http.api_version

    @property
    def server_version_range(self) -> tuple[APIVersion, APIVersion]:
        """The server's (minimum, maximum) microversions."""
        return self.http.server_range()
