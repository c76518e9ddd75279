"""Formatting and convergence logic of the CLI."""

from __future__ import annotations

import testtools

from migabortclient import _cli_format as fmt

GIB = 1024**3
MIB = 1024**2


class TestHumanUnits(testtools.TestCase):
    def test_human_bytes_scales_to_largest_unit(self) -> None:
        self.assertEqual("1.5 GiB", fmt.human_bytes(GIB + GIB // 2))
        self.assertEqual("512 B", fmt.human_bytes(512))
        self.assertEqual("1.0 KiB", fmt.human_bytes(1024))
        self.assertEqual("4.0 TiB", fmt.human_bytes(4 * 1024 * GIB))

    def test_human_bytes_none_is_empty(self) -> None:
        self.assertEqual("", fmt.human_bytes(None))

    def test_percent_done_from_remaining(self) -> None:
        self.assertEqual(75.0, fmt.percent_done(4 * GIB, GIB))
        self.assertEqual("75%", fmt.human_percent(75.0))

    def test_percent_done_unknown_when_counters_null(self) -> None:
        self.assertIsNone(fmt.percent_done(None, None))
        self.assertIsNone(fmt.percent_done(0, 0))
        self.assertEqual("", fmt.human_percent(None))

    def test_percent_done_clamped_when_remaining_exceeds_total(self) -> None:
        self.assertEqual(0.0, fmt.percent_done(GIB, 2 * GIB))

    def test_human_duration(self) -> None:
        self.assertEqual("5s", fmt.human_duration(5))
        self.assertEqual("1m 05s", fmt.human_duration(65))
        self.assertEqual("1h 02m 05s", fmt.human_duration(3725))
        self.assertEqual("", fmt.human_duration(None))

    def test_human_rate(self) -> None:
        self.assertEqual("100.0 MiB/s", fmt.human_rate(100 * MIB))

    def test_bytes_column_human_in_tables_raw_elsewhere(self) -> None:
        col = fmt.BytesColumn(3 * GIB)
        self.assertEqual("3.0 GiB", col.human_readable())
        self.assertEqual(3 * GIB, col.machine_readable())

    def test_progress_bar_width(self) -> None:
        self.assertEqual("[#####-----]", fmt.progress_bar(50, width=10))
        self.assertEqual("[----------]", fmt.progress_bar(None, width=10))


class TestConvergenceTracker(testtools.TestCase):
    def test_shrinking_memory_converges_with_eta(self) -> None:
        t = fmt.ConvergenceTracker(window=30)
        for i in range(8):
            t.add(i * 10.0, (100 - i * 10) * MIB, i * 10 * MIB)
        self.assertTrue(t.converging())
        eta = t.eta()
        assert eta is not None
        self.assertAlmostEqual(30.0, eta)
        self.assertEqual(MIB, t.rate())

    def test_plateau_over_window_is_not_converging(self) -> None:
        t = fmt.ConvergenceTracker(window=30)
        for i in range(8):
            t.add(i * 10.0, 500 * MIB + (i % 2) * MIB, i * 100 * MIB)
        self.assertFalse(t.converging())
        self.assertIsNone(t.eta())

    def test_too_short_history_counts_as_converging(self) -> None:
        t = fmt.ConvergenceTracker(window=30)
        t.add(0.0, 500 * MIB, 0)
        t.add(10.0, 600 * MIB, 0)
        self.assertTrue(t.converging())

    def test_growing_remaining_memory_is_not_converging(self) -> None:
        t = fmt.ConvergenceTracker(window=20)
        for i in range(5):
            t.add(i * 10.0, (100 + i) * MIB, 0)
        self.assertFalse(t.converging())

    def test_null_counters_are_ignored(self) -> None:
        t = fmt.ConvergenceTracker(window=20)
        t.add(0.0, None, None)
        self.assertIsNone(t.rate())
        self.assertTrue(t.converging())

    def test_window_must_be_positive(self) -> None:
        self.assertRaises(ValueError, fmt.ConvergenceTracker, 0)


class TestTimestamps(testtools.TestCase):
    def test_naive_datetime_printed_like_nova(self) -> None:
        import datetime

        value = datetime.datetime(2026, 11, 24, 0, 19, 4)
        self.assertEqual("2026-11-24T00:19:04.000000", fmt.iso(value))

    def test_aware_datetime_converted_to_utc(self) -> None:
        import datetime

        tz = datetime.timezone(datetime.timedelta(hours=2))
        value = datetime.datetime(2026, 11, 24, 2, 0, 0, 5, tzinfo=tz)
        self.assertEqual("2026-11-24T00:00:00.000005", fmt.iso(value))
        self.assertEqual("", fmt.iso(None))
