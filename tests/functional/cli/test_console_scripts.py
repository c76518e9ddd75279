"""The installed console scripts start through migabortclient._startup."""

from __future__ import annotations

import os
import subprocess
import sys

import testtools

BIN = os.path.dirname(sys.executable)
EXPECTED = {
    "migabort": "migabortclient._startup:migabort",
    "migabort-nova": "migabortclient._startup:migabort_nova",
}


class TestConsoleScripts(testtools.TestCase):
    def test_scripts_start_through_the_startup_module(self) -> None:
        # What the user runs: the script the installer wrote in bin/.
        for script, function in EXPECTED.items():
            with open(os.path.join(BIN, script), encoding="utf-8") as f:
                text = f.read()
            module, _, name = function.partition(":")
            self.assertIn(f"from {module} import {name}", text)

    def test_installed_scripts_run_and_keep_exit_codes(self) -> None:
        # A usage error must still exit 2 through the start-up wrapper,
        # and print one line of usage, no traceback.
        for script, argv in (
            ("migabort", ["server", "migration", "show"]),
            ("migabort-nova", ["live-migration-abort"]),
        ):
            done = subprocess.run(
                [os.path.join(BIN, script), *argv],
                capture_output=True,
                text=True,
                timeout=120,
                env={
                    k: v
                    for k, v in os.environ.items()
                    if not k.startswith("OS_")
                },
            )
            self.assertEqual(2, done.returncode, f"{script}: {done.stderr}")
            self.assertNotIn("Traceback", done.stderr)
            self.assertIn("usage", done.stderr.lower())
