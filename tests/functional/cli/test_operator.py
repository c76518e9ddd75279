"""What an operator relies on: OSC's --limit, project managers, version
pins, migration UUIDs, exit codes."""

from __future__ import annotations

import json

from tests.functional.cli import base


class TestOperator(base.CLITestCase):
    def compute_requests(self) -> list[tuple[str, str]]:
        return [
            (r.method, r.path)
            for r in self.ref.requests
            if not r.path.startswith("/identity")
        ]

    def test_openstack_limit_is_at_most_n_rows_in_one_request(self) -> None:
        # python-openstackclient 10.5 reads one page of --limit rows; a
        # script written for it must get the same.
        self.ref.cloud.add_server("idle-1", "compute1")
        result = self.run_cli(
            "openstack",
            "server",
            "migration",
            "list",
            "--limit",
            "1",
            "-f",
            "value",
            "-c",
            "Id",
        )
        self.assertOk(result)
        self.assertEqual(f"{self.db_mig.id}\n", result.out)
        listings = [
            r
            for r in self.compute_requests()
            if r[1].endswith("/os-migrations")
        ]
        self.assertEqual(1, len(listings), self.compute_requests())

    def test_max_items_follows_pages_up_to_a_total(self) -> None:
        result = self.run_inproc(
            "server", "migration", "list", "--limit", "1", "--max-items",
            "5", "-f", "value", "-c", "Id",
        )  # fmt: skip
        self.assertOk(result)
        self.assertEqual(f"{self.db_mig.id}\n", result.out)
        both = self.run_inproc(
            "server", "migration", "list", "--max-items", "2", "-f",
            "value", "-c", "Id",
        )  # fmt: skip
        self.assertOk(both)
        self.assertEqual(f"{self.db_mig.id}\n{self.web_mig.id}\n", both.out)

    def test_manager_abort_wait_reports_the_outcome(self) -> None:
        # A project manager may abort and list, but not show a migration,
        # list os-migrations unfiltered, or see hosts.
        self.ref.cloud.auto_advance = 1.0
        result = self.run_inproc(
            "server", "migration", "abort", "db-1", "--wait", user="manager"
        )
        self.assertOk(result)
        mig = self.ref.cloud.get_migration(self.db_mig.id)
        self.assertEqual("cancelled", mig.status)
        self.assertEqual(
            f"aborted: migration {mig.id} cancelled, server back on its "
            "source host",
            result.out.splitlines()[-1],
        )

    def test_manager_watch_until_the_end(self) -> None:
        self.ref.cloud.auto_advance = 2.0
        result = self.run_inproc(
            "server", "migration", "watch", "web-1", "--timeout", "60",
            user="manager",
        )  # fmt: skip
        self.assertOk(result)
        self.assertTrue(result.out.startswith("running  memory "), result)
        self.assertEqual(
            f"migration {self.web_mig.id} ended: completed",
            result.out.splitlines()[-1],
        )

    def test_abort_by_migration_uuid(self) -> None:
        mig = self.ref.cloud.get_migration(self.db_mig.id)
        result = self.run_inproc(
            "server", "migration", "abort", "db-1", str(mig.uuid)
        )
        self.assertOk(result)
        self.assertTrue(
            result.out.startswith(
                f"Abort requested for migration {mig.id} of server db-1 "
                "(request req-"
            ),
            result.out,
        )
        self.assertIn(
            "live_migration_cancel",
            [a.action for a in self.actions(self.db.id)],
        )

    def test_pinned_version_too_old_is_a_usage_error(self) -> None:
        for program in ("migabort", "openstack"):
            result = self.run_cli(
                program,
                "--os-compute-api-version",
                "2.23",
                "server",
                "migration",
                "abort",
                self.db.id,
                str(self.db_mig.id),
            )
            self.assertEqual(2, result.code, result)
            self.assertEqual(
                "server migration abort requires compute API version "
                "2.24 or later; this client is pinned to 2.23.\n",
                result.err,
            )
        self.assertNotIn("DELETE", [m for m, _ in self.compute_requests()])
        self.assertEqual(
            "running", self.ref.cloud.get_migration(self.db_mig.id).status
        )

    def test_malformed_or_unknown_version_rejected_before_any_request(
        self,
    ) -> None:
        for version, message in (
            ("2.x", "Compute API version '2.x' is of invalid format; it "
             "must be MajorNum.MinorNum, such as 2.65.\n"),
            ("2.999", "Compute API version 2.999 is not supported by "
             "migabortclient: it speaks 2.1 to 2.104.\n"),
        ):  # fmt: skip
            result = self.run_cli(
                "migabort", "server", "migration", "list",
                OS_COMPUTE_API_VERSION=version,
            )  # fmt: skip
            self.assertEqual((2, "", message), (result.code, result.out,
                                                result.err))  # fmt: skip
        self.assertEqual([], self.compute_requests())

    def test_bad_migration_ids_rejected_before_any_request(self) -> None:
        for ref, message in (
            ("abc", "A migration is given by its numeric ID or its UUID, "
             "not 'abc'."),
            ("0", "Migration ID 0 is out of range: IDs are between 1 and "
             "2147483647."),
        ):  # fmt: skip
            result = self.run_cli(
                "migabort", "server", "migration", "abort", "db-1", ref
            )
            self.assertEqual((2, "", message + "\n"), (result.code,
                             result.out, result.err))  # fmt: skip
        self.assertEqual([], self.compute_requests())

    def test_unknown_server_is_one_line_exit_1(self) -> None:
        result = self.run_cli(
            "openstack", "server", "migration", "abort", "nosuch"
        )
        self.assertEqual(1, result.code, result)
        self.assertEqual("", result.out)
        self.assertRegex(
            result.err,
            r"^No server with a name or ID of 'nosuch' exists\. "
            r"\(HTTP 404\) \(Request-ID: req-[0-9a-f-]+\)\n$",
        )

    def test_manager_lists_own_project_only(self) -> None:
        result = self.run_inproc(
            "server", "migration", "list", "-f", "json", user="manager"
        )
        self.assertEqual(1, result.code, result)
        self.assertIn(
            "Policy rule os_compute_api:os-migrations:index:all_projects "
            "needs the admin role.",
            result.err,
        )
        mine = self.run_inproc(
            "server", "migration", "list", "-f", "json", "--project",
            self.db.project_id, "-c", "Id", "-c", "Source Compute",
            user="manager",
        )  # fmt: skip
        self.assertOk(mine)
        rows = json.loads(mine.out)
        self.assertIn({"Id": self.db_mig.id, "Source Compute": None}, rows)

    def test_abort_host_all_counts_an_abort_not_applied_as_failed(
        self,
    ) -> None:
        cloud = self.ref.cloud
        web2 = cloud.add_server(
            "web-2", "compute1", memory_mib=32768, dirty_rate_mib_s=1400
        )
        mig2 = cloud.start_live_migration(web2.id, "compute2")
        cloud.clock.advance(self.WARMUP)
        # The connection drops before Nova sees the request: the library
        # reads the state back and finds the abort did not land.
        self.ref.faults.inject(
            "DELETE", rf"/servers/{web2.id}/migrations/{mig2.id}$", drop=True
        )
        result = self.run_inproc(
            "server", "migration", "abort", "--host", "compute1", "--all",
            "--yes",
        )  # fmt: skip
        self.assertEqual(1, result.code, result)
        self.assertIn(f"| {self.web_mig.id} ", result.out)
        row = next(
            ln
            for ln in result.out.splitlines()
            if ln.startswith(f"| {mig2.id} ")
        )
        self.assertIn("FAILED (see below)", row)
        # The table stays narrow; the failure follows it on its own line.
        *_, detail, summary = result.out.splitlines()
        self.assertTrue(
            detail.startswith(f"Migration {mig2.id}: abort not applied"),
            detail,
        )
        self.assertEqual("1 of 2 aborts failed.", summary)
        self.assertEqual("running", cloud.get_migration(mig2.id).status)
        self.assertNotIn(
            "live_migration_cancel", [a.action for a in self.actions(web2.id)]
        )

    def test_abort_wait_when_the_driver_cannot_abort(self) -> None:
        # Nova accepts the DELETE (202); the compute host then fails it.
        self.ref.cloud.hosts["compute1"].supports_abort = False
        self.ref.cloud.auto_advance = 2.0
        result = self.run_cli(
            "openstack", "server", "migration", "abort", "web-1", "--wait"
        )
        self.assertEqual((1, ""), (result.code, result.err), result)
        mig = self.ref.cloud.get_migration(self.web_mig.id)
        self.assertEqual("completed", mig.status)
        self.assertEqual(
            "abort failed: the compute driver does not support "
            f"abort; migration {mig.id} completed, server now on "
            "compute3",
            result.out.splitlines()[-1],
        )
