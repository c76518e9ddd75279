"""The simulated live-migration lifecycle, driven by the clock."""

from __future__ import annotations

from migabortclient.reference import cloud as cloud_mod
from tests.functional.reference import base

MIB = cloud_mod.MIB


class TestLifecycle(base.ReferenceTestCase):
    def _status(self, mid: int) -> str:
        return self.cloud.get_migration(mid).status

    def test_converging_migration_completes_on_destination(self) -> None:
        # 2000 MiB at 1000 MiB/s with 100 MiB/s dirtied.
        self.two_hosts(bandwidth_mib_s=1000)
        server = self.cloud.add_server(
            "vm", "cmp-a", memory_mib=2000, dirty_rate_mib_s=100
        )
        mig = self.cloud.start_live_migration(server.id)
        self.assertEqual("cmp-b", mig.dest_compute)
        self.assertEqual("queued", self._status(mig.id))
        self.cloud.clock.advance(cloud_mod.QUEUED_S)
        self.assertEqual("preparing", self._status(mig.id))
        self.cloud.clock.advance(cloud_mod.PREPARING_S)
        self.assertEqual("running", self._status(mig.id))
        self.assertIsNone(self.cloud.get_migration(mig.id).memory_total_bytes)
        self.cloud.clock.advance(cloud_mod.MONITOR_S)
        first = self.cloud.get_migration(mig.id)
        self.assertEqual(2000 * MIB, first.memory_total_bytes)
        self.assertEqual(1000 * MIB, first.memory_processed_bytes)
        self.assertEqual(1100 * MIB, first.memory_remaining_bytes)
        self.assertEqual("MIGRATING", self.cloud.get_server(server.id).status)
        self.cloud.clock.advance(cloud_mod.MONITOR_S * 2)
        self.assertEqual("completed", self._status(mig.id))
        done = self.cloud.get_server(server.id)
        self.assertEqual("cmp-b", done.host)
        self.assertEqual("ACTIVE", done.status)
        self.assertIsNone(done.task_state)

    def test_dirty_rate_above_bandwidth_never_converges(self) -> None:
        self.two_hosts(bandwidth_mib_s=100)
        server = self.cloud.add_server(
            "vm", "cmp-a", memory_mib=1024, dirty_rate_mib_s=150
        )
        mig = self.cloud.start_live_migration(server.id)
        self.cloud.clock.advance(1_000_000)
        now = self.cloud.get_migration(mig.id)
        self.assertEqual("running", now.status)
        self.assertEqual(1024 * MIB, now.memory_remaining_bytes)
        assert now.memory_processed_bytes is not None
        self.assertGreater(now.memory_processed_bytes, 1024 * MIB)

    def test_queue_waits_for_a_host_slot(self) -> None:
        self.two_hosts(max_concurrent=1)
        _first, mig1 = self.running_migration()
        second = self.cloud.add_server("vm2", "cmp-a", memory_mib=100)
        mig2 = self.cloud.start_live_migration(second.id)
        self.cloud.clock.advance(30)
        self.assertEqual("queued", self._status(mig2.id))
        self.cloud.abort(mig1.id)
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S)
        self.assertEqual("cancelled", self._status(mig1.id))
        self.assertEqual("preparing", self._status(mig2.id))
        self.cloud.clock.advance(cloud_mod.PREPARING_S + 2)
        self.assertEqual("completed", self._status(mig2.id))

    def test_abort_running_rolls_back_to_source(self) -> None:
        server, mig = self.running_migration()
        resp = self.call(
            "DELETE",
            f"/servers/{server.id}/migrations/{mig.id}",
            version="2.80",
        )
        self.assertEqual(202, resp.status_code)
        self.assertEqual("running", self._status(mig.id))
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S)
        self.assertEqual("cancelled", self._status(mig.id))
        back = self.cloud.get_server(server.id)
        self.assertEqual(
            ("cmp-a", "ACTIVE", None),
            (back.host, back.status, back.task_state),
        )
        self.assertEqual(
            [
                "instance.live_migration_abort.start",
                "instance.live_migration_abort.end",
            ],
            [n.event_type for n in self.ref.notifications],
        )
        self.assertEqual(server.id, self.ref.notifications[0].payload["uuid"])

    def test_force_complete_with_post_copy(self) -> None:
        self.two_hosts(supports_post_copy=True)
        server, mig = self.running_migration(dirty_rate_mib_s=5000)
        self.cloud.force_complete(mig.id)
        self.cloud.clock.advance(cloud_mod.MONITOR_S)
        self.assertEqual("running (post-copy)", self._status(mig.id))
        self.cloud.clock.advance(cloud_mod.MONITOR_S * 5)
        self.assertEqual("completed", self._status(mig.id))
        self.assertEqual("cmp-b", self.cloud.get_server(server.id).host)
        self.assertEqual(
            [
                "instance.live_migration_force_complete.start",
                "instance.live_migration_force_complete.end",
            ],
            [n.event_type for n in self.ref.notifications],
        )

    def test_force_complete_without_post_copy_pauses_and_completes(
        self,
    ) -> None:
        server, mig = self.running_migration(dirty_rate_mib_s=5000)
        self.cloud.clock.advance(60)
        self.assertEqual("running", self._status(mig.id))
        resp = self.call(
            "POST",
            f"/servers/{server.id}/migrations/{mig.id}/action",
            version="2.22",
            json={"force_complete": None},
        )
        request_id = resp.headers["x-openstack-request-id"]
        self.cloud.clock.advance(cloud_mod.MONITOR_S)
        self.assertEqual("running", self._status(mig.id))
        self.cloud.clock.advance(cloud_mod.MONITOR_S * 5)
        self.assertEqual("completed", self._status(mig.id))
        (action,) = [
            a
            for a in self.cloud.find_actions(server.id)
            if a.request_id == request_id
        ]
        self.assertEqual("live_migration_force_complete", action.action)
        self.assertEqual(
            ("compute_live_migration_force_complete", "Success"),
            (action.events[0].event, action.events[0].result),
        )

    def test_no_valid_host_ends_in_error(self) -> None:
        self.cloud.add_host("alone")
        server = self.cloud.add_server("vm", "alone")
        mig = self.cloud.start_live_migration(server.id)
        self.assertEqual("error", self._status(mig.id))
        self.assertIsNone(self.cloud.get_server(server.id).task_state)

    def test_auto_advance_moves_the_clock_per_request(self) -> None:
        server, mig = self.running_migration(
            memory_mib=4000, dirty_rate_mib_s=0
        )
        self.cloud.auto_advance = 1.0
        seen = []
        for _ in range(20):
            resp = self.call(
                "GET", f"/servers/{server.id}/migrations", version="2.80"
            )
            items = resp.json()["migrations"]
            if not items:
                break
            seen.append(items[0]["memory_remaining_bytes"])
        self.assertEqual("completed", self._status(mig.id))
        self.assertLess(len(seen), 20)
