"""The fixture's own behaviour and the standalone console script."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading

import requests
import testtools

from migabortclient.fixture import ReferenceNova


class TestFixture(testtools.TestCase):
    def test_loopback_free_port_and_clean_stop(self) -> None:
        before = set(threading.enumerate())
        with ReferenceNova() as ref:
            self.assertRegex(
                ref.compute_url, r"^http://127\.0\.0\.1:\d+/v2\.1$"
            )
            self.assertEqual(f"{ref.url}/identity/v3", ref.auth_url)
            self.assertEqual(
                200, requests.get(ref.compute_url, timeout=10).status_code
            )
            url = ref.url
        self.assertEqual(set(), set(threading.enumerate()) - before)
        self.assertRaises(
            requests.exceptions.ConnectionError,
            requests.get,
            url,
            timeout=2,
        )

    def test_policy_file_override(self) -> None:
        fd, path = tempfile.mkstemp(suffix=".yaml")
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, "w") as handle:
            handle.write(
                '"os_compute_api:servers:migrations:index": "role:reader"\n'
            )
        ref = self.useFixture(ReferenceNova(policy_file=path))
        ref.cloud.add_host("a")
        server = ref.cloud.add_server("vm", "a")
        sess = ref.session("reader")
        resp = sess.get(
            f"{ref.compute_url}/servers/{server.id}/migrations",
            headers={"OpenStack-API-Version": "compute 2.80"},
        )
        self.assertEqual({"migrations": []}, resp.json())

    def test_auto_advance_argument(self) -> None:
        ref = self.useFixture(ReferenceNova(auto_advance=2.0))
        sess = ref.session("admin")
        sess.get(f"{ref.compute_url}/servers")
        sess.get(f"{ref.compute_url}/servers")
        self.assertEqual(4.0, ref.cloud.clock.seconds())

    def test_demo_seed_has_servers_to_abort(self) -> None:
        ref = self.useFixture(ReferenceNova(seed="demo"))
        ref.cloud.clock.advance(5)
        resp = ref.session("admin").get(
            f"{ref.compute_url}/os-migrations?migration_type=live-migration",
            headers={"OpenStack-API-Version": "compute 2.80"},
        )
        statuses = [m["status"] for m in resp.json()["migrations"]]
        self.assertEqual(["running", "running"], statuses)


class TestConsoleScript(testtools.TestCase):
    def test_prints_exports_and_serves_until_terminated(self) -> None:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from migabortclient.reference.cli import main; "
                "raise SystemExit(main())",
                "--seed",
                "demo",
                "--speed",
                "100",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.kill)
        assert proc.stdout is not None
        lines = []
        for _ in range(60):
            line = proc.stdout.readline()
            lines.append(line)
            if not line or line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        match = re.search(r"export OS_AUTH_URL=(\S+)", text)
        assert match is not None, text
        self.assertIn("export OS_PASSWORD=admin-password", text)
        self.assertIn("clouds:", text)
        auth_url = match.group(1)
        self.assertTrue(auth_url.startswith("http://127.0.0.1:"))
        doc = requests.get(auth_url, timeout=10).json()
        self.assertEqual("stable", doc["version"]["status"])
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(0, proc.wait(timeout=10))


_HAS_LIBRARY = importlib.util.find_spec("migabortclient.client") is not None


@testtools.skipUnless(_HAS_LIBRARY, "migabortclient.client not present yet")
class TestReadyClient(testtools.TestCase):
    """``ref.client()`` hands out a working library client (the contract)."""

    def test_newcomer_aborts_a_live_migration_in_a_few_lines(self) -> None:
        ref = self.useFixture(ReferenceNova(seed="demo"))
        ref.cloud.clock.advance(5)
        nova = ref.client(user="manager")
        server = nova.servers.find("db-1")
        (migration,) = nova.server_migrations.list(server.id)
        self.assertEqual("running", migration.status)
        self.assertIsNone(migration.source_compute)  # index:host is admin
        request_id = nova.server_migrations.abort(server.id, migration.id)
        ref.cloud.clock.advance(5)
        self.assertEqual(
            "cancelled", ref.cloud.get_migration(migration.id).status
        )
        action = nova.instance_actions.get(server.id, request_id)
        self.assertEqual("live_migration_cancel", action.action)
