"""The simulated cloud, clock and policy, without HTTP."""

from __future__ import annotations

import os
import tempfile

import testtools

from migabortclient.reference import cloud as cloud_mod
from migabortclient.reference import policy as policy_mod
from migabortclient.reference import seeds


class TestClock(testtools.TestCase):
    def test_advance_and_now(self) -> None:
        clock = cloud_mod.Clock()
        start = clock.now()
        clock.advance(2.5)
        self.assertEqual(2.5, (clock.now() - start).total_seconds())
        self.assertRaises(ValueError, clock.advance, -1)

    def test_real_time_clock_is_accelerated_and_advanceable(self) -> None:
        clock = cloud_mod.RealTimeClock(speed=1000.0)
        first = clock.seconds()
        clock.advance(60)
        self.assertGreaterEqual(clock.seconds() - first, 60)

    def test_isotime_is_naive_with_microseconds(self) -> None:
        self.assertEqual(
            "2026-01-01T12:00:00.000000", cloud_mod.isotime(cloud_mod.EPOCH)
        )
        self.assertIsNone(cloud_mod.isotime(None))


class TestCloud(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud = cloud_mod.Cloud()

    def test_default_users(self) -> None:
        users = self.cloud.users
        self.assertEqual(
            {"admin", "manager", "member", "reader", "other-admin"},
            set(users),
        )
        self.assertEqual(["reader"], users["reader"].roles)
        demo = self.cloud.project_by_name("demo")
        other = self.cloud.project_by_name("other")
        assert demo is not None and other is not None
        self.assertEqual(demo.id, users["manager"].project_id)
        self.assertEqual(other.id, users["other-admin"].project_id)
        self.assertEqual("member-password", users["member"].password)

    def test_server_needs_known_host(self) -> None:
        self.assertRaises(KeyError, self.cloud.add_server, "vm", "nowhere")

    def test_disk_copied_before_memory(self) -> None:
        self.cloud.add_host("a", bandwidth_mib_s=1024)
        self.cloud.add_host("b", bandwidth_mib_s=1024)
        server = self.cloud.add_server("vm", "a", memory_mib=1024, disk_gib=2)
        mig = self.cloud.start_live_migration(server.id)
        self.cloud.clock.advance(
            cloud_mod.QUEUED_S + cloud_mod.PREPARING_S + cloud_mod.MONITOR_S
        )
        now = self.cloud.get_migration(mig.id)
        self.assertEqual(2 * cloud_mod.GIB, now.disk_total_bytes)
        self.assertEqual(cloud_mod.GIB, now.disk_processed_bytes)
        self.assertEqual(0, now.memory_processed_bytes)
        self.cloud.clock.advance(cloud_mod.MONITOR_S * 3)
        self.assertEqual("completed", self.cloud.get_migration(mig.id).status)
        self.assertEqual(0, now.disk_remaining_bytes)

    def test_long_advances_are_cheap_and_exact(self) -> None:
        # 1000 GiB of disk at 10 MiB/s: about 102400 monitor ticks.
        self.cloud.add_host("a", bandwidth_mib_s=10)
        self.cloud.add_host("b", bandwidth_mib_s=10)
        server = self.cloud.add_server("vm", "a", memory_mib=10, disk_gib=1000)
        mig = self.cloud.start_live_migration(server.id)
        self.cloud.clock.advance(200_000)
        now = self.cloud.get_migration(mig.id)
        self.assertEqual("completed", now.status)
        self.assertEqual(1000 * cloud_mod.GIB, now.disk_processed_bytes)
        expected = (
            cloud_mod.QUEUED_S
            + cloud_mod.PREPARING_S
            + (102400 + 1) * cloud_mod.MONITOR_S
        )
        self.assertEqual(self.cloud.clock.at(expected), now.updated_at)

    def test_queued_starts_when_its_own_host_frees_a_slot(self) -> None:
        for name in ("a", "b", "c", "d"):
            self.cloud.add_host(name, bandwidth_mib_s=100)
        first = self.cloud.add_server("one", "a", dirty_rate_mib_s=500)
        waiting = self.cloud.add_server("two", "a")
        mig1 = self.cloud.start_live_migration(first.id, dest="b")
        mig2 = self.cloud.start_live_migration(waiting.id, dest="b")
        self.cloud.clock.advance(10)
        self.cloud.abort(mig1.id)
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S + 0.5)
        moved = self.cloud.get_migration(mig2.id)
        self.assertEqual("preparing", moved.status)
        self.assertEqual(
            self.cloud.clock.at(10 + cloud_mod.ROLLBACK_S), moved.updated_at
        )

    def _running(self, **host_kw: object) -> cloud_mod.Migration:
        self.cloud.add_host("a", **host_kw)  # type: ignore[arg-type]
        self.cloud.add_host("b", **host_kw)  # type: ignore[arg-type]
        server = self.cloud.add_server("vm", "a", dirty_rate_mib_s=5000)
        mig = self.cloud.start_live_migration(server.id)
        self.cloud.clock.advance(5)
        return mig

    def test_failed_compute_calls_emit_no_end_notification(self) -> None:
        mig = self._running(supports_abort=False)
        self.cloud.abort(mig.id)
        self.assertEqual(
            ["instance.live_migration_abort.start"],
            [n.event_type for n in self.cloud.notifications],
        )
        (action,) = [
            a
            for a in self.cloud.find_actions(mig.instance_uuid)
            if a.action == "live_migration_cancel"
        ]
        self.assertEqual("Error", action.message)
        self.assertIn("NotImplementedError", action.events[0].traceback or "")

    def test_force_complete_during_rollback_is_an_error(self) -> None:
        mig = self._running()
        self.cloud.abort(mig.id)
        self.cloud.force_complete(mig.id)
        self.assertEqual(
            [
                "instance.live_migration_abort.start",
                "instance.live_migration_abort.end",
                "instance.live_migration_force_complete.start",
            ],
            [n.event_type for n in self.cloud.notifications],
        )
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S)
        self.assertEqual("cancelled", self.cloud.get_migration(mig.id).status)

    def test_demo_seed(self) -> None:
        seeds.apply(self.cloud, "demo")
        self.assertEqual(
            ["compute1", "compute2", "compute3"], sorted(self.cloud.hosts)
        )
        live = [
            m
            for m in self.cloud.migrations.values()
            if m.migration_type == "live-migration"
        ]
        self.assertEqual(2, len(live))
        self.cloud.clock.advance(600)
        statuses = sorted(self.cloud.get_migration(m.id).status for m in live)
        self.assertEqual(["completed", "running"], statuses)

    def test_unknown_seed(self) -> None:
        self.assertRaises(ValueError, seeds.apply, self.cloud, "nope")


class TestPolicy(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.creds = {
            "roles": ["manager", "member", "reader"],
            "project_id": "p",
        }

    def test_nova_34_defaults(self) -> None:
        policy = policy_mod.Policy()
        target = {"project_id": "p"}
        rule = "os_compute_api:servers:migrations:"
        self.assertTrue(policy.allowed(rule + "delete", target, self.creds))
        self.assertFalse(policy.allowed(rule + "show", target, self.creds))
        self.assertFalse(
            policy.allowed(rule + "delete", {"project_id": "q"}, self.creds)
        )
        admin = {"roles": ["admin"], "project_id": "q"}
        self.assertTrue(policy.allowed(rule + "show", target, admin))

    def test_yaml_file_overrides(self) -> None:
        fd, path = tempfile.mkstemp(suffix=".yaml")
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, "w") as handle:
            handle.write(
                '"os_compute_api:servers:migrations:show": '
                '"rule:project_manager_or_admin"\n'
            )
        policy = policy_mod.Policy(path)
        self.assertTrue(
            policy.allowed(
                "os_compute_api:servers:migrations:show",
                {"project_id": "p"},
                self.creds,
            )
        )
