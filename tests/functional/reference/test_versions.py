"""Version documents, microversion negotiation, routing and auth errors."""

from __future__ import annotations

import re

import requests

from tests.functional.reference import base

VARY = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
REQ_ID = re.compile(r"^req-[0-9a-f-]{36}$")


class TestVersionDocuments(base.ReferenceTestCase):
    def test_root_lists_both_versions_without_version_headers(self) -> None:
        resp = requests.get(f"{self.ref.url}/", timeout=10)
        self.assertEqual(200, resp.status_code)
        self.assertNotIn("OpenStack-API-Version", resp.headers)
        versions = resp.json()["versions"]
        self.assertEqual(["v2.0", "v2.1"], [v["id"] for v in versions])
        v21 = versions[1]
        self.assertEqual(
            ["id", "status", "version", "min_version", "updated", "links"],
            list(v21),
        )
        self.assertEqual("CURRENT", v21["status"])
        self.assertEqual("2.104", v21["version"])
        self.assertEqual("2.1", v21["min_version"])
        self.assertEqual(
            [{"rel": "self", "href": f"{self.ref.url}/v2.1/"}], v21["links"]
        )
        self.assertEqual("DEPRECATED", versions[0]["status"])
        self.assertEqual("2025-07-04T12:00:00Z", versions[0]["updated"])

    def test_v21_document_needs_no_token_and_negotiates(self) -> None:
        for path in ("/v2.1", "/v2.1/"):
            resp = requests.get(
                f"{self.ref.url}{path}",
                headers={"OpenStack-API-Version": "compute 2.65"},
                timeout=10,
            )
            self.assertEqual(200, resp.status_code)
            doc = resp.json()["version"]
            self.assertEqual("2.104", doc["version"])
            self.assertEqual("2013-07-23T11:33:21Z", doc["updated"])
            self.assertEqual(
                [
                    {
                        "base": "application/json",
                        "type": (
                            "application/vnd.openstack.compute+json;"
                            "version=2.1"
                        ),
                    }
                ],
                doc["media-types"],
            )
            self.assertEqual(
                ["self", "describedby"], [x["rel"] for x in doc["links"]]
            )
            self.assertEqual(
                "compute 2.65", resp.headers["OpenStack-API-Version"]
            )
            self.assertEqual(VARY, resp.headers["Vary"])

    def test_v21_document_rejects_bad_version(self) -> None:
        resp = requests.get(
            f"{self.ref.url}/v2.1",
            headers={"OpenStack-API-Version": "compute 2.105"},
            timeout=10,
        )
        self.assertFault(
            resp,
            406,
            "Version 2.105 is not supported by the API. Minimum is 2.1 and "
            "maximum is 2.104.",
            "computeFault",
        )


class TestMicroversions(base.ReferenceTestCase):
    def test_no_header_is_2_1_and_echoed_with_two_vary_lines(self) -> None:
        resp = self.call("GET", "/servers")
        self.assertEqual(200, resp.status_code)
        self.assertEqual("compute 2.1", resp.headers["OpenStack-API-Version"])
        self.assertEqual("2.1", resp.headers["X-OpenStack-Nova-API-Version"])
        self.assertEqual(VARY, resp.headers["Vary"])
        raw = resp.raw.headers.getlist("Vary")
        self.assertEqual(
            ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"], raw
        )
        self.assertEqual("application/json", resp.headers["Content-Type"])

    def test_latest_resolves_to_max(self) -> None:
        resp = self.call("GET", "/servers", version="latest")
        self.assertEqual(
            "compute 2.104", resp.headers["OpenStack-API-Version"]
        )

    def test_legacy_header_is_honoured(self) -> None:
        resp = self.call(
            "GET",
            "/servers",
            headers={"X-OpenStack-Nova-API-Version": "2.80"},
        )
        self.assertEqual("2.80", resp.headers["X-OpenStack-Nova-API-Version"])

    def test_standard_header_wins_over_legacy(self) -> None:
        resp = self.call(
            "GET",
            "/servers",
            version="2.65",
            headers={"X-OpenStack-Nova-API-Version": "2.80"},
        )
        self.assertEqual("2.65", resp.headers["X-OpenStack-Nova-API-Version"])

    def test_malformed_version_is_400_without_version_headers(self) -> None:
        for raw in ("2.x", "Latest", "2.01"):
            resp = self.call("GET", "/servers", version=raw)
            self.assertFault(
                resp,
                400,
                f"API Version String {raw} is of invalid format. Must be of "
                "format MajorNum.MinorNum.",
                "badRequest",
            )
            self.assertNotIn("OpenStack-API-Version", resp.headers)
            self.assertNotIn("Vary", resp.headers)

    def test_out_of_range_is_406_echoing_the_request(self) -> None:
        for raw in ("2.200", "3.0", "2.0"):
            resp = self.call("GET", "/servers", version=raw)
            self.assertFault(
                resp,
                406,
                f"Version {raw} is not supported by the API. Minimum is 2.1 "
                "and maximum is 2.104.",
                "computeFault",
            )
            self.assertEqual(
                f"compute {raw}", resp.headers["OpenStack-API-Version"]
            )
            self.assertEqual(VARY, resp.headers["Vary"])

    def test_path_below_its_version_is_json_404(self) -> None:
        server, mig = self.running_migration()
        base_path = f"/servers/{server.id}/migrations"
        cases = [
            ("GET", base_path, "2.22", None),
            ("GET", f"{base_path}/{mig.id}", "2.22", None),
            ("DELETE", f"{base_path}/{mig.id}", "2.23", None),
            (
                "POST",
                f"{base_path}/{mig.id}/action",
                "2.21",
                {"force_complete": None},
            ),
            ("GET", base_path, None, None),
        ]
        for method, path, version, body in cases:
            resp = self.call(method, path, version=version, json=body)
            self.assertFault(
                resp, 404, "The resource could not be found.", "itemNotFound"
            )
            self.assertIn("OpenStack-API-Version", resp.headers)

    def test_unrouted_method_is_plain_webob_404(self) -> None:
        server, mig = self.running_migration()
        for method, path in (
            ("PUT", f"/servers/{server.id}/migrations/{mig.id}"),
            ("POST", f"/servers/{server.id}/migrations"),
        ):
            # Without an Accept header webob answers in plain text (as it
            # does in Nova, which uses the same webob exception).
            resp = self.call(
                method,
                path,
                version="2.80",
                json={},
                headers={"Accept": None},
            )
            self.assertEqual(404, resp.status_code)
            self.assertEqual(
                "text/plain; charset=UTF-8", resp.headers["Content-Type"]
            )
            self.assertTrue(
                resp.text.startswith(
                    "404 Not Found\n\nThe resource could not be found."
                )
            )
            self.assertNotIn("OpenStack-API-Version", resp.headers)

    def test_routing_runs_before_version_parsing(self) -> None:
        resp = self.call(
            "PUT",
            "/os-migrations",
            version="2.x",
            headers={"Accept": None},
        )
        self.assertEqual(404, resp.status_code)
        self.assertEqual(
            "text/plain; charset=UTF-8", resp.headers["Content-Type"]
        )

    def test_unsupported_content_type_is_415(self) -> None:
        resp = self.call(
            "GET",
            "/servers",
            version="2.80",
            headers={"Content-Type": "application/xml"},
        )
        self.assertFault(resp, 415, "Unsupported Content-Type", "badMediaType")
        resp = self.call(
            "GET",
            "/servers",
            version="2.80",
            headers={"Content-Type": "text/plain"},
        )
        self.assertEqual(200, resp.status_code)

    def test_action_dispatch_runs_before_version_gate(self) -> None:
        server, mig = self.running_migration()
        path = f"/servers/{server.id}/migrations/{mig.id}/action"
        resp = self.call("POST", path, version="2.21", json={"pause": None})
        self.assertFault(resp, 400, "There is no such action: pause")

    def test_request_id_headers_on_every_api_response(self) -> None:
        for user, version in (
            ("admin", "2.80"),
            ("admin", "9.9"),
            (None, None),
        ):
            resp = self.call("GET", "/servers", user=user, version=version)
            rid = resp.headers["x-openstack-request-id"]
            self.assertRegex(rid, REQ_ID)
            self.assertEqual(rid, resp.headers["x-compute-request-id"])

    def test_project_id_prefix_routes(self) -> None:
        project = self.cloud.project_by_name("demo")
        assert project is not None
        resp = self.call("GET", f"/{project.id}/servers", version="2.80")
        self.assertEqual(200, resp.status_code)
        other = self.cloud.project_by_name("other")
        assert other is not None
        resp = self.call("GET", f"/{other.id}/servers", version="2.80")
        self.assertFault(
            resp,
            400,
            f"Malformed request URL: URL's project_id '{other.id}' doesn't "
            f"match Context's project_id '{project.id}'",
        )


class TestAuthErrors(base.ReferenceTestCase):
    def _assert_keystone_401(self, resp: requests.Response) -> None:
        self.assertEqual(401, resp.status_code)
        self.assertEqual(
            {
                "error": {
                    "code": 401,
                    "title": "Unauthorized",
                    "message": (
                        "The request you have made requires authentication."
                    ),
                }
            },
            resp.json(),
        )
        self.assertEqual(
            f'Keystone uri="{self.ref.url}/identity"',
            resp.headers["WWW-Authenticate"],
        )
        self.assertNotIn("OpenStack-API-Version", resp.headers)

    def test_missing_token_is_keystone_401(self) -> None:
        self._assert_keystone_401(self.call("GET", "/servers", user=None))

    def test_bad_token_is_keystone_401_even_with_bad_version(self) -> None:
        resp = self.call(
            "GET",
            "/servers",
            user=None,
            version="2.x",
            headers={"X-Auth-Token": "not-a-token"},
        )
        self._assert_keystone_401(resp)
