"""Our ASCII tables against cliff's prettytable formatter, byte for byte."""

from __future__ import annotations

import argparse
import io
import string
import subprocess
import sys
from typing import Any

import fixtures
import testtools
from cliff import columns
from cliff.formatters import table as cliff_table
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from migabortclient.osc import _table

ASCII = st.text(alphabet=string.printable, max_size=12)
PLAIN = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126))
ANY_TEXT = st.text(max_size=8)  # non-ASCII, wide, control characters
CELL = st.one_of(
    PLAIN.map(lambda s: s[:14]),
    ASCII,
    ANY_TEXT,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, width=32),
    st.none(),
    st.booleans(),
)
HEADERS = st.lists(
    st.one_of(PLAIN.map(lambda s: s[:10]), ANY_TEXT),
    min_size=1,
    max_size=6,
    unique=True,
)
MAX_WIDTH = st.sampled_from([0, 0, 0, 12, 40, 200])


class _Upper(columns.FormattableColumn[str]):
    def human_readable(self) -> str:
        return str(self._value).upper()


def _args(max_width: int = 0, fit: bool = False, empty: bool = False) -> Any:
    return argparse.Namespace(
        max_width=max_width, fit_width=fit, print_empty=empty
    )


def _emit(formatter: Any, method: str, *args: Any) -> tuple[str, str | None]:
    out = io.StringIO()
    try:
        getattr(formatter, method)(*args[:-1], out, args[-1])
    except Exception as exc:  # the same failure from both, if any
        return out.getvalue(), type(exc).__name__
    return out.getvalue(), None


class TestSameBytesAsCliff(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        # cliff fits tables to a terminal when stdout is one; tests decide.
        self.stdout = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch("sys.stdout", self.stdout))

    def both(self, method: str, *args: Any) -> tuple[Any, Any]:
        ours = _emit(_table.TableFormatter(), method, *args)
        cliffs = _emit(cliff_table.TableFormatter(), method, *args)
        return ours, cliffs

    @settings(max_examples=300, deadline=None)
    @given(
        HEADERS.flatmap(
            lambda h: st.tuples(
                st.just(h),
                st.lists(
                    st.lists(CELL, min_size=len(h), max_size=len(h)),
                    max_size=5,
                ),
            )
        ),
        MAX_WIDTH,
        st.booleans(),
    )
    def test_lists(
        self, table: tuple[list[str], list[list[Any]]], width: int, empty: bool
    ) -> None:
        headers, rows = table
        ours, cliffs = self.both(
            "emit_list", headers, rows, _args(width, empty=empty)
        )
        self.assertIsNone(cliffs[1], cliffs)
        self.assertEqual(cliffs, ours)

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.tuples(st.one_of(PLAIN.map(lambda s: s[:16]), ANY_TEXT), CELL),
            max_size=8,
        ),
        MAX_WIDTH,
    )
    def test_single_items(
        self, items: list[tuple[str, Any]], width: int
    ) -> None:
        names = [name for name, _ in items]
        values = [value for _, value in items]
        ours, cliffs = self.both("emit_one", names, values, _args(width))
        self.assertIsNone(cliffs[1], cliffs)
        self.assertEqual(cliffs, ours)

    def test_migration_like_table_is_drawn_without_prettytable(self) -> None:
        headers = ["Id", "Status", "Memory", "Server"]
        rows = [
            (3, "running", _Upper("x"), "db-1"),
            (12, "queued", None, "web-10"),
        ]
        drawn = _table._plain(headers, rows, ["r", "l", "l", "l"], _args())
        self.assertIsNotNone(drawn)
        ours, cliffs = self.both("emit_list", headers, rows, _args())
        self.assertEqual(cliffs, ours)
        self.assertIn("|  3 | running | X      | db-1   |", ours[0])

    def test_what_needs_prettytable_goes_to_cliff(self) -> None:
        for headers, rows in (
            (["Name"], [("café",)]),  # non-ASCII
            (["Name"], [("two\nlines",)]),
            (["Name"], [("tab\there",)]),
            (["Name"], []),  # empty: cliff decides about --print-empty
            (["A", "A"], [(1, 2)]),  # duplicate headers: prettytable's error
            (["A", "B"], [(1,)]),  # short row: prettytable's error
        ):
            aligns = ["l"] * len(headers)
            self.assertIsNone(
                _table._plain(headers, rows, aligns, _args()), (headers, rows)
            )
            ours, cliffs = self.both("emit_list", headers, rows, _args())
            self.assertEqual(cliffs, ours)

    def test_too_wide_for_max_width_goes_to_cliff(self) -> None:
        headers = ["Id", "Description"]
        rows = [(1, "x" * 60)]
        self.assertIsNone(_table._plain(headers, rows, ["r", "l"], _args(30)))
        ours, cliffs = self.both("emit_list", headers, rows, _args(30))
        self.assertEqual(cliffs, ours)
        self.assertLessEqual(max(map(len, ours[0].splitlines())), 30)

    def test_terminal_fitting_is_cliffs(self) -> None:
        # On a terminal cliff shrinks tables wider than it; one that fits
        # is drawn here, one that does not goes to cliff.
        self.useFixture(
            fixtures.MonkeyPatch("sys.stdout.isatty", lambda: True)
        )
        self.useFixture(
            fixtures.MonkeyPatch("cliff.utils.terminal_width", lambda: 40)
        )
        narrow = (["Id", "Status"], [(1, "running")])
        wide = (["Id", "Status"], [(1, "running " * 8)])
        self.assertIsNotNone(_table._plain(*narrow, ["r", "l"], _args()))
        self.assertIsNone(_table._plain(*wide, ["r", "l"], _args()))
        for headers, rows in (narrow, wide):
            ours, cliffs = self.both("emit_list", headers, rows, _args())
            self.assertEqual(cliffs, ours)


class TestInstall(testtools.TestCase):
    def test_replaces_only_cliffs_own_table_formatter(self) -> None:
        class Ext:
            def __init__(self, name: str, obj: Any) -> None:
                self.name = name
                self.obj = obj

        class OtherTable(cliff_table.TableFormatter):
            pass

        cliffs = Ext("table", cliff_table.TableFormatter())
        other = Ext("table", OtherTable())
        json_ext = Ext("json", object())
        _table.install([cliffs, json_ext])
        _table.install([other])
        self.assertIs(type(cliffs.obj), _table.TableFormatter)
        self.assertIs(type(other.obj), OtherTable)
        self.assertIsNot(type(json_ext.obj), _table.TableFormatter)

    def test_ascii_table_does_not_import_wcwidth(self) -> None:
        code = (
            "import io, sys, argparse\n"
            "from migabortclient.osc import _table\n"
            "args = argparse.Namespace(max_width=0, fit_width=False, "
            "print_empty=False)\n"
            "out = io.StringIO()\n"
            "_table.TableFormatter().emit_list(['Id', 'Status'], "
            "[(1, 'running')], out, args)\n"
            "assert out.getvalue().startswith('+----+'), out.getvalue()\n"
            "print('wcwidth' in sys.modules)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        self.assertEqual("False", proc.stdout.strip(), proc.stderr)
