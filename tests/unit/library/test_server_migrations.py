"""server_migrations: version gates, migration refs, abort, wait."""

from __future__ import annotations

import json
from typing import Any

import requests
from keystoneauth1 import token_endpoint

from migabortclient import exceptions
from migabortclient.v2 import models
from tests.unit.library import base

SERVER = f"/servers/{base.SID}"
MIGRATIONS = f"{SERVER}/migrations"
ACTIONS = f"{SERVER}/os-instance-actions"
T0 = "2026-01-01T12:00:00.000000"
BEFORE = "2026-01-01T11:00:00.000000"
AFTER = "2026-01-01T12:01:00.000000"
CANCEL = "live_migration_cancel"
FORCE = "live_migration_force_complete"
REQ_ABORT = "req-aaaaaaaa-0000-4000-8000-000000000001"
REQ_OLD = "req-aaaaaaaa-0000-4000-8000-000000000000"


def page(status: int = 200, **body: Any) -> dict[str, Any]:
    return {
        "status_code": status,
        "text": json.dumps(body),
        "headers": {**base.JSON, "x-openstack-request-id": base.REQ},
    }


class TestVersionGates(base.LibraryTestCase):
    def assertRefused(
        self, version: str, call: Any, *, needs: str, in_use: str
    ) -> exceptions.UnsupportedVersion:
        nova = self.client(version)
        error: exceptions.UnsupportedVersion = self.assertRaises(
            exceptions.UnsupportedVersion, call, nova
        )
        self.assertIn(f"version {needs} or later", str(error))
        self.assertIn(in_use, str(error))
        self.assertEqual([], self.api_calls())
        return error

    def test_pinned_too_low(self) -> None:
        sm = "server_migrations"
        cases = [
            ("2.22", lambda n: getattr(n, sm).list(base.SID), "2.23"),
            ("2.22", lambda n: getattr(n, sm).get(base.SID, 42), "2.23"),
            ("2.23", lambda n: getattr(n, sm).abort(base.SID, 42), "2.24"),
            (
                "2.23",
                lambda n: getattr(n, sm).live_migration_abort(base.SID, 42),
                "2.24",
            ),
            (
                "2.21",
                lambda n: getattr(n, sm).force_complete(base.SID, 42),
                "2.22",
            ),
            (
                "2.21",
                lambda n: getattr(n, sm).live_migrate_force_complete(
                    base.SID, 42
                ),
                "2.22",
            ),
            ("2.22", lambda n: getattr(n, sm).wait(base.SID, 42), "2.23"),
            (
                "2.58",
                lambda n: getattr(n, sm).abort(base.SID, base.MIG_UUID),
                "2.59",
            ),
            (
                "2.58",
                lambda n: getattr(n, sm).get(base.SID, base.MIG_UUID),
                "2.59",
            ),
        ]
        for version, call, needs in cases:
            error = self.assertRefused(
                version, call, needs=needs, in_use=f"pinned to {version}"
            )
            self.assertEqual(0, self.discoveries(), str(error))

    def test_server_too_old(self) -> None:
        self.mock.get(base.ENDPOINT, json=base.version_doc("2.22"))
        error = self.assertRefused(
            "auto",
            lambda n: n.server_migrations.abort(base.SID, 42),
            needs="2.24",
            in_use="the server's maximum is 2.22",
        )
        self.assertIn("Aborting a live migration", str(error))
        self.assertEqual(1, self.discoveries())

    def test_force_complete_allowed_at_2_22(self) -> None:
        self.reply("POST", f"{MIGRATIONS}/42/action", status=202)
        nova = self.client("2.22")
        self.assertEqual(
            base.REQ, nova.server_migrations.force_complete(base.SID, 42)
        )
        self.assertEqual(
            {"force_complete": None}, self.mock.last_request.json()
        )


class TestMigrationRefs(base.LibraryTestCase):
    def test_numeric_forms(self) -> None:
        self.reply("DELETE", f"{MIGRATIONS}/42", status=202)
        nova = self.client("2.24")
        item = models.ServerMigration.from_api(base.server_migration())
        server = models.Server(id=base.SID)
        for ref in (42, "42", " 42 ", "0042", item):
            self.assertEqual(
                base.REQ, nova.server_migrations.abort(server, ref)
            )
        self.assertEqual(
            [("DELETE", f"/v2.1{MIGRATIONS}/42")] * 5, self.api_calls()
        )

    def test_bad_refs_refused_before_any_request(self) -> None:
        nova = self.client("auto")
        for ref in (
            0,
            -1,
            2**31,
            10**30,
            "abc",
            "",
            " ",
            "-1",
            "4 2",
            "1e3",
            "\u0664\u0662",
            True,
            1.5,
            None,
            "12345678-1234",
            object(),
        ):
            for call in (
                nova.server_migrations.abort,
                nova.server_migrations.force_complete,
                nova.server_migrations.get,
                nova.server_migrations.wait,
            ):
                self.assertRaises(
                    exceptions.ValidationError, call, base.SID, ref
                )
        self.assertEqual([], self.mock.request_history)

    def test_dot_segments_refused_before_any_request(self) -> None:
        # "/servers/../migrations/42" would reach another URL.
        nova = self.client("auto")
        for server in (".", "..", " .. "):
            self.assertRaises(
                exceptions.ValidationError,
                nova.server_migrations.abort,
                server,
                42,
            )
        self.assertEqual([], self.mock.request_history)

    def test_bad_servers_refused_before_any_request(self) -> None:
        nova = self.client("auto")
        for server in ("", " ", "a/b", "a?b", "a#b", "50%", "a\nb", None, 7):
            self.assertRaises(
                exceptions.ValidationError,
                nova.server_migrations.abort,
                server,
                42,
            )
            self.assertRaises(
                exceptions.ValidationError,
                nova.server_migrations.list,
                server,
            )
        self.assertEqual([], self.mock.request_history)

    def test_uuid_resolved_through_the_list_at_2_59(self) -> None:
        self.reply(
            "GET",
            MIGRATIONS,
            {
                "migrations": [
                    base.server_migration(7, uuid=base.OTHER_SID),
                    base.server_migration(42, uuid=base.MIG_UUID),
                ]
            },
        )
        self.reply("DELETE", f"{MIGRATIONS}/42", status=202)
        nova = self.client("2.59")
        nova.server_migrations.abort(base.SID, base.MIG_UUID.upper())
        self.assertEqual(
            [
                ("GET", f"/v2.1{MIGRATIONS}"),
                ("DELETE", f"/v2.1{MIGRATIONS}/42"),
            ],
            self.api_calls(),
        )
        got = nova.server_migrations.get(base.SID, base.MIG_UUID)
        self.assertEqual(42, got.id)

    def test_unknown_uuid_is_not_found_without_delete(self) -> None:
        self.reply("GET", MIGRATIONS, {"migrations": []})
        nova = self.client("2.65")
        error = self.assertRaises(
            exceptions.NotFound,
            nova.server_migrations.abort,
            base.SID,
            base.MIG_UUID,
        )
        self.assertIn(base.MIG_UUID, str(error))
        self.assertEqual(404, error.http_status)
        self.assertEqual([("GET", f"/v2.1{MIGRATIONS}")], self.api_calls())


class TestReads(base.LibraryTestCase):
    def test_list_per_version(self) -> None:
        for version, extra in (
            ("2.23", {}),
            ("2.59", {"uuid": base.MIG_UUID}),
            (
                "2.80",
                {"uuid": base.MIG_UUID, "user_id": "u", "project_id": "p"},
            ),
        ):
            self.reply(
                "GET",
                MIGRATIONS,
                {"migrations": [base.server_migration(**extra)]},
            )
            (item,) = self.client(version).server_migrations.list(base.SID)
            self.assertEqual(extra.get("uuid"), item.uuid, version)
            self.assertEqual(extra.get("user_id"), item.user_id, version)
            self.assertEqual(extra.get("project_id"), item.project_id, version)
            self.assertEqual(base.REQ, item.request_id)

    def test_get_by_id(self) -> None:
        self.reply(
            "GET", f"{MIGRATIONS}/42", {"migration": base.server_migration()}
        )
        item = self.client("2.23").server_migrations.get(base.SID, "42")
        self.assertEqual(42, item.id)
        self.assertEqual("cmp-b", item.dest_compute)

    def test_get_forbidden_for_managers(self) -> None:
        rule = "os_compute_api:servers:migrations:show"
        self.reply(
            "GET",
            f"{MIGRATIONS}/42",
            base.fault(
                403,
                f"Policy doesn't allow {rule} to be performed.",
                "forbidden",
            ),
            status=403,
        )
        error = self.assertRaises(
            exceptions.Forbidden,
            self.client("2.80").server_migrations.get,
            base.SID,
            42,
        )
        self.assertEqual(rule, error.policy_rule)


class TestAbortAnswerLost(base.LibraryTestCase):
    """Abort and force-complete are sent once; a lost answer is checked."""

    def setUp(self) -> None:
        super().setUp()
        self.nova = self.fake_client("2.80")

    def still_running(self) -> None:
        self.reply(
            "GET",
            MIGRATIONS,
            {"migrations": [base.server_migration(created_at=T0)]},
        )

    def actions(self, *items: dict[str, Any]) -> None:
        self.reply("GET", ACTIONS, {"instanceActions": list(items)})

    def test_lost_answer_but_recorded_returns_its_request_id(self) -> None:
        self.mock.delete(
            base.ENDPOINT + f"{MIGRATIONS}/42",
            exc=requests.exceptions.ConnectionError("reset"),
        )
        self.still_running()
        self.actions(
            base.action(CANCEL, REQ_ABORT, AFTER),
            base.action("live-migration", REQ_OLD, T0),
        )
        self.assertEqual(
            REQ_ABORT, self.nova.server_migrations.abort(base.SID, 42)
        )
        self.assertEqual(
            [
                ("DELETE", f"/v2.1{MIGRATIONS}/42"),
                ("GET", f"/v2.1{MIGRATIONS}"),
                ("GET", f"/v2.1{ACTIONS}"),
            ],
            self.api_calls(),
        )
        self.assertEqual([], self.delays)

    def test_503_and_not_recorded_is_not_applied(self) -> None:
        self.reply(
            "DELETE",
            f"{MIGRATIONS}/42",
            base.fault(503, "busy", "serviceUnavailable"),
            status=503,
            headers={"Retry-After": "1"},
        )
        self.still_running()
        # An abort of an earlier migration does not count.
        self.actions(base.action(CANCEL, REQ_OLD, BEFORE))
        error = self.assertRaises(
            exceptions.NotApplied,
            self.nova.server_migrations.abort,
            base.SID,
            42,
        )
        self.assertEqual(42, error.migration_id)
        self.assertEqual("running", error.status)
        self.assertEqual(503, error.http_status)
        self.assertEqual(base.REQ, error.request_id)
        self.assertIn("not applied", str(error))
        self.assertIn("running", str(error))
        self.assertIsInstance(error.__cause__, exceptions.ServiceUnavailable)
        deletes = [c for c in self.api_calls() if c[0] == "DELETE"]
        self.assertEqual(1, len(deletes))

    def test_lost_answer_migration_finished_meanwhile(self) -> None:
        self.mock.delete(
            base.ENDPOINT + f"{MIGRATIONS}/42",
            exc=requests.exceptions.ReadTimeout("slow"),
        )
        self.reply("GET", MIGRATIONS, {"migrations": []})
        self.reply(
            "GET",
            "/os-migrations",
            {"migrations": [base.migration(status="completed")]},
        )
        self.actions(base.action(CANCEL, REQ_OLD, BEFORE))
        error = self.assertRaises(
            exceptions.NotApplied,
            self.nova.server_migrations.abort,
            base.SID,
            42,
        )
        self.assertEqual("completed", error.status)
        self.assertIsNone(error.http_status)

    def test_lost_answer_cancelled_meanwhile_is_applied(self) -> None:
        self.mock.delete(
            base.ENDPOINT + f"{MIGRATIONS}/42",
            exc=requests.exceptions.ConnectionError("reset"),
        )
        self.reply("GET", MIGRATIONS, {"migrations": []})
        self.reply(
            "GET",
            "/os-migrations",
            {"migrations": [base.migration(status="cancelled")]},
        )
        self.actions(base.action(CANCEL, REQ_ABORT, AFTER))
        self.assertEqual(
            REQ_ABORT, self.nova.server_migrations.abort(base.SID, 42)
        )

    def test_read_back_failing_too(self) -> None:
        self.mock.delete(
            base.ENDPOINT + f"{MIGRATIONS}/42",
            exc=requests.exceptions.ConnectionError("reset"),
        )
        self.mock.get(
            base.ENDPOINT + MIGRATIONS,
            exc=requests.exceptions.ConnectionError("reset"),
        )
        error = self.assertRaises(
            exceptions.OutcomeUnknown,
            self.nova.server_migrations.abort,
            base.SID,
            42,
        )
        self.assertIn("may or may not", str(error))
        self.assertIsNone(error.status)

    def test_nova_refusals_are_not_second_guessed(self) -> None:
        text = (
            f"Migration 42 state of instance {base.SID} is queued. Cannot "
            "abort live migration while the migration is in this state."
        )
        self.reply(
            "DELETE",
            f"{MIGRATIONS}/42",
            base.fault(400, text),
            status=400,
        )
        error = self.assertRaises(
            exceptions.BadRequest,
            self.nova.server_migrations.abort,
            base.SID,
            42,
        )
        self.assertEqual(text, error.message)
        self.reply(
            "DELETE",
            f"{MIGRATIONS}/42",
            base.fault(409, "locked", "conflictingRequest"),
            status=409,
        )
        self.assertRaises(
            exceptions.Conflict,
            self.nova.server_migrations.abort,
            base.SID,
            42,
        )
        self.assertEqual(
            [("DELETE", f"/v2.1{MIGRATIONS}/42")] * 2, self.api_calls()
        )

    def test_force_complete_lost_answer(self) -> None:
        self.mock.post(
            base.ENDPOINT + f"{MIGRATIONS}/42/action",
            exc=requests.exceptions.ConnectionError("reset"),
        )
        self.still_running()
        self.actions(base.action(FORCE, REQ_ABORT, AFTER))
        self.assertEqual(
            REQ_ABORT,
            self.nova.server_migrations.live_migrate_force_complete(
                base.SID, 42
            ),
        )
        # An abort action does not prove a force-complete.
        self.actions(base.action(CANCEL, REQ_ABORT, AFTER))
        self.assertRaises(
            exceptions.NotApplied,
            self.nova.server_migrations.force_complete,
            base.SID,
            42,
        )
        posts = [c for c in self.api_calls() if c[0] == "POST"]
        self.assertEqual(2, len(posts))


class TestWait(base.LibraryTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.nova = self.fake_client("2.80")
        self.final = base.migration(status="cancelled")
        self.reply("GET", "/os-migrations", {"migrations": [self.final]})
        self.reply(
            "GET",
            ACTIONS,
            {
                "instanceActions": [
                    base.action(CANCEL, REQ_ABORT, AFTER),
                    base.action("live-migration", REQ_OLD, T0),
                ]
            },
        )
        detail = base.action(CANCEL, REQ_ABORT, AFTER)
        detail["events"] = [
            {
                "event": "compute_live_migration_abort",
                "start_time": AFTER,
                "finish_time": AFTER,
                "result": "Success",
            }
        ]
        self.reply("GET", f"{ACTIONS}/{REQ_ABORT}", {"instanceAction": detail})
        self.reply(
            "GET",
            SERVER,
            {
                "server": {
                    "id": base.SID,
                    "name": "vm",
                    "status": "ACTIVE",
                    "OS-EXT-SRV-ATTR:host": "cmp-a",
                }
            },
        )

    def listing(self, *statuses: str | None) -> None:
        pages = []
        for status in statuses:
            items = (
                []
                if status is None
                else [base.server_migration(status=status, created_at=T0)]
            )
            pages.append(page(migrations=items))
        self.mock.get(base.ENDPOINT + MIGRATIONS, pages)

    def test_polls_until_gone_and_reads_the_outcome(self) -> None:
        self.listing("running", "running", None)
        seen: list[str] = []
        outcome = self.nova.server_migrations.wait(
            base.SID,
            42,
            timeout=60,
            poll_interval=5,
            on_poll=lambda m: seen.append(m.status),
        )
        self.assertEqual(["running", "running"], seen)
        self.assertEqual([5, 5], self.delays)
        self.assertEqual(42, outcome.migration_id)
        self.assertEqual("cancelled", outcome.status)
        self.assertIsInstance(outcome.migration, models.Migration)
        assert outcome.action is not None
        self.assertEqual(CANCEL, outcome.action.action)
        self.assertEqual(REQ_ABORT, outcome.action.request_id)
        self.assertEqual("Success", outcome.events[0].result)
        self.assertTrue(outcome.succeeded)
        assert outcome.server is not None
        self.assertEqual("cmp-a", outcome.server.host)
        self.assertIn(
            ("GET", f"/v2.1/os-migrations?instance_uuid={base.SID}"),
            self.api_calls(),
        )

    def test_named_request_id(self) -> None:
        self.listing(None)
        outcome = self.nova.server_migrations.wait(
            base.SID, 42, request_id=REQ_ABORT
        )
        assert outcome.action is not None
        self.assertEqual(REQ_ABORT, outcome.action.request_id)
        self.assertNotIn(("GET", f"/v2.1{ACTIONS}"), self.api_calls())
        self.assertEqual([], self.delays)

    def test_old_actions_are_not_this_outcome(self) -> None:
        self.reply(
            "GET",
            ACTIONS,
            {"instanceActions": [base.action(CANCEL, REQ_OLD, BEFORE)]},
        )
        self.listing("running", None)
        outcome = self.nova.server_migrations.wait(base.SID, 42)
        self.assertIsNone(outcome.action)
        self.assertEqual("cancelled", outcome.status)

    def test_timeout(self) -> None:
        self.listing("running")
        error = self.assertRaises(
            exceptions.WaitTimeout,
            self.nova.server_migrations.wait,
            base.SID,
            42,
            timeout=12,
            poll_interval=5,
        )
        self.assertEqual(42, error.migration_id)
        self.assertEqual("running", error.status)
        self.assertEqual([5, 5, 2], self.delays)
        self.assertEqual(4, len(self.api_calls()))
        self.assertIn("still running after 12s", str(error))

    def test_follows_post_copy_through_os_migrations(self) -> None:
        self.listing("running", None, None)
        self.mock.get(
            base.ENDPOINT + "/os-migrations",
            [
                page(
                    migrations=[base.migration(status="running (post-copy)")]
                ),
                page(migrations=[base.migration(status="completed")]),
            ],
        )
        outcome = self.nova.server_migrations.wait(
            base.SID, 42, poll_interval=1
        )
        self.assertEqual("completed", outcome.status)
        self.assertEqual([1, 1], self.delays)

    def test_gone_from_everywhere(self) -> None:
        self.listing(None)
        self.reply("GET", "/os-migrations", {"migrations": []})
        self.reply(
            "GET",
            SERVER,
            base.fault(404, "gone", "itemNotFound"),
            status=404,
        )
        outcome = self.nova.server_migrations.wait(base.SID, 42)
        self.assertIsNone(outcome.status)
        self.assertIsNone(outcome.migration)
        self.assertIsNone(outcome.server)

    def test_bad_arguments(self) -> None:
        for kwargs in (
            {"timeout": 0},
            {"timeout": -1},
            {"timeout": float("nan")},
            {"poll_interval": -1},
        ):
            self.assertRaises(
                exceptions.ValidationError,
                self.nova.server_migrations.wait,
                base.SID,
                42,
                **kwargs,
            )
        self.assertEqual([], self.api_calls())


class _ProjectToken(token_endpoint.Token):
    """A token plugin that knows its project, as a scoped token does."""

    def get_project_id(self, session: Any, **kwargs: Any) -> str:
        return "p1"


class TestWaitAsManager(base.LibraryTestCase):
    """Nova 34 lets managers list os-migrations only for their project."""

    def setUp(self) -> None:
        super().setUp()
        self.session.auth = _ProjectToken(base.ENDPOINT, "unit-test-token")
        self.reply("GET", MIGRATIONS, {"migrations": []})
        self.reply("GET", ACTIONS, {"instanceActions": []})
        self.reply("GET", SERVER, {"server": {"id": base.SID}})
        rule = "os_compute_api:os-migrations:index:all_projects"
        self.mock.get(
            base.ENDPOINT + "/os-migrations",
            [
                page(
                    403,
                    forbidden={
                        "code": 403,
                        "message": f"Policy doesn't allow {rule} to be "
                        "performed.",
                    },
                ),
                page(migrations=[base.migration(status="cancelled")]),
            ],
        )

    def test_retries_filtered_by_own_project_at_2_80(self) -> None:
        nova = self.fake_client("2.80")
        for _ in range(2):
            outcome = nova.server_migrations.wait(base.SID, 42)
            self.assertEqual("cancelled", outcome.status)
        queries = [c[1] for c in self.api_calls() if "os-migrations" in c[1]]
        scoped = f"/v2.1/os-migrations?instance_uuid={base.SID}&project_id=p1"
        # The unfiltered listing is tried once, then remembered.
        self.assertEqual(
            [f"/v2.1/os-migrations?instance_uuid={base.SID}", scoped, scoped],
            queries,
        )

    def test_status_unknown_below_2_80(self) -> None:
        outcome = self.fake_client("2.79").server_migrations.wait(base.SID, 42)
        self.assertIsNone(outcome.status)
        queries = [c[1] for c in self.api_calls() if "os-migrations" in c[1]]
        self.assertEqual(1, len(queries))
