"""servers and instance_actions end to end."""

from __future__ import annotations

from migabortclient import exceptions
from tests.functional.library import base


class TestFind(base.LibraryTestCase):
    def test_by_uuid_is_one_request(self) -> None:
        server = self.server("web-1")
        nova = self.nova()
        self.assertEqual(server.id, nova.servers.get(server.id).id)
        start = self.mark()
        found = nova.servers.find(server.id)
        self.assertEqual("web-1", found.name)
        self.assertEqual("cmp-a", found.host)
        self.assertEqual(
            [("GET", f"/v2.1/servers/{server.id}")],
            self.compute_requests(start),
        )

    def test_by_exact_name(self) -> None:
        wanted = self.server("web-1")
        self.server("web-10")
        self.server("xweb-1")
        found = self.nova("manager").servers.find("web-1")
        self.assertEqual(wanted.id, found.id)
        self.assertIsNone(found.host)

    def test_names_with_regex_characters(self) -> None:
        wanted = self.server("db (primary) 1.0")
        self.server("db (primary) 100")
        found = self.nova().servers.find("db (primary) 1.0")
        self.assertEqual(wanted.id, found.id)

    def test_ambiguous(self) -> None:
        a = self.server("twin")
        b = self.server("twin")
        error = self.assertRaises(
            exceptions.NoUniqueMatch, self.nova().servers.find, "twin"
        )
        self.assertEqual({a.id, b.id}, set(error.matches))

    def test_none(self) -> None:
        self.server("web-1")
        self.assertRaises(
            exceptions.NotFound, self.nova().servers.find, "web-2"
        )
        self.assertRaises(
            exceptions.NotFound,
            self.nova().servers.find,
            "00000000-0000-4000-8000-000000000000",
        )

    def test_other_projects_need_all_projects(self) -> None:
        other = self.cloud.add_server("elsewhere", "cmp-a", project="other")
        nova = self.nova()
        self.assertRaises(exceptions.NotFound, nova.servers.find, "elsewhere")
        found = nova.servers.find("elsewhere", all_projects=True)
        self.assertEqual(other.id, found.id)


class TestLiveMigrate(base.LibraryTestCase):
    def test_bodies_per_version(self) -> None:
        cases = [
            ("2.24", {"block_migration": False}),
            ("2.25", {}),
            ("2.30", {"host": "cmp-b", "force": True}),
            ("2.68", {"host": "cmp-b"}),
        ]
        for version, kwargs in cases:
            server = self.server(f"vm-{version}", dirty_rate_mib_s=0.0)
            request_id = self.nova(version=version).servers.live_migrate(
                server.id, **kwargs
            )
            (action,) = [
                a
                for a in self.cloud.find_actions(server.id)
                if a.action == "live-migration"
            ]
            self.assertEqual(action.request_id, request_id, version)
            self.assertEqual(
                "migrating", self.cloud.get_server(server.id).task_state
            )
            self.cloud.clock.advance(60)
            self.assertEqual(
                "cmp-b", self.cloud.get_server(server.id).host, version
            )

    def test_refusals(self) -> None:
        server = self.server()
        self.assertRaises(
            exceptions.UnsupportedVersion,
            self.nova(version="2.24").servers.live_migrate,
            server.id,
        )
        self.assertRaises(
            exceptions.UnsupportedVersion,
            self.nova().servers.live_migrate,
            server.id,
            "cmp-b",
            force=True,
        )
        error = self.assertRaises(
            exceptions.Forbidden,
            self.nova("member").servers.live_migrate,
            server.id,
        )
        self.assertIsNotNone(error.policy_rule)
        self.assertIsNone(self.cloud.get_server(server.id).task_state)


class TestInstanceActions(base.LibraryTestCase):
    def test_list_get_latest_after_abort(self) -> None:
        server, mig = self.migrating()
        nova = self.nova("manager")
        request_id = nova.server_migrations.abort(server.id, mig.id)
        actions = nova.instance_actions.list(server.id)
        self.assertEqual(
            ["live_migration_cancel", "live-migration"],
            [a.action for a in actions],
        )
        assert request_id is not None
        got = nova.instance_actions.get(server.id, request_id)
        self.assertEqual("live_migration_cancel", got.action)
        self.assertEqual(
            ["compute_live_migration_abort"], [e.event for e in got.events]
        )
        latest = nova.instance_actions.latest(server, "live-migration")
        assert latest is not None
        self.assertTrue(latest.events)
        self.assertIsNone(
            nova.instance_actions.latest(
                server, "live_migration_force_complete"
            )
        )
        self.assertRaises(
            exceptions.NotFound,
            nova.instance_actions.get,
            server.id,
            "req-00000000-0000-4000-8000-000000000000",
        )
