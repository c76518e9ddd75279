"""``ReferenceNova``: the bundled reference Nova as a test fixture.

Usable as a ``fixtures.Fixture`` (``self.useFixture(ReferenceNova())``) or a
context manager (``with ReferenceNova(seed="demo") as ref: ...``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import fixtures

from migabortclient.reference import app as app_mod
from migabortclient.reference import cloud as cloud_mod
from migabortclient.reference import faults as faults_mod
from migabortclient.reference import seeds
from migabortclient.reference import server as server_mod

if TYPE_CHECKING:
    from keystoneauth1 import session as ks_session

    from migabortclient.v2 import client as v2_client

LOG = logging.getLogger(__name__)


class ReferenceNova(fixtures.Fixture):
    """Start the reference Nova on 127.0.0.1 (a free port by default)."""

    def __init__(
        self,
        seed: str | None = None,
        port: int = 0,
        policy_file: str | None = None,
        clock: cloud_mod.Clock | None = None,
        auto_advance: float = 0.0,
    ) -> None:
        super().__init__()
        self._seed = seed
        self._port = port
        self._policy_file = policy_file
        self._clock = clock
        self._auto_advance = auto_advance
        self._server: server_mod.ReferenceServer | None = None

    def _setUp(self) -> None:
        self.cloud = cloud_mod.Cloud(clock=self._clock)
        seeds.apply(self.cloud, self._seed)
        self.faults = faults_mod.Faults()
        self.app = app_mod.NovaApp(
            self.cloud, faults=self.faults, policy_file=self._policy_file
        )
        self._server = server_mod.ReferenceServer(self.app, port=self._port)
        self.app.base_url = self._server.url
        self._server.start()
        self.addCleanup(self._stop)
        self.cloud.auto_advance = self._auto_advance

    def _stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def server(self) -> server_mod.ReferenceServer:
        """The HTTP server (``port``, ``connections_accepted``, ``stop``)."""
        if self._server is None:
            raise RuntimeError("the reference Nova is not running")
        return self._server

    # -- endpoints and credentials -----------------------------------------
    @property
    def url(self) -> str:
        return self.app.base_url or ""

    @property
    def compute_url(self) -> str:
        return f"{self.url}/v2.1"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity/v3"

    @property
    def notifications(self) -> list[cloud_mod.Notification]:
        return self.cloud.notifications

    @property
    def requests(self) -> list[app_mod.RequestRecord]:
        return self.app.requests

    def credentials(self, user: str = "admin") -> dict[str, str]:
        """username, password and project name of a configured user."""
        record = self.cloud.users[user]
        project = self.cloud.projects[record.project_id]
        return {
            "username": record.name,
            "password": record.password,
            "project_name": project.name,
        }

    def env(self, user: str = "admin") -> dict[str, str]:
        """OS_* variables for ``openstack``/``migabort`` as ``user``."""
        creds = self.credentials(user)
        return {
            "OS_AUTH_URL": self.auth_url,
            "OS_USERNAME": creds["username"],
            "OS_PASSWORD": creds["password"],
            "OS_PROJECT_NAME": creds["project_name"],
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_AUTH_TYPE": "password",
            "OS_IDENTITY_API_VERSION": "3",
            "OS_REGION_NAME": app_mod.REGION,
            "OS_INTERFACE": "public",
        }

    def session(self, user: str = "admin") -> ks_session.Session:
        """A keystoneauth1 session with password auth as ``user``."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3

        creds = self.credentials(user)
        auth = v3.Password(
            auth_url=self.auth_url,
            username=creds["username"],
            password=creds["password"],
            project_name=creds["project_name"],
            user_domain_name="Default",
            project_domain_name="Default",
        )
        return session.Session(auth=auth)

    def client(
        self, user: str = "admin", version: str = "auto"
    ) -> v2_client.Client:
        """A migabortclient client as ``user``, negotiating by default."""
        # The server itself never imports the client library.
        from migabortclient import client as client_mod

        return client_mod.Client(version, session=self.session(user))
