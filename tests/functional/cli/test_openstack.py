"""The real ``openstack`` command running our plugin's commands."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import yaml

from tests.functional.cli import base

LIST_KEYS = (
    ("Id", "id"),
    ("UUID", "uuid"),
    ("Source Node", "source_node"),
    ("Dest Node", "dest_node"),
    ("Source Compute", "source_compute"),
    ("Dest Compute", "dest_compute"),
    ("Dest Host", "dest_host"),
    ("Status", "status"),
    ("Server UUID", "instance_uuid"),
    ("Old Flavor", "old_instance_type_id"),
    ("New Flavor", "new_instance_type_id"),
    ("Type", "migration_type"),
    ("Created At", "created_at"),
    ("Updated At", "updated_at"),
)


def nova_time(value: Any) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def expected_list_row(mig: Any) -> dict[str, Any]:
    row = {}
    for header, attr in LIST_KEYS:
        value = getattr(mig, attr)
        row[header] = nova_time(value) if attr.endswith("_at") else value
    return row


class TestOpenStackPlugin(base.CLITestCase):
    def migrations(self) -> list[Any]:
        # Nova lists newest first (created_at, then id, descending).
        cloud = self.ref.cloud
        return [cloud.get_migration(m.id) for m in (self.db_mig, self.web_mig)]

    def test_list_json_exact_and_stderr_empty(self) -> None:
        # Runs with --os-compute-api-version from the environment, as OSC
        # scripts do; our plugin must read it rather than define it.
        result = self.run_cli(
            "openstack",
            "server",
            "migration",
            "list",
            "--type",
            "live-migration",
            "-f",
            "json",
            OS_COMPUTE_API_VERSION="2.80",
        )
        self.assertOk(result)
        expected = [expected_list_row(m) for m in self.migrations()]
        self.assertEqual(expected, json.loads(result.out))

    def test_list_value_csv_yaml_and_columns(self) -> None:
        # cliff keeps the command's column order whatever the -c order.
        cols = ["-c", "Id", "-c", "Source Compute", "-c", "Status"]
        value = self.run_cli(
            "openstack", "server", "migration", "list", "-f", "value", *cols
        )
        self.assertOk(value)
        rows = self.migrations()
        self.assertEqual(
            "".join(f"{m.id} {m.source_compute} {m.status}\n" for m in rows),
            value.out,
        )
        # csv and yaml in-process: same code path, cheaper than a process.
        csv_out = self.run_inproc(
            "server", "migration", "list", "-f", "csv", *cols
        )
        self.assertOk(csv_out)
        parsed = list(csv.reader(io.StringIO(csv_out.out)))
        self.assertEqual(["Id", "Source Compute", "Status"], parsed[0])
        self.assertEqual(
            [[str(m.id), m.source_compute, m.status] for m in rows],
            parsed[1:],
        )
        yaml_out = self.run_inproc(
            "server", "migration", "list", "-f", "yaml", *cols
        )
        self.assertOk(yaml_out)
        self.assertEqual(
            [
                {
                    "Id": m.id,
                    "Status": m.status,
                    "Source Compute": m.source_compute,
                }
                for m in rows
            ],
            yaml.safe_load(yaml_out.out),
        )

    def test_list_table_exact(self) -> None:
        result = self.run_inproc(
            "server", "migration", "list", "-c", "Id", "-c", "Status"
        )
        self.assertOk(result)
        ids = [str(m.id) for m in self.migrations()]
        self.assertEqual(
            "+----+---------+\n"
            "| Id | Status  |\n"
            "+----+---------+\n"
            f"|  {ids[0]} | running |\n"
            f"|  {ids[1]} | running |\n"
            "+----+---------+\n",
            result.out,
        )

    def test_show_by_name_json_and_by_uuid_table(self) -> None:
        mig = self.ref.cloud.get_migration(self.db_mig.id)
        result = self.run_cli(
            "openstack",
            "server",
            "migration",
            "show",
            "db-1",
            str(mig.id),
            "-f",
            "json",
        )
        self.assertOk(result)
        shown = json.loads(result.out)
        self.assertEqual(mig.id, shown["ID"])
        self.assertEqual(self.db.id, shown["Server UUID"])
        self.assertEqual(mig.uuid, shown["UUID"])
        self.assertEqual("running", shown["Status"])
        self.assertIsInstance(shown["Memory Total Bytes"], int)
        self.assertEqual(16 * 1024**3, shown["Memory Total Bytes"])
        table = self.run_inproc(
            "server",
            "migration",
            "show",
            self.db.id,
            mig.uuid,
            "-c",
            "Memory Total Bytes",
        )
        self.assertOk(table)
        self.assertEqual(
            "+--------------------+----------+\n"
            "| Field              | Value    |\n"
            "+--------------------+----------+\n"
            "| Memory Total Bytes | 16.0 GiB |\n"
            "+--------------------+----------+\n",
            table.out,
        )

    def test_abort_wait_cancels_and_records_action(self) -> None:
        self.ref.cloud.auto_advance = 1.0
        result = self.run_cli(
            "openstack", "server", "migration", "abort", "db-1", "--wait"
        )
        self.assertOk(result)
        mig = self.ref.cloud.get_migration(self.db_mig.id)
        self.assertEqual("cancelled", mig.status)
        lines = result.out.splitlines()
        self.assertRegex(
            lines[0],
            rf"^Abort requested for migration {mig.id} of server db-1 "
            r"\(request req-[0-9a-f-]+\)\.$",
        )
        self.assertEqual(
            f"aborted: migration {mig.id} cancelled, server back on compute2",
            lines[-1],
        )
        actions = [a.action for a in self.actions(self.db.id)]
        self.assertIn("live_migration_cancel", actions)

    def test_force_complete_and_watch(self) -> None:
        self.ref.cloud.auto_advance = 1.0
        result = self.run_cli(
            "openstack",
            "server",
            "migration",
            "force",
            "complete",
            "web-1",
            str(self.web_mig.id),
        )
        self.assertOk(result)
        self.assertIn(
            "live_migration_force_complete",
            [a.action for a in self.actions(self.web.id)],
        )
        watch = self.run_cli(
            "openstack", "server", "migration", "watch", "db-1", "--count", "3"
        )
        self.assertOk(watch)
        self.assertEqual(3, len(watch.out.splitlines()))
        self.assertTrue(watch.out.startswith("running  memory "), watch.out)

    def test_forbidden_names_policy_rule_and_role(self) -> None:
        result = self.run_cli(
            "openstack",
            "server",
            "migration",
            "show",
            self.db.id,
            str(self.db_mig.id),
            user="manager",
        )
        self.assertEqual(1, result.code, result)
        self.assertEqual("", result.out)
        self.assertEqual(1, len(result.err.splitlines()), result.err)
        self.assertIn(
            "os_compute_api:servers:migrations:show to be performed.",
            result.err,
        )
        self.assertIn("(HTTP 403)", result.err)
        self.assertIn("(Request-ID: req-", result.err)
        self.assertIn("needs the admin role.", result.err)
        self.assertNotIn("Traceback", result.err)

    def test_usage_error_exit_2(self) -> None:
        result = self.run_inproc("server", "migration", "abort", "--all")
        self.assertEqual(2, result.code, result)
        self.assertEqual(
            "--host and --all must be given together\n", result.err
        )
