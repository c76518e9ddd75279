"""Model parsing: typed fields, late fields None, unknown keys ignored."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
from typing import Any

import testtools
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from migabortclient import exceptions
from migabortclient.v2 import models
from tests.unit.library import base

UTC = datetime.UTC
# Keys each version adds to a server migration / os-migrations row.
LATE_KEYS = ("uuid", "user_id", "project_id")
SERVER_MIGRATION_KEYS = tuple(base.server_migration())
MIGRATION_KEYS = tuple(base.migration())

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8)
)
extra_keys = st.dictionaries(
    st.text(min_size=1, max_size=12).filter(
        lambda k: k not in SERVER_MIGRATION_KEYS + MIGRATION_KEYS + LATE_KEYS
    ),
    json_scalars,
    max_size=5,
)


class TestServerMigration(testtools.TestCase):
    def test_2_23_body(self) -> None:
        item = models.ServerMigration.from_api(base.server_migration(), "r1")
        self.assertEqual(42, item.id)
        self.assertEqual(base.SID, item.server_uuid)
        self.assertEqual("running", item.status)
        self.assertEqual("cmp-a", item.source_compute)
        self.assertEqual(3072, item.memory_remaining_bytes)
        self.assertEqual(
            datetime.datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC),
            item.updated_at,
        )
        self.assertIsNone(item.uuid)
        self.assertIsNone(item.user_id)
        self.assertIsNone(item.project_id)
        self.assertEqual("r1", item.request_id)
        self.assertTrue(item.in_progress)

    def test_2_80_body(self) -> None:
        item = models.ServerMigration.from_api(
            base.server_migration(
                uuid=base.MIG_UUID, user_id="u1", project_id="p1"
            )
        )
        self.assertEqual(base.MIG_UUID, item.uuid)
        self.assertEqual(("u1", "p1"), (item.user_id, item.project_id))

    def test_hidden_hosts_are_none(self) -> None:
        item = models.ServerMigration.from_api(
            base.server_migration(
                source_compute=None,
                source_node=None,
                dest_compute=None,
                dest_host=None,
                dest_node=None,
                memory_total_bytes=None,
            )
        )
        self.assertIsNone(item.source_compute)
        self.assertIsNone(item.dest_host)
        self.assertIsNone(item.memory_total_bytes)

    def test_frozen(self) -> None:
        item = models.ServerMigration.from_api(base.server_migration())
        self.assertRaises(
            dataclasses.FrozenInstanceError, setattr, item, "status", "x"
        )

    def test_request_id_not_part_of_equality(self) -> None:
        a = models.ServerMigration.from_api(base.server_migration(), "r1")
        b = models.ServerMigration.from_api(base.server_migration(), "r2")
        self.assertEqual(a, b)

    def test_to_dict_has_iso_times(self) -> None:
        data = models.ServerMigration.from_api(
            base.server_migration()
        ).to_dict()
        self.assertEqual("2026-01-01T12:00:00+00:00", data["created_at"])
        self.assertEqual(42, data["id"])

    def test_missing_required_key_is_invalid_response(self) -> None:
        for key in ("id", "server_uuid", "status"):
            body = base.server_migration()
            del body[key]
            error = self.assertRaises(
                exceptions.InvalidResponse,
                models.ServerMigration.from_api,
                body,
            )
            self.assertIn(key, str(error))

    def test_bad_values_are_invalid_response(self) -> None:
        for bad in (
            {"created_at": "yesterday"},
            {"created_at": 5},
            {"memory_total_bytes": "lots"},
            {"memory_total_bytes": True},
            {"memory_total_bytes": [1]},
        ):
            self.assertRaises(
                exceptions.InvalidResponse,
                models.ServerMigration.from_api,
                base.server_migration(**bad),
            )
        self.assertRaises(
            exceptions.InvalidResponse, models.ServerMigration.from_api, None
        )
        self.assertRaises(
            exceptions.InvalidResponse, models.ServerMigration.from_api, []
        )

    def test_zoned_and_z_times(self) -> None:
        item = models.ServerMigration.from_api(
            base.server_migration(
                created_at="2026-01-01T12:00:00Z",
                updated_at="2026-01-01T13:00:00+01:00",
            )
        )
        self.assertEqual(item.created_at, item.updated_at)
        self.assertIsNone(models.parse_time(""))


class TestMigration(testtools.TestCase):
    def test_2_1_row_without_type(self) -> None:
        body = base.migration()
        del body["migration_type"]
        item = models.Migration.from_api(body)
        self.assertIsNone(item.migration_type)
        self.assertEqual(base.SID, item.server_uuid)
        self.assertEqual(1, item.old_instance_type_id)

    def test_2_80_row(self) -> None:
        item = models.Migration.from_api(
            base.migration(
                uuid=base.MIG_UUID,
                user_id="u1",
                project_id="p1",
                status="cancelled",
                links=[{"rel": "self", "href": "http://x"}],
            )
        )
        self.assertEqual(base.MIG_UUID, item.uuid)
        self.assertEqual("p1", item.project_id)
        self.assertFalse(item.in_progress)
        self.assertIn(item.status, models.FINAL)


class TestActions(testtools.TestCase):
    def test_action_with_events(self) -> None:
        body = base.action(models_abort := "live_migration_cancel")
        body["events"] = [
            {
                "event": "compute_live_migration_abort",
                "start_time": "2026-01-01T12:01:00",
                "finish_time": "2026-01-01T12:01:01",
                "result": "Error",
                "traceback": "NotImplementedError",
                "host": "cmp-a",
                "hostId": "abc",
                "details": "NotImplementedError",
            }
        ]
        item = models.InstanceAction.from_api(body)
        self.assertEqual(models_abort, item.action)
        self.assertEqual(base.REQ, item.request_id)
        self.assertEqual(1, len(item.failed_events))
        self.assertEqual("abc", item.events[0].host_id)
        self.assertTrue(item.events[0].failed)

    def test_action_without_events_and_old_event_fields(self) -> None:
        item = models.InstanceAction.from_api(base.action("live-migration"))
        self.assertEqual((), item.events)
        self.assertIsNone(item.updated_at)
        event = models.ActionEvent.from_api({"event": "e", "result": None})
        self.assertIsNone(event.host)
        self.assertIsNone(event.details)
        self.assertFalse(event.failed)

    def test_events_not_a_list(self) -> None:
        body = base.action("x")
        body["events"] = "nope"
        self.assertRaises(
            exceptions.InvalidResponse, models.InstanceAction.from_api, body
        )

    def test_outcome_helpers(self) -> None:
        ok = models.Outcome(migration_id=1, status="cancelled")
        self.assertTrue(ok.succeeded)
        self.assertEqual((), ok.events)
        failed = models.Outcome(
            migration_id=1,
            status="running",
            action=models.InstanceAction(
                action="live_migration_cancel",
                request_id="r",
                events=(models.ActionEvent(event="e", result="Error"),),
            ),
        )
        self.assertFalse(failed.succeeded)


class TestServer(testtools.TestCase):
    def test_extended_attributes(self) -> None:
        item = models.Server.from_api(
            {
                "id": base.SID,
                "name": "vm",
                "status": "MIGRATING",
                "OS-EXT-STS:task_state": "migrating",
                "OS-EXT-SRV-ATTR:host": "cmp-a",
                "tenant_id": "p1",
                "user_id": "u1",
                "flavor": {"original_name": "m1"},
            }
        )
        self.assertEqual("migrating", item.task_state)
        self.assertEqual("cmp-a", item.host)
        self.assertEqual("p1", item.project_id)

    def test_member_view_hides_host(self) -> None:
        item = models.Server.from_api({"id": base.SID, "name": "vm"})
        self.assertIsNone(item.host)
        self.assertIsNone(item.task_state)


class TestModelProperties(testtools.TestCase):
    @settings(database=None, deadline=None)
    @given(
        extra_keys,
        st.sets(st.sampled_from((*LATE_KEYS, "created_at", "dest_host"))),
    )
    def test_server_migration_tolerates_extra_and_missing_late_keys(
        self, extra: dict[str, Any], dropped: set[str]
    ) -> None:
        body = base.server_migration(
            uuid=base.MIG_UUID, user_id="u", project_id="p"
        )
        for key in dropped:
            del body[key]
        body.update(extra)
        item = models.ServerMigration.from_api(body)
        self.assertEqual(42, item.id)
        for key in dropped:
            self.assertIsNone(getattr(item, key), key)
        for key in set(LATE_KEYS) - dropped:
            self.assertIsNotNone(getattr(item, key), key)

    @settings(database=None, deadline=None)
    @given(
        extra_keys,
        st.sets(st.sampled_from((*LATE_KEYS, "migration_type"))),
    )
    def test_migration_tolerates_extra_and_missing_late_keys(
        self, extra: dict[str, Any], dropped: set[str]
    ) -> None:
        body = base.migration(uuid=base.MIG_UUID, user_id="u", project_id="p")
        for key in dropped:
            del body[key]
        body.update(extra)
        item = models.Migration.from_api(body)
        for key in dropped:
            self.assertIsNone(getattr(item, key), key)

    @settings(database=None, deadline=None)
    @given(
        st.datetimes(
            min_value=datetime.datetime(2000, 1, 1),
            max_value=datetime.datetime(2100, 1, 1),
        )
    )
    def test_nova_timestamps_round_trip_as_utc(
        self, when: datetime.datetime
    ) -> None:
        parsed = models.parse_time(when.isoformat())
        self.assertEqual(when.replace(tzinfo=UTC), parsed)

    @settings(database=None, deadline=None, max_examples=300)
    @given(
        st.dictionaries(
            st.sampled_from(SERVER_MIGRATION_KEYS + MIGRATION_KEYS + LATE_KEYS)
            | st.text(max_size=10),
            json_scalars | st.lists(json_scalars, max_size=2),
            max_size=len(SERVER_MIGRATION_KEYS) + 3,
        )
    )
    def test_arbitrary_objects_parse_or_raise_invalid_response(
        self, body: dict[str, Any]
    ) -> None:
        for model in (models.ServerMigration, models.Migration):
            with contextlib.suppress(exceptions.InvalidResponse):
                model.from_api(body)  # type: ignore[attr-defined]
