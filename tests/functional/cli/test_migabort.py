"""The real ``migabort`` shell, and its demo."""

from __future__ import annotations

import json
import time

from tests.functional.cli import base


class TestMigabortShell(base.CLITestCase):
    def test_list_json_with_password_auth(self) -> None:
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "list",
            "--host",
            "compute2",
            "-f",
            "json",
            "-c",
            "Id",
            "-c",
            "Status",
        )
        self.assertOk(result)
        self.assertEqual(
            [{"Id": self.db_mig.id, "Status": "running"}],
            json.loads(result.out),
        )

    def test_show_value(self) -> None:
        mig = self.ref.cloud.get_migration(self.web_mig.id)
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "show",
            "web-1",
            str(mig.id),
            "-f",
            "value",
            "-c",
            "ID",
            "-c",
            "Status",
            "-c",
            "Dest Compute",
        )
        self.assertOk(result)
        self.assertEqual(f"{mig.id}\nrunning\ncompute3\n", result.out)

    def test_abort_host_all_aborts_each_and_reports(self) -> None:
        self.ref.cloud.add_server("web-2", "compute1", memory_mib=2048)
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "abort",
            "--host",
            "compute1",
            "--all",
            "--yes",
            "--parallel",
            "2",
        )
        self.assertOk(result)
        self.assertIn(f"| {self.web_mig.id} ", result.out)
        self.assertIn("abort requested req-", result.out)
        self.assertIn(
            "live_migration_cancel",
            [a.action for a in self.actions(self.web.id)],
        )
        # db-1 migrates off compute2: untouched.
        self.assertNotIn(
            "live_migration_cancel",
            [a.action for a in self.actions(self.db.id)],
        )

    def test_abort_all_asks_on_a_tty(self) -> None:
        args = ("server", "migration", "abort", "--host", "compute1", "--all")
        no = self.run_inproc(*args, stdin=base.TTYInput("n\n"))
        self.assertEqual(1, no.code, no)
        self.assertEqual(
            f"Abort 1 live migration(s) off compute1 ({self.web_mig.id})? "
            "[y/N] Nothing aborted.\n",
            no.out,
        )
        self.assertNotIn(
            "live_migration_cancel",
            [a.action for a in self.actions(self.web.id)],
        )
        yes = self.run_inproc(*args, stdin=base.TTYInput("y\n"))
        self.assertEqual(0, yes.code, yes)
        self.assertIn(
            "live_migration_cancel",
            [a.action for a in self.actions(self.web.id)],
        )

    def test_abort_without_migration_when_none_in_progress(self) -> None:
        idle = self.ref.cloud.add_server("idle-1", "compute1")
        result = self.run_inproc("server", "migration", "abort", "idle-1")
        self.assertEqual(1, result.code, result)
        self.assertEqual(
            f"Server idle-1 ({idle.id}) has no in-progress live migration.\n",
            result.err,
        )

    def test_abort_wait_timeout_exit_3(self) -> None:
        # The clock does not move: the abort never lands in time.
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "abort",
            "db-1",
            "--wait",
            "--timeout",
            "0.3",
            MIGABORT_POLL_INTERVAL="0.05",
        )
        self.assertEqual(3, result.code, result)
        self.assertEqual(1, len(result.err.splitlines()), result.err)

    def test_force_complete_wait_reports_outcome(self) -> None:
        self.ref.cloud.auto_advance = 1.0
        result = self.run_inproc(
            "server", "migration", "force", "complete", "web-1", "--wait"
        )
        self.assertOk(result)
        mig = self.ref.cloud.get_migration(self.web_mig.id)
        self.assertEqual("completed", mig.status)
        self.assertEqual(
            f"force-completed: migration {mig.id} completed, server now on "
            "compute3",
            result.out.splitlines()[-1],
        )

    def test_watch_warns_when_not_converging(self) -> None:
        self.ref.cloud.auto_advance = 5.0
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "watch",
            "db-1",
            "--count",
            "12",
            "--window",
            "20",
        )
        self.assertOk(result)
        warnings = [
            ln for ln in result.out.splitlines() if ln.startswith("WARNING")
        ]
        self.assertEqual(1, len(warnings), result.out)
        self.assertIn("is not converging", warnings[0])

    def test_watch_exits_when_migration_ends(self) -> None:
        self.ref.cloud.auto_advance = 2.0
        result = self.run_inproc(
            "server", "migration", "watch", "web-1", "--timeout", "60"
        )
        self.assertOk(result)
        self.assertEqual(
            f"migration {self.web_mig.id} ended: completed",
            result.out.splitlines()[-1],
        )


class TestDemo(base.CLITestCase):
    def test_demo_runs_under_30_seconds(self) -> None:
        started = time.monotonic()
        result = self.run_cli("migabort", "demo")
        elapsed = time.monotonic() - started
        self.assertOk(result)
        self.assertLess(elapsed, 30.0)
        self.assertIn("$ migabort server migration list", result.out)
        self.assertIn("is not converging", result.out)
        self.assertIn("aborted: migration", result.out)
