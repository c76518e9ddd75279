"""Shared helpers: a keystoneauth1 session on requests-mock."""

from __future__ import annotations

import json
from typing import Any

import testtools
from keystoneauth1 import adapter as ksa_adapter
from keystoneauth1 import session as ksa_session
from keystoneauth1 import token_endpoint
from keystoneauth1.fixture import discovery
from requests_mock.contrib import fixture as rm_fixture

from migabortclient import _http
from migabortclient import api_versions
from migabortclient import client
from migabortclient.v2 import client as v2_client

ENDPOINT = "http://nova.test/v2.1"
SID = "6f6e3c5a-8d2b-4c1e-9a0f-1b2c3d4e5f60"
OTHER_SID = "0d3e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
MIG_UUID = "12345678-1234-4234-9234-123456789abc"
REQ = "req-11111111-2222-4333-8444-555555555555"
JSON = {"Content-Type": "application/json"}


def version_doc(max_version: str = "2.104", min_version: str = "2.1") -> Any:
    return {
        "version": discovery.NovaMicroversionDiscovery(
            href=ENDPOINT + "/",
            id="v2.1",
            min_version=min_version,
            version=max_version,
            status="CURRENT",
        )
    }


def server_migration(mid: int = 42, **extra: Any) -> dict[str, Any]:
    """A server migration as Nova 2.23 shows it."""
    item: dict[str, Any] = {
        "id": mid,
        "server_uuid": SID,
        "status": "running",
        "source_compute": "cmp-a",
        "source_node": "cmp-a",
        "dest_compute": "cmp-b",
        "dest_host": "192.0.2.2",
        "dest_node": "cmp-b",
        "memory_total_bytes": 4096,
        "memory_processed_bytes": 1024,
        "memory_remaining_bytes": 3072,
        "disk_total_bytes": 0,
        "disk_processed_bytes": 0,
        "disk_remaining_bytes": 0,
        "created_at": "2026-01-01T12:00:00.000000",
        "updated_at": "2026-01-01T12:00:05.000000",
    }
    item.update(extra)
    return item


def migration(mid: int = 42, **extra: Any) -> dict[str, Any]:
    """An os-migrations row as Nova 2.23 shows it."""
    item: dict[str, Any] = {
        "id": mid,
        "status": "running",
        "instance_uuid": SID,
        "migration_type": "live-migration",
        "source_compute": "cmp-a",
        "source_node": "cmp-a",
        "dest_compute": "cmp-b",
        "dest_host": "192.0.2.2",
        "dest_node": "cmp-b",
        "old_instance_type_id": 1,
        "new_instance_type_id": 1,
        "created_at": "2026-01-01T12:00:00.000000",
        "updated_at": "2026-01-01T12:00:05.000000",
    }
    item.update(extra)
    return item


def action(
    name: str, request_id: str = REQ, start: str = "2026-01-01T12:01:00"
) -> dict[str, Any]:
    return {
        "action": name,
        "request_id": request_id,
        "instance_uuid": SID,
        "user_id": "u1",
        "project_id": "p1",
        "start_time": start,
        "message": None,
    }


def fault(status: int, message: str, name: str = "badRequest") -> Any:
    return {name: {"code": status, "message": message}}


class LibraryTestCase(testtools.TestCase):
    """A session whose token plugin points at a mocked Nova."""

    server_max = "2.104"

    def setUp(self) -> None:
        super().setUp()
        self.mock = self.useFixture(rm_fixture.Fixture())
        self.mock.get(ENDPOINT, json=version_doc(self.server_max))
        self.mock.get(ENDPOINT + "/", json=version_doc(self.server_max))
        self.session = ksa_session.Session(
            auth=token_endpoint.Token(ENDPOINT, "unit-test-token")
        )
        self.delays: list[float] = []
        self.now = 0.0
        self._mark = 0

    # -- clients ----------------------------------------------------------
    def client(self, version: str = "auto") -> v2_client.Client:
        """The public way: ``client.Client(version, session=...)``."""
        return client.Client(version, session=self.session)

    def fake_client(
        self, version: str = "auto", read_retries: int = 2
    ) -> v2_client.Client:
        """A client whose sleeps and clock are fakes (self.delays)."""
        adapter = ksa_adapter.Adapter(self.session, service_type="compute")
        http = _http.HTTPClient(
            adapter,
            api_versions.parse_requested(version),
            read_retries=read_retries,
            sleep=self._sleep,
        )
        return v2_client.Client(
            http, sleep=self._sleep, monotonic=lambda: self.now
        )

    def _sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds

    # -- mocked answers -----------------------------------------------------
    def reply(
        self,
        method: str,
        path: str,
        body: Any = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Register a Nova-like JSON answer (with a request id)."""
        all_headers = {"x-openstack-request-id": REQ}
        if body is not None:
            all_headers.update(JSON)
            kwargs["text"] = json.dumps(body)
        all_headers.update(headers or {})
        return self.mock.register_uri(
            method,
            ENDPOINT + path,
            status_code=status,
            headers=all_headers,
            **kwargs,
        )

    def forget(self) -> None:
        """Count requests from here on only."""
        self._mark = len(self.mock.request_history)
        self.delays.clear()

    def api_calls(self) -> list[tuple[str, str]]:
        """(method, path?query) of every request but version discovery."""
        calls = []
        for req in self.mock.request_history[self._mark :]:
            if req.path.rstrip("/") == "/v2.1":
                continue
            target = req.path + (f"?{req.query}" if req.query else "")
            calls.append((req.method, target))
        return calls

    def discoveries(self) -> int:
        return sum(
            1
            for req in self.mock.request_history
            if req.path.rstrip("/") == "/v2.1"
        )
