"""Fault injection and the server-side request log."""

from __future__ import annotations

import time

import requests

from tests.functional.reference import base


class TestFaults(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.token()  # authenticate before injecting faults

    def test_status_fault_uses_nova_envelope_and_count(self) -> None:
        self.ref.faults.inject("GET", r"/servers$", status=500, count=2)
        for _ in range(2):
            resp = self.call("GET", "/servers")
            self.assertEqual(500, resp.status_code)
            self.assertIn("computeFault", resp.json())
            self.assertIn("x-openstack-request-id", resp.headers)
        self.assertEqual(200, self.call("GET", "/servers").status_code)

    def test_503_with_retry_after_and_429(self) -> None:
        self.ref.faults.inject("GET", r"/servers", status=503, retry_after=7)
        resp = self.call("GET", "/servers")
        self.assertEqual(503, resp.status_code)
        self.assertEqual("7", resp.headers["Retry-After"])
        self.assertIn("serviceUnavailable", resp.json())
        self.ref.faults.inject("GET", r"/servers", status=429)
        resp = self.call("GET", "/servers")
        self.assertEqual(429, resp.status_code)
        self.assertIn("overLimit", resp.json())

    def test_method_must_match(self) -> None:
        self.ref.faults.inject("DELETE", r"/servers", status=500)
        self.assertEqual(200, self.call("GET", "/servers").status_code)

    def test_html_error_page(self) -> None:
        self.ref.faults.inject("GET", r"/servers", status=502, html=True)
        resp = self.call("GET", "/servers")
        self.assertEqual(502, resp.status_code)
        self.assertEqual("text/html", resp.headers["Content-Type"])
        self.assertIn("<html>", resp.text)

    def test_truncated_json(self) -> None:
        self.ref.faults.inject("GET", r"/servers", truncate=True)
        resp = self.call("GET", "/servers")
        self.assertEqual(200, resp.status_code)
        self.assertRaises(ValueError, resp.json)

    def test_wrong_content_type(self) -> None:
        self.ref.faults.inject("GET", r"/servers", content_type="text/plain")
        resp = self.call("GET", "/servers")
        self.assertEqual("text/plain", resp.headers["Content-Type"])
        self.assertEqual({"servers": []}, resp.json())

    def test_dropped_connection(self) -> None:
        self.ref.faults.inject("GET", r"/servers", drop=True)
        self.assertRaises(
            requests.exceptions.ConnectionError, self.call, "GET", "/servers"
        )
        self.assertEqual(200, self.call("GET", "/servers").status_code)
        self.assertIn(("GET", "/v2.1/servers", None), self.ref.requests)

    def test_latency_is_bounded_and_counted(self) -> None:
        self.ref.faults.inject("GET", r"/servers", latency=0.3)
        start = time.monotonic()
        self.assertEqual(200, self.call("GET", "/servers").status_code)
        self.assertGreaterEqual(time.monotonic() - start, 0.25)

    def test_latency_longer_than_client_timeout(self) -> None:
        fault = self.ref.faults.inject("GET", r"/servers", latency=5)
        self.assertRaises(
            requests.exceptions.Timeout,
            self.http.get,
            f"{self.ref.compute_url}/servers",
            headers={"X-Auth-Token": self.token()},
            timeout=0.2,
        )
        self.assertEqual(1, fault.hits)

    def test_request_log_includes_auth(self) -> None:
        self.call("GET", "/servers", version="2.80")
        self.call("GET", "/servers", user=None)
        log = list(self.ref.requests)
        self.assertEqual(("POST", "/identity/v3/auth/tokens", 201), log[0])
        self.assertEqual(("GET", "/v2.1/servers", 200), log[-2])
        self.assertEqual(("GET", "/v2.1/servers", 401), log[-1])

    def test_inject_needs_a_behaviour(self) -> None:
        self.assertRaises(ValueError, self.ref.faults.inject, "GET", "/x")
