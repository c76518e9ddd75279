"""``migabort-nova`` against python-novaclient's ``nova``, over real HTTP.

Each shared command runs twice as a subprocess, once as ``nova`` and once as
``migabort-nova``, with the same argv and environment against the reference
Nova on 127.0.0.1; stdout, stderr and exit codes must agree.

Normalised before comparing, and only these:

* request ids (``req-<uuid>``): every request gets a fresh one;
* nova's own deprecation warning line on stderr, which the shim does not
  print (it is not deprecated);
* usage errors: argparse's usage text names the program, so for exit code 2
  only the code is compared.

Commands that change state (abort, force-complete, live-migration) act on
two equivalent servers, one per CLI, and compare what each printed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from typing import Any

import testtools

from migabortclient.fixture import ReferenceNova

BIN = os.path.dirname(sys.executable)
NOVA = os.path.join(BIN, "nova")
SHIM = os.path.join(BIN, "migabort-nova")
DEPRECATION = "nova CLI is deprecated and will be removed in a future release"
REQUEST_ID = re.compile(r"req-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
TIMEOUT = 120


def normalise(text: str) -> str:
    text = REQUEST_ID.sub("req-<id>", text)
    lines = [line for line in text.splitlines() if line != DEPRECATION]
    return "\n".join(lines)


class Result:
    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.code = proc.returncode
        self.out = normalise(proc.stdout)
        self.err = normalise(proc.stderr)

    def __repr__(self) -> str:
        return f"<rc={self.code} out={self.out!r} err={self.err!r}>"


class NovaShimTestCase(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ref = self.useFixture(ReferenceNova(seed="demo"))
        self.cloud = self.ref.cloud

    def run_cli(
        self,
        program: str,
        *argv: str,
        user: str = "admin",
        env: dict[str, str] | None = None,
    ) -> Result:
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith("OS_")
        }
        environ.update(self.ref.env(user=user))
        environ["OS_CLIENT_CONFIG_FILE"] = "/dev/null"
        environ.update(env or {})
        proc = subprocess.run(
            [program, *argv],
            env=environ,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        return Result(proc)

    def compare(
        self,
        *argv: str,
        user: str = "admin",
        env: dict[str, str] | None = None,
    ) -> Result:
        """Run both CLIs with ``argv``; assert they agree; return one."""
        nova = self.run_cli(NOVA, *argv, user=user, env=env)
        shim = self.run_cli(SHIM, *argv, user=user, env=env)
        self.assertEqual(nova.code, shim.code, f"nova={nova} shim={shim}")
        if nova.code != 2:
            self.assertEqual(nova.out, shim.out)
            self.assertEqual(nova.err, shim.err)
        return shim

    def requests_during(self, program: str, *argv: str) -> tuple[Result, Any]:
        """Run one CLI; return its result and the requests it made."""
        before = len(self.ref.requests)
        result = self.run_cli(program, *argv)
        return result, self.ref.requests[before:]

    def server_id(self, name: str) -> str:
        for server in self.cloud.servers.values():
            if server.name == name:
                return str(server.id)
        raise AssertionError(f"no server {name}")

    def live_migration_of(self, name: str) -> Any:
        sid = self.server_id(name)
        found = [
            m
            for m in self.cloud.migrations.values()
            if str(m.instance_uuid) == sid
            and m.migration_type == "live-migration"
        ]
        self.assertEqual(1, len(found))
        return found[-1]

    def migrating_pair(
        self, names: tuple[str, str] = ("twin-a", "twin-b")
    ) -> tuple[Any, Any]:
        """Two equal servers, each live-migrating between its own hosts."""
        pair = []
        for twin, name in zip(("a", "b"), names, strict=True):
            for role in ("src", "dst"):
                self.cloud.add_host(
                    f"{role}-{twin}", bandwidth_mib_s=100, max_concurrent=1
                )
            server = self.cloud.add_server(
                name, f"src-{twin}", memory_mib=8192
            )
            pair.append(
                self.cloud.start_live_migration(server.id, dest=f"dst-{twin}")
            )
        return pair[0], pair[1]


class TestReadCommands(NovaShimTestCase):
    def test_server_migration_list_matches_nova(self) -> None:
        result = self.compare("server-migration-list", "web-1")
        self.assertEqual(0, result.code)
        self.assertIn("| Server UUID ", result.out)

    def test_server_migration_list_matches_nova_at_2_23(self) -> None:
        result = self.compare(
            "--os-compute-api-version", "2.23", "server-migration-list", "db-1"
        )
        self.assertNotIn("Project ID", result.out)

    def test_server_migration_list_running_matches_nova(self) -> None:
        self.cloud.clock.advance(10)
        result = self.compare("server-migration-list", "web-1")
        self.assertIn("running", result.out)

    def test_server_migration_show_matches_nova(self) -> None:
        self.cloud.clock.advance(10)
        mid = str(self.live_migration_of("web-1").id)
        result = self.compare("server-migration-show", "web-1", mid)
        self.assertIn("| memory_total_bytes ", result.out)
        self.compare(
            "--os-compute-api-version",
            "2.59",
            "server-migration-show",
            "web-1",
            mid,
        )

    def test_migration_list_matches_nova_per_version(self) -> None:
        for version in (None, "2.1", "2.23", "2.59", "2.80"):
            argv = ["migration-list"]
            if version:
                argv = ["--os-compute-api-version", version, *argv]
            self.compare(*argv)

    def test_migration_list_filters_match_nova(self) -> None:
        web = self.server_id("web-1")
        for argv in (
            ["--host", "compute1"],
            ["--status", "finished"],
            ["--migration-type", "live-migration"],
            ["--source-compute", "compute2"],
            ["--instance-uuid", web],
            ["--limit", "1"],
            ["--changes-since", "2020-01-01T00:00:00Z"],
            ["--changes-before", "2020-01-01T00:00:00Z"],
        ):
            self.compare("migration-list", *argv)

    def test_unknown_server_matches_nova(self) -> None:
        result = self.compare("server-migration-list", "no-such-server")
        self.assertEqual(1, result.code)
        self.assertIn("ERROR (CommandError): No server with", result.err)

    def test_show_not_found_matches_nova(self) -> None:
        result = self.compare("server-migration-show", "web-1", "999")
        self.assertEqual(1, result.code)
        self.assertIn("ERROR (NotFound): ", result.err)
        self.assertIn("(Request-ID: req-<id>)", result.err)

    def test_policy_refusal_matches_nova(self) -> None:
        result = self.compare("server-migration-list", "web-1", user="reader")
        self.assertEqual(1, result.code)
        self.assertIn("ERROR (Forbidden): Policy doesn't allow", result.err)

    def test_show_needs_admin_matches_nova(self) -> None:
        mid = str(self.live_migration_of("web-1").id)
        result = self.compare(
            "server-migration-show", "web-1", mid, user="manager"
        )
        self.assertEqual(1, result.code)
        self.assertIn("ERROR (Forbidden): ", result.err)

    def test_ambiguous_server_name_matches_nova(self) -> None:
        for host in ("compute1", "compute2"):
            self.cloud.add_server("twin", host, memory_mib=1024)
        result = self.compare("server-migration-list", "twin")
        self.assertEqual(1, result.code)
        self.assertIn("ERROR (CommandError): Multiple server", result.err)

    def test_wrong_password_matches_nova(self) -> None:
        result = self.compare(
            "migration-list", env={"OS_PASSWORD": "not-the-password"}
        )
        self.assertEqual(1, result.code)
        self.assertIn("ERROR (Unauthorized): ", result.err)

    def test_bad_changes_since_matches_nova(self) -> None:
        result = self.compare("migration-list", "--changes-since", "nope")
        self.assertEqual(1, result.code)

    def test_usage_error_exit_code_matches_nova(self) -> None:
        self.compare("live-migration-force-complete", "web-1")


class TestActionErrors(NovaShimTestCase):
    def test_abort_not_migrating_conflict_matches_nova(self) -> None:
        result = self.compare("live-migration-abort", "app-1", "1")
        self.assertEqual(1, result.code)
        self.assertIn("ERROR (Conflict): ", result.err)
        self.assertIn("(HTTP 409)", result.err)

    def test_abort_unknown_migration_matches_nova(self) -> None:
        self.cloud.clock.advance(10)
        result = self.compare("live-migration-abort", "web-1", "999")
        self.assertIn("ERROR (NotFound): ", result.err)

    def test_force_complete_queued_matches_nova(self) -> None:
        mid = str(self.live_migration_of("web-1").id)
        result = self.compare("live-migration-force-complete", "web-1", mid)
        self.assertIn("ERROR (BadRequest): ", result.err)

    def test_abort_queued_pinned_version_is_honoured(self) -> None:
        # An explicit X.Y is kept: below 2.65 Nova refuses a queued abort,
        # for both CLIs alike.
        mid = str(self.live_migration_of("web-1").id)
        result = self.compare(
            "--os-compute-api-version",
            "2.24",
            "live-migration-abort",
            "web-1",
            mid,
        )
        self.assertIn("ERROR (BadRequest): ", result.err)
        self.assertEqual("queued", self.cloud.get_migration(int(mid)).status)


class TestActions(NovaShimTestCase):
    def test_abort_running_matches_nova(self) -> None:
        mig_a, mig_b = self.migrating_pair()
        self.cloud.clock.advance(10)
        nova = self.run_cli(
            NOVA, "live-migration-abort", "twin-a", str(mig_a.id)
        )
        shim = self.run_cli(
            SHIM, "live-migration-abort", "twin-b", str(mig_b.id)
        )
        self.assertEqual((0, "", ""), (nova.code, nova.out, nova.err))
        self.assertEqual((0, "", ""), (shim.code, shim.out, shim.err))
        self.cloud.clock.advance(10)
        self.assertEqual(
            ("cancelled", "cancelled"),
            (
                self.cloud.get_migration(mig_a.id).status,
                self.cloud.get_migration(mig_b.id).status,
            ),
        )

    def test_force_complete_running_matches_nova(self) -> None:
        mig_a, mig_b = self.migrating_pair()
        self.cloud.clock.advance(10)
        nova = self.run_cli(
            NOVA, "live-migration-force-complete", "twin-a", str(mig_a.id)
        )
        shim = self.run_cli(
            SHIM, "live-migration-force-complete", "twin-b", str(mig_b.id)
        )
        self.assertEqual((0, "", ""), (nova.code, nova.out, nova.err))
        self.assertEqual((0, "", ""), (shim.code, shim.out, shim.err))

    def test_live_migration_matches_nova(self) -> None:
        for name in ("mover-a", "mover-b"):
            self.cloud.add_server(name, "compute3", memory_mib=1024)
        nova = self.run_cli(NOVA, "live-migration", "mover-a", "compute1")
        shim = self.run_cli(SHIM, "live-migration", "mover-b", "compute1")
        self.assertEqual((0, "", ""), (nova.code, nova.out, nova.err))
        self.assertEqual((0, "", ""), (shim.code, shim.out, shim.err))
        for name in ("mover-a", "mover-b"):
            migration = self.live_migration_of(name)
            self.assertEqual("compute1", migration.dest_compute)

    def _twin_live_migrations(self, *argv: str) -> None:
        """nova and the shim live-migrate one mover each with ``argv``."""
        for name in ("mover-a", "mover-b"):
            self.cloud.add_server(name, "compute3", memory_mib=1024)
        for program, name in ((NOVA, "mover-a"), (SHIM, "mover-b")):
            head, tail = argv[:-1], argv[-1:]
            result = self.run_cli(program, *head, name, *tail)
            self.assertEqual(
                (0, "", ""), (result.code, result.out, result.err), program
            )
        for name in ("mover-a", "mover-b"):
            migration = self.live_migration_of(name)
            self.assertEqual("compute1", migration.dest_compute)

    def test_live_migration_force_matches_nova_at_2_30(self) -> None:
        self._twin_live_migrations(
            "--os-compute-api-version",
            "2.30",
            "live-migration",
            "--force",
            "compute1",
        )

    def test_live_migration_force_exits_2_after_2_67(self) -> None:
        self.cloud.add_server("mover", "compute3", memory_mib=1024)
        result = self.compare("live-migration", "--force", "mover", "compute1")
        self.assertEqual(2, result.code)
        self.assertTrue(
            result.err.startswith("ERROR (UnsupportedVersion): "), result.err
        )

    def test_disk_over_commit_runs_novaclient_at_2_24(self) -> None:
        self._twin_live_migrations(
            "--os-compute-api-version",
            "2.24",
            "live-migration",
            "--block-migrate",
            "--disk-over-commit",
            "compute1",
        )


class TestBeyondNova(NovaShimTestCase):
    """What nova cannot do, or gets wrong, and the shim does."""

    def test_abort_queued_with_bare_major_version(self) -> None:
        # Many openrc files set OS_COMPUTE_API_VERSION=2 (or 2.0): nova then
        # speaks 2.0, lacks the command and exits 2; the shim negotiates
        # (2.65+ is needed for a queued migration) and the abort lands.
        migrations = self.migrating_pair()
        for version, migration in zip(("2", "2.0"), migrations, strict=True):
            env = {"OS_COMPUTE_API_VERSION": version}
            sid = str(migration.instance_uuid)
            mid = str(migration.id)
            self.assertEqual(
                "queued", self.cloud.get_migration(migration.id).status
            )
            nova = self.run_cli(
                NOVA, "live-migration-abort", sid, mid, env=env
            )
            self.assertEqual(2, nova.code, version)
            shim = self.run_cli(
                SHIM, "live-migration-abort", sid, mid, env=env
            )
            self.assertEqual((0, "", ""), (shim.code, shim.out, shim.err))
        self.cloud.clock.advance(5)
        for migration in migrations:
            self.assertEqual(
                "cancelled", self.cloud.get_migration(migration.id).status
            )

    def test_abort_without_migration_id(self) -> None:
        nova = self.run_cli(NOVA, "live-migration-abort", "db-1")
        self.assertEqual(2, nova.code)
        mid = self.live_migration_of("db-1").id
        shim = self.run_cli(SHIM, "live-migration-abort", "db-1")
        self.assertEqual((0, "", ""), (shim.code, shim.out, shim.err))
        self.cloud.clock.advance(5)
        self.assertEqual("cancelled", self.cloud.get_migration(mid).status)

    def test_abort_without_migration_id_none_in_progress(self) -> None:
        shim = self.run_cli(SHIM, "live-migration-abort", "app-1")
        self.assertEqual(1, shim.code)
        self.assertTrue(shim.err.startswith("ERROR (CommandError): "))
        self.assertIn("no in-progress live migration.", shim.err)


class TestBeyondNovaFaults(NovaShimTestCase):
    """Ids nova sends blindly, and aborts whose answer is lost."""

    def assertAcceptedNote(self, err: str) -> None:
        """Success after a lost answer: at most the library's one-line
        note that the request landed despite the error."""
        if err:
            self.assertEqual(1, len(err.splitlines()), err)
            self.assertIn("was accepted despite the error", err)

    def test_bad_migration_id_refused_before_any_request(self) -> None:
        migration = self.live_migration_of("db-1")
        for bad in ("abc", "0", "99999999999"):
            nova = self.run_cli(NOVA, "live-migration-abort", "db-1", bad)
            shim, sent = self.requests_during(
                SHIM, "live-migration-abort", "db-1", bad
            )
            self.assertEqual((1, 1), (nova.code, shim.code), bad)
            self.assertIn("ERROR (NotFound): ", nova.err)
            self.assertTrue(
                shim.err.startswith("ERROR (CommandError): "), shim.err
            )
            self.assertIn(bad, shim.err)
            self.assertEqual([], [r for r in sent if r.method == "DELETE"])
        self.assertEqual(
            migration.status, self.cloud.get_migration(migration.id).status
        )

    def test_abort_applied_despite_proxy_error(self) -> None:
        # The proxy answers 502 after Nova accepted the abort: nova says
        # it failed; the shim reads the state back and reports success.
        mig_a, mig_b = self.migrating_pair()
        self.cloud.clock.advance(10)
        self.ref.faults.inject(
            "DELETE", r"/migrations/", status=502, after=True
        )
        nova = self.run_cli(
            NOVA, "live-migration-abort", "twin-a", str(mig_a.id)
        )
        self.ref.faults.inject(
            "DELETE", r"/migrations/", status=502, after=True
        )
        shim = self.run_cli(
            SHIM, "live-migration-abort", "twin-b", str(mig_b.id)
        )
        self.assertEqual(1, nova.code)
        self.assertIn("(HTTP 502)", nova.err)
        self.assertEqual((0, ""), (shim.code, shim.out))
        self.assertAcceptedNote(shim.err)
        self.cloud.clock.advance(10)
        for migration in (mig_a, mig_b):
            self.assertEqual(
                "cancelled", self.cloud.get_migration(migration.id).status
            )

    def test_force_complete_applied_despite_proxy_error(self) -> None:
        mig_a, mig_b = self.migrating_pair()
        self.cloud.clock.advance(10)
        results = []
        for name, migration in (("twin-a", mig_a), ("twin-b", mig_b)):
            self.ref.faults.inject(
                "POST", r"/migrations/\d+/action", status=503, after=True
            )
            program = NOVA if name == "twin-a" else SHIM
            results.append(
                self.run_cli(
                    program,
                    "live-migration-force-complete",
                    name,
                    str(migration.id),
                )
            )
        nova, shim = results
        self.assertEqual(1, nova.code)
        self.assertIn("(HTTP 503)", nova.err)
        self.assertEqual((0, ""), (shim.code, shim.out))
        self.assertAcceptedNote(shim.err)
        sid = str(mig_b.instance_uuid)
        actions = [
            a.action for a in self.ref.client().instance_actions.list(sid)
        ]
        self.assertIn("live_migration_force_complete", actions)

    def test_abort_refused_by_a_proxy_is_reported(self) -> None:
        # The proxy fails before Nova sees the abort: both CLIs fail with
        # the proxy's status; the shim also says the abort did not land.
        mig_a, mig_b = self.migrating_pair()
        self.cloud.clock.advance(10)
        results = []
        for program, name, migration in (
            (NOVA, "twin-a", mig_a),
            (SHIM, "twin-b", mig_b),
        ):
            self.ref.faults.inject("DELETE", r"/migrations/", status=502)
            results.append(
                self.run_cli(
                    program, "live-migration-abort", name, str(migration.id)
                )
            )
        nova, shim = results
        self.assertEqual((1, 1), (nova.code, shim.code))
        self.assertTrue(nova.err.startswith("ERROR (ClientException): "))
        self.assertTrue(
            shim.err.startswith("ERROR (ClientException): abort not applied"),
            shim.err,
        )
        self.assertTrue(shim.err.endswith("(HTTP 502) (Request-ID: req-<id>)"))
        self.assertEqual(1, len(shim.err.splitlines()))
        self.cloud.clock.advance(1)
        for migration in (mig_a, mig_b):
            self.assertEqual(
                "running", self.cloud.get_migration(migration.id).status
            )

    def test_abort_lost_on_a_dropped_connection_is_reported(self) -> None:
        mig_a, _ = self.migrating_pair()
        self.cloud.clock.advance(10)
        self.ref.faults.inject("DELETE", r"/migrations/", drop=True)
        shim = self.run_cli(
            SHIM, "live-migration-abort", "twin-a", str(mig_a.id)
        )
        self.assertEqual(1, shim.code)
        self.assertTrue(
            shim.err.startswith("ERROR (NotApplied): abort not applied"),
            shim.err,
        )
        self.assertIn(f"migration {mig_a.id} is running", shim.err)
        self.assertEqual(1, len(shim.err.splitlines()))
        self.assertEqual("running", self.cloud.get_migration(mig_a.id).status)

    def test_migration_list_follows_every_page(self) -> None:
        # nova prints the first page only (Nova's max_limit rows).
        self.ref.app.max_limit = 2
        total = len(self.cloud.migrations)
        self.assertGreater(total, 2)
        nova = self.run_cli(NOVA, "migration-list")
        shim = self.run_cli(SHIM, "migration-list")
        self.assertEqual((0, 0), (nova.code, shim.code))
        rows = [
            line
            for line in shim.out.splitlines()
            if line.startswith("| ") and not line.startswith("| Id ")
        ]
        self.assertEqual(total, len(rows))
        self.assertEqual(
            2 + 4, len(nova.out.splitlines()), "nova: 2 rows and 4 rules"
        )

    def test_show_by_migration_uuid(self) -> None:
        self.cloud.clock.advance(10)
        migration = self.live_migration_of("web-1")
        nova = self.run_cli(
            NOVA, "server-migration-show", "web-1", str(migration.uuid)
        )
        shim = self.run_cli(
            SHIM, "server-migration-show", "web-1", str(migration.uuid)
        )
        self.assertEqual(1, nova.code)
        self.assertEqual(0, shim.code, shim.err)
        self.assertIn(f"| id                     | {migration.id} ", shim.out)


class TestVersionErrors(NovaShimTestCase):
    """Versions that cannot work: nova's exit codes, one clear line."""

    def test_command_missing_at_pinned_version_exits_2(self) -> None:
        # nova does not offer the command below 2.23 (argparse, exit 2).
        argv = ("--os-compute-api-version", "2.22", "server-migration-list")
        self.compare(*argv, "web-1")
        shim, sent = self.requests_during(SHIM, *argv, "web-1")
        self.assertEqual(2, shim.code)
        self.assertEqual(
            "ERROR (UnsupportedVersion): server-migration-list requires "
            "compute API version 2.23 or later; this client is pinned to "
            "2.22.",
            shim.err,
        )
        self.assertEqual([], sent)

    def test_abort_below_2_24_exits_2_without_sending(self) -> None:
        mid = str(self.live_migration_of("db-1").id)
        for migration in ((), (mid,)):
            argv = (
                "--os-compute-api-version",
                "2.23",
                "live-migration-abort",
                "db-1",
                *migration,
            )
            self.compare(*argv)
            shim, sent = self.requests_during(SHIM, *argv)
            self.assertEqual(2, shim.code)
            self.assertIn("requires compute API version 2.24", shim.err)
            self.assertEqual([], sent)
        self.assertIn(
            self.cloud.get_migration(int(mid)).status,
            ("queued", "preparing", "running"),
        )

    def test_option_missing_at_pinned_version_exits_2(self) -> None:
        for version, option in (
            ("2.58", ["--limit", "1"]),
            ("2.65", ["--changes-before", "2020-01-01T00:00:00Z"]),
            ("2.79", ["--user-id", "someone"]),
        ):
            argv = ("--os-compute-api-version", version, "migration-list")
            self.compare(*argv, *option)
            shim = self.run_cli(SHIM, *argv, *option)
            expected = (
                f"ERROR (UnsupportedVersion): migration-list {option[0]} "
                f"requires compute API version"
            )
            self.assertTrue(shim.err.startswith(expected), shim.err)
            self.assertEqual(1, len(shim.err.splitlines()))

    def test_bad_version_argument_exits_1_like_nova(self) -> None:
        for version in ("2.x", "3.0", "2.999"):
            argv = ("--os-compute-api-version", version, "migration-list")
            nova = self.run_cli(NOVA, *argv)
            shim, sent = self.requests_during(SHIM, *argv)
            self.assertEqual((1, 1), (nova.code, shim.code), version)
            self.assertTrue(nova.err.startswith("ERROR ("), nova.err)
            self.assertTrue(
                shim.err.startswith("ERROR (UnsupportedVersion): "), shim.err
            )
            self.assertIn(version, shim.err)
            self.assertEqual(1, len(shim.err.splitlines()))
            self.assertEqual([], sent)


class TestHandoff(NovaShimTestCase):
    def test_other_command_runs_novaclient_and_passes_exit_code(self) -> None:
        result = self.compare("show", "no-such-server")
        self.assertEqual(1, result.code)
        self.compare("list")


class TestDebug(NovaShimTestCase):
    def test_debug_logs_requests_to_stderr_without_secrets(self) -> None:
        plain = self.run_cli(SHIM, "migration-list")
        debug = self.run_cli(SHIM, "--debug", "migration-list")
        self.assertEqual((0, plain.out), (debug.code, debug.out))
        self.assertIn("os-migrations", debug.err)
        password = self.ref.env(user="admin")["OS_PASSWORD"]
        self.assertNotIn(password, debug.err)


class TestServerGivenByUUID(NovaShimTestCase):
    """nova looks a server up before acting on it; given a UUID, the shim
    acts on /servers/{uuid}/... at once and runs nova's lookup only when
    Nova answers that there is no such instance."""

    def compute_requests(self, sent: Any) -> list[tuple[str, str, Any]]:
        return [
            (r.method, r.path, r.status)
            for r in sent
            if not r.path.startswith("/identity")
        ]

    def test_abort_by_uuid_sends_discovery_and_the_abort(self) -> None:
        mig_a, mig_b = self.migrating_pair()
        self.cloud.clock.advance(10)
        uuid_a, uuid_b = str(mig_a.instance_uuid), str(mig_b.instance_uuid)
        nova, nova_sent = self.requests_during(
            NOVA, "live-migration-abort", uuid_a, str(mig_a.id)
        )
        shim, shim_sent = self.requests_during(
            SHIM, "live-migration-abort", uuid_b, str(mig_b.id)
        )
        self.assertEqual((0, "", ""), (nova.code, nova.out, nova.err))
        self.assertEqual((0, "", ""), (shim.code, shim.out, shim.err))
        self.assertIn(
            ("GET", f"/v2.1/servers/{uuid_a}", 200),
            self.compute_requests(nova_sent),
        )
        self.assertEqual(
            [
                ("GET", "/v2.1", 200),
                (
                    "DELETE",
                    f"/v2.1/servers/{uuid_b}/migrations/{mig_b.id}",
                    202,
                ),
            ],
            [
                (m, p.rstrip("/"), st)
                for m, p, st in self.compute_requests(shim_sent)
            ],
        )
        self.cloud.clock.advance(10)
        for migration in (mig_a, mig_b):
            self.assertEqual(
                "cancelled", self.cloud.get_migration(migration.id).status
            )

    def test_force_complete_by_uuid_sends_discovery_and_the_action(
        self,
    ) -> None:
        _, mig_b = self.migrating_pair()
        self.cloud.clock.advance(10)
        uuid_b = str(mig_b.instance_uuid)
        shim, sent = self.requests_during(
            SHIM, "live-migration-force-complete", uuid_b, str(mig_b.id)
        )
        self.assertEqual((0, "", ""), (shim.code, shim.out, shim.err))
        self.assertEqual(
            ["GET", "POST"], [m for m, _, _ in self.compute_requests(sent)]
        )
        actions = [a.action for a in self.cloud.find_actions(uuid_b)]
        self.assertIn("live_migration_force_complete", actions)

    def test_read_commands_by_uuid_match_nova_with_one_request_less(
        self,
    ) -> None:
        self.cloud.clock.advance(10)
        web = self.server_id("web-1")
        mid = str(self.live_migration_of("web-1").id)
        for argv in (
            ("server-migration-list", web),
            ("server-migration-show", web, mid),
        ):
            nova, nova_sent = self.requests_during(NOVA, *argv)
            shim, shim_sent = self.requests_during(SHIM, *argv)
            self.assertEqual(
                (0, nova.out, nova.err), (shim.code, shim.out, shim.err)
            )
            self.assertNotIn(
                ("GET", f"/v2.1/servers/{web}", 200),
                self.compute_requests(shim_sent),
            )
            self.assertIn(
                ("GET", f"/v2.1/servers/{web}", 200),
                self.compute_requests(nova_sent),
            )

    def test_unknown_uuid_gets_novas_message(self) -> None:
        missing = str(uuid.uuid4())
        for argv in (
            ("live-migration-abort", missing, "1"),
            ("live-migration-force-complete", missing, "1"),
            ("server-migration-list", missing),
            ("server-migration-show", missing, "1"),
        ):
            result = self.compare(*argv)
            self.assertEqual(1, result.code, argv)
            self.assertEqual(
                f"ERROR (CommandError): No server with a name or ID of "
                f"'{missing}' exists.",
                result.err.strip(),
                argv,
            )

    def test_server_named_like_a_uuid_is_found_by_name(self) -> None:
        # Nova says "no such instance" to the UUID; nova's lookup then
        # finds the server by name, and so does the shim's.
        names = (str(uuid.uuid4()), str(uuid.uuid4()))
        mig_a, mig_b = self.migrating_pair(names)
        self.cloud.clock.advance(10)
        nova = self.run_cli(
            NOVA, "live-migration-abort", names[0], str(mig_a.id)
        )
        shim, sent = self.requests_during(
            SHIM, "live-migration-abort", names[1], str(mig_b.id)
        )
        self.assertEqual((0, "", ""), (nova.code, nova.out, nova.err))
        self.assertEqual((0, "", ""), (shim.code, shim.out, shim.err))
        deletes = [
            (p, st)
            for m, p, st in self.compute_requests(sent)
            if m == "DELETE"
        ]
        self.assertEqual(
            [
                (f"/v2.1/servers/{names[1]}/migrations/{mig_b.id}", 404),
                (
                    f"/v2.1/servers/{mig_b.instance_uuid}/migrations/"
                    f"{mig_b.id}",
                    202,
                ),
            ],
            deletes,
        )
        self.cloud.clock.advance(10)
        for migration in (mig_a, mig_b):
            self.assertEqual(
                "cancelled", self.cloud.get_migration(migration.id).status
            )
