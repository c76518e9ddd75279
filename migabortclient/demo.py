"""``migabort demo``: a guided run against the bundled reference Nova.

Starts ``ReferenceNova(seed="demo")`` in this process on loopback (the
seed has one live migration that converges and one that never will), then
runs the commands an operator would type (list, watch, abort --wait, list) and
prints exactly what they print. The reference clock advances on every
API request, so minutes of migration happen in seconds. Needs only
``pip install 'migabortclient[reference]'``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import time
from collections.abc import Sequence
from typing import Any

from cliff import command

POLL_ENV = "MIGABORT_POLL_INTERVAL"
DEMO_POLL_INTERVAL = "0.2"
# Simulated seconds that pass on every API request.
DEMO_SECONDS_PER_REQUEST = 4.0

# The "demo" seed: web-1 converges, db-1 dirties memory faster than the
# link copies it and never will.
STUCK = "db-1"


class _EmbeddedShell:
    """Runs ``migabort`` command lines in-process against one client."""

    def __init__(self, client: Any, out: Any) -> None:
        self.client = client
        self.out = out

    def run(self, argv: Sequence[str]) -> int:
        from migabortclient import shell

        class QuietShell(shell.MigabortShell):
            # The outer shell has configured logging already.
            def configure_logging(self) -> None:
                return None

        self.out.write(f"\n$ migabort {shlex.join(argv)}\n")
        self.out.flush()
        app = QuietShell(argv, client=self.client)
        app.stdout = self.out
        return int(app.run(list(argv)))


def run_demo(out: Any) -> int:
    try:
        from migabortclient.fixture import ReferenceNova
    except ImportError as exc:
        out.write(
            "migabort demo needs the reference extra: "
            f"pip install 'migabortclient[reference]' ({exc})\n"
        )
        return 1
    os.environ.setdefault(POLL_ENV, DEMO_POLL_INTERVAL)
    started = time.monotonic()
    with ReferenceNova(seed="demo") as ref:
        ref.cloud.auto_advance = DEMO_SECONDS_PER_REQUEST
        sh = _EmbeddedShell(ref.client(user="admin"), out)
        out.write(
            f"Reference Nova on {ref.compute_url}: two live migrations in "
            f"progress; {STUCK} dirties memory faster than the link copies "
            "it.\n"
        )
        # In the order cliff prints them (the command's order).
        columns = [
            "-c", "Id", "-c", "Source Compute", "-c", "Dest Compute",
            "-c", "Status", "-c", "Server UUID",
        ]  # fmt: skip
        listing = ["server", "migration", "list", "--type", "live-migration"]
        steps = [
            [*listing, *columns],
            ["server", "migration", "watch", STUCK, "--count", "10"],
            ["server", "migration", "abort", STUCK, "--wait"],
            [*listing, *columns],
        ]
        for argv in steps:
            code = sh.run(argv)
            if code != 0:
                out.write(f"demo step failed with exit code {code}\n")
                return 1
    out.write(f"\nDemo finished in {time.monotonic() - started:.1f}s.\n")
    return 0


class Demo(command.Command):
    """Run a short demonstration against the bundled reference Nova.

    Needs no cloud and no credentials.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        return super().get_parser(prog_name)

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        return run_demo(self.app.stdout)
