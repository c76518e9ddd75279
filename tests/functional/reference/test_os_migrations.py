"""GET /os-migrations: keys per version, filters, pagination, policy."""

from __future__ import annotations

import urllib.parse

from migabortclient.reference import cloud as cloud_mod
from tests.functional.reference import base

V21_KEYS = {
    "created_at",
    "dest_compute",
    "dest_host",
    "dest_node",
    "id",
    "instance_uuid",
    "new_instance_type_id",
    "old_instance_type_id",
    "source_compute",
    "source_node",
    "status",
    "updated_at",
}


class TestOsMigrations(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.live = self.running_migration()
        self.resize = self.cloud.add_migration(
            self.server.id, "resize", "finished", dest="cmp-b"
        )
        self.cloud.clock.advance(1)
        self.other, self.other_live = self.running_migration(
            project="other", source="cmp-c", dest="cmp-d"
        )

    def _list(self, query: str = "", **kw: object) -> list[dict[str, object]]:
        resp = self.call("GET", f"/os-migrations{query}", **kw)  # type: ignore[arg-type]
        self.assertEqual(200, resp.status_code, resp.text)
        items: list[dict[str, object]] = resp.json()["migrations"]
        return items

    def test_keys_per_microversion(self) -> None:
        expected = {
            "2.1": V21_KEYS,
            "2.23": V21_KEYS | {"migration_type"},
            "2.59": V21_KEYS | {"migration_type", "uuid"},
            "2.80": V21_KEYS
            | {"migration_type", "uuid", "user_id", "project_id"},
        }
        for version, keys in expected.items():
            for item in self._list(version=version):
                extra = (
                    {"links"} if item.get("id") != self.resize.id else set()
                )
                if version == "2.1":
                    extra = set()
                self.assertEqual(keys | extra, set(item), version)

    def test_links_only_on_in_progress_live_migrations(self) -> None:
        items = {i["id"]: i for i in self._list(version="2.23")}
        self.assertNotIn("links", items[self.resize.id])
        sid = self.server.id
        self.assertEqual(
            [
                {
                    "rel": "self",
                    "href": f"{self.ref.url}/v2.1/servers/{sid}/migrations/"
                    f"{self.live.id}",
                },
                {
                    "rel": "bookmark",
                    "href": f"{self.ref.url}/servers/{sid}/migrations/"
                    f"{self.live.id}",
                },
            ],
            items[self.live.id]["links"],
        )

    def test_sorted_newest_first_from_2_59(self) -> None:
        ids = [i["id"] for i in self._list(version="2.59")]
        self.assertEqual(
            [self.other_live.id, self.resize.id, self.live.id], ids
        )

    def test_filters(self) -> None:
        def ids(query: str, version: str = "2.80") -> set[object]:
            return {i["id"] for i in self._list(query, version=version)}

        self.assertEqual({self.live.id, self.resize.id}, ids("?host=cmp-b"))
        self.assertEqual({self.other_live.id}, ids("?source_compute=cmp-c"))
        self.assertEqual({self.resize.id}, ids("?migration_type=resize"))
        self.assertEqual(
            {self.resize.id}, ids("?status=running&status=finished")
        )
        self.assertEqual(
            {self.live.id, self.resize.id},
            ids(f"?instance_uuid={self.server.id}"),
        )
        self.assertEqual(
            {self.other_live.id},
            ids(f"?project_id={self.other.project_id}"),
        )
        self.assertEqual(
            {self.other_live.id}, ids(f"?user_id={self.other.user_id}")
        )

    def test_unknown_params_ignored_before_2_59_rejected_after(self) -> None:
        self.assertEqual(
            3, len(self._list("?foo=1&project_id=x", version="2.58"))
        )
        for query, name, version in (
            ("?foo=1", "foo", "2.59"),
            ("?changes-before=2026-01-01T00:00:00", "changes-before", "2.65"),
            ("?user_id=x", "user_id", "2.79"),
        ):
            resp = self.call("GET", f"/os-migrations{query}", version=version)
            self.assertFault(
                resp,
                400,
                f"Additional properties are not allowed ('{name}' was "
                "unexpected)",
            )

    def test_query_validation_texts(self) -> None:
        cases = [
            (
                "?limit=-1",
                "Invalid input for query parameters limit. Value: -1. '-1' "
                "does not match '^[0-9]*$'",
            ),
            (
                "?limit=1&limit=2",
                "Invalid input for query parameters limit. Value: ['1', "
                "'2']. ['1', '2'] is too long",
            ),
            (
                "?changes-since=yesterday",
                "Invalid input for query parameters changes-since. Value: "
                "yesterday. 'yesterday' is not a 'date-time'",
            ),
            ("?marker=nope", "Marker nope could not be found."),
            (
                "?changes-since=2026-01-02T00:00:00"
                "&changes-before=2026-01-01T00:00:00",
                "The value of changes-since must be less than or equal to "
                "changes-before.",
            ),
        ]
        for query, message in cases:
            resp = self.call("GET", f"/os-migrations{query}", version="2.80")
            self.assertFault(resp, 400, message)

    def test_pagination_with_uuid_markers(self) -> None:
        seen: list[object] = []
        query = "?limit=1"
        for _ in range(10):
            resp = self.call("GET", f"/os-migrations{query}", version="2.59")
            body = resp.json()
            seen.extend(i["id"] for i in body["migrations"])
            links = body.get("migrations_links")
            if not links:
                break
            self.assertEqual("next", links[0]["rel"])
            href = links[0]["href"]
            self.assertTrue(
                href.startswith(f"{self.ref.url}/v2.1/os-migrations?limit=1")
            )
            marker = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
            self.assertEqual(
                body["migrations"][-1]["uuid"], marker["marker"][0]
            )
            query = "?" + urllib.parse.urlsplit(href).query
        self.assertEqual(
            [self.other_live.id, self.resize.id, self.live.id], seen
        )

    def test_limit_zero_is_empty(self) -> None:
        self.assertEqual([], self._list("?limit=0", version="2.59"))

    def test_changes_since_and_before(self) -> None:
        since = cloud_mod.isotime(self.cloud.clock.now())
        assert since is not None
        ids = {
            i["id"]
            for i in self._list(f"?changes-since={since}", version="2.66")
        }
        self.assertNotIn(self.resize.id, ids)
        before = cloud_mod.isotime(self.resize.updated_at)
        ids = {
            i["id"]
            for i in self._list(f"?changes-before={before}", version="2.66")
        }
        self.assertIn(self.resize.id, ids)
        self.assertNotIn(self.other_live.id, ids)

    def test_policy_flow(self) -> None:
        rule = "os_compute_api:os-migrations:index"
        for user in ("member", "reader"):
            resp = self.call(
                "GET", "/os-migrations", user=user, version="2.80"
            )
            self.assertFault(
                resp, 403, f"Policy doesn't allow {rule} to be performed."
            )
        resp = self.call(
            "GET", "/os-migrations", user="manager", version="2.80"
        )
        self.assertFault(
            resp,
            403,
            f"Policy doesn't allow {rule}:all_projects to be performed.",
        )
        own = self.server.project_id
        items = self._list(
            f"?project_id={own}", user="manager", version="2.80"
        )
        self.assertEqual(
            {self.live.id, self.resize.id}, {i["id"] for i in items}
        )
        for item in items:
            self.assertIsNone(item["source_compute"])
            self.assertIsNone(item["dest_host"])
        admin = self._list(version="2.80")
        self.assertTrue(all(i["source_compute"] for i in admin))

    def test_next_link_keeps_params_sorted_and_appends_marker(self) -> None:
        resp = self.call(
            "GET",
            "/os-migrations?status=running&limit=1",
            version="2.59",
        )
        body = resp.json()
        marker = body["migrations"][0]["uuid"]
        self.assertEqual(
            f"{self.ref.url}/v2.1/os-migrations?limit=1&status=running"
            f"&marker={marker}",
            body["migrations_links"][0]["href"],
        )
