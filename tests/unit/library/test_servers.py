"""servers: find by ID or exact name; live_migrate bodies per version."""

from __future__ import annotations

from typing import Any
from urllib import parse

from migabortclient import exceptions
from tests.unit.library import base

SERVER = f"/servers/{base.SID}"


def server(sid: str = base.SID, name: str = "web-1") -> dict[str, Any]:
    return {"id": sid, "name": name, "status": "ACTIVE", "tenant_id": "p1"}


class TestFind(base.LibraryTestCase):
    def test_by_uuid_is_one_request(self) -> None:
        self.reply("GET", SERVER, {"server": server()})
        found = self.client("2.80").servers.find(base.SID)
        self.assertEqual(base.SID, found.id)
        self.assertEqual("web-1", found.name)
        self.assertEqual([("GET", f"/v2.1{SERVER}")], self.api_calls())

    def test_by_name_exact_match(self) -> None:
        self.reply(
            "GET",
            "/servers/detail",
            {
                "servers": [
                    server(base.OTHER_SID, "web-10"),
                    server(base.SID, "web-1"),
                ]
            },
        )
        found = self.client("2.80").servers.find("web-1")
        self.assertEqual(base.SID, found.id)
        (call,) = self.api_calls()
        self.assertEqual(
            {"name": ["^web\\-1$"]},
            parse.parse_qs(self.mock.last_request.query),
        )
        self.assertEqual("GET", call[0])

    def test_name_with_special_characters_is_escaped(self) -> None:
        self.reply(
            "GET", "/servers/detail", {"servers": [server(name="a.b (1)")]}
        )
        self.client("2.80").servers.find("a.b (1)", all_projects=True)
        query = parse.parse_qs(self.mock.last_request.query)
        self.assertEqual(["^a\\.b\\ \\(1\\)$"], query["name"])
        self.assertEqual(["true"], query["all_tenants"])

    def test_ambiguous_name(self) -> None:
        self.reply(
            "GET",
            "/servers/detail",
            {"servers": [server(base.SID), server(base.OTHER_SID)]},
        )
        error = self.assertRaises(
            exceptions.NoUniqueMatch,
            self.client("2.80").servers.find,
            "web-1",
        )
        self.assertEqual((base.SID, base.OTHER_SID), error.matches)
        self.assertIn("Multiple servers", str(error))

    def test_no_match(self) -> None:
        self.reply(
            "GET", "/servers/detail", {"servers": [server(name="web-10")]}
        )
        error = self.assertRaises(
            exceptions.NotFound, self.client("2.80").servers.find, "web-1"
        )
        self.assertIn("web-1", str(error))
        self.assertEqual(404, error.http_status)

    def test_unknown_uuid_falls_back_to_names(self) -> None:
        self.reply(
            "GET", SERVER, base.fault(404, "nope", "itemNotFound"), status=404
        )
        self.reply("GET", "/servers/detail", {"servers": []})
        self.assertRaises(
            exceptions.NotFound, self.client("2.80").servers.find, base.SID
        )
        self.assertEqual(2, len(self.api_calls()))

    def test_bad_names_refused_before_any_request(self) -> None:
        nova = self.client("auto")
        for bad in ("", "  ", "a\x00b", "tab\there", None, 5):
            self.assertRaises(
                exceptions.ValidationError,
                nova.servers.find,
                bad,  # type: ignore[arg-type]
            )
        self.assertEqual([], self.mock.request_history)

    def test_get(self) -> None:
        self.reply(
            "GET",
            SERVER,
            {
                "server": {
                    **server(),
                    "OS-EXT-STS:task_state": "migrating",
                    "OS-EXT-SRV-ATTR:host": "cmp-a",
                }
            },
        )
        got = self.client("2.80").servers.get(base.SID)
        self.assertEqual("migrating", got.task_state)
        self.assertEqual(base.REQ, got.request_id)


class TestLiveMigrate(base.LibraryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.reply("POST", f"{SERVER}/action", status=202)

    def body(self, version: str, *args: Any, **kwargs: Any) -> Any:
        nova = self.client(version)
        self.assertEqual(
            base.REQ, nova.servers.live_migrate(base.SID, *args, **kwargs)
        )
        return self.mock.last_request.json()["os-migrateLive"]

    def test_2_24_needs_explicit_block_migration(self) -> None:
        self.assertEqual(
            {
                "host": None,
                "block_migration": False,
                "disk_over_commit": False,
            },
            self.body("2.24", block_migration=False),
        )
        error = self.assertRaises(
            exceptions.UnsupportedVersion,
            self.client("2.24").servers.live_migrate,
            base.SID,
        )
        self.assertIn("2.25", str(error))
        self.assertIn("2.24", str(error))

    def test_2_25_auto(self) -> None:
        self.assertEqual(
            {"host": None, "block_migration": "auto"}, self.body("2.25")
        )
        self.assertEqual(
            {"host": "cmp-b", "block_migration": True},
            self.body("2.25", "cmp-b", True),
        )

    def test_2_30_force(self) -> None:
        self.assertEqual(
            {"host": "cmp-b", "block_migration": "auto", "force": True},
            self.body("2.30", "cmp-b", force=True),
        )
        self.assertEqual(
            {"host": "cmp-b", "block_migration": "auto"},
            self.body("2.30", "cmp-b"),
        )

    def test_2_68_has_no_force(self) -> None:
        self.assertEqual(
            {"host": "cmp-b", "block_migration": "auto"},
            self.body("2.68", "cmp-b"),
        )
        for version in ("2.29", "2.68", "2.104"):
            self.assertRaises(
                exceptions.UnsupportedVersion,
                self.client(version).servers.live_migrate,
                base.SID,
                "cmp-b",
                force=True,
            )

    def test_bad_arguments_refused_before_any_request(self) -> None:
        self.forget()
        nova = self.client("auto")
        for args, kwargs in (
            (("",), {}),
            ((5,), {}),
            ((None, "yes"), {}),
            ((None, 1), {}),
            ((None,), {"force": True}),
            (("cmp-b",), {"force": "yes"}),
        ):
            self.assertRaises(
                exceptions.ValidationError,
                nova.servers.live_migrate,
                base.SID,
                *args,
                **kwargs,
            )
        self.assertEqual([], self.mock.request_history)
