"""server_migrations end to end, as admin and as project manager."""

from __future__ import annotations

from migabortclient import exceptions
from migabortclient.api_versions import APIVersion
from migabortclient.reference import cloud as cloud_mod
from migabortclient.v2 import models
from tests.functional.library import base

HOST_FIELDS = (
    "source_compute",
    "source_node",
    "dest_compute",
    "dest_host",
    "dest_node",
)


class TestRead(base.LibraryTestCase):
    def test_negotiates_2_104(self) -> None:
        self.assertEqual(APIVersion("2.104"), self.nova().api_version)
        self.assertEqual(
            (APIVersion("2.1"), APIVersion("2.104")),
            self.nova().server_version_range,
        )

    def test_list_as_admin_shows_hosts(self) -> None:
        server, mig = self.migrating()
        (item,) = self.nova().server_migrations.list(server.id)
        self.assertIsInstance(item, models.ServerMigration)
        self.assertEqual(mig.id, item.id)
        self.assertEqual(server.id, item.server_uuid)
        self.assertEqual("running", item.status)
        self.assertEqual("cmp-a", item.source_compute)
        self.assertEqual("cmp-b", item.dest_compute)
        self.assertIsNotNone(item.request_id)
        self.assertEqual(mig.uuid, item.uuid)

    def test_list_as_manager_hides_hosts(self) -> None:
        server, mig = self.migrating()
        self.cloud.clock.advance(1.0)  # one monitor tick of counters
        (item,) = self.nova("manager").server_migrations.list(server)
        for field in HOST_FIELDS:
            self.assertIsNone(getattr(item, field), field)
        self.assertEqual(mig.uuid, item.uuid)
        self.assertIsNotNone(item.memory_total_bytes)

    def test_get_by_id_as_admin(self) -> None:
        server, mig = self.migrating()
        item = self.nova().server_migrations.get(server.id, str(mig.id))
        self.assertEqual(mig.id, item.id)
        self.assertEqual("cmp-a", item.source_compute)

    def test_get_by_id_forbidden_for_manager(self) -> None:
        server, mig = self.migrating()
        error = self.assertRaises(
            exceptions.Forbidden,
            self.nova("manager").server_migrations.get,
            server.id,
            mig.id,
        )
        self.assertEqual(
            "os_compute_api:servers:migrations:show", error.policy_rule
        )
        self.assertEqual(403, error.http_status)
        self.assertTrue(error.request_id)
        self.assertIn("Policy doesn't allow", error.message)

    def test_get_by_uuid_works_for_manager(self) -> None:
        server, mig = self.migrating()
        item = self.nova("manager").server_migrations.get(server.id, mig.uuid)
        self.assertEqual(mig.id, item.id)

    def test_not_found_texts_are_novas(self) -> None:
        server, _ = self.migrating()
        error = self.assertRaises(
            exceptions.NotFound,
            self.nova().server_migrations.get,
            server.id,
            999,
        )
        self.assertEqual(
            f"In-progress live migration 999 is not found for server "
            f"{server.id}.",
            error.message,
        )
        missing = "00000000-0000-4000-8000-000000000000"
        error = self.assertRaises(
            exceptions.NotFound, self.nova().server_migrations.list, missing
        )
        self.assertEqual(f"Instance {missing} could not be found.", str(error))

    def test_member_and_reader_forbidden(self) -> None:
        server, mig = self.migrating()
        for user in ("member", "reader"):
            error = self.assertRaises(
                exceptions.Forbidden,
                self.nova(user).server_migrations.list,
                server.id,
            )
            self.assertEqual(
                "os_compute_api:servers:migrations:index", error.policy_rule
            )
        error = self.assertRaises(
            exceptions.Forbidden,
            self.nova("member").server_migrations.abort,
            server.id,
            mig.id,
        )
        self.assertEqual(
            "os_compute_api:servers:migrations:delete", error.policy_rule
        )
        self.assertEqual("running", self.cloud.get_migration(mig.id).status)


class TestPinnedVersions(base.LibraryTestCase):
    def test_fields_per_version(self) -> None:
        server, mig = self.migrating()
        expected = {
            "2.23": (None, None),
            "2.24": (None, None),
            "2.59": (mig.uuid, None),
            "2.65": (mig.uuid, None),
            "2.80": (mig.uuid, server.project_id),
        }
        for version, (uuid, project) in expected.items():
            (item,) = self.nova(version=version).server_migrations.list(
                server.id
            )
            self.assertEqual(uuid, item.uuid, version)
            self.assertEqual(project, item.project_id, version)
            self.assertEqual(
                item.user_id is not None, project is not None, version
            )

    def test_2_22_cannot_list_but_can_force_complete(self) -> None:
        server, mig = self.migrating()
        nova = self.nova(version="2.22")
        start = self.mark()
        error = self.assertRaises(
            exceptions.UnsupportedVersion,
            nova.server_migrations.list,
            server.id,
        )
        self.assertIn("2.23", str(error))
        self.assertIn("pinned to 2.22", str(error))
        self.assertRaises(
            exceptions.UnsupportedVersion,
            nova.server_migrations.abort,
            server.id,
            mig.id,
        )
        self.assertEqual([], self.compute_requests(start))
        request_id = nova.server_migrations.force_complete(server.id, mig.id)
        (action,) = [
            a
            for a in self.cloud.find_actions(server.id)
            if a.action == "live_migration_force_complete"
        ]
        self.assertEqual(action.request_id, request_id)

    def test_uuid_refused_below_2_59(self) -> None:
        server, mig = self.migrating()
        start = self.mark()
        error = self.assertRaises(
            exceptions.UnsupportedVersion,
            self.nova(version="2.58").server_migrations.abort,
            server.id,
            mig.uuid,
        )
        self.assertIn("2.59", str(error))
        self.assertEqual([], self.compute_requests(start))

    def test_pinned_above_server_is_novas_406(self) -> None:
        # 2.104 is this library's maximum and the reference's; a pin is
        # sent as is, and the server's answer is typed.
        server, _ = self.migrating()
        (item,) = self.nova(version="2.104").server_migrations.list(server.id)
        self.assertEqual("running", item.status)


class TestAbort(base.LibraryTestCase):
    def test_abort_running_and_wait_for_cancelled(self) -> None:
        server, mig = self.migrating()
        nova = self.nova()
        request_id = nova.server_migrations.abort(server.id, mig.id)
        self.assertTrue(request_id)
        polls: list[str] = []

        def on_poll(item: models.ServerMigration) -> None:
            polls.append(item.status)
            self.cloud.clock.advance(0.5)

        outcome = nova.server_migrations.wait(
            server.id,
            mig.id,
            timeout=60,
            poll_interval=0,
            on_poll=on_poll,
            request_id=request_id,
        )
        self.assertEqual("cancelled", outcome.status)
        self.assertEqual(mig.id, outcome.migration_id)
        self.assertTrue(polls)
        assert outcome.action is not None
        self.assertEqual("live_migration_cancel", outcome.action.action)
        self.assertEqual(request_id, outcome.action.request_id)
        self.assertEqual(
            ["compute_live_migration_abort"],
            [e.event for e in outcome.events],
        )
        self.assertTrue(outcome.succeeded)
        assert outcome.server is not None
        self.assertEqual("cmp-a", outcome.server.host)
        self.assertEqual("ACTIVE", outcome.server.status)
        self.assertEqual("cancelled", self.cloud.get_migration(mig.id).status)

    def test_abort_as_manager_and_wait(self) -> None:
        server, mig = self.migrating()
        nova = self.nova("manager")
        nova.server_migrations.live_migration_abort(server.id, mig.id)
        outcome = nova.server_migrations.wait(
            server, mig.id, poll_interval=0, on_poll=self.advance()
        )
        # Read through os-migrations filtered by the manager's project.
        self.assertEqual("cancelled", outcome.status)
        assert outcome.action is not None
        self.assertEqual("live_migration_cancel", outcome.action.action)
        assert outcome.server is not None
        self.assertIsNone(outcome.server.host)

    def test_abort_by_server_uuid_is_discovery_plus_delete(self) -> None:
        server, mig = self.migrating()
        nova = self.ref.client("admin")
        start = self.mark()
        nova.server_migrations.abort(server.id, mig.id)
        self.assertEqual(
            [
                ("GET", "/v2.1"),
                ("DELETE", f"/v2.1/servers/{server.id}/migrations/{mig.id}"),
            ],
            self.compute_requests(start),
        )

    def test_abort_by_migration_uuid_adds_one_list(self) -> None:
        server, mig = self.migrating()
        nova = self.ref.client("manager")
        start = self.mark()
        nova.server_migrations.abort(server.id, mig.uuid)
        self.assertEqual(
            [
                ("GET", "/v2.1"),
                ("GET", f"/v2.1/servers/{server.id}/migrations"),
                ("DELETE", f"/v2.1/servers/{server.id}/migrations/{mig.id}"),
            ],
            self.compute_requests(start),
        )

    def test_abort_queued_negotiated(self) -> None:
        server, mig = self.migrating(running=False)
        self.assertEqual("queued", self.cloud.get_migration(mig.id).status)
        nova = self.nova("manager")
        self.assertGreaterEqual(nova.api_version, APIVersion("2.65"))
        nova.server_migrations.abort(server.id, mig.id)
        outcome = nova.server_migrations.wait(
            server.id, mig.id, poll_interval=0
        )
        self.assertEqual("cancelled", outcome.status)

    def test_abort_queued_pinned_2_65(self) -> None:
        server, mig = self.migrating(running=False)
        self.nova(version="2.65").server_migrations.abort(server.id, mig.id)
        self.assertEqual("cancelled", self.cloud.get_migration(mig.id).status)

    def test_abort_queued_refused_by_server_at_2_24(self) -> None:
        server, mig = self.migrating(running=False)
        error = self.assertRaises(
            exceptions.BadRequest,
            self.nova(version="2.24").server_migrations.abort,
            server.id,
            mig.id,
        )
        self.assertEqual(
            f"Migration {mig.id} state of instance {server.id} is queued. "
            "Cannot abort live migration while the migration is in this "
            "state.",
            error.message,
        )
        self.assertEqual(400, error.http_status)
        self.assertEqual("queued", self.cloud.get_migration(mig.id).status)
        self.assertEqual(
            [],
            [
                a
                for a in self.cloud.find_actions(server.id)
                if a.action == "live_migration_cancel"
            ],
        )

    def test_abort_on_host_without_abort_support(self) -> None:
        self.cloud.hosts["cmp-a"].supports_abort = False
        server, mig = self.migrating()
        nova = self.nova()
        request_id = nova.server_migrations.abort(server.id, mig.id)
        error = self.assertRaises(
            exceptions.WaitTimeout,
            nova.server_migrations.wait,
            server.id,
            mig.id,
            timeout=0.5,
            poll_interval=0.01,
            on_poll=self.advance(1),
        )
        self.assertEqual("running", error.status)
        action = nova.instance_actions.get(server.id, request_id)
        self.assertEqual("Error", action.message)
        self.assertEqual(1, len(action.failed_events))

    def test_abort_finished_migration_is_a_typed_error(self) -> None:
        server, mig = self.migrating(dirty_rate_mib_s=0.0)
        self.cloud.clock.advance(120)
        self.assertEqual("completed", self.cloud.get_migration(mig.id).status)
        self.assertRaises(
            exceptions.HTTPClientError,
            self.nova().server_migrations.abort,
            server.id,
            mig.id,
        )


class TestForceComplete(base.LibraryTestCase):
    def test_force_complete_and_wait_for_completed(self) -> None:
        server, mig = self.migrating()
        nova = self.nova("manager")
        request_id = nova.server_migrations.live_migrate_force_complete(
            server.id, mig.id
        )
        outcome = nova.server_migrations.wait(
            server.id, mig.id, poll_interval=0, on_poll=self.advance()
        )
        self.assertEqual("completed", outcome.status)
        assert outcome.action is not None
        self.assertEqual(
            "live_migration_force_complete", outcome.action.action
        )
        self.assertEqual(request_id, outcome.action.request_id)
        self.assertEqual("cmp-b", self.cloud.get_server(server.id).host)

    def test_force_complete_with_post_copy(self) -> None:
        self.cloud.hosts["cmp-a"].supports_post_copy = True
        server, mig = self.migrating(memory_mib=65536)
        nova = self.nova()
        nova.server_migrations.force_complete(server.id, mig.uuid)
        self.cloud.clock.advance(cloud_mod.MONITOR_S)
        # Post-copy leaves the server's list; wait follows os-migrations.
        self.assertEqual(
            "running (post-copy)", self.cloud.get_migration(mig.id).status
        )
        self.assertEqual([], nova.server_migrations.list(server.id))
        # Every request moves the clock a second: no on_poll is called
        # while the migration is only visible in os-migrations.
        self.cloud.auto_advance = 1.0
        start = self.mark()
        outcome = nova.server_migrations.wait(
            server.id, mig.id, poll_interval=0, timeout=60
        )
        self.assertEqual("completed", outcome.status)
        polls = [
            r
            for r in self.compute_requests(start)
            if r[1] == "/v2.1/os-migrations"
        ]
        self.assertGreater(len(polls), 1)

    def test_force_complete_queued_refused(self) -> None:
        server, mig = self.migrating(running=False)
        self.assertRaises(
            exceptions.BadRequest,
            self.nova().server_migrations.force_complete,
            server.id,
            mig.id,
        )


class TestLostAnswers(base.LibraryTestCase):
    """The reference Nova drops a connection before handling it, and
    replaces the answer of a request it handled with a fault status."""

    def test_503_after_nova_handled_it_returns_the_action(self) -> None:
        server, mig = self.migrating()
        nova = self.nova()
        self.assertEqual(APIVersion("2.104"), nova.api_version)
        fault = self.ref.faults.inject(
            "DELETE",
            r"/migrations/\d+$",
            status=503,
            retry_after=1,
            after=True,
        )
        request_id = nova.server_migrations.abort(server.id, mig.id)
        self.assertEqual(1, fault.hits)
        (action,) = [
            a
            for a in self.cloud.find_actions(server.id)
            if a.action == "live_migration_cancel"
        ]
        self.assertEqual(action.request_id, request_id)
        deletes = [r for r in self.ref.requests if r.method == "DELETE"]
        self.assertEqual(1, len(deletes))

    def test_dropped_before_nova_is_not_applied(self) -> None:
        server, mig = self.migrating()
        nova = self.nova()
        self.assertEqual(APIVersion("2.104"), nova.api_version)
        self.ref.faults.inject("DELETE", r"/migrations/\d+$", drop=True)
        error = self.assertRaises(
            exceptions.NotApplied,
            nova.server_migrations.abort,
            server.id,
            mig.id,
        )
        self.assertEqual("running", error.status)
        self.assertEqual(mig.id, error.migration_id)
        self.assertIsNone(error.http_status)
        self.assertIsInstance(error.__cause__, exceptions.ConnectionError)
        self.assertEqual("running", self.cloud.get_migration(mig.id).status)
        deletes = [r for r in self.ref.requests if r.method == "DELETE"]
        self.assertEqual(1, len(deletes))

    def test_dropped_force_complete_is_not_applied(self) -> None:
        server, mig = self.migrating()
        nova = self.nova("manager")
        self.assertEqual(APIVersion("2.104"), nova.api_version)
        self.ref.faults.inject("POST", r"/migrations/\d+/action$", drop=True)
        self.assertRaises(
            exceptions.NotApplied,
            nova.server_migrations.force_complete,
            server.id,
            mig.id,
        )
        self.assertEqual(
            [],
            [
                a
                for a in self.cloud.find_actions(server.id)
                if a.action == "live_migration_force_complete"
            ],
        )
