"""cliff's table output, without measuring Unicode widths when all is ASCII.

cliff draws tables with prettytable, which measures every cell with
wcwidth; importing wcwidth and measuring take about 6 % of the instructions
of a ``migabort server migration list`` run. Migration tables are
printable ASCII, where every character is one column wide: for those this
formatter draws the same bytes as prettytable (the unit tests compare the
two on generated tables). Anything else goes to cliff's own formatter:
non-ASCII or multi-line cells, control characters, rows of the wrong
length, and tables that cliff would shrink to ``--max-width`` or to the
terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any
from typing import TextIO

from cliff import columns
from cliff import utils
from cliff.formatters import table as cliff_table


def _text(value: Any) -> str | None:
    """The cell as prettytable prints it, or None if not plain ASCII."""
    if isinstance(value, columns.FormattableColumn):
        value = value.human_readable()
    if isinstance(value, str):
        # As cliff: CR LF becomes a line break (then refused below).
        value = value.replace("\r\n", "\n").replace("\r", " ")
    text = str(value)
    if text.isascii() and text.isprintable():
        return text
    return None


def _fits(width: int, parsed_args: argparse.Namespace) -> bool:
    """Whether cliff would print the table at its natural ``width``."""
    max_width = int(parsed_args.max_width)
    if max_width > 0:
        return width <= max_width
    fit = bool(parsed_args.fit_width)
    if os.name != "nt":
        fit = sys.stdout.isatty() or fit
    if not fit:
        return True
    term_width = utils.terminal_width()
    return not term_width or width <= term_width


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    aligns: Sequence[str],
) -> str:
    """A framed table with one-space padding, as prettytable draws it."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(cells: Sequence[str]) -> str:
        padded = (
            f" {c.rjust(w) if a == 'r' else c.ljust(w)} "
            for c, w, a in zip(cells, widths, aligns, strict=True)
        )
        return "|" + "|".join(padded) + "|"

    return "\n".join([rule, line(headers), rule, *map(line, rows), rule])


def _plain(
    headers: Sequence[str],
    raw_rows: Sequence[Sequence[Any]],
    aligns: Sequence[str],
    parsed_args: argparse.Namespace,
) -> str | None:
    if not raw_rows or len(set(headers)) != len(headers):
        return None
    if not all(isinstance(h, str) and h.isascii() for h in headers):
        return None
    if not all(h.isprintable() for h in headers):
        return None
    if any(a not in ("l", "r") for a in aligns):
        return None
    rows: list[list[str]] = []
    for raw in raw_rows:
        if len(raw) != len(headers):
            return None  # cliff's formatter raises prettytable's error
        texts = [_text(value) for value in raw]
        if None in texts:
            return None
        rows.append([t for t in texts if t is not None])
    table = render(headers, rows, aligns)
    if not _fits(table.index("\n"), parsed_args):
        return None
    return table


class TableFormatter(cliff_table.TableFormatter):
    """cliff's ``table`` formatter, drawing plain-ASCII tables itself."""

    def emit_list(
        self,
        column_names: Sequence[str],
        data: Iterable[Sequence[Any]],
        stdout: TextIO,
        parsed_args: argparse.Namespace,
    ) -> None:
        rows = [tuple(row) for row in data]
        # cliff aligns each column by the type of its first value.
        aligns = [
            self.ALIGNMENTS.get(type(value), "l")
            for value in (rows[0] if rows else ())
        ]
        table = _plain(column_names, rows, aligns, parsed_args)
        if table is None:
            super().emit_list(column_names, rows, stdout, parsed_args)
            return
        stdout.write(table)
        stdout.write("\n")

    def emit_one(
        self,
        column_names: Sequence[str],
        data: Sequence[Any],
        stdout: TextIO,
        parsed_args: argparse.Namespace,
    ) -> None:
        rows = list(zip(column_names, data, strict=False))
        table = _plain(("Field", "Value"), rows, ("l", "l"), parsed_args)
        if table is None:
            super().emit_one(column_names, data, stdout, parsed_args)
            return
        stdout.write(table)
        stdout.write("\n")


def install(manager: Any) -> None:
    """Use this formatter for ``table`` if that is cliff's own."""
    for extension in manager:
        if extension.name == "table" and (
            type(extension.obj) is cliff_table.TableFormatter
        ):
            extension.obj = TableFormatter()
