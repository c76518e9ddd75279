"""The Keystone v3 front."""

from __future__ import annotations

from typing import Any

import requests

from tests.functional.reference import base


def _password(user: str, password: str, scope: Any = None) -> Any:
    body: dict[str, Any] = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": user,
                        "domain": {"name": "Default"},
                        "password": password,
                    }
                },
            }
        }
    }
    if scope is not None:
        body["auth"]["scope"] = scope
    return body


class TestIdentity(base.ReferenceTestCase):
    def _post(self, body: Any) -> requests.Response:
        return self.http.post(
            f"{self.ref.auth_url}/auth/tokens", json=body, timeout=10
        )

    def test_version_document(self) -> None:
        doc = self.http.get(self.ref.auth_url, timeout=10).json()["version"]
        self.assertEqual("stable", doc["status"])
        self.assertTrue(doc["id"].startswith("v3"))

    def test_password_token_has_roles_and_catalog(self) -> None:
        resp = self._post(
            _password(
                "manager",
                "manager-password",
                {"project": {"name": "demo", "domain": {"name": "Default"}}},
            )
        )
        self.assertEqual(201, resp.status_code)
        self.assertTrue(resp.headers["X-Subject-Token"])
        token = resp.json()["token"]
        self.assertEqual(
            {"manager", "member", "reader"},
            {r["name"] for r in token["roles"]},
        )
        self.assertEqual("demo", token["project"]["name"])
        catalog = {s["type"]: s for s in token["catalog"]}
        endpoints = catalog["compute"]["endpoints"]
        self.assertEqual(
            {"public", "internal", "admin"},
            {e["interface"] for e in endpoints},
        )
        for endpoint in endpoints:
            self.assertEqual(self.ref.compute_url, endpoint["url"])
            self.assertEqual("RegionOne", endpoint["region"])
        self.assertEqual(
            self.ref.auth_url, catalog["identity"]["endpoints"][0]["url"]
        )

    def test_scope_by_project_id_and_token_method(self) -> None:
        project = self.cloud.project_by_name("demo")
        assert project is not None
        resp = self._post(
            _password(
                "admin", "admin-password", {"project": {"id": project.id}}
            )
        )
        self.assertEqual(201, resp.status_code)
        token = resp.headers["X-Subject-Token"]
        resp = self._post(
            {
                "auth": {
                    "identity": {"methods": ["token"], "token": {"id": token}},
                    "scope": {"project": {"id": project.id}},
                }
            }
        )
        self.assertEqual(201, resp.status_code)
        self.assertNotEqual(token, resp.headers["X-Subject-Token"])

    def test_bad_password_and_foreign_project_are_401(self) -> None:
        for body in (
            _password("admin", "wrong"),
            _password(
                "admin",
                "admin-password",
                {"project": {"name": "other", "domain": {"name": "Default"}}},
            ),
        ):
            resp = self._post(body)
            self.assertEqual(401, resp.status_code)
            self.assertEqual(401, resp.json()["error"]["code"])

    def test_session_and_env_for_every_user(self) -> None:
        for user in ("admin", "manager", "member", "reader", "other-admin"):
            env = self.ref.env(user)
            self.assertEqual(f"{user}-password", env["OS_PASSWORD"])
            sess = self.ref.session(user)
            resp = sess.get(f"{self.ref.compute_url}/servers")
            self.assertEqual(200, resp.status_code)
        self.assertEqual(
            "other", self.ref.env("other-admin")["OS_PROJECT_NAME"]
        )
