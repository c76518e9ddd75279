"""migrations.list (os-migrations) end to end."""

from __future__ import annotations

import itertools

from migabortclient import exceptions
from migabortclient.v2 import models
from tests.functional.library import base


class TestMigrationsList(base.LibraryTestCase):
    def setUp(self) -> None:
        super().setUp()
        old_server = self.server("old")
        self.early = self.cloud.add_migration(
            old_server.id, migration_type="migration", status="confirmed"
        )
        self.live_server, self.live = self.migrating("live")
        self.cold_server = self.server("cold")
        self.cloud.clock.advance(60)
        self.cold = self.cloud.add_migration(
            self.cold_server.id,
            migration_type="resize",
            status="finished",
            dest="cmp-b",
        )

    def test_admin_lists_everything_newest_first(self) -> None:
        items = list(self.nova().migrations.list())
        self.assertEqual(
            [self.cold.id, self.live.id, self.early.id], [m.id for m in items]
        )
        self.assertIsInstance(items[0], models.Migration)
        self.assertEqual("resize", items[0].migration_type)
        self.assertEqual("live-migration", items[1].migration_type)
        self.assertEqual("cmp-a", items[1].source_compute)
        self.assertEqual(self.live.uuid, items[1].uuid)
        self.assertTrue(items[1].in_progress)
        self.assertEqual(self.live_server.project_id, items[1].project_id)

    def test_filters(self) -> None:
        nova = self.nova()
        everything = {self.cold.id, self.live.id, self.early.id}
        cases = [
            ({"migration_type": "live-migration"}, {self.live.id}),
            ({"status": "finished"}, {self.cold.id}),
            ({"instance_uuid": self.live_server.id}, {self.live.id}),
            ({"host": "cmp-a"}, everything),
            ({"host": "cmp-c"}, set()),
            ({"source_compute": "cmp-a"}, everything),
            # updated_at: the live one is updated by every monitor tick.
            (
                {"changes_since": "2026-01-01T12:00:30Z"},
                {self.cold.id, self.live.id},
            ),
            ({"changes_before": "2026-01-01T12:00:30"}, {self.early.id}),
            ({"project_id": self.live_server.project_id}, everything),
            ({"user_id": "nobody"}, set()),
        ]
        for kwargs, expected in cases:
            ids = {m.id for m in nova.migrations.list(**kwargs)}
            self.assertEqual(expected, ids, kwargs)

    def test_pages_followed_lazily(self) -> None:
        for _ in range(3):
            self.cloud.add_migration(self.cold_server.id, status="finished")
        nova = self.nova()
        self.assertEqual(6, len(list(nova.migrations.list())))
        start = self.mark()
        pages = nova.migrations.list(limit=2)
        self.assertEqual([], self.compute_requests(start))
        first_two = list(itertools.islice(pages, 2))
        self.assertEqual(1, len(self.compute_requests(start)))
        rest = list(pages)
        self.assertEqual(6, len(first_two) + len(rest))
        requests = self.compute_requests(start)
        # 6 items in pages of 2: three full pages, then an empty one.
        self.assertEqual(4, len(requests))
        self.assertEqual(
            len({m.id for m in first_two + rest}), len(first_two + rest)
        )

    def test_marker_starts_after_it(self) -> None:
        ids = [
            m.id for m in self.nova().migrations.list(marker=self.cold.uuid)
        ]
        self.assertEqual([self.live.id, self.early.id], ids)

    def test_unknown_marker_is_novas_400(self) -> None:
        error = self.assertRaises(
            exceptions.BadRequest,
            list,
            self.nova().migrations.list(
                marker="00000000-0000-4000-8000-000000000000"
            ),
        )
        self.assertEqual(
            "Marker 00000000-0000-4000-8000-000000000000 could not be found.",
            error.message,
        )

    def test_pinned_2_58_has_no_uuid_and_no_paging(self) -> None:
        nova = self.nova(version="2.58")
        items = list(nova.migrations.list())
        self.assertEqual(3, len(items))
        self.assertTrue(all(m.uuid is None for m in items))
        self.assertRaises(
            exceptions.UnsupportedVersion, nova.migrations.list, limit=1
        )

    def test_manager_sees_own_project_without_hosts(self) -> None:
        nova = self.nova("manager")
        error = self.assertRaises(
            exceptions.Forbidden, lambda: list(nova.migrations.list())
        )
        self.assertEqual(
            "os_compute_api:os-migrations:index:all_projects",
            error.policy_rule,
        )
        items = list(
            nova.migrations.list(project_id=self.live_server.project_id)
        )
        self.assertEqual(3, len(items))
        for item in items:
            self.assertIsNone(item.source_compute)
            self.assertIsNone(item.dest_compute)

    def test_member_forbidden(self) -> None:
        error = self.assertRaises(
            exceptions.Forbidden,
            lambda: list(self.nova("member").migrations.list()),
        )
        self.assertEqual(
            "os_compute_api:os-migrations:index", error.policy_rule
        )
