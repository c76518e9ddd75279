"""Rough edges an operator hits at 3 a.m.: messages that name the
option, checks before any request, watching the wrong migration."""

from __future__ import annotations

from tests.functional.cli import base


class TestCLIUX(base.CLITestCase):
    def api_requests(self) -> list[tuple[str, str]]:
        """Requests other than the version document and the token."""
        return [
            (r.method, r.path)
            for r in self.ref.requests
            if not r.path.startswith("/identity")
            and r.path.rstrip("/") not in ("", "/v2.1")
        ]

    def test_list_option_too_new_named_before_any_lookup(self) -> None:
        for program in ("openstack", "migabort"):
            result = self.run_cli(
                program,
                "--os-compute-api-version", "2.79",
                "server", "migration", "list",
                "--server", "db-1", "--user", "admin",
            )  # fmt: skip
            self.assertEqual(
                (2, "", "--user requires compute API version 2.80 or "
                 "later; this client is pinned to 2.79.\n"),
                (result.code, result.out, result.err),
            )  # fmt: skip
        self.assertEqual([], self.api_requests())
        # No name lookup in Keystone either (only the token was asked).
        self.assertEqual(
            [],
            [r.path for r in self.ref.requests if "/users" in r.path],
        )

    def test_list_bad_values_name_the_option(self) -> None:
        for args, message in (
            (("--changes-since", "yesterday"),
             "--changes-since must be an ISO 8601 time such as "
             "2026-11-24T10:00:00Z, not 'yesterday'"),
            (("--marker", "first"),
             "--marker must be a migration UUID, not 'first'"),
        ):  # fmt: skip
            result = self.run_cli(
                "openstack", "server", "migration", "list", *args
            )
            self.assertEqual(
                (2, "", message + "\n"), (result.code, result.out, result.err)
            )
        self.assertEqual([], self.api_requests())

    def test_watch_a_migration_of_another_server_fails(self) -> None:
        result = self.run_cli(
            "migabort", "server", "migration", "watch", "db-1",
            str(self.web_mig.id),
        )  # fmt: skip
        self.assertEqual(
            (1, "", f"Server db-1 ({self.db.id}) has no in-progress live "
             f"migration {self.web_mig.id}.\n"),
            (result.code, result.out, result.err),
        )  # fmt: skip

    def test_watch_a_finished_migration_says_how_it_ended(self) -> None:
        self.ref.client("admin").server_migrations.abort(
            self.db.id, self.db_mig.id
        )
        self.ref.cloud.clock.advance(10)
        result = self.run_cli(
            "migabort", "server", "migration", "watch", "db-1",
            str(self.db_mig.id),
        )  # fmt: skip
        self.assertEqual(
            (0, f"migration {self.db_mig.id} ended: cancelled\n", ""),
            (result.code, result.out, result.err),
        )

    def test_manager_refused_listing_is_told_the_project_id(self) -> None:
        project_id = self.ref.client("manager").http.project_id()
        assert project_id is not None
        result = self.run_cli(
            "migabort", "server", "migration", "list", user="manager"
        )
        self.assertEqual(1, result.code, result)
        self.assertTrue(
            result.err.endswith(
                f"--project <project> (2.80+). This session's project is "
                f"{project_id}.\n"
            ),
            result.err,
        )
        result = self.run_cli(
            "migabort", "server", "migration", "list",
            "--project", project_id, "-c", "Id", "-f", "value",
            user="manager",
        )  # fmt: skip
        self.assertOk(result)
        self.assertIn(str(self.db_mig.id), result.out.split())

    def test_wait_timeout_says_how_to_keep_following(self) -> None:
        # The reference clock stands still: the abort cannot land in time.
        result = self.run_cli(
            "openstack", "server", "migration", "abort", "db-1", "--wait",
            "--timeout", "0.2", MIGABORT_POLL_INTERVAL="0.05",
        )  # fmt: skip
        self.assertEqual(3, result.code, result)
        self.assertEqual(
            f"Migration {self.db_mig.id} of server {self.db.id} is still "
            "running after 0.2s. The request stands; follow it with "
            f"'server migration watch db-1 {self.db_mig.id}'.\n",
            result.err,
        )

    def test_empty_project_or_user_is_no_filter_as_in_osc(self) -> None:
        plain = self.run_cli(
            "openstack", "server", "migration", "list", "-f", "value",
            "-c", "Id",
        )  # fmt: skip
        empty = self.run_cli(
            "openstack", "server", "migration", "list", "-f", "value",
            "-c", "Id", "--project", "", "--user", "",
        )  # fmt: skip
        self.assertOk(empty)
        self.assertEqual(plain.out, empty.out)
        self.assertIn(str(self.db_mig.id), empty.out.split())

    def test_abort_of_a_queued_migration_below_2_65_says_why(self) -> None:
        cloud = self.ref.cloud
        app = cloud.add_server("app-2", "compute1", memory_mib=2048)
        queued = cloud.start_live_migration(app.id, "compute3")
        self.assertEqual("queued", cloud.get_migration(queued.id).status)
        result = self.run_cli(
            "migabort", "--os-compute-api-version", "2.64",
            "server", "migration", "abort", "app-2",
        )  # fmt: skip
        self.assertEqual(1, result.code, result)
        self.assertRegex(
            result.err,
            r"^Migration \d+ state of instance \S+ is queued\. Cannot abort "
            r"live migration while the migration is in this state\. "
            r"\(HTTP 400\) \(Request-ID: req-\S+\) Aborting a queued "
            r"migration needs compute API version 2\.65 or later; this "
            r"session uses 2\.64\.\n$",
        )
        self.assertEqual("queued", cloud.get_migration(queued.id).status)
