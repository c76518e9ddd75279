"""instance_actions: list, get, latest."""

from __future__ import annotations

from migabortclient import exceptions
from tests.unit.library import base

ACTIONS = f"/servers/{base.SID}/os-instance-actions"
REQ_A = "req-aaaaaaaa-0000-4000-8000-000000000001"
REQ_B = "req-aaaaaaaa-0000-4000-8000-000000000002"


class TestInstanceActions(base.LibraryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.nova = self.client("2.80")
        self.reply(
            "GET",
            ACTIONS,
            {
                "instanceActions": [
                    base.action("live_migration_cancel", REQ_B),
                    base.action("live-migration", REQ_A),
                ]
            },
        )
        detail = base.action("live-migration", REQ_A)
        detail["events"] = [
            {"event": "compute_live_migration", "result": "Success"}
        ]
        self.reply("GET", f"{ACTIONS}/{REQ_A}", {"instanceAction": detail})

    def test_list(self) -> None:
        items = self.nova.instance_actions.list(base.SID)
        self.assertEqual(
            ["live_migration_cancel", "live-migration"],
            [a.action for a in items],
        )
        self.assertEqual((), items[0].events)

    def test_get(self) -> None:
        item = self.nova.instance_actions.get(base.SID, REQ_A)
        self.assertEqual("compute_live_migration", item.events[0].event)
        self.assertEqual(REQ_A, item.request_id)

    def test_latest(self) -> None:
        item = self.nova.instance_actions.latest(base.SID, "live-migration")
        assert item is not None
        self.assertEqual(1, len(item.events))
        self.assertIsNone(
            self.nova.instance_actions.latest(base.SID, "resize")
        )

    def test_bad_request_id(self) -> None:
        self.forget()
        for bad in ("", "  ", None):
            self.assertRaises(
                exceptions.ValidationError,
                self.nova.instance_actions.get,
                base.SID,
                bad,  # type: ignore[arg-type]
            )
        self.assertEqual([], self.api_calls())

    def test_wrong_shape(self) -> None:
        self.reply("GET", ACTIONS, {"instanceActionz": []})
        self.assertRaises(
            exceptions.InvalidResponse,
            self.nova.instance_actions.list,
            base.SID,
        )
