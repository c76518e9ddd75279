"""Library functional tests: migabortclient over HTTP to the reference Nova."""

from __future__ import annotations

from typing import Any

import testtools

from migabortclient.fixture import ReferenceNova
from migabortclient.reference import cloud as cloud_mod
from migabortclient.v2 import client as v2_client

# Seconds from os-migrateLive until the migration runs.
TO_RUNNING = cloud_mod.QUEUED_S + cloud_mod.PREPARING_S + 0.1


class LibraryTestCase(testtools.TestCase):
    """A fresh reference Nova per test with two compute hosts."""

    def setUp(self) -> None:
        super().setUp()
        self.ref = self.useFixture(ReferenceNova())
        self.cloud = self.ref.cloud
        self.cloud.add_host("cmp-a")
        self.cloud.add_host("cmp-b")
        self._clients: dict[tuple[str, str], v2_client.Client] = {}

    def nova(
        self, user: str = "admin", version: str = "auto"
    ) -> v2_client.Client:
        """One client per (user, version), as an application keeps one."""
        key = (user, version)
        if key not in self._clients:
            self._clients[key] = self.ref.client(user, version)
        return self._clients[key]

    def server(self, name: str = "vm", **kwargs: Any) -> cloud_mod.Server:
        kwargs.setdefault("dirty_rate_mib_s", 5000.0)  # never converges
        return self.cloud.add_server(name, "cmp-a", **kwargs)

    def migrating(
        self, name: str = "vm", running: bool = True, **kwargs: Any
    ) -> tuple[cloud_mod.Server, cloud_mod.Migration]:
        server = self.server(name, **kwargs)
        mig = self.cloud.start_live_migration(server.id, dest="cmp-b")
        if running:
            self.cloud.clock.advance(TO_RUNNING)
            self.assertEqual(
                "running", self.cloud.get_migration(mig.id).status
            )
        return server, mig

    def mark(self) -> int:
        return len(self.ref.requests)

    def compute_requests(self, since: int) -> list[tuple[str, str]]:
        """(method, path) sent to the compute API since ``since``."""
        return [
            (r.method, r.path)
            for r in self.ref.requests[since:]
            if r.path.startswith("/v2.1")
        ]

    def advance(self, seconds: float = 0.5) -> Any:
        """An on_poll callback that moves the simulated clock."""

        def on_poll(_: object) -> None:
            self.cloud.clock.advance(seconds)

        return on_poll
