"""Servers, os-migrateLive and instance actions."""

from __future__ import annotations

from migabortclient.reference import cloud as cloud_mod
from tests.functional.reference import base


class TestServers(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.two_hosts()
        self.web = self.cloud.add_server("web-1", "cmp-a")
        self.db = self.cloud.add_server("db-1", "cmp-b")
        self.foreign = self.cloud.add_server("web-9", "cmp-a", project="other")

    def test_list_filters_by_name_regex_within_project(self) -> None:
        resp = self.call("GET", "/servers?name=^web", user="member")
        self.assertEqual(200, resp.status_code)
        servers = resp.json()["servers"]
        self.assertEqual([self.web.id], [s["id"] for s in servers])
        self.assertEqual({"id", "name", "links"}, set(servers[0]))

    def test_all_tenants_is_admin_only(self) -> None:
        resp = self.call("GET", "/servers?all_tenants=1&name=web")
        ids = {s["id"] for s in resp.json()["servers"]}
        self.assertEqual({self.web.id, self.foreign.id}, ids)
        resp = self.call("GET", "/servers?all_tenants=1", user="member")
        self.assertFault(
            resp,
            403,
            "Policy doesn't allow os_compute_api:servers:index:"
            "get_all_tenants to be performed.",
        )

    def test_show_migrating_server(self) -> None:
        self.cloud.start_live_migration(self.web.id, dest="cmp-b")
        server = self.call(
            "GET", f"/servers/{self.web.id}", version="2.9"
        ).json()["server"]
        self.assertEqual("MIGRATING", server["status"])
        self.assertEqual("migrating", server["OS-EXT-STS:task_state"])
        self.assertEqual("active", server["OS-EXT-STS:vm_state"])
        self.assertEqual("cmp-a", server["OS-EXT-SRV-ATTR:host"])
        self.assertEqual(self.web.project_id, server["tenant_id"])
        self.assertIs(False, server["locked"])

    def test_host_attributes_admin_only_and_locked_from_2_9(self) -> None:
        server = self.call(
            "GET", f"/servers/{self.web.id}", user="member", version="2.8"
        ).json()["server"]
        self.assertNotIn("OS-EXT-SRV-ATTR:host", server)
        self.assertNotIn("locked", server)

    def test_version_dependent_keys(self) -> None:
        path = f"/servers/{self.web.id}"
        old = self.call("GET", path, version="2.1").json()["server"]
        new = self.call("GET", path, version="2.104").json()["server"]
        later = {
            "locked",
            "host_status",
            "description",
            "tags",
            "trusted_image_certificates",
            "server_groups",
            "locked_reason",
            "pinned_availability_zone",
            "scheduler_hints",
            "OS-EXT-SRV-ATTR:hostname",
        }
        self.assertEqual(set(), later & set(old))
        self.assertEqual(later, later & set(new))
        self.assertEqual({"id", "links"}, set(old["flavor"]))
        self.assertEqual(2048, new["flavor"]["ram"])

    def test_other_project_server_is_not_found(self) -> None:
        resp = self.call("GET", f"/servers/{self.foreign.id}", user="member")
        self.assertFault(
            resp, 404, f"Instance {self.foreign.id} could not be found."
        )

    def test_detail_lists_full_views(self) -> None:
        servers = self.call("GET", "/servers/detail").json()["servers"]
        self.assertEqual({self.web.id, self.db.id}, {s["id"] for s in servers})
        self.assertIn("OS-EXT-STS:task_state", servers[0])


class TestLiveMigrate(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.two_hosts()
        self.server = self.cloud.add_server("vm", "cmp-a")
        self.path = f"/servers/{self.server.id}/action"

    def test_2_1_body_needs_disk_over_commit(self) -> None:
        body = {"os-migrateLive": {"host": None, "block_migration": False}}
        resp = self.call("POST", self.path, version="2.1", json=body)
        self.assertFault(
            resp,
            400,
            "Invalid input for field/attribute os-migrateLive. Value: "
            "{'host': None, 'block_migration': False}. 'disk_over_commit' "
            "is a required property",
        )
        body["os-migrateLive"]["disk_over_commit"] = False
        resp = self.call("POST", self.path, version="2.1", json=body)
        self.assertEqual(202, resp.status_code)

    def test_auto_needs_2_25(self) -> None:
        body = {
            "os-migrateLive": {
                "host": None,
                "block_migration": "auto",
                "disk_over_commit": False,
            }
        }
        resp = self.call("POST", self.path, version="2.24", json=body)
        self.assertEqual(400, resp.status_code)
        resp = self.call("POST", self.path, version="2.25", json=body)
        self.assertFault(
            resp,
            400,
            "Invalid input for field/attribute os-migrateLive. Value: "
            "{'host': None, 'block_migration': 'auto', 'disk_over_commit': "
            "False}. Additional properties are not allowed "
            "('disk_over_commit' was unexpected)",
        )

    def test_force_window(self) -> None:
        body = {
            "os-migrateLive": {
                "host": None,
                "block_migration": "auto",
                "force": True,
            }
        }
        resp = self.call("POST", self.path, version="2.30", json=body)
        self.assertFault(
            resp, 400, "Can't force to a non-provided destination"
        )
        body["os-migrateLive"]["force"] = False
        resp = self.call("POST", self.path, version="2.68", json=body)
        self.assertEqual(400, resp.status_code)
        self.assertIn("('force' was unexpected)", resp.text)

    def test_bad_host_pattern(self) -> None:
        body = {"os-migrateLive": {"host": "bad host!", "block_migration": 0}}
        resp = self.call("POST", self.path, version="2.80", json=body)
        self.assertEqual(400, resp.status_code)
        body = {
            "os-migrateLive": {"host": "bad host!", "block_migration": "auto"}
        }
        resp = self.call("POST", self.path, version="2.80", json=body)
        self.assertFault(
            resp,
            400,
            "Invalid input for field/attribute host. Value: bad host!. "
            "'bad host!' does not match '^[a-zA-Z0-9-._]*$'",
        )

    def test_policy_with_and_without_host(self) -> None:
        with_host = {
            "os-migrateLive": {"host": "cmp-b", "block_migration": "auto"}
        }
        resp = self.call(
            "POST", self.path, user="manager", version="2.80", json=with_host
        )
        self.assertFault(
            resp,
            403,
            "Policy doesn't allow os_compute_api:os-migrate-server:"
            "migrate_live:host to be performed.",
        )
        resp = self.call(
            "POST",
            self.path,
            user="member",
            version="2.80",
            json={"os-migrateLive": {"host": None, "block_migration": "auto"}},
        )
        self.assertFault(
            resp,
            403,
            "Policy doesn't allow os_compute_api:os-migrate-server:"
            "migrate_live to be performed.",
        )
        resp = self.call(
            "POST",
            self.path,
            user="manager",
            version="2.80",
            json={"os-migrateLive": {"host": None, "block_migration": "auto"}},
        )
        self.assertEqual(202, resp.status_code)

    def test_accepted_migration_sets_task_state_and_action(self) -> None:
        body = {"os-migrateLive": {"host": "cmp-b", "block_migration": "auto"}}
        resp = self.call("POST", self.path, version="2.80", json=body)
        self.assertEqual(202, resp.status_code)
        request_id = resp.headers["x-openstack-request-id"]
        server = self.cloud.get_server(self.server.id)
        self.assertEqual("migrating", server.task_state)
        resp = self.call("POST", self.path, version="2.80", json=body)
        self.assertFault(
            resp,
            409,
            f"Cannot 'os-migrateLive' instance {self.server.id} while it is "
            "in task_state migrating",
        )
        actions = self.call(
            "GET",
            f"/servers/{self.server.id}/os-instance-actions",
            version="2.80",
        ).json()["instanceActions"]
        self.assertEqual(
            [("live-migration", request_id)],
            [(a["action"], a["request_id"]) for a in actions],
        )

    def test_unknown_host_and_locked(self) -> None:
        body = {"os-migrateLive": {"host": "cmp-z", "block_migration": "auto"}}
        resp = self.call("POST", self.path, version="2.80", json=body)
        self.assertFault(resp, 400, "Compute host cmp-z could not be found.")
        self.server.locked = True
        body = {"os-migrateLive": {"host": None, "block_migration": "auto"}}
        resp = self.call(
            "POST", self.path, user="manager", version="2.80", json=body
        )
        self.assertFault(resp, 409, f"Instance {self.server.id} is locked")

    def test_no_valid_host_in_line_before_2_34(self) -> None:
        alone = self.cloud.add_server("alone", "cmp-a")
        del self.cloud.hosts["cmp-b"]
        body = {"os-migrateLive": {"host": None, "block_migration": "auto"}}
        path = f"/servers/{alone.id}/action"
        resp = self.call("POST", path, version="2.33", json=body)
        self.assertFault(
            resp,
            400,
            "No valid host was found. There are not enough hosts available.",
        )
        resp = self.call("POST", path, version="2.34", json=body)
        self.assertEqual(202, resp.status_code)
        (mig,) = self.cloud.migrations.values()
        self.assertEqual("error", self.cloud.get_migration(mig.id).status)
        self.assertIsNone(self.cloud.get_server(alone.id).task_state)

    def test_unknown_action(self) -> None:
        resp = self.call("POST", self.path, json={"os-stop": None})
        self.assertFault(resp, 400, "There is no such action: os-stop")


class TestInstanceActions(base.ReferenceTestCase):
    def test_abort_action_request_id_matches_the_202(self) -> None:
        server, mig = self.running_migration()
        resp = self.call(
            "DELETE",
            f"/servers/{server.id}/migrations/{mig.id}",
            user="manager",
            version="2.80",
        )
        request_id = resp.headers["x-compute-request-id"]
        path = f"/servers/{server.id}/os-instance-actions/{request_id}"
        action = self.call("GET", path, version="2.84").json()[
            "instanceAction"
        ]
        self.assertEqual("live_migration_cancel", action["action"])
        self.assertEqual(request_id, action["request_id"])
        self.assertIsNone(action["message"])
        (event,) = action["events"]
        self.assertEqual("compute_live_migration_abort", event["event"])
        self.assertEqual("Success", event["result"])
        self.assertIn("traceback", event)
        self.assertIn("host", event)
        self.assertIn("details", event)
        # A project reader sees events (2.51+) without admin-only fields.
        action = self.call("GET", path, user="reader", version="2.84").json()[
            "instanceAction"
        ]
        self.assertEqual(
            {"event", "start_time", "finish_time", "result", "hostId"},
            set(action["events"][0]),
        )
        action = self.call("GET", path, user="reader", version="2.50").json()[
            "instanceAction"
        ]
        self.assertNotIn("events", action)

    def test_list_pages_from_2_58(self) -> None:
        server, mig = self.running_migration()
        sm = f"/servers/{server.id}/migrations/{mig.id}"
        self.call(
            "POST",
            f"{sm}/action",
            version="2.22",
            json={"force_complete": None},
        )
        self.call("DELETE", sm, version="2.24")
        path = f"/servers/{server.id}/os-instance-actions"
        full = self.call("GET", path, version="2.58").json()
        self.assertEqual(
            [
                "live_migration_cancel",
                "live_migration_force_complete",
                "live-migration",
            ],
            [a["action"] for a in full["instanceActions"]],
        )
        self.assertNotIn("links", full)
        self.assertIn("updated_at", full["instanceActions"][0])
        page = self.call("GET", f"{path}?limit=2", version="2.58").json()
        self.assertEqual(2, len(page["instanceActions"]))
        marker = page["instanceActions"][-1]["request_id"]
        self.assertEqual(
            f"{self.ref.url}/v2.1{path}?limit=2&marker={marker}",
            page["links"][0]["href"],
        )
        rest = self.call(
            "GET", f"{path}?marker={marker}", version="2.58"
        ).json()["instanceActions"]
        self.assertEqual(["live-migration"], [a["action"] for a in rest])
        resp = self.call("GET", f"{path}?foo=1", version="2.58")
        self.assertFault(
            resp,
            400,
            "Additional properties are not allowed ('foo' was unexpected)",
        )
        old = self.call("GET", f"{path}?foo=1", version="2.57").json()
        self.assertNotIn("updated_at", old["instanceActions"][0])
        resp = self.call("GET", f"{path}?marker=req-x", version="2.58")
        self.assertFault(resp, 400, "Marker None could not be found.")

    def test_unknown_action_is_404(self) -> None:
        server, _mig = self.running_migration()
        resp = self.call(
            "GET", f"/servers/{server.id}/os-instance-actions/req-x"
        )
        self.assertFault(resp, 404, "Action req-x not found")

    def test_abort_without_driver_support_records_error(self) -> None:
        self.two_hosts(supports_abort=False)
        server, mig = self.running_migration()
        resp = self.call(
            "DELETE",
            f"/servers/{server.id}/migrations/{mig.id}",
            version="2.80",
        )
        self.assertEqual(202, resp.status_code)
        request_id = resp.headers["x-openstack-request-id"]
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S * 5)
        self.assertEqual("running", self.cloud.get_migration(mig.id).status)
        action = self.call(
            "GET",
            f"/servers/{server.id}/os-instance-actions/{request_id}",
            version="2.80",
        ).json()["instanceAction"]
        self.assertEqual("Error", action["message"])
        self.assertEqual("Error", action["events"][0]["result"])
