"""The real ``openstack`` resolving --project/--user names through the
reference's Keystone (openstacksdk's find_project/find_user)."""

from __future__ import annotations

import json
from typing import Any

from tests.functional.cli import base


class TestIdentityNames(base.CLITestCase):
    def setUp(self) -> None:
        super().setUp()
        cloud = self.ref.cloud
        # Migrations of other owners and projects, which the filters must
        # leave out: web-1 and db-1 belong to "member" in "demo".
        self.admins = cloud.add_server("adm-1", "compute1", user="admin")
        self.others = cloud.add_server(
            "oth-1", "compute2", project="other", user="other-admin"
        )
        self.admin_rows = [
            cloud.add_migration(self.admins.id, dest="compute2"),
            cloud.add_migration(self.admins.id, dest="compute3"),
        ]
        cloud.add_migration(self.others.id, dest="compute1")

    def list_json(self, *args: str, user: str = "admin") -> base.Result:
        return self.run_cli(
            "openstack",
            "--os-compute-api-version",
            "2.80",
            "server",
            "migration",
            "list",
            *args,
            "-f",
            "json",
            user=user,
        )

    def expected_ids(self, project: str, user: str) -> list[int]:
        """The reference's own rows for that project and user, newest
        first."""
        cloud = self.ref.cloud
        found = cloud.project_by_name(project)
        assert found is not None
        project_id = found.id
        user_id = cloud.users[user].id
        rows: list[Any] = [
            cloud.get_migration(m.id)
            for m in list(cloud.migrations.values())
            if m.project_id == project_id and m.user_id == user_id
        ]
        rows.sort(key=lambda m: (m.created_at, m.id), reverse=True)
        return [m.id for m in rows]

    def test_project_and_user_names(self) -> None:
        result = self.list_json("--project", "demo", "--user", "admin")
        self.assertOk(result)
        rows = json.loads(result.out)
        expected = self.expected_ids("demo", "admin")
        self.assertEqual(
            sorted(m.id for m in self.admin_rows), sorted(expected)
        )
        self.assertEqual(expected, [row["Id"] for row in rows])
        demo = self.ref.cloud.project_by_name("demo")
        assert demo is not None
        admin_id = self.ref.cloud.users["admin"].id
        self.assertEqual(
            {(demo.id, admin_id)},
            {(row["Project"], row["User"]) for row in rows},
        )
        # Resolved as openstacksdk does: by ID first (a 404), then a
        # list filtered by name.
        paths = [r.path for r in self.ref.requests if r.method == "GET"]
        for kind, name in (("projects", "demo"), ("users", "admin")):
            self.assertIn(f"/identity/v3/{kind}/{name}", paths)
            self.assertIn(f"/identity/v3/{kind}", paths)

    def test_member_name_selects_the_member_rows(self) -> None:
        result = self.list_json("--project", "demo", "--user", "member")
        self.assertOk(result)
        ids = [row["Id"] for row in json.loads(result.out)]
        self.assertEqual(self.expected_ids("demo", "member"), ids)
        self.assertEqual(
            sorted([self.web_mig.id, self.db_mig.id]), sorted(ids)
        )

    def test_unknown_project_name(self) -> None:
        result = self.list_json("--project", "no-such-project")
        self.assertEqual(1, result.code, result)
        self.assertEqual("", result.out)
        self.assertEqual(
            "No project named 'no-such-project' was found in the identity "
            "service; give --project an ID, or --project-domain if the "
            "name is in another domain.\n",
            result.err,
        )

    def test_unknown_user_name(self) -> None:
        result = self.list_json("--user", "nobody")
        self.assertEqual(1, result.code, result)
        self.assertNotIn("Traceback", result.err)
        self.assertEqual(
            "No user named 'nobody' was found in the identity service; "
            "give --user an ID, or --user-domain if the name is in "
            "another domain.\n",
            result.err,
        )

    def test_manager_cannot_resolve_names(self) -> None:
        # Keystone's default policy: listing projects needs the admin
        # role, so a project manager must pass the project ID.
        result = self.list_json("--project", "demo", user="manager")
        self.assertEqual(1, result.code, result)
        self.assertNotIn("Traceback", result.err)
        self.assertEqual(1, len(result.err.splitlines()), result.err)
        self.assertIn("Cannot resolve project 'demo'", result.err)
        self.assertIn("identity:list_projects", result.err)
