"""Our plugin against python-openstackclient's own ``server migration
list``: same arguments, same output (a script written for OSC keeps
working)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.functional.cli import base

BUILTIN = os.path.join(os.path.dirname(__file__), "osc_builtin.py")


class TestOSCParity(base.CLITestCase):
    def setUp(self) -> None:
        super().setUp()
        cloud = self.ref.cloud
        # A third live migration, finished by now, for the filters.
        idle = cloud.add_server("idle-1", "compute2", memory_mib=1024)
        cloud.start_live_migration(idle.id, "compute1")
        cloud.clock.advance(30.0)

    def builtin(self, *args: str) -> base.Result:
        proc = subprocess.run(
            [sys.executable, BUILTIN, *args],
            env=self.env("admin"),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.home,
            check=False,
        )
        return base.Result(proc.returncode, proc.stdout, proc.stderr)

    def test_list_same_rows_and_columns_as_osc(self) -> None:
        cases = [
            ("2.80",),
            ("2.80", "--limit", "1"),
            ("2.80", "--max-items", "2"),
            ("2.59", "--limit", "1", "--max-items", "5"),
            ("2.80", "--limit", "0", "--host", "compute2"),
            ("2.23", "--status", "running", "--type", "live-migration"),
        ]
        for version, *args in cases:
            argv = [
                "--os-compute-api-version", version,
                "server", "migration", "list", *args, "-f", "json",
            ]  # fmt: skip
            theirs = self.builtin(*argv)
            ours = self.run_cli("openstack", *argv)
            self.assertOk(theirs)
            self.assertOk(ours)
            self.assertEqual(
                json.loads(theirs.out), json.loads(ours.out), (version, args)
            )
            self.assertNotEqual([], json.loads(ours.out), (version, args))

    def test_show_by_uuid_same_fields_and_values_as_osc(self) -> None:
        # OSC 10.5 can show by UUID only (by id it swaps its arguments).
        # The reference clock stands still, so both read the same values.
        uuid = self.ref.cloud.get_migration(self.db_mig.id).uuid
        for version in ("2.59", "2.80", "2.104"):
            for fmt in ("json", "yaml", "value", "shell"):
                argv = [
                    "--os-compute-api-version", version,
                    "server", "migration", "show", "db-1", uuid, "-f", fmt,
                ]  # fmt: skip
                theirs = self.builtin(*argv)
                ours = self.run_cli("openstack", *argv)
                self.assertOk(theirs)
                self.assertOk(ours)
                self.assertEqual(theirs.out, ours.out, (version, fmt))
