"""The OSC plugin contract and the duplicate-command handling."""

from __future__ import annotations

import logging

import testtools
from cliff import commandmanager

from migabortclient.osc import _dedup
from migabortclient.osc import plugin
from migabortclient.osc.v2 import server_migration

OURS = {
    "server migration list": server_migration.ListServerMigration,
    "server migration show": server_migration.ShowServerMigration,
    "server migration abort": server_migration.AbortServerMigration,
    "server migration force complete": (
        server_migration.ForceCompleteServerMigration
    ),
    "server migration watch": server_migration.WatchServerMigration,
}


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class TestPluginModule(testtools.TestCase):
    def test_reads_osc_compute_version_option(self) -> None:
        self.assertEqual("os_compute_api_version", plugin.API_VERSION_OPTION)
        self.assertEqual("migabort", plugin.API_NAME)
        self.assertTrue(plugin.check_api_version("2.80"))

    def test_declares_no_option_of_its_own(self) -> None:
        import argparse

        parser = argparse.ArgumentParser()
        before = len(parser._actions)
        plugin.build_option_parser(parser)
        self.assertEqual(before, len(parser._actions))

    def test_command_module_does_not_import_the_library(self) -> None:
        import subprocess
        import sys

        code = (
            "import sys, migabortclient.osc.v2.server_migration; "
            "print(sorted(m for m in sys.modules if m.startswith("
            "('migabortclient.client', 'migabortclient.v2', "
            "'openstack', 'keystoneauth1'))))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual("[]", out.stdout.strip())


class TestDuplicateCommands(testtools.TestCase):
    def _load(self, *groups: str) -> tuple[dict[str, object], list[str]]:
        capture = _Capture()
        logger = logging.getLogger("cliff.commandmanager")
        old_level = logger.level
        logger.setLevel(logging.WARNING)
        logger.addHandler(capture)
        self.addCleanup(logger.removeHandler, capture)
        self.addCleanup(logger.setLevel, old_level)
        manager = commandmanager.CommandManager(None)
        for group in groups:
            manager.add_command_group(group)
        loaded = {name: manager.find_command(name.split())[0] for name in OURS}
        return loaded, capture.messages

    def test_our_commands_replace_osc_ones_silently(self) -> None:
        loaded, messages = self._load(
            "openstack.compute.v2", "openstack.migabort.v2"
        )
        self.assertEqual(OURS, loaded)
        self.assertEqual([], [m for m in messages if "duplicate" in m])

    def test_warning_kept_when_osc_would_win(self) -> None:
        _, messages = self._load(
            "openstack.migabort.v2", "openstack.compute.v2"
        )
        self.assertTrue(any("duplicate" in m for m in messages))

    def test_filter_leaves_other_records_alone(self) -> None:
        record = logging.LogRecord(
            "cliff.commandmanager", logging.WARNING, __file__, 1,
            "found duplicate implementations of the %(name)r command in "
            "the following modules: %(modules)s",
            ({"name": "x", "modules": "a:B, migabortclient.osc:C"},),
            None,
        )  # fmt: skip
        self.assertFalse(_dedup.DuplicateCommandFilter().filter(record))
        other = logging.LogRecord(
            "cliff.commandmanager", logging.WARNING, __file__, 1,
            "something else", None, None,
        )  # fmt: skip
        self.assertTrue(_dedup.DuplicateCommandFilter().filter(other))
