"""Pure logic of the server migration commands (no HTTP)."""

from __future__ import annotations

import argparse
import datetime
import io
import os
import threading
import types
import uuid
from typing import Any
from typing import ClassVar
from unittest import mock

import testtools

from migabortclient import exceptions
from migabortclient.osc.v2 import server_migration as sm
from migabortclient.v2 import models

GIB = 1024**3
T0 = datetime.datetime(2026, 1, 1, 12, 0, 0)


def ns(**kw: Any) -> types.SimpleNamespace:
    return types.SimpleNamespace(**kw)


def abort_args(**kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {
        "server": None,
        "migration": None,
        "all": False,
        "host": None,
        "wait": False,
    }
    base.update(kw)
    return argparse.Namespace(**base)


class TestAbortArguments(testtools.TestCase):
    def test_server_required_without_all(self) -> None:
        err = self.assertRaises(
            sm.UsageError, sm.validate_abort_args, abort_args()
        )
        self.assertIn("<server> is required", str(err))

    def test_host_needs_all(self) -> None:
        self.assertRaises(
            sm.UsageError, sm.validate_abort_args, abort_args(host="c1")
        )
        self.assertRaises(
            sm.UsageError, sm.validate_abort_args, abort_args(all=True)
        )

    def test_timeout_needs_wait(self) -> None:
        err = self.assertRaises(
            sm.UsageError,
            sm.validate_abort_args,
            abort_args(server="vm", timeout=60.0),
        )
        self.assertEqual("--timeout works with --wait only", str(err))
        args = abort_args(server="vm", timeout=60.0, wait=True)
        sm.validate_abort_args(args)
        self.assertEqual(60.0, sm.wait_timeout(args))
        self.assertEqual(600.0, sm.wait_timeout(abort_args(timeout=None)))
        self.assertRaises(
            sm.UsageError,
            sm.ForceCompleteServerMigration(ns(), None).take_action,
            abort_args(server="vm", timeout=5.0),
        )

    def test_empty_host_named_as_such(self) -> None:
        err = self.assertRaises(
            sm.UsageError,
            sm.validate_abort_args,
            abort_args(all=True, host=""),
        )
        self.assertEqual("--host must not be empty", str(err))
        err = self.assertRaises(
            sm.UsageError, sm.validate_abort_args, abort_args(host="")
        )
        self.assertEqual("--host and --all must be given together", str(err))

    def test_all_rejects_server_and_wait(self) -> None:
        self.assertRaises(
            sm.UsageError,
            sm.validate_abort_args,
            abort_args(all=True, host="c1", server="vm"),
        )
        self.assertRaises(
            sm.UsageError,
            sm.validate_abort_args,
            abort_args(all=True, host="c1", wait=True),
        )

    def test_migration_must_be_an_id_or_uuid(self) -> None:
        self.assertRaises(
            sm.UsageError,
            sm.validate_abort_args,
            abort_args(server="vm", migration="abc"),
        )
        sm.validate_abort_args(abort_args(server="vm", migration="42"))
        sm.validate_abort_args(
            abort_args(server="vm", migration=str(uuid.UUID(int=7)))
        )
        sm.validate_abort_args(abort_args(host="c1", all=True))

    def test_migration_ref_accepts_id_or_uuid(self) -> None:
        sm.check_migration_ref("42")
        sm.check_migration_ref("8d4a1c44-6d1e-4b70-9a0e-0a3f4c3c9f8e")
        for bad in ("x-1", "-3", "4.5", "", "\u0664\u0662"):
            self.assertRaises(sm.UsageError, sm.check_migration_ref, bad)

    def test_migration_id_range_checked_locally(self) -> None:
        for bad in ("0", "2147483648", "99999999999"):
            err = self.assertRaises(sm.UsageError, sm.check_migration_ref, bad)
            self.assertIn("out of range", str(err))
        sm.check_migration_ref("2147483647")


class TestPollInterval(testtools.TestCase):
    def _with_env(self, value: str | None) -> None:
        old = os.environ.get(sm.POLL_ENV)
        if value is None:
            os.environ.pop(sm.POLL_ENV, None)
        else:
            os.environ[sm.POLL_ENV] = value

        def restore() -> None:
            if old is None:
                os.environ.pop(sm.POLL_ENV, None)
            else:
                os.environ[sm.POLL_ENV] = old

        self.addCleanup(restore)

    def test_default_when_unset(self) -> None:
        self._with_env(None)
        self.assertEqual(5.0, sm.poll_interval(sm.WAIT_POLL_DEFAULT))
        self.assertEqual(2.0, sm.poll_interval(sm.WATCH_POLL_DEFAULT))

    def test_env_overrides(self) -> None:
        self._with_env("0")
        self.assertEqual(0.0, sm.poll_interval(5.0))

    def test_env_rejects_garbage(self) -> None:
        self._with_env("soon")
        self.assertRaises(sm.UsageError, sm.poll_interval, 5.0)
        self._with_env("-1")
        self.assertRaises(sm.UsageError, sm.poll_interval, 5.0)
        for text in ("nan", "inf"):
            self._with_env(text)
            self.assertRaises(sm.UsageError, sm.poll_interval, 5.0)

    def test_seconds_must_be_finite(self) -> None:
        for text in ("nan", "inf", "-inf", "0", "-1", "x"):
            self.assertRaises(
                argparse.ArgumentTypeError, sm.positive_float, text
            )
        self.assertEqual(0.5, sm.positive_float("0.5"))


class _FakeHttpError(Exception):
    def __init__(self, **kw: Any) -> None:
        super().__init__(kw.get("message"))
        for key, value in kw.items():
            setattr(self, key, value)


class TestErrors(testtools.TestCase):
    def test_one_line_with_status_and_request_id(self) -> None:
        exc = _FakeHttpError(
            message="Instance x could not be found.",
            http_status=404,
            request_id="req-1",
        )
        self.assertEqual(
            "Instance x could not be found. (HTTP 404) (Request-ID: req-1)",
            sm.describe_error(exc),
        )

    def test_forbidden_names_rule_and_role(self) -> None:
        rule = "os_compute_api:servers:migrations:delete"
        exc = _FakeHttpError(
            message=f"Policy doesn't allow {rule} to be performed.",
            http_status=403,
            request_id="req-2",
            policy_rule=rule,
        )
        line = sm.describe_error(exc)
        self.assertTrue(
            line.endswith(
                f"Policy rule {rule} needs the manager or admin role."
            )
        )
        self.assertNotIn("\n", line)

    def test_forbidden_listing_suggests_own_project(self) -> None:
        rule = "os_compute_api:os-migrations:index:all_projects"
        exc = _FakeHttpError(
            message=f"Policy doesn't allow {rule} to be performed.",
            http_status=403,
            request_id="req-3",
            policy_rule=rule,
        )
        self.assertTrue(
            sm.describe_error(exc).endswith(
                f"Policy rule {rule} needs the admin role. A project manager "
                "can list their own project's migrations with --project "
                "<project> (2.80+)."
            )
        )

    def test_exit_codes_of_our_own_errors(self) -> None:
        self.assertEqual(2, sm.exit_code_for(sm.UsageError("x")))
        self.assertEqual(1, sm.exit_code_for(sm.OperationFailed("x")))

    def test_exit_codes_of_library_errors(self) -> None:
        self.assertEqual(
            2, sm.exit_code_for(exceptions.ValidationError("bad id"))
        )
        timeout = exceptions.WaitTimeout("x", migration_id=1, status="running")
        self.assertEqual(3, sm.exit_code_for(timeout))
        self.assertEqual(
            1,
            sm.exit_code_for(
                exceptions.NotApplied("x", migration_id=1, status="running")
            ),
        )
        self.assertIsNone(sm.exit_code_for(RuntimeError("bug")))

    def test_version_too_low_is_usage_only_when_pinned(self) -> None:
        exc = exceptions.UnsupportedVersion("needs 2.59")
        self.assertEqual(1, sm.exit_code_for(exc))
        self.assertEqual(2, sm.exit_code_for(exc, pinned=True))


class TestPickMigration(testtools.TestCase):
    def _nova(self, found: list[Any]) -> Any:
        return ns(server_migrations=ns(list=lambda server_id: found))

    def test_given_migration_used_as_is(self) -> None:
        server = ns(id="s1", name="vm")
        self.assertEqual(7, sm.pick_migration(self._nova([]), server, "7"))

    def test_given_uuid_resolved_to_its_id(self) -> None:
        server = ns(id="s1", name="vm")
        ref = str(uuid.UUID(int=3))
        seen: list[tuple[str, str]] = []

        def get(server_id: str, migration: str) -> Any:
            seen.append((server_id, migration))
            return ns(id=12)

        nova = ns(server_migrations=ns(get=get))
        self.assertEqual(12, sm.pick_migration(nova, server, ref))
        self.assertEqual([("s1", ref)], seen)

    def test_single_in_progress_picked(self) -> None:
        server = ns(id="s1", name="vm")
        nova = self._nova([ns(id=9, status="running")])
        self.assertEqual(9, sm.pick_migration(nova, server, None))

    def test_none_or_several_is_an_error_listing_them(self) -> None:
        server = ns(id="s1", name="vm")
        err = self.assertRaises(
            sm.OperationFailed, sm.pick_migration, self._nova([]), server, None
        )
        self.assertEqual(
            "Server vm (s1) has no in-progress live migration.", str(err)
        )
        nova = self._nova(
            [ns(id=3, status="running"), ns(id=4, status="queued")]
        )
        err = self.assertRaises(
            sm.OperationFailed, sm.pick_migration, nova, server, None
        )
        self.assertIn("2 in-progress live migrations: 3 (running), 4 "
                      "(queued)", str(err))  # fmt: skip


def _event(result: str | None, **kw: Any) -> models.ActionEvent:
    return models.ActionEvent(
        event="compute_live_migration_abort", result=result, **kw
    )


def _outcome(
    status: str | None,
    events: list[models.ActionEvent] | None = None,
    host: str | None = "compute2",
) -> models.Outcome:
    action = None
    if events is not None:
        action = models.InstanceAction(
            action="live_migration_cancel",
            request_id="req-1",
            events=tuple(events),
        )
    return models.Outcome(
        migration_id=42,
        status=status,
        action=action,
        server=models.Server(id="s1", host=host),
    )


class TestOutcomes(testtools.TestCase):
    def test_cancelled_is_success(self) -> None:
        self.assertEqual(
            ("aborted: migration 42 cancelled, server back on compute2", 0),
            sm.describe_abort(_outcome("cancelled", [])),
        )

    def test_host_from_migration_when_server_host_hidden(self) -> None:
        mig = models.ServerMigration(
            id=42, server_uuid="s1", status="running", source_compute="c7"
        )
        outcome = models.Outcome(
            migration_id=42,
            status="cancelled",
            migration=mig,
            server=models.Server(id="s1"),
        )
        self.assertEqual(
            ("aborted: migration 42 cancelled, server back on c7", 0),
            sm.describe_abort(outcome),
        )

    def test_driver_without_abort_is_a_failure(self) -> None:
        event = _event(
            "Error",
            traceback="Traceback ...\n  (simulated)\nNotImplementedError\n",
        )
        line, code = sm.describe_abort(_outcome("completed", [event]))
        self.assertEqual(1, code)
        self.assertEqual(
            "abort failed: the compute driver does not support abort; "
            "migration 42 completed, server now on compute2",
            line,
        )

    def test_failure_details_shown(self) -> None:
        event = _event("Error", details="No active migration job to abort")
        self.assertEqual(
            (
                "abort failed: compute_live_migration_abort: No active "
                "migration job to abort",
                1,
            ),
            sm.describe_abort(_outcome("error", [event])),
        )

    def test_gone_migration_without_records_is_unknown(self) -> None:
        line, code = sm.describe_abort(_outcome(None))
        self.assertEqual(1, code)
        self.assertTrue(
            line.startswith("abort outcome unknown: migration 42 is no "),
            line,
        )

    def test_status_hidden_but_abort_event_succeeded(self) -> None:
        # A project manager: os-migrations refused, host hidden.
        line, code = sm.describe_abort(
            _outcome(None, [_event("Success")], host=None)
        )
        self.assertEqual(
            (
                "aborted: migration 42 is no longer in progress and "
                "compute_live_migration_abort succeeded, server back on "
                "its source host",
                0,
            ),
            (line, code),
        )

    def test_unfinished_event_is_not_success(self) -> None:
        line, code = sm.describe_abort(_outcome(None, [_event(None)]))
        self.assertEqual(1, code, line)

    def test_force_complete_outcomes(self) -> None:
        self.assertEqual(
            ("force-completed: migration 42 completed, server now on "
             "compute2", 0),
            sm.describe_force_complete(_outcome("completed", [])),
        )  # fmt: skip
        self.assertEqual(1, sm.describe_force_complete(_outcome("error"))[1])


class TestListBounds(testtools.TestCase):
    """--limit/--max-items as python-openstackclient 10.5 reads them."""

    def _nova(self, version: str) -> Any:
        from migabortclient.api_versions import APIVersion

        return ns(api_version=APIVersion(version))

    def test_limit_is_one_page_and_a_cap(self) -> None:
        self.assertEqual((2, 2), sm.list_bounds(self._nova("2.80"), 2, None))

    def test_max_items_caps_total_and_sizes_pages(self) -> None:
        nova = self._nova("2.80")
        self.assertEqual((5, 5), sm.list_bounds(nova, None, 5))
        self.assertEqual((3, 10), sm.list_bounds(nova, 10, 3))
        self.assertEqual((3, 3), sm.list_bounds(nova, 3, 10))

    def test_max_items_below_2_59_sends_no_limit(self) -> None:
        self.assertEqual(
            (5, None), sm.list_bounds(self._nova("2.58"), None, 5)
        )

    def test_zero_means_no_limit(self) -> None:
        nova = self._nova("2.80")
        self.assertEqual((None, None), sm.list_bounds(nova, 0, 0))
        self.assertEqual((None, None), sm.list_bounds(nova, None, None))


class TestFinalStatus(testtools.TestCase):
    def test_manager_falls_back_to_own_project(self) -> None:
        from migabortclient.api_versions import APIVersion

        calls: list[dict[str, Any]] = []

        def listing(**kw: Any) -> Any:
            calls.append(kw)
            if kw.get("project_id") is None:
                raise exceptions.Forbidden("no", http_status=403)
            return iter([ns(id=41, status="completed"),
                         ns(id=42, status="cancelled")])  # fmt: skip

        nova = ns(api_version=APIVersion("2.80"), migrations=ns(list=listing))
        server = models.Server(id="s1", project_id="p1")
        self.assertEqual("cancelled", sm.final_status(nova, server, 42))
        self.assertEqual(
            [{"instance_uuid": "s1", "project_id": None},
             {"instance_uuid": "s1", "project_id": "p1"}],
            calls,
        )  # fmt: skip

    def test_refused_everywhere_is_unknown(self) -> None:
        from migabortclient.api_versions import APIVersion

        def listing(**kw: Any) -> Any:
            raise exceptions.Forbidden("no", http_status=403)

        nova = ns(api_version=APIVersion("2.79"), migrations=ns(list=listing))
        server = models.Server(id="s1", project_id="p1")
        self.assertIsNone(sm.final_status(nova, server, 42))


def reading(t: float, remaining: int, total: int = 16 * GIB) -> Any:
    return ns(
        id=5,
        status="running",
        memory_total_bytes=total,
        memory_remaining_bytes=remaining,
        memory_processed_bytes=total - remaining + int(t) * GIB,
        disk_total_bytes=0,
        disk_remaining_bytes=0,
        created_at=T0,
        updated_at=T0 + datetime.timedelta(seconds=t),
    )


class TestWatcher(testtools.TestCase):
    def test_plain_lines_and_single_warning(self) -> None:
        w = sm.Watcher(window=20, tty=False)
        lines: list[str] = []
        for i in range(6):
            lines += w.observe(reading(i * 10.0, 8 * GIB), 0.0)
        self.assertEqual(
            "running  memory 50% (8.0 GiB left)  disk -  rate -  "
            "running 0s  ETA -",
            lines[0],
        )
        warnings = [ln for ln in lines if ln.startswith("WARNING")]
        self.assertEqual(1, len(warnings))
        self.assertIn("migration 5 is not converging", warnings[0])
        self.assertIn("'server migration abort'", warnings[0])

    def test_warning_commands_can_be_pasted(self) -> None:
        w = sm.Watcher(window=20, tty=False, server="db 1")
        lines: list[str] = []
        for i in range(6):
            lines += w.observe(reading(i * 10.0, 8 * GIB), 0.0)
        (warning,) = [ln for ln in lines if ln.startswith("WARNING")]
        self.assertTrue(
            warning.endswith(
                "Consider 'server migration abort 'db 1' 5' or 'server "
                "migration force complete 'db 1' 5'."
            ),
            warning,
        )

    def test_converging_shows_rate_and_eta(self) -> None:
        w = sm.Watcher(window=20, tty=True)
        w.observe(reading(0.0, 8 * GIB), 0.0)
        line = w.observe(reading(10.0, 6 * GIB), 0.0)[0]
        self.assertTrue(line.startswith("[#"), line)
        self.assertIn("running 10s", line)
        self.assertIn("ETA 30s", line)
        self.assertIn("rate 1.2 GiB/s", line)


class TestAbortMany(testtools.TestCase):
    def test_bounded_concurrency_and_failures_reported(self) -> None:
        lock = threading.Lock()
        active = [0]
        peak = [0]
        gate = threading.Barrier(2, timeout=5)

        def abort(m: Any) -> str:
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            try:
                if m.id < 3:
                    gate.wait()
                if m.id == 4:
                    raise sm.OperationFailed("nope")
                return f"req-{m.id}"
            finally:
                with lock:
                    active[0] -= 1

        targets = [ns(id=i, instance_uuid=f"s{i}") for i in range(1, 6)]
        rows = sm.abort_many(abort, targets, parallel=2)
        self.assertEqual(2, peak[0])
        self.assertEqual(
            (1, "s1", "abort requested req-1", True, "req-1"), rows[0]
        )
        self.assertEqual((4, "s4", "nope", False, None), rows[3])
        self.assertEqual([1, 2, 3, 4, 5], [row.migration for row in rows])

    def test_not_applied_counts_as_failed(self) -> None:
        # The library's text starts with "abort" too: the flag decides.
        def abort(m: Any) -> str | None:
            if m.id == 2:
                raise exceptions.NotApplied(
                    "abort not applied: HTTP 502; migration 2 is running.",
                    migration_id=2,
                    status="running",
                    http_status=502,
                    request_id="req-x",
                )
            return None

        targets = [ns(id=i, instance_uuid=f"s{i}") for i in (1, 2)]
        rows = sm.abort_many(abort, targets, parallel=1)
        self.assertEqual((1, "s1", "abort requested", True, None), rows[0])
        self.assertEqual(
            sm.AbortRow(
                migration=2,
                server="s2",
                result="abort not applied: HTTP 502; migration 2 is running. "
                "(HTTP 502) (Request-ID: req-x)",
                accepted=False,
                request_id="req-x",
            ),
            rows[1],
        )

    def test_render_table(self) -> None:
        self.assertEqual(
            "+----+-----+\n| Id | X   |\n+----+-----+\n| 1  | abc |\n"
            "+----+-----+",
            sm.render_table(("Id", "X"), [("1", "abc")]),
        )


class TestIdentityIds(testtools.TestCase):
    def test_keystone_ids_recognised(self) -> None:
        self.assertTrue(sm.looks_like_id("0123456789abcdef0123456789abcdef"))
        self.assertTrue(
            sm.looks_like_id("8d4a1c44-6d1e-4b70-9a0e-0a3f4c3c9f8e")
        )
        self.assertFalse(sm.looks_like_id("demo"))


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class TestProgressScreen(testtools.TestCase):
    def test_terminal_redraws_in_place_and_keeps_warnings(self) -> None:
        out = _Stream(True)
        screen = sm.ProgressScreen(out, tty=True)
        screen.progress("a")
        screen.progress("b")
        screen.line("WARNING: w")
        screen.progress("c")
        screen.close()
        screen.close()
        self.assertEqual(
            "\ra\x1b[K\rb\x1b[K\nWARNING: w\n\rc\x1b[K\n", out.getvalue()
        )

    def test_pipe_gets_plain_lines(self) -> None:
        out = _Stream(False)
        screen = sm.ProgressScreen(out, tty=False)
        screen.progress("a")
        screen.line("end")
        screen.close()
        self.assertEqual("a\nend\n", out.getvalue())


def pinned_nova(version: str) -> Any:
    """A client pinned to ``version``; it never sends a request here."""
    from keystoneauth1 import session

    from migabortclient import client

    return client.Client(
        version,
        session=session.Session(),
        endpoint_override="http://nova.invalid/v2.1",
    )


def list_args(**kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {
        attr: None for attr, _, _ in sm.LIST_OPTION_VERSIONS
    }
    base.update(kw)
    return argparse.Namespace(**base)


class TestListOptions(testtools.TestCase):
    """list's own checks name the option, as python-openstackclient."""

    def test_version_gates_name_the_option(self) -> None:
        for attr, option, version in sm.LIST_OPTION_VERSIONS:
            older = f"2.{int(version.split('.')[1]) - 1}"
            value = "2026-11-24T10:00:00Z" if "changes" in attr else "x"
            if attr == "marker":
                value = str(uuid.UUID(int=1))
            err = self.assertRaises(
                exceptions.UnsupportedVersion,
                sm.check_list_options,
                pinned_nova(older),
                list_args(**{attr: value}),
            )
            self.assertEqual(
                f"{option} requires compute API version {version} or "
                f"later; this client is pinned to {older}.",
                str(err),
            )
            self.assertEqual(sm.EXIT_USAGE, sm.exit_code_for(err, pinned=True))
            sm.check_list_options(
                pinned_nova(version), list_args(**{attr: value})
            )

    def test_zero_or_empty_values_are_not_sent_so_not_gated(self) -> None:
        sm.check_list_options(
            pinned_nova("2.1"),
            list_args(limit=0, marker="", changes_since=""),
        )

    def test_empty_host_or_status_is_refused_by_name(self) -> None:
        for attr in ("host", "status"):
            err = self.assertRaises(
                sm.UsageError,
                sm.check_list_options,
                pinned_nova("2.80"),
                list_args(**{attr: " "}),
            )
            self.assertEqual(f"--{attr} must not be empty", str(err))

    def test_bad_marker_and_times_name_the_option(self) -> None:
        nova = pinned_nova("2.80")
        err = self.assertRaises(
            sm.UsageError,
            sm.check_list_options,
            nova,
            list_args(marker="bogus"),
        )
        self.assertEqual(
            "--marker must be a migration UUID, not 'bogus'", str(err)
        )
        for attr, option in (
            ("changes_since", "--changes-since"),
            ("changes_before", "--changes-before"),
        ):
            err = self.assertRaises(
                sm.UsageError,
                sm.check_list_options,
                nova,
                list_args(**{attr: "yesterday"}),
            )
            self.assertEqual(
                f"{option} must be an ISO 8601 time such as "
                "2026-11-24T10:00:00Z, not 'yesterday'",
                str(err),
            )


class TestIdentityError(testtools.TestCase):
    def test_not_found_is_one_plain_line(self) -> None:
        from openstack import exceptions as sdk_exceptions

        exc = sdk_exceptions.ResourceNotFound("No Project found for demo")
        self.assertEqual(
            "No project named 'demo' was found in the identity service; "
            "give --project an ID, or --project-domain if the name is in "
            "another domain.",
            sm.identity_error("project", "demo", exc),
        )

    def test_other_errors_lose_html_and_newlines(self) -> None:
        exc = RuntimeError("Forbidden<br /><br />\nYou may not")
        self.assertEqual(
            "Cannot resolve user 'bob': Forbidden You may not",
            sm.identity_error("user", "bob", exc),
        )


class TestTerminalLine(testtools.TestCase):
    """A redrawn line narrower than the terminal never wraps."""

    FIELDS = (
        "running",
        "memory 0% (16.0 GiB left)",
        "disk -",
        "rate 1000.0 MiB/s",
        "running 4m 23s",
        "ETA -",
    )

    def test_wide_terminal_gets_the_full_bar(self) -> None:
        line, layout = sm.terminal_line(self.FIELDS, 0.0, 200)
        self.assertTrue(line.startswith("[" + "-" * 30 + "] running  "))
        self.assertEqual(0, layout)

    def test_every_width_fits_and_keeps_the_eta_when_it_can(self) -> None:
        for width in (120, 100, 80, 60, 40, 20, 5):
            line, _ = sm.terminal_line(self.FIELDS, 50.0, width)
            self.assertLess(len(line), max(width, 21), (width, line))
        self.assertTrue(
            sm.terminal_line(self.FIELDS, 0.0, 80)[0].endswith("ETA -")
        )
        self.assertTrue(
            sm.terminal_line(self.FIELDS, 0.0, 40)[0].endswith("...")
        )

    def test_layout_never_goes_back_to_a_roomier_one(self) -> None:
        _, tight = sm.terminal_line(self.FIELDS, 0.0, 80)
        short = ("running", "memory 0%", "ETA -")
        line, layout = sm.terminal_line(short, 0.0, 80, tight)
        self.assertEqual(tight, layout)
        self.assertNotIn("  ", line)

    def test_watcher_asks_the_screen_width_on_every_reading(self) -> None:
        widths = iter([200, 60])
        w = sm.Watcher(window=20, tty=True, width=lambda: next(widths))
        first = w.observe(reading(0.0, 8 * GIB), 0.0)[0]
        second = w.observe(reading(10.0, 6 * GIB), 0.0)[0]
        self.assertTrue(first.startswith("[" + "#" * 15), first)
        self.assertLess(len(second), 60, second)


class TestHelp(testtools.TestCase):
    """--help is plain text, states what each command needs, and its
    exit codes."""

    NEEDS: ClassVar[dict[Any, str]] = {
        sm.ListServerMigration: "2.59",
        sm.ShowServerMigration: "2.23",
        sm.AbortServerMigration: "2.24",
        sm.ForceCompleteServerMigration: "2.22",
        sm.WatchServerMigration: "2.23",
    }

    def _help(self, cls: Any) -> str:
        app = ns(options=ns(debug=False), stdout=io.StringIO())
        cmd = cls(app, None)
        parser = cmd.get_parser("migabort " + cls.__name__)
        return str(parser.format_help())

    def test_plain_text_versions_and_exit_codes(self) -> None:
        for cls, version in self.NEEDS.items():
            text = self._help(cls)
            flat = " ".join(text.split())
            self.assertNotIn("``", text, cls)
            self.assertIn(version, flat, cls)
            self.assertIn("Exit codes: 0", flat, cls)
            waits = cls in (
                sm.AbortServerMigration,
                sm.ForceCompleteServerMigration,
                sm.WatchServerMigration,
            )
            self.assertEqual(waits, "3 " in flat.split("Exit codes:")[1], cls)


class TestShowByUUIDGate(testtools.TestCase):
    def test_refused_before_any_request_worded_as_abort(self) -> None:
        nova = pinned_nova("2.58")
        app = ns(client_manager=ns(migabort=nova))
        cmd = sm.ShowServerMigration(app, None)
        args = argparse.Namespace(
            server="db-1", migration=str(uuid.UUID(int=3))
        )
        # nova.invalid would fail with a ConnectionError if asked.
        err = self.assertRaises(
            exceptions.UnsupportedVersion, cmd.take_action, args
        )
        self.assertEqual(
            "Naming a migration by its UUID requires compute API version "
            "2.59 or later; this client is pinned to 2.58.",
            str(err),
        )


class TestCommandVersions(testtools.TestCase):
    """Each command names itself when the version is too old, before
    any request (the nova.invalid endpoint would fail if asked)."""

    def _run(self, cls: Any, version: str, **kw: Any) -> str:
        app = ns(client_manager=ns(migabort=pinned_nova(version)))
        base: dict[str, Any] = {
            "server": "db-1",
            "migration": None,
            "all": False,
            "host": None,
            "wait": False,
        }
        base.update(kw)
        err = self.assertRaises(
            exceptions.UnsupportedVersion,
            cls(app, None).take_action,
            argparse.Namespace(**base),
        )
        return str(err)

    def test_each_command_names_itself(self) -> None:
        for cls, name, minimum, migration in (
            (sm.ShowServerMigration, "show", "2.23", "3"),
            (sm.AbortServerMigration, "abort", "2.24", "3"),
            (sm.ForceCompleteServerMigration, "force complete", "2.22", "3"),
            (sm.WatchServerMigration, "watch", "2.23", "3"),
        ):
            older = f"2.{int(minimum.split('.')[1]) - 1}"
            self.assertEqual(
                f"server migration {name} requires compute API version "
                f"{minimum} or later; this client is pinned to {older}.",
                self._run(cls, older, migration=migration),
            )

    def test_abort_all_checked_before_listing_the_host(self) -> None:
        self.assertEqual(
            "server migration abort requires compute API version 2.24 or "
            "later; this client is pinned to 2.23.",
            self._run(
                sm.AbortServerMigration, "2.23", server=None, host="c1",
                all=True,
            ),
        )  # fmt: skip

    def test_force_complete_without_id_needs_the_list(self) -> None:
        self.assertEqual(
            "server migration force complete without <migration> requires "
            "compute API version 2.23 or later; this client is pinned to "
            "2.22.",
            self._run(sm.ForceCompleteServerMigration, "2.22"),
        )


class _Terminal(_Stream):
    def __init__(self) -> None:
        super().__init__(True)

    def fileno(self) -> int:
        return 1


class TestScreenWidth(testtools.TestCase):
    def test_a_terminal_reporting_no_size_counts_as_80(self) -> None:
        screen = sm.ProgressScreen(_Terminal(), tty=True)
        size = os.terminal_size((0, 0))
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
        with (
            mock.patch.dict(os.environ, env, clear=True),
            mock.patch.object(sm.os, "get_terminal_size", return_value=size),
            mock.patch.object(
                sm.shutil, "get_terminal_size", return_value=size
            ),
        ):
            self.assertEqual(80, screen.width())

    def test_columns_from_the_terminal(self) -> None:
        screen = sm.ProgressScreen(_Terminal(), tty=True)
        size = os.terminal_size((132, 40))
        with mock.patch.object(sm.os, "get_terminal_size", return_value=size):
            self.assertEqual(132, screen.width())
