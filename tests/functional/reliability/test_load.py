"""Load and races against the reference Nova.

32 client threads (each with its own session) run a bounded mix of
list/show/abort/force-complete while the reference clock moves with
every request (``auto_advance``). Afterwards: no 5xx and no dropped
connection in the server's log, every migration in exactly one
terminal state with the server where that state says, and one instance
action per accepted abort/force-complete, each with the request id the
library returned. Then the two races an operator can cause: an abort
at the instant the migration completes, and two aborts at once.
"""

from __future__ import annotations

import concurrent.futures
import random
import threading
from collections.abc import Callable
from typing import Any

import testtools

from migabortclient import client as client_mod
from migabortclient import exceptions
from migabortclient.fixture import ReferenceNova
from migabortclient.reference import cloud as cloud_mod
from tests.functional.reliability import base

THREADS = 32
OPS_PER_THREAD = 6
HOSTS = 8
SERVERS_PER_HOST = 3
# A loaded request may queue behind others for a while; still bounded.
LOAD_TIMEOUT = 30.0
TERMINAL = set(cloud_mod.TERMINAL)
ABORT = "live_migration_cancel"
FORCE = "live_migration_force_complete"


def _client(ref: ReferenceNova, user: str = "admin") -> Any:
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    creds = ref.credentials(user)
    auth = v3.Password(
        auth_url=ref.auth_url,
        username=creds["username"],
        password=creds["password"],
        project_name=creds["project_name"],
        user_domain_name="Default",
        project_domain_name="Default",
    )
    sess = ks_session.Session(auth=auth, timeout=LOAD_TIMEOUT)
    return client_mod.Client("auto", session=sess)


class TestConcurrentClients(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ref = self.useFixture(ReferenceNova())
        cloud = self.cloud = self.ref.cloud
        hosts = [f"cmp{i}" for i in range(HOSTS)]
        for name in hosts:
            cloud.add_host(name, bandwidth_mib_s=1000, max_concurrent=2)
        self.servers: list[Any] = []
        self.migrations: dict[str, int] = {}
        for i, host in enumerate(hosts):
            dest = hosts[(i + 1) % HOSTS]
            for j in range(SERVERS_PER_HOST):
                server = cloud.add_server(
                    f"vm-{i}-{j}",
                    host,
                    memory_mib=8192 * (1 + j),
                    dirty_rate_mib_s=300 * j,
                )
                mig = cloud.start_live_migration(server.id, dest)
                self.servers.append(server)
                self.migrations[server.id] = mig.id
        cloud.clock.advance(4)
        # Every compute request moves the simulation on a little.
        cloud.auto_advance = 0.05

    def test_32_threads_mixed(self) -> None:
        clients = [_client(self.ref) for _ in range(THREADS)]
        for nova in clients:
            nova.http.adapter.get_token()
        barrier = threading.Barrier(THREADS, timeout=60)
        accepted: list[tuple[str, str, str]] = []  # (server, action, req)
        errors: list[BaseException] = []
        lock = threading.Lock()

        def worker(index: int) -> None:
            nova = clients[index]
            rng = random.Random(index)
            barrier.wait()
            for _ in range(OPS_PER_THREAD):
                server = rng.choice(self.servers)
                mid = self.migrations[server.id]
                op = rng.choice(
                    (
                        "list",
                        "show",
                        "os-migrations",
                        "actions",
                        "abort",
                        "force",
                    )
                )
                try:
                    if op == "list":
                        nova.server_migrations.list(server.id)
                    elif op == "show":
                        nova.server_migrations.get(server.id, mid)
                    elif op == "os-migrations":
                        list(nova.migrations.list(instance_uuid=server.id))
                    elif op == "actions":
                        nova.instance_actions.list(server.id)
                    elif op == "abort":
                        rid = nova.server_migrations.abort(server.id, mid)
                        with lock:
                            accepted.append((server.id, ABORT, rid))
                    else:
                        rid = nova.server_migrations.force_complete(
                            server.id, mid
                        )
                        with lock:
                            accepted.append((server.id, FORCE, rid))
                except (
                    exceptions.NotFound,
                    exceptions.BadRequest,
                    exceptions.Conflict,
                ):
                    # Nova's "not in progress" / "wrong state": expected
                    # when another thread (or completion) got there first.
                    pass
                except BaseException as exc:  # reported below
                    with lock:
                        errors.append(exc)

        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            for future in [pool.submit(worker, i) for i in range(THREADS)]:
                future.result(timeout=120)
        self.assertEqual([], errors)

        statuses = [r.status for r in self.ref.requests]
        self.assertNotIn(None, statuses)
        self.assertEqual([], [s for s in statuses if s and s >= 500])
        compute = [r for r in self.ref.requests if "/v2.1/" in r.path]
        self.assertGreaterEqual(len(compute), THREADS * OPS_PER_THREAD)
        self.assertTrue(accepted)

        # Let every migration finish (force-completed ones included).
        self.cloud.auto_advance = 0.0
        self.cloud.clock.advance(3600)
        self.check_final_state(accepted)

    def check_final_state(self, accepted: list[tuple[str, str, str]]) -> None:
        cloud = self.cloud
        for server in self.servers:
            mig = cloud.get_migration(self.migrations[server.id])
            srv = cloud.get_server(server.id)
            self.assertIn(mig.status, TERMINAL, mig)
            expected_host = {
                "completed": mig.dest_compute,
                "cancelled": mig.source_compute,
            }.get(mig.status)
            self.assertEqual(expected_host, srv.host, (mig, srv))
            self.assertIsNone(srv.task_state)
            actions = cloud.find_actions(server.id)
            for name in (ABORT, FORCE):
                recorded = sorted(
                    a.request_id for a in actions if a.action == name
                )
                returned = sorted(
                    rid
                    for sid, act, rid in accepted
                    if sid == server.id and act == name
                )
                self.assertEqual(returned, recorded, (server.name, name))
            cancels = [a for a in actions if a.action == ABORT]
            successes = [
                e for a in cancels for e in a.events if e.result == "Success"
            ]
            # An abort that took effect is the only way to "cancelled".
            self.assertEqual(
                mig.status == "cancelled", bool(successes), (mig, cancels)
            )
            self.assertLessEqual(len(successes), 1)
            for action in actions:
                self.assertTrue(action.events, action)


class TestRaces(base.ReliabilityCase):
    """Races at one simulated instant, decided by the reference's lock."""

    def completion_time(self) -> float:
        """Clock seconds at which web-1's migration completes (probed on
        a second reference with the same set-up)."""
        with ReferenceNova() as probe:
            cloud = probe.cloud
            for name in ("compute1", "compute2", "compute3"):
                cloud.add_host(name, bandwidth_mib_s=1000, max_concurrent=4)
            server = cloud.add_server(
                "web-1", "compute1", memory_mib=32768, dirty_rate_mib_s=200
            )
            mig = cloud.start_live_migration(server.id, "compute3")
            for _ in range(600):
                cloud.clock.advance(0.25)
                if cloud.get_migration(mig.id).status == "completed":
                    return cloud.clock.seconds()
        self.fail("web-1 never completed in the probe")

    def abort_at(self, offset: float) -> tuple[str | None, Exception | None]:
        target = self.completion_time() + offset
        self.cloud.clock.advance(target - self.cloud.clock.seconds())
        nova = self.client(timeout=LOAD_TIMEOUT)
        try:
            return nova.server_migrations.abort(
                self.web.id, self.web_mig.id
            ), None
        except exceptions.ClientException as exc:
            return None, exc

    def check_one_truth(
        self, request_id: str | None, error: Exception | None
    ) -> None:
        self.cloud.clock.advance(60)
        mig = self.cloud.get_migration(self.web_mig.id)
        server = self.cloud.get_server(self.web.id)
        cancels = self.actions(self.web.id, ABORT)
        if request_id is not None:
            self.assertEqual("cancelled", mig.status)
            self.assertEqual("compute1", server.host)
            self.assertEqual([request_id], [a.request_id for a in cancels])
        else:
            # Nova: 409 (task state) or 400 (migration state).
            self.assertIsInstance(error, exceptions.HTTPClientError)
            self.assertEqual("completed", mig.status)
            self.assertEqual("compute3", server.host)
            self.assertEqual([], cancels)
        self.assertIsNone(server.task_state)
        ends = [
            n
            for n in self.ref.notifications
            if n.event_type == "instance.live_migration_abort.end"
        ]
        self.assertEqual(1 if request_id else 0, len(ends))

    def test_abort_just_before_completion_wins(self) -> None:
        request_id, error = self.abort_at(-0.25)
        self.assertIsNone(error)
        self.check_one_truth(request_id, error)

    def test_abort_at_the_instant_of_completion(self) -> None:
        # At the completion instant the completion has happened: the
        # abort is refused, and nothing claims it was applied.
        request_id, error = self.abort_at(0.0)
        self.check_one_truth(request_id, error)

    def test_abort_after_completion_refused(self) -> None:
        request_id, error = self.abort_at(0.25)
        self.assertIsNone(request_id)
        self.check_one_truth(request_id, error)

    def test_abort_and_completion_reader_at_once(self) -> None:
        # One thread aborts while another reads the migration, both at
        # the completion instant minus a hair: one truth either way.
        target = self.completion_time() - 0.001
        self.cloud.clock.advance(target - self.cloud.clock.seconds())
        aborter = self.client(timeout=LOAD_TIMEOUT)
        reader = self.client(timeout=LOAD_TIMEOUT)
        result = self.race(
            lambda: aborter.server_migrations.abort(
                self.web.id, self.web_mig.id
            ),
            lambda: reader.server_migrations.list(self.web.id),
        )
        request_id = result[0] if isinstance(result[0], str) else None
        error = result[0] if isinstance(result[0], Exception) else None
        self.check_one_truth(request_id, error)

    def test_two_aborts_at_once(self) -> None:
        first = self.client(timeout=LOAD_TIMEOUT)
        second = self.client(timeout=LOAD_TIMEOUT)
        results = self.race(
            lambda: first.server_migrations.abort(self.db.id, self.db_mig.id),
            lambda: second.server_migrations.abort(self.db.id, self.db_mig.id),
        )
        ok = [r for r in results if isinstance(r, str)]
        refused = [r for r in results if isinstance(r, Exception)]
        self.assertGreaterEqual(len(ok), 1, results)
        for exc in refused:
            self.assertIsInstance(exc, exceptions.HTTPClientError)
        self.cloud.clock.advance(60)
        mig = self.cloud.get_migration(self.db_mig.id)
        self.assertEqual("cancelled", mig.status)
        self.assertEqual("compute2", self.cloud.get_server(self.db.id).host)
        cancels = self.actions(self.db.id, ABORT)
        self.assertEqual(sorted(ok), sorted(a.request_id for a in cancels))
        results_by_event = sorted(
            str(e.result) for a in cancels for e in a.events
        )
        # Exactly one abort did the work; a second accepted one is
        # recorded as the compute host's error, as in Nova.
        self.assertEqual(1, results_by_event.count("Success"), cancels)
        self.assertEqual(
            [], [r for r in self.ref.requests if r.status and r.status >= 500]
        )

    def race(self, *calls: Callable[[], Any]) -> list[Any]:
        barrier = threading.Barrier(len(calls), timeout=30)

        def run(call: Callable[[], Any]) -> Any:
            barrier.wait()
            try:
                return call()
            except exceptions.ClientException as exc:
                return exc

        with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
            futures = [pool.submit(run, c) for c in calls]
            return [f.result(timeout=60) for f in futures]
