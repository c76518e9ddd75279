"""The reference server's HTTP/1.1 persistent connections."""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any

import fixtures
import requests
import testtools

from migabortclient.reference import app as app_mod
from migabortclient.reference import cloud as cloud_mod
from migabortclient.reference import server as server_mod
from tests.functional.reference import base

TIMEOUT = 5.0


def _read_to_eof(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (bounded by TIMEOUT)."""
    sock.settimeout(TIMEOUT)
    data = b""
    # Bounded: each pass gets data or ends; a stuck server times out.
    for _ in range(10_000):
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    raise AssertionError("the server never closed the connection")


class TestKeepAlive(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.token()  # authenticate on the session's first connection

    @property
    def accepted(self) -> int:
        return self.ref.server.connections_accepted

    def exchange(self, request: bytes) -> bytes:
        """Raw bytes on a new connection; all the server sends back."""
        with socket.create_connection(
            ("127.0.0.1", self.ref.server.port), timeout=TIMEOUT
        ) as sock:
            sock.sendall(request)
            return _read_to_eof(sock)

    def test_session_reuses_one_connection(self) -> None:
        first = self.call("GET", "/servers")
        second = self.call("GET", "/os-migrations")
        for resp in (first, second):
            self.assertEqual(200, resp.status_code)
            self.assertEqual(11, resp.raw.version)
            self.assertNotIn("Connection", resp.headers)
        # The token request and both calls shared one connection.
        self.assertEqual(1, self.accepted)

    def test_connection_close_is_honoured(self) -> None:
        resp = self.call("GET", "/servers", headers={"Connection": "close"})
        self.assertEqual(200, resp.status_code)
        self.assertEqual("close", resp.headers["Connection"])
        self.assertEqual(200, self.call("GET", "/servers").status_code)
        self.assertEqual(2, self.accepted)

    def test_unread_post_body_does_not_corrupt_the_next_request(self) -> None:
        self.cloud.add_host("cmp-a")
        server = self.cloud.add_server("vm", "cmp-a")
        # Answered in front of Nova: the app never reads the body.
        fault = self.ref.faults.inject("POST", r"/action$", status=503)
        body = {
            "os-migrateLive": {"host": None, "block_migration": "auto"},
            "padding": "x" * 200_000,
        }
        resp = self.call("POST", f"/servers/{server.id}/action", json=body)
        self.assertEqual(503, resp.status_code)
        self.assertEqual(1, fault.hits)
        resp = self.call("GET", f"/servers/{server.id}")
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(server.id, resp.json()["server"]["id"])
        self.assertEqual(1, self.accepted)
        self.assertEqual(
            [
                ("POST", f"/v2.1/servers/{server.id}/action", 503),
                ("GET", f"/v2.1/servers/{server.id}", 200),
            ],
            [tuple(r) for r in self.ref.requests[-2:]],
        )

    def test_head_response_keeps_the_connection_framed(self) -> None:
        resp = self.http.head(
            f"{self.ref.auth_url}/auth/tokens",
            headers={
                "X-Auth-Token": self.token(),
                "X-Subject-Token": self.token(),
            },
            timeout=10,
        )
        self.assertEqual(200, resp.status_code)
        self.assertNotEqual("0", resp.headers["Content-Length"])
        self.assertEqual(b"", resp.content)
        self.assertEqual(200, self.call("GET", "/servers").status_code)
        self.assertEqual(1, self.accepted)

    def test_drop_closes_only_that_connection(self) -> None:
        other = requests.Session()
        self.addCleanup(other.close)
        self.assertEqual(200, other.get(self.ref.url, timeout=10).status_code)
        self.assertEqual(2, self.accepted)
        self.ref.faults.inject("GET", r"/servers$", drop=True)
        self.assertRaises(
            requests.exceptions.ConnectionError, self.call, "GET", "/servers"
        )
        self.assertIn(("GET", "/v2.1/servers", None), self.ref.requests)
        # The session reconnects; the other client keeps its connection.
        self.assertEqual(200, self.call("GET", "/servers").status_code)
        self.assertEqual(3, self.accepted)
        self.assertEqual(200, other.get(self.ref.url, timeout=10).status_code)
        self.assertEqual(3, self.accepted)

    def test_drop_after_runs_the_request_then_closes(self) -> None:
        fault = self.ref.faults.inject("GET", r"/servers$", drop_after=True)
        self.assertRaises(
            requests.exceptions.ConnectionError, self.call, "GET", "/servers"
        )
        self.assertEqual(1, fault.hits)
        self.assertIn(("GET", "/v2.1/servers", 200), self.ref.requests)
        self.assertEqual(200, self.call("GET", "/servers").status_code)
        self.assertEqual(2, self.accepted)

    def test_pipelined_requests_are_answered_in_order(self) -> None:
        data = self.exchange(
            b"GET /v2.1 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        self.assertEqual(2, data.count(b"HTTP/1.1 "))
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "))
        self.assertIn(b"HTTP/1.1 404 ", data)
        self.assertEqual(2, self.accepted)

    def test_http10_client_is_closed_after_its_response(self) -> None:
        data = self.exchange(b"GET /v2.1 HTTP/1.0\r\n\r\n")
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        self.assertIn(b"\r\nConnection: close", head)
        self.assertIn(f"\r\nContent-Length: {len(body)}".encode(), head)
        self.assertEqual("v2.1", json.loads(body)["version"]["id"])

    def test_chunked_body_is_refused_with_411(self) -> None:
        data = self.exchange(
            b"POST /v2.1/servers HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        )
        self.assertTrue(data.startswith(b"HTTP/1.1 411 "), data[:80])
        self.assertIn(b"\r\nConnection: close", data)
        # Refused in front of Nova: the app never saw it.
        self.assertNotIn(
            ("POST", "/v2.1/servers"), [r[:2] for r in self.ref.requests]
        )

    def test_each_response_is_one_write_without_nagle(self) -> None:
        # wsgiref writes the status line, headers and body separately; on
        # a reused connection those small segments waited for the client's
        # delayed ACK (Nagle), about 40 ms per request. Guard both fixes:
        # one write per response, on a socket with TCP_NODELAY.
        port = self.ref.server.port
        writes: list[tuple[int, int]] = []  # (TCP_NODELAY, bytes)
        send, sendall = socket.socket.send, socket.socket.sendall

        def record(sock: socket.socket, data: Any) -> None:
            if sock.getsockname()[1] == port:  # server side only
                nodelay = sock.getsockopt(
                    socket.IPPROTO_TCP, socket.TCP_NODELAY
                )
                writes.append((nodelay, len(data)))

        def counted_send(sock: socket.socket, data: Any, *args: Any) -> int:
            record(sock, data)
            return send(sock, data, *args)

        def counted_sendall(
            sock: socket.socket, data: Any, *args: Any
        ) -> None:
            record(sock, data)
            sendall(sock, data, *args)

        self.useFixture(
            fixtures.MonkeyPatch("socket.socket.send", counted_send)
        )
        self.useFixture(
            fixtures.MonkeyPatch("socket.socket.sendall", counted_sendall)
        )
        sizes = []
        for path in ("/servers", "/os-migrations", "/servers/detail"):
            resp = self.call("GET", path)
            self.assertEqual(200, resp.status_code)
            sizes.append(len(resp.content))
        self.assertEqual(3, len(writes), str(writes))
        self.assertEqual([1, 1, 1], [nodelay for nodelay, _ in writes])
        # Each write carried a whole response: headers and body.
        for (_, written), body in zip(writes, sizes, strict=True):
            self.assertGreater(written, body)
        self.assertEqual(1, self.accepted)

    def test_stop_is_prompt_with_an_idle_keep_alive_connection(self) -> None:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.ref.server.port, timeout=TIMEOUT
        )
        self.addCleanup(conn.close)
        conn.request("GET", "/v2.1")
        resp = conn.getresponse()
        self.assertEqual(200, resp.status)
        resp.read()
        self.assertFalse(resp.will_close)
        start = time.monotonic()
        self.ref.server.stop()
        self.assertLess(time.monotonic() - start, 3.0)
        # The idle connection was shut down, not left hanging.
        assert conn.sock is not None
        self.assertEqual(b"", _read_to_eof(conn.sock))
        # The fixture's cleanup stops the server again, harmlessly.


class TestIdleTimeout(testtools.TestCase):
    def test_an_idle_connection_is_closed_after_the_timeout(self) -> None:
        nova = app_mod.NovaApp(cloud_mod.Cloud())
        server = server_mod.ReferenceServer(nova, idle_timeout=0.2)
        server.start()
        self.addCleanup(server.stop)
        conn = http.client.HTTPConnection(
            "127.0.0.1", server.port, timeout=TIMEOUT
        )
        self.addCleanup(conn.close)
        conn.request("GET", "/v2.1")
        resp = conn.getresponse()
        resp.read()
        self.assertFalse(resp.will_close)
        start = time.monotonic()
        assert conn.sock is not None
        # recv blocks until the server gives up on the idle connection.
        self.assertEqual(b"", _read_to_eof(conn.sock))
        self.assertLess(time.monotonic() - start, TIMEOUT)
        self.assertEqual(1, server.connections_accepted)

    def test_max_requests_closes_the_connection(self) -> None:
        nova = app_mod.NovaApp(cloud_mod.Cloud())
        server = server_mod.ReferenceServer(nova, max_requests=2)
        server.start()
        self.addCleanup(server.stop)
        with requests.Session() as http:
            versions = [
                http.get(f"{server.url}/v2.1", timeout=10).headers.get(
                    "Connection"
                )
                for _ in range(3)
            ]
        self.assertEqual([None, "close", None], versions)
        self.assertEqual(2, server.connections_accepted)
