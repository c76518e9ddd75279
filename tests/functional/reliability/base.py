"""Shared set-up for the reliability suites.

A fresh reference Nova per test (127.0.0.1 only) with three hosts and
three servers: ``db-1`` whose live migration never converges (so it
stays ``running`` however far the clock moves), ``web-1`` whose
migration converges, and ``idle-1`` with no migration. Clients use a
short session timeout, and record the library's retry pauses instead of
sleeping them, so the retry schedule can be asserted exactly.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import testtools
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from migabortclient import client as client_mod
from migabortclient.fixture import ReferenceNova
from tests.functional.cli.base import Result
from tests.functional.cli.base import find_bin
from tests.functional.cli.base import program_env
from tests.functional.cli.base import run_program

__all__ = ["ReliabilityCase", "Result", "find_bin"]

# The session timeout of the fault suites: a "read timeout" fault waits
# longer than this before the reference Nova answers.
SHORT_TIMEOUT = 0.5
# Seconds of reference time until both migrations are running.
WARMUP = 5.0


class ReliabilityCase(testtools.TestCase):
    """A seeded reference Nova and helpers to drive and inspect it."""

    policy_file: str | None = None

    def setUp(self) -> None:
        super().setUp()
        self.ref = self.useFixture(ReferenceNova(policy_file=self.policy_file))
        cloud = self.cloud = self.ref.cloud
        for name in ("compute1", "compute2", "compute3"):
            cloud.add_host(name, bandwidth_mib_s=1000, max_concurrent=4)
        self.db = cloud.add_server(
            "db-1", "compute2", memory_mib=16384, dirty_rate_mib_s=1400
        )
        self.web = cloud.add_server(
            "web-1", "compute1", memory_mib=32768, dirty_rate_mib_s=200
        )
        self.idle = cloud.add_server("idle-1", "compute1")
        self.db_mig = cloud.start_live_migration(self.db.id, "compute3")
        self.web_mig = cloud.start_live_migration(self.web.id, "compute3")
        cloud.clock.advance(WARMUP)
        self.sleeps: list[float] = []
        self.home = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.home, True)

    # ------------------------------------------------------------ clients

    def session(
        self, user: str = "admin", timeout: float | None = SHORT_TIMEOUT
    ) -> ks_session.Session:
        creds = self.ref.credentials(user)
        auth = v3.Password(
            auth_url=self.ref.auth_url,
            username=creds["username"],
            password=creds["password"],
            project_name=creds["project_name"],
            user_domain_name="Default",
            project_domain_name="Default",
        )
        return ks_session.Session(auth=auth, timeout=timeout)

    def client(
        self,
        user: str = "admin",
        version: str = "auto",
        timeout: float | None = SHORT_TIMEOUT,
        warm: bool = True,
        sleep: Callable[[float], None] | None = None,
    ) -> Any:
        """A library client whose retry pauses land in ``self.sleeps``.

        (Or go to ``sleep``, when given.)

        ``warm`` authenticates and negotiates first, so faults injected
        afterwards hit only the call under test.
        """
        nova = client_mod.Client(
            version,
            session=self.session(user, timeout),
            sleep=self.sleeps.append if sleep is None else sleep,
        )
        if warm:
            nova.http.adapter.get_token()
            nova.api_version  # noqa: B018 - negotiates (if not pinned)
        return nova

    # ---------------------------------------------------------- inspection

    def hits(self, method: str, pattern: str) -> int:
        """Requests the reference Nova logged for method + path regex."""
        regex = re.compile(pattern)
        return sum(
            1
            for r in list(self.ref.requests)
            if r.method == method and regex.search(r.path)
        )

    def snapshot(self) -> dict[str, Any]:
        """Everything a request could change: statuses, actions, hosts."""
        cloud = self.cloud
        with cloud.lock:
            cloud.sync()
            return {
                "migrations": {
                    m.id: (m.status, m.force, m.rollback_at)
                    for m in cloud.migrations.values()
                },
                "actions": sorted(
                    (a.instance_uuid, a.action, a.request_id, len(a.events))
                    for a in cloud.actions
                ),
                "servers": {
                    s.id: (s.host, s.vm_state, s.task_state)
                    for s in cloud.servers.values()
                },
            }

    def actions(self, server_id: str, name: str) -> list[Any]:
        return [
            a for a in self.cloud.find_actions(server_id) if a.action == name
        ]

    # --------------------------------------------------------------- CLI

    def cli_env(self, user: str = "admin", **extra: str) -> dict[str, str]:
        return program_env(self.ref, self.home, user, **extra)

    def run_cli(
        self, program: str, *args: str, user: str = "admin", **extra: str
    ) -> Result:
        """Run the real ``migabort``/``openstack``/``migabort-nova``."""
        return run_program(
            program,
            args,
            self.cli_env(user, **extra),
            cwd=self.home,
            timeout=60,
        )

    def run_inproc(self, nova: Any, *args: str) -> Result:
        """A ``migabort`` command line in this process, on ``nova``."""
        from migabortclient import shell

        class Shell(shell.MigabortShell):
            def configure_logging(self) -> None:
                return None

        out, err = io.StringIO(), io.StringIO()
        old = os.environ.get("MIGABORT_POLL_INTERVAL")
        os.environ["MIGABORT_POLL_INTERVAL"] = "0"
        try:
            app = Shell(list(args), client=nova)
            app.stdout, app.stderr = out, err
            app.stdin = io.StringIO("")
            # argparse writes its usage errors to sys.stderr itself.
            with (
                contextlib.redirect_stderr(err),
                contextlib.redirect_stdout(out),
            ):
                try:
                    code = app.run(list(args))
                except SystemExit as exc:
                    code = int(exc.code or 0)
        finally:
            if old is None:
                os.environ.pop("MIGABORT_POLL_INTERVAL", None)
            else:
                os.environ["MIGABORT_POLL_INTERVAL"] = old
        return Result(code, out.getvalue(), err.getvalue())

    def assertCleanFailure(self, result: Result, code: int = 1) -> str:
        """Exit ``code``, one line on stderr, no traceback anywhere."""
        self.assertEqual(code, result.code, result)
        self.assertNotIn("Traceback", result.err + result.out, result)
        lines = [ln for ln in result.err.splitlines() if ln.strip()]
        self.assertEqual(1, len(lines), result)
        return lines[0]
