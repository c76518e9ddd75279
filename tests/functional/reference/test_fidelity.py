"""Fidelity to Nova 34.0.0: each test pins one behaviour read from its code.

The docstring of every test names the Nova function it follows.
"""

from __future__ import annotations

import json
import os
import tempfile

from migabortclient.fixture import ReferenceNova
from tests.functional.reference import base


class TestInstanceActionsFidelity(base.ReferenceTestCase):
    def test_unknown_marker_text_names_none(self) -> None:
        """nova/db/main/api.py:actions_get rebinds ``marker`` to the lookup
        result before raising MarkerNotFound, so the text says None."""
        server, _mig = self.running_migration()
        path = f"/servers/{server.id}/os-instance-actions?marker=req-x"
        resp = self.call("GET", path, version="2.58")
        self.assertFault(resp, 400, "Marker None could not be found.")

    def test_marker_is_found_whatever_the_filters(self) -> None:
        """instance_actions.index -> db actions_get: the marker is read with
        action_get_by_request_id, not through the changes-* filters."""
        server, _mig = self.running_migration()
        path = f"/servers/{server.id}/os-instance-actions"
        first = self.call("GET", path, version="2.58").json()
        marker = first["instanceActions"][0]["request_id"]
        resp = self.call(
            "GET",
            f"{path}?marker={marker}&changes-since=2100-01-01T00:00:00Z",
            version="2.58",
        )
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual([], resp.json()["instanceActions"])


class TestOsMigrationsFidelity(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.live = self.running_migration()

    def _ids(self, query: str, version: str = "2.80") -> list[object]:
        resp = self.call("GET", f"/os-migrations{query}", version=version)
        self.assertEqual(200, resp.status_code, resp.text)
        return [m["id"] for m in resp.json()["migrations"]]

    def test_empty_filter_values_filter(self) -> None:
        """nova/db/main/api.py:migration_get_all_by_filters tests ``in
        filters``, so an empty value matches only empty columns."""
        self.assertEqual([self.live.id], self._ids(""))
        for name in (
            "status",
            "host",
            "source_compute",
            "instance_uuid",
            "migration_type",
        ):
            for version in ("2.1", "2.80"):
                self.assertEqual(
                    [], self._ids(f"?{name}=", version), (name, version)
                )
        self.assertEqual([], self._ids("?user_id="))
        # host wins over source_compute even when empty
        self.assertEqual([], self._ids("?host=&source_compute=cmp-a"))

    def test_links_carry_project_id_found_anywhere_in_url(self) -> None:
        """nova/api/openstack/common.py:ViewBuilder._get_project_id puts
        the caller's project id in links whenever it appears in the request
        URL, query string included."""
        pid = self.cloud.users["admin"].project_id
        resp = self.call(
            "GET",
            f"/os-migrations?project_id={pid}&limit=1",
            version="2.80",
        )
        self.assertEqual(200, resp.status_code, resp.text)
        body = resp.json()
        item = body["migrations"][0]
        self.assertEqual(
            f"{self.ref.url}/v2.1/{pid}/os-migrations?limit=1&"
            f"project_id={pid}&marker={item['uuid']}",
            body["migrations_links"][0]["href"],
        )
        self.assertEqual(
            [
                f"{self.ref.url}/v2.1/{pid}/servers/{self.server.id}/"
                f"migrations/{self.live.id}",
                f"{self.ref.url}/{pid}/servers/{self.server.id}/"
                f"migrations/{self.live.id}",
            ],
            [link["href"] for link in item["links"]],
        )

    def test_next_link_keeps_the_greatest_of_repeated_values(self) -> None:
        """_get_next_link builds OrderedDict(sorted(request.params.items())):
        of a repeated parameter the greatest value survives (while the
        filter itself used the last one)."""
        resp = self.call(
            "GET",
            "/os-migrations?status=zzz&status=running&limit=1",
            version="2.59",
        )
        self.assertEqual(200, resp.status_code, resp.text)
        body = resp.json()
        marker = body["migrations"][0]["uuid"]
        self.assertEqual(
            f"{self.ref.url}/v2.1/os-migrations?limit=1&status=zzz&"
            f"marker={marker}",
            body["migrations_links"][0]["href"],
        )

    def test_marker_is_found_whatever_the_filters(self) -> None:
        """db migration_get_all_by_filters looks the marker up with
        migration_get_by_uuid (no filters) and pages after its place."""
        resize = self.cloud.add_migration(
            self.server.id, "resize", "finished", dest="cmp-b"
        )
        self.cloud.clock.advance(1)
        _server2, live2 = self.running_migration(source="cmp-c", dest="cmp-d")
        resp = self.call(
            "GET",
            f"/os-migrations?status=running&marker={resize.uuid}",
            version="2.59",
        )
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(
            [self.live.id], [m["id"] for m in resp.json()["migrations"]]
        )
        resp = self.call(
            "GET",
            f"/os-migrations?status=running&marker={live2.uuid}",
            version="2.59",
        )
        self.assertEqual(
            [self.live.id], [m["id"] for m in resp.json()["migrations"]]
        )

    def test_changes_filters_read_updated_at_only(self) -> None:
        """_get_query_nova_resource_by_changes_time compares updated_at in
        SQL: a row whose updated_at is NULL never matches."""
        row = self.cloud.add_migration(
            self.server.id, "resize", "finished", dest="cmp-b"
        )
        self.cloud.migrations[row.id].updated_at = None
        ids = self._ids("?changes-since=2000-01-01T00:00:00Z", "2.59")
        self.assertEqual([self.live.id], ids)
        ids = self._ids("?changes-before=2100-01-01T00:00:00Z", "2.66")
        self.assertEqual([self.live.id], ids)
        self.assertEqual({self.live.id, row.id}, set(self._ids("", "2.59")))


class TestServersFidelity(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.two_hosts()
        self.web = self.cloud.add_server("web-1", "cmp-a")
        self.db = self.cloud.add_server("db-1", "cmp-b")
        self.foreign = self.cloud.add_server("web-9", "cmp-a", project="other")

    def _ids(
        self, query: str, user: str = "admin", version: str = "2.80"
    ) -> list[str]:
        resp = self.call("GET", f"/servers{query}", user=user, version=version)
        self.assertEqual(200, resp.status_code, resp.text)
        return [s["id"] for s in resp.json()["servers"]]

    def test_all_tenants_values_as_strutils_reads_them(self) -> None:
        """nova/api/openstack/common.py:is_all_tenants: strict
        bool_from_string, the empty string enables it."""
        mine = {self.web.id, self.db.id}
        everyone = mine | {self.foreign.id}
        for value in ("f", "n", "false", "0"):
            self.assertEqual(mine, set(self._ids(f"?all_tenants={value}")))
        for value in ("", "t", "y", "True"):
            self.assertEqual(everyone, set(self._ids(f"?all_tenants={value}")))
        resp = self.call("GET", "/servers?all_tenants=maybe")
        self.assertFault(
            resp,
            400,
            "Unrecognized value 'maybe', acceptable values are: '0', '1', "
            "'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'",
        )
        # Parsed before the policy check: a member gets the 400 too.
        resp = self.call("GET", "/servers?all_tenants=maybe", user="member")
        self.assertEqual(400, resp.status_code)
        self.assertEqual(mine, set(self._ids("?all_tenants=0", user="member")))

    def test_query_schema(self) -> None:
        """schemas/servers.py index_query: name is a regex (not empty),
        limit a non-negative integer; from 2.75 no unknown parameter."""
        for path in ("/servers", "/servers/detail"):
            resp = self.call("GET", f"{path}?name=", user="member")
            self.assertFault(
                resp,
                400,
                "Invalid input for query parameters name. Value: . '' is "
                "not a 'regex'",
            )
            resp = self.call("GET", f"{path}?limit=abc", user="member")
            self.assertFault(
                resp,
                400,
                "Invalid input for query parameters limit. Value: abc. "
                "'abc' does not match '^[0-9]*$'",
            )
            # index_query has patternProperties, so jsonschema words it so
            resp = self.call("GET", f"{path}?foo=1", version="2.75")
            self.assertFault(
                resp, 400, "'foo' does not match any of the regexes: '^_'"
            )
            resp = self.call("GET", f"{path}?foo=1", version="2.74")
            self.assertEqual(200, resp.status_code)

    def test_show_query_strict_from_2_102(self) -> None:
        """servers.py:show uses show_query_v2102 (no additional params)."""
        path = f"/servers/{self.web.id}?foo=1"
        self.assertEqual(
            200, self.call("GET", path, version="2.101").status_code
        )
        resp = self.call("GET", path, version="2.102")
        self.assertFault(
            resp,
            400,
            "Additional properties are not allowed ('foo' was unexpected)",
        )

    def test_internal_and_joined_table_filters(self) -> None:
        """servers.py:_get_servers rejects '_*' and joined-table filters
        that survive remove_invalid_options (admins keep all filters)."""
        for query, name in (("?_foo=1", "_foo"), ("?metadata=x", "metadata")):
            resp = self.call("GET", f"/servers{query}")
            self.assertFault(resp, 400, f"Invalid filter field: {name}.")
            self.assertEqual(
                {self.web.id, self.db.id},
                set(self._ids(query, user="member", version="2.74")),
            )

    def test_status_filter_maps_to_vm_and_task_state(self) -> None:
        """common.task_and_vm_state_from_status: ACTIVE means vm_state
        active whatever the task state; unknown statuses give [] before
        2.38 and 400 from 2.38; DELETED is admin-only."""
        self.cloud.start_live_migration(self.web.id, dest="cmp-b")
        self.assertEqual(
            {self.web.id, self.db.id}, set(self._ids("?status=ACTIVE"))
        )
        self.assertEqual([self.web.id], self._ids("?status=migrating"))
        self.assertEqual([], self._ids("?status=bogus", version="2.37"))
        resp = self.call("GET", "/servers?status=bogus", version="2.38")
        self.assertFault(resp, 400, "Invalid status value")
        resp = self.call("GET", "/servers?status=DELETED", user="member")
        self.assertFault(
            resp, 403, "Only administrators may list deleted instances"
        )
        self.assertEqual([], self._ids("?status=DELETED"))

    def test_paging_and_default_order(self) -> None:
        """get_limit_and_marker, _get_collection_links('servers'), and the
        default sort created_at desc, id desc (newest row first on ties)."""
        self.assertEqual([self.db.id, self.web.id], self._ids(""))
        for path in ("servers", "servers/detail"):
            resp = self.call("GET", f"/{path}?limit=1")
            body = resp.json()
            self.assertEqual([self.db.id], [s["id"] for s in body["servers"]])
            self.assertEqual(
                [
                    {
                        "rel": "next",
                        "href": f"{self.ref.url}/v2.1/{path}?limit=1&"
                        f"marker={self.db.id}",
                    }
                ],
                body["servers_links"],
            )
            resp = self.call("GET", f"/{path}?marker={self.db.id}")
            self.assertEqual(
                [self.web.id], [s["id"] for s in resp.json()["servers"]]
            )
            self.assertNotIn("servers_links", resp.json())
            resp = self.call("GET", f"/{path}?marker=nope")
            self.assertFault(resp, 400, "marker [nope] not found")

    def test_sorting_by_host_or_node_is_admin_only(self) -> None:
        """servers.py:remove_invalid_sort_keys, after the all_tenants
        policy and before the marker lookup."""
        for key in ("host", "node"):
            resp = self.call(
                "GET", f"/servers?sort_key={key}&marker=nope", user="member"
            )
            self.assertFault(
                resp, 403, f"Only administrators can sort servers by {key}"
            )
        resp = self.call("GET", "/servers?sort_key=host&marker=nope")
        self.assertFault(resp, 400, "marker [nope] not found")

    def test_detail_view_differs_from_show(self) -> None:
        """views/servers.py: server_groups only in show (2.71+); progress
        only for ACTIVE/BUILD/REBUILD/RESIZE/VERIFY_RESIZE/MIGRATING;
        OS-EXT-SRV-ATTR:hostname for everyone from 2.90."""
        self.cloud.add_server("off-1", "cmp-a", vm_state="stopped")
        detail = self.call("GET", "/servers/detail", version="2.71").json()
        for server in detail["servers"]:
            self.assertNotIn("server_groups", server)
            self.assertEqual(
                server["status"] == "ACTIVE", "progress" in server
            )
        show = self.call(
            "GET", f"/servers/{self.web.id}", version="2.71"
        ).json()["server"]
        self.assertEqual([], show["server_groups"])
        for version, present in (("2.89", False), ("2.90", True)):
            server = self.call(
                "GET",
                f"/servers/{self.web.id}",
                user="member",
                version=version,
            ).json()["server"]
            self.assertEqual(
                present, "OS-EXT-SRV-ATTR:hostname" in server, version
            )
            self.assertNotIn("OS-EXT-SRV-ATTR:host", server)


class TestVersionsFidelity(base.ReferenceTestCase):
    def test_request_ids_on_v2_and_v21_documents_only(self) -> None:
        """api-paste.ini: oscomputeversion_v2 and ..._legacy_v2 have the
        compute_req_id filter; the root oscomputeversions pipeline has
        not."""
        for path, headers in (
            ("/v2.1", {}),
            ("/v2.1/", {}),
            ("/v2", {}),
            ("/v2.1", {"OpenStack-API-Version": "compute 2.105"}),
            ("/v2.1", {"OpenStack-API-Version": "compute 2.x"}),
        ):
            resp = self.http.get(
                f"{self.ref.url}{path}", headers=headers, timeout=10
            )
            rid = resp.headers.get("x-openstack-request-id", "")
            self.assertRegex(rid, r"^req-[0-9a-f-]{36}$", path)
            self.assertEqual(rid, resp.headers["x-compute-request-id"])
        resp = self.http.get(f"{self.ref.url}/", timeout=10)
        self.assertNotIn("x-openstack-request-id", resp.headers)

    def test_unexpected_error_text_is_nova_34s(self) -> None:
        """nova/api/openstack/wsgi.py:expected_errors with version.py's
        default support string 'Please contact the administrator'."""
        self.ref.faults.inject("GET", r"/servers$", status=500)
        resp = self.call("GET", "/servers")
        self.assertFault(
            resp,
            500,
            "Unexpected API Error. Please contact the administrator\n"
            "<class 'Exception'>",
            "computeFault",
        )


class TestPolicyFidelity(base.ReferenceTestCase):
    def _ref_with(self, rules: dict[str, str]) -> ReferenceNova:
        fd, path = tempfile.mkstemp(suffix=".json")
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, "w") as handle:
            json.dump(rules, handle)
        ref = self.useFixture(ReferenceNova(policy_file=path))
        self.ref = ref
        self._tokens.clear()
        return ref

    def test_nova_base_rules_and_policy_values(self) -> None:
        """nova/policies/base.py registers admin_api, admin_or_owner,
        service_api and service_or_admin; RequestContext.can targets the
        caller's project_id *and* user_id when no target is given, and
        to_policy_values carries is_admin."""
        index = "os_compute_api:os-migrations:index"
        self._ref_with(
            {
                index: "user_id:%(user_id)s",
                f"{index}:all_projects": "rule:admin_or_owner",
                f"{index}:host": "rule:admin_api",
                "os_compute_api:servers:index": "rule:service_or_admin",
            }
        )
        resp = self.call("GET", "/os-migrations", user="manager")
        self.assertEqual(200, resp.status_code, resp.text)
        resp = self.call("GET", "/servers", user="manager")
        self.assertFault(
            resp,
            403,
            "Policy doesn't allow os_compute_api:servers:index to be "
            "performed.",
        )
        self.assertEqual(200, self.call("GET", "/servers").status_code)


class TestNeverLaunchedFidelity(base.ReferenceTestCase):
    def test_never_launched_server_is_in_an_invalid_state(self) -> None:
        """nova/compute/api.py:check_instance_state(must_have_launched=True)
        raises InstanceInvalidState(attr='launched_at', state=None), which
        the API words as 'is in an invalid state for ...'."""
        server, mig = self.running_migration()
        idle = self.cloud.add_server("idle", "cmp-a")
        for record in (server, idle):
            self.cloud.servers[record.id].launched = False
        resp = self.call(
            "POST",
            f"/servers/{idle.id}/action",
            version="2.30",
            json={"os-migrateLive": {"host": None, "block_migration": "auto"}},
        )
        self.assertFault(
            resp,
            409,
            f"Instance {idle.id} is in an invalid state for 'os-migrateLive'",
        )
        path = f"/servers/{server.id}/migrations/{mig.id}"
        resp = self.call("DELETE", path, version="2.24")
        self.assertFault(
            resp,
            409,
            f"Instance {server.id} is in an invalid state for 'abort live "
            "migration'",
        )
        resp = self.call(
            "POST",
            f"{path}/action",
            version="2.22",
            json={"force_complete": None},
        )
        self.assertFault(
            resp,
            409,
            f"Instance {server.id} is in an invalid state for "
            "'force_complete'",
        )
        shown = self.call("GET", f"/servers/{idle.id}").json()["server"]
        self.assertIsNone(shown["OS-SRV-USG:launched_at"])


class TestActionBodyFidelity(base.ReferenceTestCase):
    def test_non_object_bodies(self) -> None:
        """nova/api/openstack/wsgi.py:action_peek takes len() of the decoded
        body and then .keys(): a one-item list or string fails with
        AttributeError, a number or null with TypeError, and
        Resource._process_stack turns both into a plain 404 fault."""
        server, mig = self.running_migration()
        for path in (
            f"/servers/{server.id}/action",
            f"/servers/{server.id}/migrations/{mig.id}/action",
        ):
            for body in ("[1]", '"a"', "1", "null"):
                resp = self.call(
                    "POST",
                    path,
                    version="2.80",
                    data=body,
                    headers={"Content-Type": "application/json"},
                )
                self.assertFault(
                    resp,
                    404,
                    "The resource could not be found.",
                    "itemNotFound",
                )
                self.assertEqual(
                    "compute 2.80", resp.headers["OpenStack-API-Version"]
                )
            for body in ("[1, 2]", '"ab"', "{}", ""):
                resp = self.call(
                    "POST",
                    path,
                    version="2.80",
                    data=body,
                    headers={"Content-Type": "application/json"},
                )
                self.assertFault(resp, 400, "Malformed request body")


class TestLiveMigrateToItselfFidelity(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.two_hosts()
        self.server = self.cloud.add_server("web-1", "cmp-a")
        self.path = f"/servers/{self.server.id}/action"

    def _post(self, version: str, **args: object) -> object:
        body = {"host": "cmp-a", "block_migration": "auto", **args}
        return self.call(
            "POST", self.path, version=version, json={"os-migrateLive": body}
        )

    def test_scheduler_path_before_2_34(self) -> None:
        """migrate_server.py / compute API: from 2.30 an unforced host is
        only a scheduler hint (host_name unset), so the conductor's
        _find_destination ignores the source and raises NoValidHost;
        UnableToMigrateToSelf comes from the forced path only."""
        resp = self._post("2.30")
        self.assertFault(
            resp,
            400,
            "No valid host was found. There are not enough hosts available.",
        )
        resp = self._post("2.30", force=True)
        self.assertFault(
            resp,
            400,
            f"Unable to migrate instance ({self.server.id}) to current host "
            "(cmp-a).",
        )

    def test_async_failure_is_recorded_as_nova_does(self) -> None:
        """conductor/manager.py:_live_migrate creates the row with
        dest_compute = the requested (forced) destination or None, fails
        before source_node/dest_node are set, and the conductor event is an
        Error."""
        for version, args, dest in (
            ("2.34", {"force": True}, "cmp-a"),
            ("2.68", {}, None),
        ):
            resp = self._post(version, **args)
            self.assertEqual(202, resp.status_code)
            request_id = resp.headers["x-openstack-request-id"]
            rows = self.call(
                "GET", f"/os-migrations?instance_uuid={self.server.id}"
            ).json()["migrations"]
            row = max(rows, key=lambda m: m["id"])
            self.assertEqual("error", row["status"])
            self.assertEqual(dest, row["dest_compute"])
            self.assertEqual("cmp-a", row["source_compute"])
            for key in ("source_node", "dest_node", "dest_host"):
                self.assertIsNone(row[key], key)
            action = self.call(
                "GET",
                f"/servers/{self.server.id}/os-instance-actions/{request_id}",
            ).json()["instanceAction"]
            self.assertEqual("Error", action["message"])
            self.assertEqual(
                ["Error"], [e["result"] for e in action["events"]]
            )
            self.assertIsNone(self.cloud.get_server(self.server.id).task_state)
