"""os-migrations: filters, version gates, lazy bounded pagination."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib import parse

from migabortclient import exceptions
from migabortclient.v2 import migrations as migrations_mod
from tests.unit.library import base

URL = base.ENDPOINT + "/os-migrations"
UUIDS = [f"00000000-0000-4000-8000-{i:012d}" for i in range(1, 8)]


def page_of(ids: list[int], next_marker: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "migrations": [base.migration(i, uuid=UUIDS[i - 1]) for i in ids]
    }
    if next_marker is not None:
        body["migrations_links"] = [
            {
                "rel": "next",
                "href": f"{base.ENDPOINT}/os-migrations?limit=2&"
                f"marker={next_marker}",
            }
        ]
    return {
        "status_code": 200,
        "text": json.dumps(body),
        "headers": {**base.JSON, "x-openstack-request-id": base.REQ},
    }


class TestFilters(base.LibraryTestCase):
    def query(self) -> dict[str, list[str]]:
        return parse.parse_qs(self.mock.last_request.query)

    def test_every_filter_becomes_a_query_parameter(self) -> None:
        self.reply("GET", "/os-migrations", {"migrations": []})
        nova = self.client("2.80")
        list(
            nova.migrations.list(
                host="cmp-a",
                status="running",
                instance_uuid=base.SID,
                migration_type="live-migration",
                source_compute="cmp-a",
                user_id="u1",
                project_id="p1",
                changes_since="2026-01-01T00:00:00Z",
                changes_before="2026-01-02T00:00:00",
                limit=50,
                marker=base.MIG_UUID,
            )
        )
        query = parse.parse_qs(
            self.mock.last_request.query, keep_blank_values=True
        )
        self.assertEqual(
            {
                "host": ["cmp-a"],
                "status": ["running"],
                "instance_uuid": [base.SID],
                "migration_type": ["live-migration"],
                "source_compute": ["cmp-a"],
                "user_id": ["u1"],
                "project_id": ["p1"],
                "changes-since": ["2026-01-01t00:00:00z"],
                "changes-before": ["2026-01-02t00:00:00"],
                "limit": ["50"],
                "marker": [base.MIG_UUID],
            },
            query,  # requests-mock lower-cases the query
        )
        # Sent as given, hyphenated and in the original case.
        self.assertIn(
            "changes-since=2026-01-01T00%3A00%3A00Z",
            self.mock.last_request.url,
        )

    def test_no_filters_no_query(self) -> None:
        self.reply("GET", "/os-migrations", {"migrations": [base.migration()]})
        (item,) = self.client("2.1").migrations.list()
        self.assertEqual("", self.mock.last_request.query)
        self.assertEqual(42, item.id)

    def test_gates(self) -> None:
        cases = [
            ("2.58", {"changes_since": "2026-01-01T00:00:00"}, "2.59"),
            ("2.58", {"limit": 1}, "2.59"),
            ("2.58", {"marker": base.MIG_UUID}, "2.59"),
            ("2.65", {"changes_before": "2026-01-01T00:00:00"}, "2.66"),
            ("2.79", {"user_id": "u"}, "2.80"),
            ("2.79", {"project_id": "p"}, "2.80"),
        ]
        for version, kwargs, needs in cases:
            nova = self.client(version)
            error = self.assertRaises(
                exceptions.UnsupportedVersion, nova.migrations.list, **kwargs
            )
            self.assertIn(f"{needs} or later", str(error))
            self.assertIn(version, str(error))
        self.assertEqual([], self.mock.request_history)

    def test_bad_filters_refused_before_any_request(self) -> None:
        nova = self.client("auto")
        for kwargs in (
            {"limit": -1},
            {"limit": True},
            {"limit": "10"},
            {"marker": "42"},
            {"changes_since": "yesterday"},
            {"changes_before": "2026-13-01"},
            {"host": ""},
            {"status": "  "},
            {"user_id": ""},
            {"project_id": 5},
        ):
            self.assertRaises(
                exceptions.ValidationError, nova.migrations.list, **kwargs
            )
        self.assertEqual([], self.mock.request_history)


class TestPagination(base.LibraryTestCase):
    def test_follows_links_lazily(self) -> None:
        self.mock.get(
            URL,
            [
                page_of([7, 6], next_marker=UUIDS[5]),
                page_of([5, 4], next_marker=UUIDS[3]),
                page_of([3]),
            ],
        )
        nova = self.client("2.59")
        items = nova.migrations.list(limit=2)
        self.assertEqual(0, len(self.api_calls()))
        self.assertEqual(7, next(items).id)
        self.assertEqual(1, len(self.api_calls()))
        self.assertEqual(6, next(items).id)
        self.assertEqual(1, len(self.api_calls()))
        self.assertEqual(5, next(items).id)
        self.assertEqual(2, len(self.api_calls()))
        self.assertEqual([4, 3], [m.id for m in items])
        calls = self.api_calls()
        self.assertEqual(
            [
                ("GET", "/v2.1/os-migrations?limit=2"),
                ("GET", f"/v2.1/os-migrations?limit=2&marker={UUIDS[5]}"),
                ("GET", f"/v2.1/os-migrations?limit=2&marker={UUIDS[3]}"),
            ],
            calls,
        )

    def test_stopping_early_fetches_no_more(self) -> None:
        self.mock.get(
            URL,
            [
                page_of([7, 6], next_marker=UUIDS[5]),
                page_of([5, 4], next_marker=UUIDS[3]),
            ],
        )
        nova = self.client("2.80")
        first = list(itertools.islice(nova.migrations.list(limit=2), 2))
        self.assertEqual([7, 6], [m.id for m in first])
        self.assertEqual(1, len(self.api_calls()))

    def test_full_last_page_then_empty(self) -> None:
        self.mock.get(
            URL,
            [page_of([2, 1], next_marker=UUIDS[0]), page_of([])],
        )
        ids = [m.id for m in self.client("2.80").migrations.list(limit=2)]
        self.assertEqual([2, 1], ids)
        self.assertEqual(2, len(self.api_calls()))

    def test_a_page_linked_twice_stops(self) -> None:
        self.mock.get(URL, [page_of([2, 1], next_marker=UUIDS[0])])
        items = self.client("2.80").migrations.list()
        self.assertRaises(exceptions.InvalidResponse, list, items)
        self.assertEqual(2, len(self.api_calls()))

    def test_pages_bounded(self) -> None:
        self.patch(migrations_mod, "MAX_PAGES", 3)
        self.mock.get(
            URL,
            [page_of([i], next_marker=UUIDS[i - 1]) for i in (1, 2, 3, 4)],
        )
        items = self.client("2.80").migrations.list(limit=1)
        self.assertEqual([1, 2, 3], [m.id for m in itertools.islice(items, 3)])
        error = self.assertRaises(exceptions.InvalidResponse, next, items)
        self.assertIn("after 3 pages", str(error))
        self.assertEqual(3, len(self.api_calls()))

    def test_links_ignored_below_2_59(self) -> None:
        self.mock.get(URL, [page_of([2, 1], next_marker=UUIDS[0])])
        ids = [m.id for m in self.client("2.58").migrations.list()]
        self.assertEqual([2, 1], ids)
        self.assertEqual(1, len(self.api_calls()))

    def test_wrong_shape(self) -> None:
        self.reply("GET", "/os-migrations", {"migration": []})
        self.assertRaises(
            exceptions.InvalidResponse,
            list,
            self.client("2.80").migrations.list(),
        )

    def test_discovery_failure_raised_at_the_call(self) -> None:
        self.mock.get(base.ENDPOINT, status_code=503)
        self.mock.get(base.ENDPOINT + "/", status_code=503)
        error = self.assertRaises(
            exceptions.ConnectionError, self.client().migrations.list
        )
        self.assertIn("version discovery failed", str(error))


class TestNovaclientCompatibility(base.LibraryTestCase):
    def test_signatures_match_python_novaclient(self) -> None:
        import inspect

        from novaclient.v2 import migrations as nc_migrations
        from novaclient.v2 import server_migrations as nc_sm

        from migabortclient.v2 import server_migrations as sm

        def names(func: object) -> list[str]:
            return list(inspect.signature(func).parameters)  # type: ignore[arg-type]

        self.assertEqual(
            names(nc_migrations.MigrationManager.list),
            names(migrations_mod.MigrationsManager.list),
        )
        for ours, theirs in (
            ("list", "list"),
            ("get", "get"),
            ("live_migration_abort", "live_migration_abort"),
            ("live_migrate_force_complete", "live_migrate_force_complete"),
            ("abort", "live_migration_abort"),
            ("force_complete", "live_migrate_force_complete"),
        ):
            self.assertEqual(
                names(getattr(nc_sm.ServerMigrationsManager, theirs)),
                names(getattr(sm.ServerMigrationsManager, ours)),
                ours,
            )

    def test_positional_filters(self) -> None:
        self.reply("GET", "/os-migrations", {"migrations": []})
        list(
            self.client("2.80").migrations.list(
                "cmp-a", "running", base.SID, base.MIG_UUID, 5
            )
        )
        self.assertEqual(
            {
                "host": ["cmp-a"],
                "status": ["running"],
                "instance_uuid": [base.SID],
                "marker": [base.MIG_UUID],
                "limit": ["5"],
            },
            parse.parse_qs(self.mock.last_request.query),
        )
