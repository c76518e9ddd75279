"""Fault matrix for ``migabort server migration ...``.

Every command against every fault runs in-process (the shell on a
library client with a short timeout whose retry pauses are recorded);
a representative subset runs the real ``migabort`` binary in a
subprocess, with real (short) retry pauses. Expected: exit 1 and one
line on stderr with no traceback; abort and force-complete sent once,
exit 0 only when the read-back found the request applied.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.functional.reliability import base
from tests.functional.reliability import test_fault_matrix as matrix

FAULTS = matrix.FAULTS
READ_EXPECT = matrix.READ_EXPECT

# name -> (HTTP method, path regex, argv after "server migration")
COMMANDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "list": ("GET", r"/os-migrations$", ("list", "--server", "db-1")),
    # show and watch may read the item or the server's list: either.
    "show": ("GET", r"/migrations(/\d+)?$", ("show", "db-1", "{mid}")),
    "watch": (
        "GET",
        r"/migrations(/\d+)?$",
        ("watch", "db-1", "{mid}", "--count", "1"),
    ),
    "abort": ("DELETE", r"/migrations/\d+$", ("abort", "db-1", "{mid}")),
    "force_complete": (
        "POST",
        r"/migrations/\d+/action$",
        ("force", "complete", "db-1", "{mid}"),
    ),
}
ACTIONS = {
    "abort": "live_migration_cancel",
    "force_complete": "live_migration_force_complete",
}
REQUEST_RE = re.compile(r"\(request (req-[0-9a-f-]+)\)")


class CLIFaultCase(base.ReliabilityCase):
    def argv(self, command: str) -> list[str]:
        args = COMMANDS[command][2]
        return ["server", "migration"] + [
            a.format(mid=self.db_mig.id) for a in args
        ]

    def inject(self, command: str, fault_name: str) -> Any:
        http_method, pattern, _ = COMMANDS[command]
        options = dict(FAULTS[fault_name])
        if command in ACTIONS and fault_name in matrix.APPLIED_THEN_LOST:
            # Nova acted; only the answer was lost on the way back.
            options["after"] = True
        return self.ref.faults.inject(
            http_method, pattern, count=None, **options
        )

    def check(self, command: str, fault_name: str, result: Any) -> None:
        if command in ACTIONS:
            self.check_write(command, fault_name, result)
            return
        line = self.assertCleanFailure(result)
        self.assertNotIn("<html", line.lower())

    def check_write(self, command: str, fault_name: str, result: Any) -> None:
        recorded = self.actions(self.db.id, ACTIONS[command])
        if fault_name in matrix.APPLIED_THEN_LOST + matrix.HARMLESS_BODY:
            self.assertEqual(0, result.code, result)
            self.assertNotIn("Traceback", result.out + result.err)
            found = REQUEST_RE.search(result.out)
            self.assertIsNotNone(found, result)
            assert found is not None
            self.assertEqual(
                [found.group(1)], [a.request_id for a in recorded]
            )
            return
        line = self.assertCleanFailure(result)
        if fault_name == "drop":
            self.assertIn("not applied yet", line)
            self.assertEqual([], recorded)
        elif fault_name == "read_timeout":
            self.assertIn("may still reach Nova", line)
        else:
            self.assertIn("HTTP 429", line)


class TestCLIFaultsInProcess(CLIFaultCase):
    def run_case(self, command: str, fault_name: str) -> None:
        nova = self.client()
        fault = self.inject(command, fault_name)
        result = self.run_inproc(nova, *self.argv(command))
        self.check(command, fault_name, result)
        if command in ACTIONS:
            self.assertEqual(1, fault.hits)
            self.assertEqual([], self.sleeps)
        else:
            _, attempts, pauses = READ_EXPECT[fault_name]
            self.assertEqual(attempts, fault.hits)
            self.assertEqual(pauses, self.sleeps)


for _command, _fault in itertools.product(COMMANDS, FAULTS):

    def _test(
        self: TestCLIFaultsInProcess, c: str = _command, f: str = _fault
    ) -> None:
        self.run_case(c, f)

    _test.__name__ = f"test_{_command}__{_fault}"
    setattr(TestCLIFaultsInProcess, _test.__name__, _test)


# A representative subset through the real binary: every fault kind at
# least once, every command at least once. Retry-After 0 keeps the
# real pauses short; the others use the 0.5 s + 1 s backoff.
SUBPROCESS_CASES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("list", "503_retry_after", {"status": 503, "retry_after": 0}),
    ("list", "429", {"status": 429, "retry_after": 0}),
    ("show", "html_error_page", {"status": 502, "html": True}),
    ("show", "wrong_content_type", FAULTS["wrong_content_type"]),
    ("watch", "truncated_json", FAULTS["truncated_json"]),
    ("watch", "drop", FAULTS["drop"]),
    ("abort", "500", {**FAULTS["500"], "after": True}),
    ("abort", "drop", FAULTS["drop"]),
    ("force_complete", "read_timeout", FAULTS["read_timeout"]),
    (
        "force_complete",
        "502",
        {"status": 502, "retry_after": 0, "after": True},
    ),
)


class TestCLIFaultsSubprocess(CLIFaultCase):
    def run_case(
        self, command: str, fault_name: str, kwargs: dict[str, Any]
    ) -> None:
        http_method, pattern, _ = COMMANDS[command]
        fault = self.ref.faults.inject(
            http_method, pattern, count=None, **kwargs
        )
        result = self.run_cli(
            "migabort",
            "--os-timeout",
            str(base.SHORT_TIMEOUT),
            *self.argv(command),
        )
        self.check(command, fault_name, result)
        expected = 1 if command in ACTIONS else READ_EXPECT[fault_name][1]
        self.assertEqual(expected, fault.hits)


for _command, _fault, _kwargs in SUBPROCESS_CASES:

    def _stest(
        self: TestCLIFaultsSubprocess,
        c: str = _command,
        f: str = _fault,
        k: dict[str, Any] = _kwargs,
    ) -> None:
        self.run_case(c, f, k)

    _stest.__name__ = f"test_{_command}__{_fault}"
    setattr(TestCLIFaultsSubprocess, _stest.__name__, _stest)


class TestOtherProgramsFaults(CLIFaultCase):
    """``openstack`` (this project's plugin) and ``migabort-nova``: the
    same library underneath, so a few cases suffice."""

    def test_openstack_abort_dropped(self) -> None:
        fault = self.ref.faults.inject(
            "DELETE", r"/migrations/\d+$", drop=True
        )
        result = self.run_cli(
            "openstack",
            "server",
            "migration",
            "abort",
            "db-1",
            str(self.db_mig.id),
        )
        line = self.assertCleanFailure(result)
        self.assertIn("not applied yet", line)
        self.assertEqual(1, fault.hits)
        self.assertEqual([], self.actions(self.db.id, ACTIONS["abort"]))

    def test_openstack_list_html_page(self) -> None:
        fault = self.ref.faults.inject(
            "GET",
            r"/os-migrations$",
            status=502,
            html=True,
            retry_after=0,
            count=None,
        )
        result = self.run_cli("openstack", "server", "migration", "list")
        line = self.assertCleanFailure(result)
        self.assertNotIn("<", line)
        self.assertEqual(3, fault.hits)

    def test_nova_shim_abort_lost_but_applied(self) -> None:
        fault = self.ref.faults.inject(
            "DELETE",
            r"/migrations/\d+$",
            status=503,
            retry_after=0,
            after=True,
        )
        result = self.run_cli(
            "migabort-nova",
            "live-migration-abort",
            "db-1",
            str(self.db_mig.id),
        )
        self.assertEqual(0, result.code, result)
        self.assertNotIn("Traceback", result.out + result.err)
        self.assertEqual(1, fault.hits)
        cancels = self.actions(self.db.id, ACTIONS["abort"])
        self.assertEqual(1, len(cancels))

    def test_nova_shim_list_truncated(self) -> None:
        self.ref.faults.inject(
            "GET", r"/migrations$", truncate=True, count=None
        )
        result = self.run_cli("migabort-nova", "server-migration-list", "db-1")
        self.assertEqual(1, result.code, result)
        self.assertNotIn("Traceback", result.out + result.err)
        lines = [ln for ln in result.err.splitlines() if ln.strip()]
        self.assertEqual(1, len(lines), result)
