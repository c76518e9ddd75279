"""Shared helpers for the reference Nova's functional tests."""

from __future__ import annotations

from typing import Any

import requests
import testtools

from migabortclient.fixture import ReferenceNova
from migabortclient.reference import cloud as cloud_mod


def password_auth(
    username: str, password: str, project: str | None = None
) -> dict[str, Any]:
    """A Keystone v3 password authentication body (Default domain)."""
    auth: dict[str, Any] = {
        "identity": {
            "methods": ["password"],
            "password": {
                "user": {
                    "name": username,
                    "domain": {"name": "Default"},
                    "password": password,
                }
            },
        }
    }
    if project is not None:
        auth["scope"] = {
            "project": {"name": project, "domain": {"name": "Default"}}
        }
    return {"auth": auth}


class ReferenceTestCase(testtools.TestCase):
    """A fresh reference Nova per test, spoken to with raw ``requests``."""

    seed: str | None = None

    def setUp(self) -> None:
        super().setUp()
        self.ref = self.useFixture(ReferenceNova(seed=self.seed))
        self.cloud = self.ref.cloud
        self.http = requests.Session()
        self.addCleanup(self.http.close)
        self._tokens: dict[str, str] = {}

    def token(self, user: str = "admin") -> str:
        if user not in self._tokens:
            creds = self.ref.credentials(user)
            resp = self.http.post(
                f"{self.ref.auth_url}/auth/tokens",
                json=password_auth(
                    creds["username"],
                    creds["password"],
                    project=creds["project_name"],
                ),
                timeout=10,
            )
            self.assertEqual(201, resp.status_code)
            self._tokens[user] = resp.headers["X-Subject-Token"]
        return self._tokens[user]

    def call(
        self,
        method: str,
        path: str,
        user: str | None = "admin",
        version: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers["X-Auth-Token"] = self.token(user)
        if version is not None:
            headers["OpenStack-API-Version"] = f"compute {version}"
        return self.http.request(
            method,
            f"{self.ref.compute_url}{path}",
            headers=headers,
            timeout=10,
            **kwargs,
        )

    def assertFault(
        self,
        resp: requests.Response,
        status: int,
        message: str,
        name: str | None = None,
    ) -> None:
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertEqual(
            "application/json; charset=UTF-8", resp.headers["Content-Type"]
        )
        body = resp.json()
        self.assertEqual(1, len(body))
        key = next(iter(body))
        if name is not None:
            self.assertEqual(name, key)
        self.assertEqual({"code": status, "message": message}, body[key])

    # -- cloud helpers ------------------------------------------------------
    def two_hosts(self, **host_kw: Any) -> None:
        self.cloud.add_host("cmp-a", **host_kw)
        self.cloud.add_host("cmp-b", **host_kw)

    def running_migration(
        self,
        dirty_rate_mib_s: float = 5000.0,
        project: str = "demo",
        source: str = "cmp-a",
        dest: str = "cmp-b",
        **server_kw: Any,
    ) -> tuple[cloud_mod.Server, cloud_mod.Migration]:
        """A live migration in ``running`` (never converging by default)."""
        if not self.cloud.hosts:
            self.two_hosts()
        for name in (source, dest):
            if name not in self.cloud.hosts:
                self.cloud.add_host(name)
        server = self.cloud.add_server(
            f"vm-{len(self.cloud.servers)}",
            source,
            project=project,
            dirty_rate_mib_s=dirty_rate_mib_s,
            **server_kw,
        )
        mig = self.cloud.start_live_migration(server.id, dest=dest)
        self.cloud.clock.advance(
            cloud_mod.QUEUED_S + cloud_mod.PREPARING_S + 0.1
        )
        self.assertEqual("running", self.cloud.get_migration(mig.id).status)
        return server, mig
