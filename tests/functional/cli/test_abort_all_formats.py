"""``server migration abort --host H --all -f json|yaml|value|csv``.

The real ``migabort`` and ``openstack`` commands against the reference
Nova: every row parsed from stdout, checked against the cloud's state.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tests.functional.cli import base

COLUMNS = ["Migration", "Server", "Result", "Accepted", "Request ID"]
REQ_ID = re.compile(r"^req-[0-9a-f-]{36}$")
ABORT_ALL = ("server", "migration", "abort", "--host", "compute2", "--all")


class TestAbortAllFormats(base.CLITestCase):
    def setUp(self) -> None:
        super().setUp()
        # A second running migration off compute2, next to db-1's.
        cloud = self.ref.cloud
        self.db2 = cloud.add_server(
            "db-2", "compute2", memory_mib=16384, dirty_rate_mib_s=1400
        )
        self.db2_mig = cloud.start_live_migration(self.db2.id, "compute1")
        cloud.clock.advance(self.WARMUP)
        self.assertEqual(
            ["running", "running"],
            [
                cloud.get_migration(m.id).status
                for m in (self.db_mig, self.db2_mig)
            ],
        )

    def cancel_request_id(self, server_id: str) -> str:
        (action,) = [
            a
            for a in self.actions(server_id)
            if a.action == "live_migration_cancel"
        ]
        return str(action.request_id)

    def compute_requests(self) -> list[Any]:
        return [r for r in self.ref.requests if r.path.startswith("/v2.1")]

    def assertAbortedRows(
        self, rows: list[dict[str, Any]], ordered: bool = True
    ) -> None:
        # Nova lists newest first: db-2's migration, then db-1's.
        self.assertEqual(
            [
                (self.db2_mig.id, self.db2.id),
                (self.db_mig.id, self.db.id),
            ],
            [(r["Migration"], r["Server"]) for r in rows],
        )
        for row in rows:
            # yaml's dump sorts the keys; json keeps the columns' order.
            keys = list(row) if ordered else COLUMNS
            self.assertEqual(COLUMNS, keys)
            self.assertEqual(sorted(COLUMNS), sorted(row))
            self.assertIs(True, row["Accepted"])
            self.assertRegex(row["Request ID"], REQ_ID)
            self.assertEqual(
                self.cancel_request_id(row["Server"]), row["Request ID"]
            )
            self.assertEqual(
                f"abort requested {row['Request ID']}", row["Result"]
            )
        # Nova accepted; the compute hosts act once time moves on.
        self.ref.cloud.clock.advance(30)
        for mig in (self.db_mig, self.db2_mig):
            self.assertEqual(
                "cancelled", self.ref.cloud.get_migration(mig.id).status
            )
        # web-1 migrates off compute1: untouched.
        self.assertNotEqual(
            "cancelled", self.ref.cloud.get_migration(self.web_mig.id).status
        )

    def test_migabort_json_rows(self) -> None:
        result = self.run_cli("migabort", *ABORT_ALL, "--yes", "-f", "json")
        self.assertOk(result)
        self.assertAbortedRows(json.loads(result.out))

    def test_openstack_json_rows(self) -> None:
        result = self.run_cli("openstack", *ABORT_ALL, "--yes", "-f", "json")
        self.assertOk(result)
        self.assertAbortedRows(json.loads(result.out))

    def test_yaml_rows(self) -> None:
        result = self.run_inproc(*ABORT_ALL, "--yes", "-f", "yaml")
        self.assertOk(result)
        self.assertAbortedRows(yaml.safe_load(result.out), ordered=False)

    def test_one_abort_refused(self) -> None:
        self.ref.faults.inject(
            "DELETE",
            rf"/servers/{self.db2.id}/migrations/{self.db2_mig.id}$",
            status=409,
        )
        result = self.run_cli(
            "migabort", *ABORT_ALL, "--yes", "-f", "json", "--noindent"
        )
        self.assertEqual(1, result.code, result)
        self.assertEqual("1 of 2 aborts failed.\n", result.err)
        self.assertEqual(1, len(result.out.splitlines()), result.out)
        failed, ok = json.loads(result.out)
        self.assertEqual(
            (self.db2_mig.id, self.db2.id, False),
            (failed["Migration"], failed["Server"], failed["Accepted"]),
        )
        self.assertRegex(failed["Request ID"], REQ_ID)
        self.assertTrue(
            failed["Result"].endswith(
                f"(HTTP 409) (Request-ID: {failed['Request ID']})"
            ),
            failed["Result"],
        )
        self.assertEqual(
            (self.db_mig.id, True), (ok["Migration"], ok["Accepted"])
        )
        self.ref.cloud.clock.advance(30)
        cloud = self.ref.cloud
        self.assertEqual(
            "cancelled", cloud.get_migration(self.db_mig.id).status
        )
        self.assertNotEqual(
            "cancelled", cloud.get_migration(self.db2_mig.id).status
        )

    def test_empty_host(self) -> None:
        args = ("server", "migration", "abort", "--host", "compute3", "--all")
        message = "No in-progress live migrations off host compute3.\n"
        result = self.run_cli("migabort", *args, "-f", "json")
        self.assertEqual((0, message), (result.code, result.err), result)
        self.assertEqual([], json.loads(result.out))
        expected = {
            "yaml": "[]\n",
            "value": "",
            "csv": '"Migration","Server","Result","Accepted","Request ID"\n',
        }
        for output, out in expected.items():
            got = self.run_inproc(*args, "-f", output)
            self.assertEqual((0, out, message), (got.code, got.out, got.err))
        # The table reports it on stdout, as before.
        table = self.run_inproc(*args)
        self.assertEqual((0, message, ""), (table.code, table.out, table.err))

    def test_format_without_all_is_refused_before_any_request(self) -> None:
        result = self.run_cli(
            "migabort", "server", "migration", "abort", "db-1", "-f", "json"
        )
        self.assertEqual(
            (2, "", "-f/--format works with --host H --all only\n"),
            (result.code, result.out, result.err),
        )
        self.assertEqual([], self.compute_requests())
        self.assertNotIn(
            "live_migration_cancel",
            [a.action for a in self.actions(self.db.id)],
        )

    def test_bad_column_or_format_exit_2_before_any_request(self) -> None:
        column = self.run_inproc(*ABORT_ALL, "--yes", "-c", "Status")
        self.assertEqual(2, column.code, column)
        self.assertEqual("", column.out)
        self.assertIn("unknown column 'Status'", column.err)
        self.assertEqual(1, len(column.err.splitlines()), column.err)
        output = self.run_cli("openstack", *ABORT_ALL, "--yes", "-f", "xml")
        self.assertEqual(2, output.code, output)
        self.assertIn("invalid choice: 'xml'", output.err)
        self.assertNotIn("Traceback", output.err)
        self.assertEqual([], self.compute_requests())

    def test_columns_value_and_csv(self) -> None:
        value = self.run_inproc(
            *ABORT_ALL, "--yes", "-f", "value", "-c", "request_id",
            "-c", "Migration",
        )  # fmt: skip
        self.assertOk(value)
        # In the command's column order, as cliff keeps it.
        self.assertEqual(
            f"{self.db2_mig.id} {self.cancel_request_id(self.db2.id)}\n"
            f"{self.db_mig.id} {self.cancel_request_id(self.db.id)}\n",
            value.out,
        )
        again = self.run_inproc(
            *ABORT_ALL, "--yes", "-f", "csv", "--quote", "all",
            "-c", "Migration", "-c", "Accepted",
        )  # fmt: skip
        self.assertOk(again)
        self.assertEqual(
            '"Migration","Accepted"\n'
            f'"{self.db2_mig.id}","True"\n"{self.db_mig.id}","True"\n',
            again.out,
        )

    def test_table_with_columns_has_full_errors_in_rows(self) -> None:
        self.ref.faults.inject(
            "DELETE",
            rf"/servers/{self.db2.id}/migrations/{self.db2_mig.id}$",
            status=409,
        )
        result = self.run_inproc(
            *ABORT_ALL, "--yes", "-c", "Migration", "-c", "Accepted"
        )
        self.assertEqual((1, ""), (result.code, result.err), result)
        self.assertEqual(
            "+-----------+----------+\n"
            "| Migration | Accepted |\n"
            "+-----------+----------+\n"
            f"| {self.db2_mig.id:>9} | False    |\n"
            f"| {self.db_mig.id:>9} | True     |\n"
            "+-----------+----------+\n"
            "1 of 2 aborts failed.\n",
            result.out,
        )

    def test_prompt_goes_to_stderr_with_json(self) -> None:
        no = self.run_inproc(
            *ABORT_ALL, "-f", "json", stdin=base.TTYInput("n\n")
        )
        self.assertEqual(
            (
                1,
                "",
                f"Abort 2 live migration(s) off compute2 ({self.db2_mig.id}, "
                f"{self.db_mig.id})? [y/N] Nothing aborted.\n",
            ),
            (no.code, no.out, no.err),
        )
        self.assertEqual(
            ["GET"], sorted({r.method for r in self.compute_requests()})
        )
        yes = self.run_inproc(
            *ABORT_ALL, "-f", "json", stdin=base.TTYInput("y\n")
        )
        self.assertEqual(0, yes.code, yes)
        self.assertTrue(yes.err.endswith("? [y/N] "), yes.err)
        self.assertAbortedRows(json.loads(yes.out))
