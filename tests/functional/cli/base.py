"""Shared set-up: a reference Nova with two live migrations in flight."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import testtools

BIN_DIR = os.path.dirname(sys.executable)


def find_bin(name: str) -> str:
    path = os.path.join(BIN_DIR, name)
    if os.path.exists(path):
        return path
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed")
    return found


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    def __repr__(self) -> str:
        return f"Result({self.code!r}, {self.out!r}, {self.err!r})"


def program_env(
    ref: Any, home: str, user: str = "admin", **extra: str
) -> dict[str, str]:
    """A command's environment: ``user`` on ``ref``, nothing of the
    developer's own cloud, polling without pauses."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OS_", "MIGABORT_"))
    }
    env.update(ref.env(user=user))
    env["OS_CLIENT_CONFIG_FILE"] = "/dev/null"
    env["HOME"] = home
    env["MIGABORT_POLL_INTERVAL"] = "0"
    env.update(extra)
    return env


def run_program(
    program: str,
    args: Sequence[str],
    env: dict[str, str],
    *,
    cwd: str,
    stdin: str | None = None,
    timeout: float,
) -> Result:
    """Run an installed command as a subprocess, bounded in time."""
    proc = subprocess.run(
        [find_bin(program), *args],
        env=env,
        capture_output=True,
        text=True,
        input=stdin if stdin is not None else "",
        timeout=timeout,
        cwd=cwd,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


class TTYInput(io.StringIO):
    """Typed answers, as if from a terminal."""

    def isatty(self) -> bool:
        return True


class CLITestCase(testtools.TestCase):
    """Hosts compute1..3; web-1 converges, db-1 never will."""

    # Seconds of reference time until both migrations are running.
    WARMUP = 5.0

    def setUp(self) -> None:
        super().setUp()
        from migabortclient.fixture import ReferenceNova

        self.ref = self.useFixture(ReferenceNova())
        cloud = self.ref.cloud
        for name in ("compute1", "compute2", "compute3"):
            cloud.add_host(name, bandwidth_mib_s=1000, max_concurrent=2)
        self.web = cloud.add_server(
            "web-1", "compute1", memory_mib=32768, dirty_rate_mib_s=200
        )
        self.db = cloud.add_server(
            "db-1", "compute2", memory_mib=16384, dirty_rate_mib_s=1400
        )
        self.web_mig = cloud.start_live_migration(self.web.id, "compute3")
        self.db_mig = cloud.start_live_migration(self.db.id, "compute3")
        cloud.clock.advance(self.WARMUP)
        self.home = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.home, True)

    def env(self, user: str = "admin", **extra: str) -> dict[str, str]:
        return program_env(self.ref, self.home, user, **extra)

    def run_cli(
        self,
        program: str,
        *args: str,
        user: str = "admin",
        stdin: str | None = None,
        **extra: str,
    ) -> Result:
        """Run the real ``openstack`` or ``migabort`` as a subprocess."""
        return run_program(
            program,
            args,
            self.env(user, **extra),
            cwd=self.home,
            stdin=stdin,
            timeout=120,
        )

    def run_inproc(
        self, *args: str, user: str = "admin", stdin: Any = None
    ) -> Result:
        """Run a ``migabort`` command line in this process."""
        from migabortclient import shell

        class Shell(shell.MigabortShell):
            def configure_logging(self) -> None:
                return None

        out, err = io.StringIO(), io.StringIO()
        old = os.environ.get("MIGABORT_POLL_INTERVAL")
        os.environ["MIGABORT_POLL_INTERVAL"] = "0"
        try:
            app = Shell(list(args), client=self.ref.client(user=user))
            app.stdout, app.stderr = out, err
            app.stdin = io.StringIO("") if stdin is None else stdin
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

    def assertOk(self, result: Result) -> None:
        self.assertEqual((0, ""), (result.code, result.err), result)

    def actions(self, server_id: str) -> list[Any]:
        return list(self.ref.cloud.find_actions(server_id))
