"""Clients no one here wrote work unmodified against the reference Nova."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from novaclient import client as nova_client

from migabortclient.reference import cloud as cloud_mod
from tests.functional.reference import base

# Runs python-openstackclient's own ``openstack`` entry point with this
# project's OSC plugin blocked, so its built-in ``server migration``
# commands (not ours, which replace them) are the ones exercised.
_OSC_WITHOUT_PLUGIN = (
    "import sys; sys.modules['migabortclient.osc.plugin'] = None; "
    "from openstackclient import shell; sys.exit(shell.main(sys.argv[1:]))"
)


class TestNovaclient(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.mig = self.running_migration()
        self.cloud.clock.advance(cloud_mod.MONITOR_S)
        self.nova = nova_client.Client(
            "2.80", session=self.ref.session("admin")
        )

    def test_list_and_get(self) -> None:
        (listed,) = self.nova.server_migrations.list(self.server.id)
        self.assertEqual(self.mig.id, listed.id)
        self.assertEqual("running", listed.status)
        self.assertEqual(self.server.project_id, listed.project_id)
        got = self.nova.server_migrations.get(self.server.id, self.mig.id)
        self.assertEqual(self.mig.uuid, got.uuid)
        self.assertEqual(
            self.cloud.get_migration(self.mig.id).memory_total_bytes,
            got.memory_total_bytes,
        )

    def test_abort(self) -> None:
        self.nova.server_migrations.live_migration_abort(
            self.server.id, self.mig.id
        )
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S)
        self.assertEqual(
            "cancelled", self.cloud.get_migration(self.mig.id).status
        )

    def test_force_complete(self) -> None:
        self.nova.server_migrations.live_migrate_force_complete(
            self.server.id, self.mig.id
        )
        self.cloud.clock.advance(cloud_mod.MONITOR_S * 5)
        self.assertEqual(
            "completed", self.cloud.get_migration(self.mig.id).status
        )

    def test_server_lookup_and_migrations_list(self) -> None:
        server = self.nova.servers.find(name=self.server.name)
        self.assertEqual(self.server.id, server.id)
        self.assertEqual("MIGRATING", server.status)
        migrations = self.nova.migrations.list(instance_uuid=self.server.id)
        self.assertEqual([self.mig.id], [m.id for m in migrations])

    def test_errors_surface_as_novaclient_exceptions(self) -> None:
        from novaclient import exceptions

        nova = nova_client.Client("2.80", session=self.ref.session("member"))
        err = self.assertRaises(
            exceptions.Forbidden,
            nova.server_migrations.live_migration_abort,
            self.server.id,
            self.mig.id,
        )
        self.assertIn("servers:migrations:delete", str(err))


class TestOpenStackClient(base.ReferenceTestCase):
    def _openstack(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("OS_"):
                del env[name]
        env.update(self.ref.env("admin"))
        # Fixed argv, loopback only.
        return subprocess.run(
            [sys.executable, "-c", _OSC_WITHOUT_PLUGIN, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def test_server_migration_list(self) -> None:
        server, mig = self.running_migration()
        idle = self.cloud.add_server("idle", "cmp-b")
        self.cloud.add_migration(idle.id, "resize", "finished")
        out = self._openstack(
            "--os-compute-api-version",
            "2.80",
            "server",
            "migration",
            "list",
            "--server",
            server.name,
            "-f",
            "json",
        )
        self.assertEqual(0, out.returncode, out.stderr)
        (row,) = json.loads(out.stdout)
        self.assertEqual(mig.id, row["Id"])
        self.assertEqual(mig.uuid, row["UUID"])
        self.assertEqual("running", row["Status"])
        self.assertEqual("live-migration", row["Type"])
        self.assertEqual(server.id, row["Server UUID"])
        out = self._openstack("server", "migration", "list", "-f", "json")
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(2, len(json.loads(out.stdout)))

    def test_server_migration_abort_and_force_complete(self) -> None:
        server, mig = self.running_migration()
        out = self._openstack(
            "--os-compute-api-version",
            "2.24",
            "server",
            "migration",
            "abort",
            server.name,
            str(mig.id),
        )
        self.assertEqual(0, out.returncode, out.stderr)
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S)
        self.assertEqual("cancelled", self.cloud.get_migration(mig.id).status)
        server, mig = self.running_migration(source="cmp-c")
        out = self._openstack(
            "--os-compute-api-version",
            "2.22",
            "server",
            "migration",
            "force",
            "complete",
            server.name,
            str(mig.id),
        )
        self.assertEqual(0, out.returncode, out.stderr)
        self.cloud.clock.advance(cloud_mod.MONITOR_S * 5)
        self.assertEqual("completed", self.cloud.get_migration(mig.id).status)
