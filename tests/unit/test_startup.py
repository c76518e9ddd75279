"""The console scripts' start-up: collector paused while loading."""

from __future__ import annotations

import gc

import fixtures
import testtools

from migabortclient import _startup


class Tracked:
    """An object the cyclic garbage collector tracks."""


class CollectorTestCase(testtools.TestCase):
    """Starts with the collector on; leaves it as it found it."""

    def setUp(self) -> None:
        super().setUp()
        # freeze() moves every object of this process to the permanent
        # generation; give them back to the collector after each test.
        self.addCleanup(gc.unfreeze)
        self.addCleanup(gc.enable if gc.isenabled() else gc.disable)
        gc.enable()


class TestCollectorPaused(CollectorTestCase):
    def test_paused_inside_running_after(self) -> None:
        with _startup.collector_paused():
            self.assertFalse(gc.isenabled())
        self.assertTrue(gc.isenabled())

    def test_objects_loaded_inside_are_frozen(self) -> None:
        gc.unfreeze()
        with _startup.collector_paused():
            loaded = Tracked()
        self.assertTrue(gc.is_tracked(loaded))
        self.assertGreater(gc.get_freeze_count(), 0)
        # Frozen: in none of the generations the collector walks.
        for generation in range(3):
            self.assertFalse(
                any(o is loaded for o in gc.get_objects(generation))
            )

    def test_collector_back_on_after_a_failed_import(self) -> None:
        def load() -> None:
            with _startup.collector_paused():
                raise ImportError("no module named 'x'")

        self.assertRaises(ImportError, load)
        self.assertTrue(gc.isenabled())

    def test_a_disabled_collector_stays_disabled(self) -> None:
        gc.disable()
        with _startup.collector_paused():
            pass
        self.assertFalse(gc.isenabled())


class TestEntryPoints(CollectorTestCase):
    def replace_main(self, target: str, status: int) -> list[bool]:
        """Put a main() that records whether the collector ran in it."""
        seen: list[bool] = []

        def main() -> int:
            seen.append(gc.isenabled())
            return status

        self.useFixture(fixtures.MonkeyPatch(target, main))
        return seen

    def test_migabort_nova_runs_nova_shim_main(self) -> None:
        seen = self.replace_main("migabortclient.nova_shim.main", 4)
        self.assertEqual(4, _startup.migabort_nova())
        self.assertEqual([True], seen)

    def test_migabort_builds_the_shell_paused_and_runs_it(self) -> None:
        seen: list[tuple[str, object, bool]] = []

        class Shell:
            def __init__(self, argv: list[str]) -> None:
                seen.append(("built", argv, gc.isenabled()))

            def run(self, argv: list[str]) -> int:
                seen.append(("run", argv, gc.isenabled()))
                return 2

        argv = ["server", "migration", "list"]
        self.useFixture(fixtures.MonkeyPatch("sys.argv", ["migabort", *argv]))
        self.useFixture(
            fixtures.MonkeyPatch("migabortclient.shell.MigabortShell", Shell)
        )
        self.assertEqual(2, _startup.migabort())
        self.assertEqual([("built", argv, False), ("run", argv, True)], seen)
