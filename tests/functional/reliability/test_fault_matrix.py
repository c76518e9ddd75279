"""Fault matrix: every library method against every injected fault.

The reference Nova injects the fault on the one route the method uses;
authentication and version negotiation happen before the fault is
injected. Reads must end in a typed error after a bounded, counted
number of retries (429/502/503/504, timeouts and dropped connections
are retried twice; a 500, a bad body or a wrong content type never);
abort, force-complete and os-migrateLive are sent exactly once.

Status faults answer *before* the request runs (a proxy or rate limiter
in front of Nova) unless injected with ``after=True``: then Nova ran the
request and only its answer was replaced (the ambiguous case, checked
both ways for writes). HTML-body, truncation and content-type faults
mangle the real answer; a drop acts before the request runs; latency
delays it (it runs when the wait ends, after the client gave up).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

import fixtures

from migabortclient import exceptions
from tests.functional.reliability import base

# name -> inject() keyword arguments; count=None: every attempt fails.
FAULTS: dict[str, dict[str, Any]] = {
    "500": {"status": 500},
    "502": {"status": 502},
    "503_retry_after": {"status": 503, "retry_after": 1},
    "429": {"status": 429},
    "read_timeout": {"latency": 5.0},
    "drop": {"drop": True},
    "truncated_json": {"truncate": True},
    "html_error_page": {"status": 502, "html": True},
    "html_200_page": {"html": True},
    "wrong_content_type": {"content_type": "text/html"},
}

BACKOFF = [0.5, 1.0]
# Reference seconds from a new live migration to "running".
WARMUP_RUNNING = 5.0
# fault -> (error class, attempts, pauses) for an idempotent read.
READ_EXPECT: dict[str, tuple[type[Exception], int, list[float]]] = {
    "500": (exceptions.InternalServerError, 1, []),
    "502": (exceptions.BadGateway, 3, BACKOFF),
    "503_retry_after": (exceptions.ServiceUnavailable, 3, [1.0, 1.0]),
    "429": (exceptions.TooManyRequests, 3, BACKOFF),
    "read_timeout": (exceptions.Timeout, 3, BACKOFF),
    "drop": (exceptions.ConnectionError, 3, BACKOFF),
    "truncated_json": (exceptions.InvalidResponse, 1, []),
    "html_error_page": (exceptions.BadGateway, 3, BACKOFF),
    "html_200_page": (exceptions.InvalidResponse, 1, []),
    "wrong_content_type": (exceptions.InvalidResponse, 1, []),
}

UUID_RE = r"[0-9a-f-]{36}"

# name -> (HTTP method, path regex, call(case, nova))
ReadCall = Callable[["TestReadFaults", Any], Any]
READS: dict[str, tuple[str, str, ReadCall]] = {
    "server_migrations_list": (
        "GET",
        r"/migrations$",
        lambda t, n: n.server_migrations.list(t.db.id),
    ),
    "server_migrations_get": (
        "GET",
        r"/migrations/\d+$",
        lambda t, n: n.server_migrations.get(t.db.id, t.db_mig.id),
    ),
    "server_migrations_get_by_uuid": (
        "GET",
        r"/migrations$",
        lambda t, n: n.server_migrations.get(t.db.id, t.db_mig.uuid),
    ),
    "server_migrations_wait": (
        "GET",
        r"/migrations$",
        lambda t, n: n.server_migrations.wait(
            t.db.id, t.db_mig.id, timeout=5, poll_interval=0
        ),
    ),
    "migrations_list": (
        "GET",
        r"/os-migrations$",
        lambda t, n: list(n.migrations.list(instance_uuid=t.db.id)),
    ),
    "servers_find_by_name": (
        "GET",
        r"/servers/detail$",
        lambda t, n: n.servers.find("db-1"),
    ),
    "servers_find_by_id": (
        "GET",
        rf"/servers/{UUID_RE}$",
        lambda t, n: n.servers.find(t.db.id),
    ),
    "instance_actions_list": (
        "GET",
        r"/os-instance-actions$",
        lambda t, n: n.instance_actions.list(t.db.id),
    ),
    "instance_actions_get": (
        "GET",
        r"/os-instance-actions/[^/]+$",
        lambda t, n: n.instance_actions.get(t.db.id, t.start_request_id),
    ),
}


def _one_line(text: str) -> bool:
    return "\n" not in text.strip()


class TestReadFaults(base.ReliabilityCase):
    """Reads: typed error, bounded and counted retries, no traceback."""

    def setUp(self) -> None:
        super().setUp()
        self.nova = self.client()
        self.start_request_id = self.actions(self.db.id, "live-migration")[
            0
        ].request_id

    def check_read(self, method_name: str, fault_name: str) -> None:
        http_method, pattern, call = READS[method_name]
        error, attempts, pauses = READ_EXPECT[fault_name]
        fault = self.ref.faults.inject(
            http_method, pattern, count=None, **FAULTS[fault_name]
        )
        before = self.snapshot()
        exc = self.assertRaises(error, call, self, self.nova)
        self.assertIsInstance(exc, exceptions.ClientException)
        self.assertEqual(attempts, fault.hits, self.ref.requests)
        self.assertEqual(pauses, self.sleeps)
        self.assertTrue(str(exc).strip())
        self.assertEqual(before, self.snapshot())

    def test_transient_503_then_success(self) -> None:
        fault = self.ref.faults.inject(
            "GET", r"/migrations$", status=503, retry_after=0, count=1
        )
        found = self.nova.server_migrations.list(self.db.id)
        self.assertEqual([self.db_mig.id], [m.id for m in found])
        self.assertEqual(1, fault.hits)
        self.assertEqual([0.0], self.sleeps)
        self.assertEqual(2, self.hits("GET", r"/migrations$"))

    def test_transient_timeout_then_success(self) -> None:
        fault = self.ref.faults.inject(
            "GET", r"/os-migrations$", latency=5.0, count=1
        )
        found = list(self.nova.migrations.list(instance_uuid=self.db.id))
        self.assertEqual([self.db_mig.id], [m.id for m in found])
        self.assertEqual(1, fault.hits)
        self.assertEqual([0.5], self.sleeps)

    def test_retry_after_is_capped(self) -> None:
        self.ref.faults.inject(
            "GET", r"/migrations$", status=503, retry_after=3600, count=2
        )
        self.nova.server_migrations.list(self.db.id)
        self.assertEqual([10.0, 10.0], self.sleeps)

    def test_real_sleep_with_retry_after_zero(self) -> None:
        # The default pause function, not the recorder: still bounded.
        nova = self.client(sleep=time.sleep)
        fault = self.ref.faults.inject(
            "GET", r"/migrations$", status=429, retry_after=0, count=None
        )
        self.assertRaises(
            exceptions.TooManyRequests,
            nova.server_migrations.list,
            self.db.id,
        )
        self.assertEqual(3, fault.hits)

    def test_500_message_is_novas(self) -> None:
        self.ref.faults.inject("GET", r"/migrations$", status=500)
        exc = self.assertRaises(
            exceptions.InternalServerError,
            self.nova.server_migrations.list,
            self.db.id,
        )
        self.assertEqual(500, exc.http_status)
        self.assertIn("Unexpected API Error", exc.message)
        self.assertIsNotNone(exc.request_id)

    def test_html_page_message_says_not_nova(self) -> None:
        self.ref.faults.inject(
            "GET", r"/os-migrations$", status=502, html=True, count=None
        )
        exc = self.assertRaises(
            exceptions.BadGateway, list, self.nova.migrations.list()
        )
        self.assertNotIn("<", str(exc))
        self.assertIn("not from Nova", str(exc))
        self.assertTrue(_one_line(str(exc)))


for _method, _fault in itertools.product(READS, FAULTS):

    def _test(self: TestReadFaults, m: str = _method, f: str = _fault) -> None:
        self.check_read(m, f)

    _test.__name__ = f"test_{_method}__{_fault}"
    setattr(TestReadFaults, _test.__name__, _test)


# -------------------------------------------------------------- writes

WRITES: dict[str, tuple[str, str, str]] = {
    # name -> (HTTP method, path regex, instance action it records)
    "abort": ("DELETE", r"/migrations/\d+$", "live_migration_cancel"),
    "force_complete": (
        "POST",
        r"/migrations/\d+/action$",
        "live_migration_force_complete",
    ),
}

# Faults that replace the answer after the request ran: the library
# must read the state back and return the recorded action's request id.
APPLIED_THEN_LOST = ("500", "502", "503_retry_after", "html_error_page")
# A 2xx whose body is mangled: Nova's 202 carries no body, so it is
# taken as the 202 it is.
HARMLESS_BODY = ("truncated_json", "html_200_page", "wrong_content_type")


class TestWriteFaults(base.ReliabilityCase):
    """Abort and force-complete: sent once, and never a guess."""

    def setUp(self) -> None:
        super().setUp()
        self.nova = self.client()

    def send(self, name: str) -> Any:
        manager = self.nova.server_migrations
        return getattr(manager, name)(self.db.id, self.db_mig.id)

    def check_write(self, name: str, fault_name: str) -> None:
        http_method, pattern, action = WRITES[name]
        options = dict(FAULTS[fault_name])
        if fault_name in APPLIED_THEN_LOST:
            options["after"] = True
        fault = self.ref.faults.inject(
            http_method, pattern, count=None, **options
        )
        if fault_name in APPLIED_THEN_LOST + HARMLESS_BODY:
            request_id = self.send(name)
            recorded = self.actions(self.db.id, action)
            self.assertEqual([request_id], [a.request_id for a in recorded])
        elif fault_name == "429":
            # A rate limiter's refusal is definitive: not re-sent, not
            # read back, and nothing happened.
            self.assertRaises(exceptions.TooManyRequests, self.send, name)
            self.assertEqual([], self.actions(self.db.id, action))
        elif fault_name == "drop":
            exc = self.assertRaises(exceptions.NotApplied, self.send, name)
            self.assertEqual(self.db_mig.id, exc.migration_id)
            self.assertEqual("running", exc.status)
            self.assertIn("not applied", str(exc))
            self.assertEqual([], self.actions(self.db.id, action))
        elif fault_name == "read_timeout":
            exc = self.assertRaises(exceptions.NotApplied, self.send, name)
            self.assertEqual("running", exc.status)
            # The request is still on its way: it must not be called
            # "not applied" as if that were final.
            self.assertIn("may still", str(exc))
        else:  # pragma: no cover - every fault is listed above
            self.fail(fault_name)
        self.assertEqual(1, fault.hits, self.ref.requests)
        self.assertEqual([], self.sleeps)

    def check_refused_in_front(self, name: str, fault_name: str) -> None:
        """A 5xx answered before Nova ran the request: read back, and
        reported as not applied (yet), never as done."""
        http_method, pattern, action = WRITES[name]
        fault = self.ref.faults.inject(
            http_method, pattern, count=None, **FAULTS[fault_name]
        )
        exc = self.assertRaises(exceptions.NotApplied, self.send, name)
        self.assertEqual("running", exc.status)
        self.assertIn("not applied", str(exc))
        self.assertEqual([], self.actions(self.db.id, action))
        self.assertEqual(
            "running", self.ref.cloud.get_migration(self.db_mig.id).status
        )
        self.assertEqual(1, fault.hits, self.ref.requests)
        self.assertEqual([], self.sleeps)

    def test_timeout_request_lands_after_client_gave_up(self) -> None:
        # Why a timeout cannot be reported as "not applied": the server
        # runs the abort once its wait ends (here: when it stops).
        self.ref.faults.inject("DELETE", r"/migrations/\d+$", latency=5.0)
        exc = self.assertRaises(exceptions.NotApplied, self.send, "abort")
        self.assertIn("may still", str(exc))
        # Stopping the server ends the injected wait; the DELETE then runs
        # (_stop is idempotent; the fixture's own cleanup calls it again).
        self.ref._stop()
        self.assertEqual(
            1, len(self.actions(self.db.id, "live_migration_cancel"))
        )

    def test_lost_answer_and_state_unreadable(self) -> None:
        self.ref.faults.inject("DELETE", r"/migrations/\d+$", status=502)
        self.ref.faults.inject("GET", r"/migrations$", status=500, count=None)
        exc = self.assertRaises(exceptions.OutcomeUnknown, self.send, "abort")
        self.assertIn("may or may not", str(exc))
        self.assertIsNone(exc.status)
        self.assertEqual(502, exc.http_status)
        self.assertEqual(1, self.hits("DELETE", r"/migrations/\d+$"))

    def test_lost_answer_for_a_migration_that_completed(self) -> None:
        # web-1 completes; Nova refuses the abort (400) but the answer
        # is replaced by a 500: the read-back shows nothing was applied.
        self.cloud.clock.advance(600)
        self.assertEqual(
            "completed", self.cloud.get_migration(self.web_mig.id).status
        )
        fault = self.ref.faults.inject(
            "DELETE", r"/migrations/\d+$", status=500
        )
        exc = self.assertRaises(
            exceptions.NotApplied,
            self.nova.server_migrations.abort,
            self.web.id,
            self.web_mig.id,
        )
        self.assertIn("not applied:", str(exc))
        self.assertIn(f"migration {self.web_mig.id} is completed", str(exc))
        self.assertEqual("completed", exc.status)
        self.assertEqual(1, fault.hits)
        cancels = self.actions(self.web.id, "live_migration_cancel")
        self.assertEqual([], cancels)

    def test_earlier_abort_is_not_taken_for_this_one(self) -> None:
        # An abort recorded on an earlier migration of the same server
        # must not make a lost abort of a new migration look applied.
        self.nova.server_migrations.abort(self.web.id, self.web_mig.id)
        self.cloud.clock.advance(5)
        self.assertEqual(
            "cancelled", self.cloud.get_migration(self.web_mig.id).status
        )
        self.cloud.clock.advance(1)
        second = self.cloud.start_live_migration(self.web.id, "compute3")
        self.cloud.clock.advance(WARMUP_RUNNING)
        self.assertEqual("running", self.cloud.get_migration(second.id).status)
        self.ref.faults.inject("DELETE", r"/migrations/\d+$", drop=True)
        exc = self.assertRaises(
            exceptions.NotApplied,
            self.nova.server_migrations.abort,
            self.web.id,
            second.id,
        )
        self.assertEqual("running", exc.status)

    def test_live_migrate_sent_once(self) -> None:
        for fault_name in ("500", "502", "503_retry_after", "drop"):
            fault = self.ref.faults.inject(
                "POST", r"/servers/[^/]+/action$", **FAULTS[fault_name]
            )
            exc = self.assertRaises(
                exceptions.NotApplied,
                self.nova.servers.live_migrate,
                self.idle.id,
            )
            self.assertIn("not started", str(exc))
            self.assertEqual(1, fault.hits, fault_name)
        self.assertEqual(4, self.hits("POST", r"/servers/[^/]+/action$"))
        self.assertEqual([], self.actions(self.idle.id, "live-migration"))
        self.assertEqual([], self.sleeps)

    def test_live_migrate_started_despite_5xx(self) -> None:
        fault = self.ref.faults.inject(
            "POST", r"/servers/[^/]+/action$", status=502, after=True
        )
        logs = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        request_id = self.nova.servers.live_migrate(self.idle.id)
        self.assertEqual(1, fault.hits)
        self.assertIn("started despite the error", logs.output)
        started = self.actions(self.idle.id, "live-migration")
        self.assertEqual([request_id], [a.request_id for a in started])


for _name, _fault in itertools.product(WRITES, FAULTS):

    def _wtest(self: TestWriteFaults, n: str = _name, f: str = _fault) -> None:
        self.check_write(n, f)

    _wtest.__name__ = f"test_{_name}__{_fault}"
    setattr(TestWriteFaults, _wtest.__name__, _wtest)

for _name, _fault in itertools.product(WRITES, APPLIED_THEN_LOST):

    def _ftest(self: TestWriteFaults, n: str = _name, f: str = _fault) -> None:
        self.check_refused_in_front(n, f)

    _ftest.__name__ = f"test_{_name}__{_fault}_before_nova"
    setattr(TestWriteFaults, _ftest.__name__, _ftest)
