"""``server migration abort --host H --all``'s output formats."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import types
from importlib import metadata
from typing import Any

import testtools
from requests_mock.contrib import fixture as rm_fixture

from migabortclient.osc.v2 import server_migration as sm

NOVA = "http://nova.invalid/v2.1"
JSON = {"Content-Type": "application/json"}
S1 = "6a0b3a4e-1c5d-4f7a-9e2b-3c4d5e6f7a81"
S2 = "6a0b3a4e-1c5d-4f7a-9e2b-3c4d5e6f7a82"
S3 = "6a0b3a4e-1c5d-4f7a-9e2b-3c4d5e6f7a83"


def ns(**kw: Any) -> types.SimpleNamespace:
    return types.SimpleNamespace(**kw)


def nova(version: str = "2.80") -> Any:
    from keystoneauth1 import session

    from migabortclient import client

    return client.Client(
        version, session=session.Session(), endpoint_override=NOVA
    )


def command(stdin: Any = None) -> sm.AbortServerMigration:
    app = ns(
        options=ns(debug=False),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdin=stdin if stdin is not None else io.StringIO(""),
        client_manager=ns(migabort=nova()),
    )
    return sm.AbortServerMigration(app, None)


def parse(cmd: sm.AbortServerMigration, *args: str) -> argparse.Namespace:
    return cmd.get_parser("migabort server migration abort").parse_args(args)


def migration(mid: int, server: str, status: str) -> dict[str, Any]:
    return {
        "id": mid,
        "uuid": f"00000000-0000-4000-8000-{mid:012d}",
        "instance_uuid": server,
        "status": status,
        "migration_type": "live-migration",
        "source_compute": "c1",
        "dest_compute": "c2",
        "source_node": "c1",
        "dest_node": "c2",
        "dest_host": "10.0.0.2",
        "old_instance_type_id": 1,
        "new_instance_type_id": 1,
        "created_at": "2026-01-01T12:00:00.000000",
        "updated_at": "2026-01-01T12:00:05.000000",
        "user_id": "u",
        "project_id": "p",
    }


class TestOutputOptions(testtools.TestCase):
    def test_formats_are_cliffs_list_formatters(self) -> None:
        registered = {
            ep.name: ep.load()
            for ep in metadata.entry_points(group="cliff.formatter.list")
        }
        self.assertEqual(set(registered), set(sm.ABORT_ALL_FORMATS))
        for name in sm.ABORT_ALL_FORMATS:
            self.assertIsInstance(
                sm.abort_all_formatter(name), registered[name], name
            )

    def test_formatter_options_as_cliff_registers_them(self) -> None:
        from cliff.formatters import commaseparated
        from cliff.formatters import json_format

        cliffs = argparse.ArgumentParser()
        json_format.JSONFormatter().add_argument_group(cliffs)
        commaseparated.CSVLister().add_argument_group(cliffs)
        theirs = {a.dest: a for a in cliffs._actions if a.dest != "help"}
        ours = {
            a.dest: a
            for a in command().get_parser("abort")._actions
            if a.dest in theirs
        }
        self.assertEqual(set(theirs), set(ours))
        for dest, action in theirs.items():
            self.assertEqual(action.option_strings, ours[dest].option_strings)
            self.assertEqual(
                sorted(action.choices or ()), sorted(ours[dest].choices or ())
            )
        # What a formatter reads when the option is not given: cliff's
        # own defaults.
        defaults = sm.abort_all_formatter_args(parse(command(), "--all"))
        self.assertEqual(theirs["quote_mode"].default, defaults.quote_mode)
        self.assertEqual(theirs["noindent"].default, defaults.noindent)
        self.assertEqual("nonnumeric", sm.CSV_QUOTE_DEFAULT)

    def test_help_says_with_all(self) -> None:
        parser = command().get_parser("abort")
        for action in parser._actions:
            if action.dest in (
                "formatter",
                "columns",
                "noindent",
                "quote_mode",
            ):
                self.assertIn("With --all", str(action.help), action.dest)

    def test_formatters_not_imported_until_used(self) -> None:
        code = (
            "import sys\n"
            "from migabortclient.osc.v2 import server_migration as sm\n"
            "import types, io\n"
            "app = types.SimpleNamespace(stdout=io.StringIO())\n"
            "sm.AbortServerMigration(app, None).get_parser('x')\n"
            "names = ('json_format', 'yaml_format', 'value',\n"
            "         'commaseparated', 'table')\n"
            "print(sorted(m for m in sys.modules if m == 'yaml' or\n"
            "      m in ['cliff.formatters.' + n for n in names]))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        self.assertEqual("[]\n", out)


class TestValidation(testtools.TestCase):
    def test_output_options_need_all(self) -> None:
        for args, option in (
            (("vm", "-f", "json"), "-f/--format"),
            (("vm", "-f", "table"), "-f/--format"),
            (("vm", "-c", "Result"), "-c/--column"),
            (("vm", "--noindent"), "--noindent"),
            (("vm", "--quote", "all"), "--quote"),
            (("-f", "yaml"), "-f/--format"),
        ):
            err = self.assertRaises(
                sm.UsageError,
                sm.validate_abort_args,
                parse(command(), *args),
            )
            self.assertEqual(
                f"{option} works with --host H --all only", str(err), args
            )
        sm.validate_abort_args(parse(command(), "vm"))
        sm.validate_abort_args(
            parse(command(), "--host", "c1", "--all", "-f", "csv", "--quote",
                  "all", "-c", "Migration")
        )  # fmt: skip

    def test_columns_named_as_cliff_does_unknown_refused(self) -> None:
        self.assertEqual(
            list(sm.ABORT_ALL_COLUMNS), sm.abort_all_columns(None)
        )
        self.assertEqual(
            ["Migration", "Request ID"],
            sm.abort_all_columns(["request_id", "MIGRATION", "Request ID"]),
        )
        err = self.assertRaises(
            sm.UsageError,
            sm.validate_abort_args,
            parse(command(), "--host", "c1", "--all", "-c", "Id"),
        )
        self.assertIn("unknown column 'Id'", str(err))


class TestAbortHost(testtools.TestCase):
    """The --all path through the client and HTTP, Nova mocked."""

    def setUp(self) -> None:
        super().setUp()
        self.http = self.useFixture(rm_fixture.Fixture())
        self.http.get(
            f"{NOVA}/os-migrations",
            headers=JSON,
            json={
                "migrations": [
                    migration(3, S3, "completed"),
                    migration(2, S2, "running"),
                    migration(1, S1, "queued"),
                ]
            },
        )
        self.http.delete(
            f"{NOVA}/servers/{S2}/migrations/2",
            status_code=202,
            headers={"x-openstack-request-id": "req-two"},
        )
        self.http.delete(
            f"{NOVA}/servers/{S1}/migrations/1",
            status_code=409,
            json={
                "conflictingRequest": {
                    "code": 409,
                    "message": "Instance is in an invalid state",
                }
            },
            headers={**JSON, "x-openstack-request-id": "req-one"},
        )

    def run_all(self, *args: str) -> tuple[int, str, str]:
        cmd = command()
        parsed = parse(cmd, "--host", "c1", "--all", "--yes", *args)
        code = cmd.take_action(parsed)
        return code, cmd.app.stdout.getvalue(), cmd.app.stderr.getvalue()

    def test_json_rows_and_summary_on_stderr(self) -> None:
        code, out, err = self.run_all("-f", "json")
        self.assertEqual((1, "1 of 2 aborts failed.\n"), (code, err))
        self.assertEqual(
            [
                {
                    "Migration": 2,
                    "Server": S2,
                    "Result": "abort requested req-two",
                    "Accepted": True,
                    "Request ID": "req-two",
                },
                {
                    "Migration": 1,
                    "Server": S1,
                    "Result": "Instance is in an invalid state (HTTP 409) "
                    "(Request-ID: req-one)",
                    "Accepted": False,
                    "Request ID": "req-one",
                },
            ],
            json.loads(out),
        )
        query = self.http.request_history[0].qs
        self.assertEqual(
            {"source_compute": ["c1"], "migration_type": ["live-migration"]},
            query,
        )
        self.assertEqual(
            ["GET", "DELETE", "DELETE"],
            [r.method for r in self.http.request_history],
        )

    def test_table_unchanged(self) -> None:
        code, out, err = self.run_all()
        self.assertEqual((1, ""), (code, err))
        self.assertEqual(
            f"+-----------+{'-' * 38}+-------------------------+\n"
            f"| Migration | Server{' ' * 31}"
            "| Result                  |\n"
            f"+-----------+{'-' * 38}+-------------------------+\n"
            f"| 2         | {S2} | abort requested req-two |\n"
            f"| 1         | {S1} | FAILED (see below)      |\n"
            f"+-----------+{'-' * 38}+-------------------------+\n"
            "Migration 1: Instance is in an invalid state (HTTP 409) "
            "(Request-ID: req-one)\n"
            "1 of 2 aborts failed.\n",
            out,
        )

    def test_csv_and_value(self) -> None:
        code, out, _ = self.run_all(
            "-f", "csv", "-c", "Migration", "-c", "Accepted",
            "-c", "Request ID",
        )  # fmt: skip
        self.assertEqual(1, code)
        self.assertEqual(
            '"Migration","Accepted","Request ID"\n'
            '2,True,"req-two"\n1,False,"req-one"\n',
            out,
        )
        code, out, _ = self.run_all("-f", "value", "-c", "Server")
        self.assertEqual(f"{S2}\n{S1}\n", out)

    def test_usage_error_before_any_request(self) -> None:
        cmd = command()
        parsed = parse(cmd, "--host", "c1", "--all", "-c", "Status")
        self.assertRaises(sm.UsageError, cmd.take_action, parsed)
        self.assertEqual([], self.http.request_history)
