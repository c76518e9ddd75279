"""GET/DELETE /servers/{id}/migrations[/{mid}] and force_complete."""

from __future__ import annotations

from migabortclient.reference import cloud as cloud_mod
from tests.functional.reference import base

BASE_KEYS = {
    "created_at",
    "dest_compute",
    "dest_host",
    "dest_node",
    "disk_processed_bytes",
    "disk_remaining_bytes",
    "disk_total_bytes",
    "id",
    "memory_processed_bytes",
    "memory_remaining_bytes",
    "memory_total_bytes",
    "server_uuid",
    "source_compute",
    "source_node",
    "status",
    "updated_at",
}
HOST_KEYS = (
    "dest_compute",
    "dest_host",
    "dest_node",
    "source_compute",
    "source_node",
)
EXPECTED_KEYS = {
    "2.23": BASE_KEYS,
    "2.24": BASE_KEYS,
    "2.59": BASE_KEYS | {"uuid"},
    "2.64": BASE_KEYS | {"uuid"},
    "2.65": BASE_KEYS | {"uuid"},
    "2.79": BASE_KEYS | {"uuid"},
    "2.80": BASE_KEYS | {"uuid", "user_id", "project_id"},
    "2.104": BASE_KEYS | {"uuid", "user_id", "project_id"},
}


class TestListAndShow(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.mig = self.running_migration()
        self.path = f"/servers/{self.server.id}/migrations"

    def test_keys_per_microversion(self) -> None:
        self.cloud.clock.advance(cloud_mod.MONITOR_S)
        for version, keys in EXPECTED_KEYS.items():
            resp = self.call("GET", self.path, version=version)
            self.assertEqual(200, resp.status_code)
            (item,) = resp.json()["migrations"]
            self.assertEqual(keys, set(item), version)
            resp = self.call(
                "GET", f"{self.path}/{self.mig.id}", version=version
            )
            self.assertEqual(200, resp.status_code)
            self.assertEqual(keys, set(resp.json()["migration"]), version)

    def test_values_at_2_80(self) -> None:
        self.cloud.clock.advance(cloud_mod.MONITOR_S)
        item = self.call("GET", self.path, version="2.80").json()[
            "migrations"
        ][0]
        self.assertEqual(self.mig.id, item["id"])
        self.assertIsInstance(item["id"], int)
        self.assertEqual(self.mig.uuid, item["uuid"])
        self.assertEqual(self.server.id, item["server_uuid"])
        self.assertEqual("running", item["status"])
        self.assertEqual("cmp-a", item["source_compute"])
        self.assertEqual("cmp-b", item["dest_compute"])
        self.assertEqual(self.server.project_id, item["project_id"])
        self.assertEqual(self.server.user_id, item["user_id"])
        self.assertEqual(2048 * cloud_mod.MIB, item["memory_total_bytes"])
        self.assertRegex(
            item["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"
        )

    def test_byte_counters_null_until_first_monitor_tick(self) -> None:
        item = self.call("GET", self.path, version="2.80").json()[
            "migrations"
        ][0]
        for key in BASE_KEYS:
            if key.endswith("_bytes"):
                self.assertIsNone(item[key], key)

    def test_manager_lists_with_null_hosts_but_cannot_show(self) -> None:
        resp = self.call("GET", self.path, user="manager", version="2.80")
        self.assertEqual(200, resp.status_code)
        item = resp.json()["migrations"][0]
        for key in HOST_KEYS:
            self.assertIn(key, item)
            self.assertIsNone(item[key])
        resp = self.call(
            "GET",
            f"{self.path}/{self.mig.id}",
            user="manager",
            version="2.80",
        )
        self.assertFault(
            resp,
            403,
            "Policy doesn't allow os_compute_api:servers:migrations:show to "
            "be performed.",
            "forbidden",
        )

    def test_member_and_reader_cannot_list(self) -> None:
        for user in ("member", "reader"):
            resp = self.call("GET", self.path, user=user, version="2.80")
            self.assertFault(
                resp,
                403,
                "Policy doesn't allow os_compute_api:servers:migrations:index"
                " to be performed.",
            )

    def test_other_projects_server_is_not_found(self) -> None:
        server, _mig = self.running_migration(project="other", source="cmp-c")
        resp = self.call(
            "GET",
            f"/servers/{server.id}/migrations",
            user="manager",
            version="2.80",
        )
        self.assertFault(
            resp, 404, f"Instance {server.id} could not be found."
        )
        resp = self.call(
            "GET",
            f"/servers/{server.id}/migrations",
            user="other-admin",
            version="2.80",
        )
        self.assertEqual(200, resp.status_code)

    def test_unknown_server_checked_before_policy(self) -> None:
        resp = self.call(
            "GET", "/servers/nope/migrations", user="reader", version="2.80"
        )
        self.assertFault(resp, 404, "Instance nope could not be found.")

    def test_show_error_texts(self) -> None:
        sid = self.server.id
        resp = self.call("GET", f"{self.path}/999", version="2.80")
        self.assertFault(
            resp,
            404,
            f"In-progress live migration 999 is not found for server {sid}.",
        )
        resize = self.cloud.add_migration(sid, "resize", "finished")
        resp = self.call("GET", f"{self.path}/{resize.id}", version="2.80")
        self.assertFault(
            resp,
            404,
            f"Migration {resize.id} for server {sid} is not live-migration.",
        )
        done = self.cloud.add_migration(sid, "live-migration", "completed")
        resp = self.call("GET", f"{self.path}/{done.id}", version="2.80")
        self.assertFault(
            resp,
            404,
            f"Live migration {done.id} for server {sid} is not in progress.",
        )
        resp = self.call("GET", f"{self.path}/{self.mig.uuid}", version="2.80")
        self.assertFault(
            resp,
            404,
            f"In-progress live migration {self.mig.uuid} is not found for "
            f"server {sid}.",
        )

    def test_list_holds_only_in_progress_live_migrations(self) -> None:
        self.cloud.add_migration(self.server.id, "resize", "finished")
        self.cloud.add_migration(self.server.id, "live-migration", "failed")
        items = self.call("GET", self.path, version="2.80").json()[
            "migrations"
        ]
        self.assertEqual([self.mig.id], [i["id"] for i in items])

    def test_idle_server_lists_empty(self) -> None:
        idle = self.cloud.add_server("idle", "cmp-a")
        resp = self.call(
            "GET", f"/servers/{idle.id}/migrations", version="2.23"
        )
        self.assertEqual({"migrations": []}, resp.json())

    def test_unknown_query_params_rejected_from_2_102(self) -> None:
        resp = self.call("GET", f"{self.path}?foo=1", version="2.101")
        self.assertEqual(200, resp.status_code)
        for path in (f"{self.path}?foo=1", f"{self.path}/{self.mig.id}?foo=1"):
            resp = self.call("GET", path, version="2.102")
            self.assertFault(
                resp,
                400,
                "Additional properties are not allowed ('foo' was unexpected)",
            )

    def test_queued_and_preparing_listed_with_null_counters(self) -> None:
        server = self.cloud.add_server("q", "cmp-a")
        mig = self.cloud.start_live_migration(server.id, dest="cmp-b")
        item = self.call(
            "GET", f"/servers/{server.id}/migrations", version="2.80"
        ).json()["migrations"][0]
        self.assertEqual("queued", item["status"])
        self.assertIsNone(item["memory_total_bytes"])
        self.assertEqual(mig.id, item["id"])


class TestAbort(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.mig = self.running_migration()
        self.path = f"/servers/{self.server.id}/migrations/{self.mig.id}"

    def test_abort_running_at_2_24_is_202_empty_json(self) -> None:
        resp = self.call("DELETE", self.path, user="manager", version="2.24")
        self.assertEqual(202, resp.status_code)
        self.assertEqual(b"", resp.content)
        self.assertEqual("application/json", resp.headers["Content-Type"])
        self.assertEqual("compute 2.24", resp.headers["OpenStack-API-Version"])

    def test_abort_policy_for_member_and_reader(self) -> None:
        for user in ("member", "reader"):
            resp = self.call("DELETE", self.path, user=user, version="2.80")
            self.assertFault(
                resp,
                403,
                "Policy doesn't allow os_compute_api:servers:migrations:"
                "delete to be performed.",
                "forbidden",
            )

    def test_abort_unknown_migration_is_404(self) -> None:
        resp = self.call(
            "DELETE",
            f"/servers/{self.server.id}/migrations/999",
            version="2.80",
        )
        self.assertFault(
            resp,
            404,
            f"Migration 999 not found for instance {self.server.id}",
        )

    def test_abort_other_servers_migration_is_404(self) -> None:
        _other, other_mig = self.running_migration(source="cmp-c")
        resp = self.call(
            "DELETE",
            f"/servers/{self.server.id}/migrations/{other_mig.id}",
            version="2.80",
        )
        self.assertFault(
            resp,
            404,
            f"Migration {other_mig.id} not found for instance "
            f"{self.server.id}",
        )

    def _queued(self) -> tuple[cloud_mod.Server, cloud_mod.Migration]:
        # cmp-a allows one live migration at a time: this one waits.
        server = self.cloud.add_server("waiting", "cmp-a")
        mig = self.cloud.start_live_migration(server.id, dest="cmp-b")
        self.cloud.clock.advance(cloud_mod.QUEUED_S * 3)
        self.assertEqual("queued", self.cloud.get_migration(mig.id).status)
        return server, mig

    def test_abort_queued_needs_2_65(self) -> None:
        server, mig = self._queued()
        path = f"/servers/{server.id}/migrations/{mig.id}"
        for version in ("2.24", "2.64"):
            resp = self.call("DELETE", path, version=version)
            self.assertFault(
                resp,
                400,
                f"Migration {mig.id} state of instance {server.id} is "
                "queued. Cannot abort live migration while the migration is"
                " in this state.",
                "badRequest",
            )
        resp = self.call("DELETE", path, version="2.65")
        self.assertEqual(202, resp.status_code)
        self.assertEqual("cancelled", self.cloud.get_migration(mig.id).status)
        self.assertIsNone(self.cloud.get_server(server.id).task_state)

    def test_abort_preparing_needs_2_65(self) -> None:
        server = self.cloud.add_server("prep", "cmp-b")
        mig = self.cloud.start_live_migration(server.id, dest="cmp-a")
        self.cloud.clock.advance(cloud_mod.QUEUED_S + 0.1)
        self.assertEqual("preparing", self.cloud.get_migration(mig.id).status)
        path = f"/servers/{server.id}/migrations/{mig.id}"
        resp = self.call("DELETE", path, version="2.64")
        self.assertFault(
            resp,
            400,
            f"Migration {mig.id} state of instance {server.id} is preparing."
            " Cannot abort live migration while the migration is in this "
            "state.",
        )
        self.assertEqual(
            202, self.call("DELETE", path, version="2.104").status_code
        )
        self.assertEqual("cancelled", self.cloud.get_migration(mig.id).status)

    def test_abort_when_not_migrating_is_409(self) -> None:
        idle = self.cloud.add_server("idle", "cmp-a")
        resp = self.call(
            "DELETE", f"/servers/{idle.id}/migrations/1", version="2.80"
        )
        self.assertFault(
            resp,
            409,
            f"Instance {idle.id} is in an invalid state for 'abort live "
            "migration'",
            "conflictingRequest",
        )

    def test_abort_other_task_state_is_409(self) -> None:
        busy = self.cloud.add_server("busy", "cmp-a", task_state="rebooting")
        resp = self.call(
            "DELETE", f"/servers/{busy.id}/migrations/1", version="2.80"
        )
        self.assertFault(
            resp,
            409,
            f"Cannot 'abort live migration' instance {busy.id} while it is "
            "in task_state rebooting",
        )

    def test_locked_server_409_for_manager_not_admin(self) -> None:
        self.server.locked = True
        resp = self.call("DELETE", self.path, user="manager", version="2.80")
        self.assertFault(
            resp,
            409,
            f"Instance {self.server.id} is in an invalid state for 'abort "
            "live migration'",
        )
        resp = self.call("DELETE", self.path, user="admin", version="2.80")
        self.assertEqual(202, resp.status_code)

    def test_post_copy_cannot_be_aborted(self) -> None:
        self.cloud.hosts["cmp-a"].supports_post_copy = True
        resp = self.call(
            "POST",
            f"{self.path}/action",
            version="2.80",
            json={"force_complete": None},
        )
        self.assertEqual(202, resp.status_code)
        self.cloud.clock.advance(cloud_mod.MONITOR_S)
        status = self.cloud.get_migration(self.mig.id).status
        self.assertEqual("running (post-copy)", status)
        resp = self.call("DELETE", self.path, version="2.80")
        self.assertFault(
            resp,
            400,
            f"Migration {self.mig.id} state of instance {self.server.id} is "
            "running (post-copy). Cannot abort live migration while the "
            "migration is in this state.",
        )
        resp = self.call(
            "GET", f"/servers/{self.server.id}/migrations", version="2.80"
        )
        self.assertEqual([], resp.json()["migrations"])

    def test_second_abort_while_rolling_back_is_accepted(self) -> None:
        self.assertEqual(
            202, self.call("DELETE", self.path, version="2.80").status_code
        )
        self.assertEqual(
            202, self.call("DELETE", self.path, version="2.80").status_code
        )
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S)
        resp = self.call("DELETE", self.path, version="2.80")
        self.assertEqual(409, resp.status_code)


class TestForceComplete(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.mig = self.running_migration()
        self.path = (
            f"/servers/{self.server.id}/migrations/{self.mig.id}/action"
        )

    def test_force_complete_at_2_22_is_202(self) -> None:
        resp = self.call(
            "POST",
            self.path,
            user="manager",
            version="2.22",
            json={"force_complete": None},
        )
        self.assertEqual(202, resp.status_code)
        self.assertEqual(b"", resp.content)

    def test_body_validation_texts(self) -> None:
        cases = [
            ({}, "Malformed request body"),
            ({"a": 1, "b": 2}, "Malformed request body"),
            ({"pause": None}, "There is no such action: pause"),
            (
                {"force_complete": {}},
                "Invalid input for field/attribute force_complete. Value: "
                "{}. {} is not of type 'null'",
            ),
            (
                {"force_complete": 1},
                "Invalid input for field/attribute force_complete. Value: "
                "1. 1 is not of type 'null'",
            ),
        ]
        for body, message in cases:
            resp = self.call("POST", self.path, version="2.80", json=body)
            self.assertFault(resp, 400, message, "badRequest")
        resp = self.call("POST", self.path, version="2.80", data=b"not json")
        self.assertFault(resp, 400, "Malformed request body")

    def test_version_gate_runs_before_schema(self) -> None:
        resp = self.call(
            "POST", self.path, version="2.21", json={"force_complete": 1}
        )
        self.assertFault(resp, 404, "The resource could not be found.")

    def test_unknown_migration_is_400(self) -> None:
        resp = self.call(
            "POST",
            f"/servers/{self.server.id}/migrations/999/action",
            version="2.80",
            json={"force_complete": None},
        )
        self.assertFault(
            resp,
            400,
            f"Migration 999 not found for instance {self.server.id}",
        )

    def test_locked_and_state_conflicts(self) -> None:
        sid = self.server.id
        self.server.locked = True
        resp = self.call(
            "POST",
            self.path,
            user="manager",
            version="2.80",
            json={"force_complete": None},
        )
        self.assertFault(resp, 409, f"Instance {sid} is locked")
        self.server.locked = False
        idle = self.cloud.add_server("idle", "cmp-a")
        resp = self.call(
            "POST",
            f"/servers/{idle.id}/migrations/1/action",
            version="2.80",
            json={"force_complete": None},
        )
        self.assertFault(
            resp,
            409,
            f"Instance {idle.id} is in an invalid state for 'force_complete'",
        )
        paused = self.cloud.add_server("p", "cmp-a", vm_state="paused")
        resp = self.call(
            "POST",
            f"/servers/{paused.id}/migrations/1/action",
            version="2.80",
            json={"force_complete": None},
        )
        self.assertFault(
            resp,
            409,
            f"Cannot 'force_complete' instance {paused.id} while it is in "
            "vm_state paused",
        )

    def test_queued_cannot_be_forced(self) -> None:
        server = self.cloud.add_server("waiting", "cmp-a")
        mig = self.cloud.start_live_migration(server.id, dest="cmp-b")
        resp = self.call(
            "POST",
            f"/servers/{server.id}/migrations/{mig.id}/action",
            version="2.80",
            json={"force_complete": None},
        )
        self.assertFault(
            resp,
            400,
            f"Migration {mig.id} state of instance {server.id} is queued. "
            "Cannot force complete while the migration is in this state.",
        )

    def test_force_policy(self) -> None:
        resp = self.call(
            "POST",
            self.path,
            user="reader",
            version="2.80",
            json={"force_complete": None},
        )
        self.assertFault(
            resp,
            403,
            "Policy doesn't allow os_compute_api:servers:migrations:"
            "force_complete to be performed.",
        )
