"""The Keystone front's project and user reads (/v3/projects, /v3/users)."""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any

import requests

from migabortclient.fixture import ReferenceNova
from tests.functional.reference import base

REQUEST_ID_RE = re.compile(
    r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
UNAUTHORIZED = {
    "error": {
        "code": 401,
        "title": "Unauthorized",
        "message": "The request you have made requires authentication.",
    }
}


def forbidden(action: str) -> dict[str, Any]:
    return {
        "error": {
            "code": 403,
            "title": "Forbidden",
            "message": (
                "You are not authorized to perform the requested action: "
                f"identity:{action}."
            ),
        }
    }


def not_found(kind: str, ident: str) -> dict[str, Any]:
    return {
        "error": {
            "code": 404,
            "title": "Not Found",
            "message": f"Could not find {kind}: {ident}.",
        }
    }


class TestIdentityLookups(base.ReferenceTestCase):
    def get(
        self,
        path: str,
        user: str | None = "admin",
        token: str | None = None,
        method: str = "GET",
        **kwargs: Any,
    ) -> requests.Response:
        headers = {}
        if user is not None:
            headers["X-Auth-Token"] = self.token(user)
        if token is not None:
            headers["X-Auth-Token"] = token
        return self.http.request(
            method,
            f"{self.ref.auth_url}{path}",
            headers=headers,
            timeout=10,
            **kwargs,
        )

    def assertKeystone(
        self, resp: requests.Response, status: int, body: Any
    ) -> None:
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertEqual("application/json", resp.headers["Content-Type"])
        self.assertEqual("X-Auth-Token", resp.headers["Vary"])
        self.assertRegex(resp.headers["x-openstack-request-id"], REQUEST_ID_RE)
        self.assertEqual(body, resp.json())

    def project(self, name: str) -> dict[str, Any]:
        project = self.cloud.project_by_name(name)
        assert project is not None
        return {
            "id": project.id,
            "name": name,
            "domain_id": "default",
            "description": "",
            "enabled": True,
            "parent_id": "default",
            "is_domain": False,
            "tags": [],
            "options": {},
            "links": {"self": f"{self.ref.auth_url}/projects/{project.id}"},
        }

    def user(self, name: str) -> dict[str, Any]:
        user = self.cloud.users[name]
        return {
            "id": user.id,
            "name": name,
            "domain_id": "default",
            "enabled": True,
            "password_expires_at": None,
            "options": {},
            "links": {"self": f"{self.ref.auth_url}/users/{user.id}"},
        }

    def listing(
        self, kind: str, refs: list[dict[str, Any]], query: str = ""
    ) -> dict[str, Any]:
        return {
            kind: refs,
            "links": {
                "self": f"{self.ref.auth_url}/{kind}{query}",
                "previous": None,
                "next": None,
            },
        }

    # -- projects -----------------------------------------------------------
    def test_show_project(self) -> None:
        demo = self.project("demo")
        resp = self.get(f"/projects/{demo['id']}")
        self.assertKeystone(resp, 200, {"project": demo})
        # Stable across calls; HEAD answers the same without a body.
        self.assertEqual(
            resp.json(), self.get(f"/projects/{demo['id']}").json()
        )
        head = self.get(f"/projects/{demo['id']}", method="HEAD")
        self.assertEqual(200, head.status_code)
        self.assertEqual(b"", head.content)

    def test_list_projects_and_filters(self) -> None:
        demo, other = self.project("demo"), self.project("other")
        self.assertKeystone(
            self.get("/projects"), 200, self.listing("projects", [demo, other])
        )
        for query, refs in (
            ("?name=demo", [demo]),
            ("?name=nope", []),
            ("?name=DEMO", []),
            ("?domain_id=default", [demo, other]),
            ("?domain_id=elsewhere", []),
            ("?enabled=true", [demo, other]),
            ("?enabled=0", []),
            ("?name=other&enabled=yes", [other]),
            ("?parent_id=default", [demo, other]),
            ("?is_domain=false", [demo, other]),
            ("?name__istartswith=OT", [other]),
            ("?unknown=1", [demo, other]),
        ):
            self.assertKeystone(
                self.get(f"/projects{query}"),
                200,
                self.listing("projects", refs, query),
            )

    def test_new_project_is_listed(self) -> None:
        added = self.cloud.add_project("extra")
        body = self.get("/projects?name=extra").json()
        self.assertEqual([added.id], [p["id"] for p in body["projects"]])

    def test_invalid_filter_is_400(self) -> None:
        resp = self.get("/projects?enabled=maybe")
        enum = (
            "[True, 'True', 'TRUE', 'true', False, 'False', 'FALSE', "
            "'false', '', '1', '0', 'y', 'Y', 'n', 'N', 'on', 'ON', 'off', "
            "'OFF', 'yes', 'no']"
        )
        self.assertKeystone(
            resp,
            400,
            {
                "error": {
                    "code": 400,
                    "title": "Bad Request",
                    "message": (
                        "Invalid input for field/attribute enabled. Value: "
                        f"maybe. 'maybe' is not one of {enum}"
                    ),
                }
            },
        )
        self.assertEqual(400, self.get("/users?name=").status_code)

    def test_project_not_found(self) -> None:
        self.assertKeystone(
            self.get("/projects/nope"), 404, not_found("project", "nope")
        )

    def test_member_reads_own_project_only(self) -> None:
        demo, other = self.project("demo"), self.project("other")
        for user in ("member", "reader", "manager"):
            self.assertKeystone(
                self.get(f"/projects/{demo['id']}", user=user),
                200,
                {"project": demo},
            )
            self.assertKeystone(
                self.get(f"/projects/{other['id']}", user=user),
                403,
                forbidden("get_project"),
            )
            # The policy runs before the existence check: no 404 leak.
            self.assertKeystone(
                self.get("/projects/nope", user=user),
                403,
                forbidden("get_project"),
            )
        # Admin of another project is a cloud admin.
        self.assertKeystone(
            self.get(f"/projects/{demo['id']}", user="other-admin"),
            200,
            {"project": demo},
        )

    def test_listing_needs_admin(self) -> None:
        for user in ("member", "reader", "manager"):
            self.assertKeystone(
                self.get("/projects", user=user),
                403,
                forbidden("list_projects"),
            )
            self.assertKeystone(
                self.get("/users?name=admin", user=user),
                403,
                forbidden("list_users"),
            )
        self.assertEqual(
            200, self.get("/users", user="other-admin").status_code
        )

    # -- users --------------------------------------------------------------
    def test_show_and_list_users(self) -> None:
        names = ["admin", "manager", "member", "reader", "other-admin"]
        users = [self.user(name) for name in names]
        self.assertKeystone(
            self.get("/users"), 200, self.listing("users", users)
        )
        for query, refs in (
            ("?name=member", [self.user("member")]),
            ("?name=ghost", []),
            ("?domain_id=default&name=reader", [self.user("reader")]),
            ("?domain_id=elsewhere", []),
            ("?enabled=false", []),
        ):
            self.assertKeystone(
                self.get(f"/users{query}"),
                200,
                self.listing("users", refs, query),
            )
        member = self.user("member")
        self.assertKeystone(
            self.get(f"/users/{member['id']}"), 200, {"user": member}
        )
        self.assertKeystone(
            self.get("/users/ghost"), 404, not_found("user", "ghost")
        )

    def test_user_id_is_the_tokens(self) -> None:
        resp = self.http.get(
            f"{self.ref.auth_url}/auth/tokens",
            headers={
                "X-Auth-Token": self.token("admin"),
                "X-Subject-Token": self.token("member"),
            },
            timeout=10,
        )
        token_user = resp.json()["token"]["user"]["id"]
        listed = self.get("/users?name=member").json()["users"]
        self.assertEqual([token_user], [u["id"] for u in listed])

    def test_user_reads_self_only(self) -> None:
        member, admin = self.user("member"), self.user("admin")
        self.assertKeystone(
            self.get(f"/users/{member['id']}", user="member"),
            200,
            {"user": member},
        )
        for ident in (admin["id"], "ghost"):
            self.assertKeystone(
                self.get(f"/users/{ident}", user="member"),
                403,
                forbidden("get_user"),
            )

    # -- authentication -----------------------------------------------------
    def test_missing_or_invalid_token_is_401(self) -> None:
        demo = self.project("demo")
        for path in ("/projects", f"/projects/{demo['id']}", "/users"):
            for token in (None, "not-a-token"):
                resp = self.get(path, user=None, token=token)
                self.assertKeystone(resp, 401, UNAUTHORIZED)
                self.assertEqual(
                    f'Keystone uri="{self.ref.url}/identity"',
                    resp.headers["WWW-Authenticate"],
                )
        # Keystone validates the query before enforce_call finds no token;
        # an invalid token is refused first, by the auth middleware.
        self.assertEqual(
            400, self.get("/projects?enabled=x", user=None).status_code
        )
        self.assertEqual(
            401,
            self.get(
                "/projects?enabled=x", user=None, token="bad"
            ).status_code,
        )

    def test_policy_file_overrides_identity_rules(self) -> None:
        fd, path = tempfile.mkstemp(suffix=".yaml")
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, "w") as handle:
            handle.write('"identity:list_projects": "role:reader"\n')
        ref = self.useFixture(ReferenceNova(policy_file=path))
        sess = ref.session("reader")
        resp = sess.get(f"{ref.auth_url}/projects", raise_exc=False)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(
            {"demo", "other"}, {p["name"] for p in resp.json()["projects"]}
        )
        users = sess.get(f"{ref.auth_url}/users", raise_exc=False)
        self.assertEqual(403, users.status_code)


class TestEveryKeystoneAnswer(base.ReferenceTestCase):
    """oslo.middleware's request id and Keystone's Vary on every answer,
    the token endpoints' included; a 401 names where to authenticate."""

    def assert_keystone_headers(self, resp: requests.Response) -> None:
        self.assertRegex(
            resp.headers.get("x-openstack-request-id", ""), REQUEST_ID_RE
        )
        self.assertEqual("X-Auth-Token", resp.headers.get("Vary"))

    def test_token_issue_validate_and_version_documents(self) -> None:
        token = self.token()
        auth_url = self.ref.auth_url
        answers = {
            "version": self.http.get(auth_url, timeout=10),
            "validate": self.http.get(
                f"{auth_url}/auth/tokens",
                headers={"X-Auth-Token": token, "X-Subject-Token": token},
                timeout=10,
            ),
        }
        self.assertEqual(200, answers["version"].status_code)
        self.assertEqual(200, answers["validate"].status_code)
        for resp in answers.values():
            self.assert_keystone_headers(resp)
        self.assertNotEqual(
            answers["version"].headers["x-openstack-request-id"],
            answers["validate"].headers["x-openstack-request-id"],
        )

    def test_refused_password_is_a_401_naming_keystone(self) -> None:
        creds = self.ref.credentials("admin")
        resp = self.http.post(
            f"{self.ref.auth_url}/auth/tokens",
            json=base.password_auth(creds["username"], "not-the-password"),
            timeout=10,
        )
        self.assertEqual(401, resp.status_code)
        self.assertEqual(UNAUTHORIZED, resp.json())
        self.assert_keystone_headers(resp)
        root = self.ref.auth_url.rsplit("/v3", 1)[0]
        self.assertEqual(
            f'Keystone uri="{root}"', resp.headers["WWW-Authenticate"]
        )
        self.assertNotIn("X-Subject-Token", resp.headers)
