"""Pure formatting and progress logic shared by the CLI commands.

Tables show human units ("1.5 GiB", "42%"); json, yaml, csv and value
show the raw numbers. cliff does that split for us through
``FormattableColumn``: ``human_readable()`` for tables,
``machine_readable()`` for everything else.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
from typing import Any

from cliff import columns

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_bytes(value: int | float | None) -> str:
    """``1610612736`` -> ``"1.5 GiB"``; None -> ``""``."""
    if value is None:
        return ""
    size = float(value)
    for unit in _UNITS:
        if abs(size) < 1024 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{int(size)} B"
            return f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def percent_done(total: int | None, remaining: int | None) -> float | None:
    """Share already transferred, 0..100, or None when unknown."""
    if total is None or remaining is None or total <= 0:
        return None
    done = (total - remaining) / total * 100
    return max(0.0, min(100.0, done))


def human_percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}%"


def human_duration(seconds: float | None) -> str:
    """``3725`` -> ``"1h 02m 05s"``; None -> ``""``."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def human_rate(bytes_per_second: float | None) -> str:
    if bytes_per_second is None:
        return ""
    return f"{human_bytes(bytes_per_second)}/s"


class BytesColumn(columns.FormattableColumn[int | None]):
    """A byte counter: human units in tables, the integer elsewhere."""

    def human_readable(self) -> str:
        return human_bytes(self._value)

    def machine_readable(self) -> int | None:
        return self._value


class DateTimeColumn(columns.FormattableColumn[Any]):
    """Nova's zone-less ISO timestamp, as Nova sends it."""

    def human_readable(self) -> str:
        return iso(self._value)

    def machine_readable(self) -> str | None:
        return None if self._value is None else iso(self._value)


def iso(value: Any) -> str:
    """Nova's own timestamp text (naive UTC, microseconds), as OSC shows."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return str(value.strftime("%Y-%m-%dT%H:%M:%S.%f"))
    return str(value)


@dataclasses.dataclass(frozen=True)
class Progress:
    """One observation of a running live migration, derived for display."""

    memory_percent: float | None
    disk_percent: float | None
    rate: float | None
    elapsed: float | None
    eta: float | None
    converging: bool


class ConvergenceTracker:
    """Decide whether a live migration is converging.

    A migration converges when the memory still to copy shrinks. Dirty
    pages can outpace the link, so remaining memory plateaus or grows: if
    it has not dropped below the value seen ``window`` seconds ago, the
    migration is "not converging" and will not finish on its own.
    """

    def __init__(self, window: float = 30.0) -> None:
        if window <= 0:
            raise ValueError("window must be positive")
        self.window = window
        self._samples: collections.deque[tuple[float, int, int]] = (
            collections.deque()
        )

    def add(
        self, now: float, remaining: int | None, processed: int | None
    ) -> None:
        if remaining is None:
            return
        self._samples.append((now, remaining, processed or 0))
        # Keep one sample older than the window as the reference point.
        while len(self._samples) > 2 and self._samples[1][0] <= now - (
            self.window
        ):
            self._samples.popleft()

    def converging(self) -> bool:
        """False only once a full window shows no shrinking."""
        if len(self._samples) < 2:
            return True
        first_t, first_rem, _ = self._samples[0]
        last_t, _, _ = self._samples[-1]
        if last_t - first_t < self.window:
            return True
        lowest = min(rem for _, rem, _ in list(self._samples)[1:])
        return lowest < first_rem

    def rate(self) -> float | None:
        """Bytes per second processed over the samples held."""
        if len(self._samples) < 2:
            return None
        first_t, _, first_p = self._samples[0]
        last_t, _, last_p = self._samples[-1]
        if last_t <= first_t:
            return None
        return max(0.0, (last_p - first_p) / (last_t - first_t))

    def eta(self) -> float | None:
        """Seconds until remaining memory reaches zero at the shrink rate."""
        if len(self._samples) < 2 or not self.converging():
            return None
        first_t, first_rem, _ = self._samples[0]
        last_t, last_rem, _ = self._samples[-1]
        shrink = (first_rem - last_rem) / max(last_t - first_t, 1e-9)
        if shrink <= 0:
            return None
        return last_rem / shrink


def progress_bar(percent: float | None, width: int = 30) -> str:
    """``[##########----------]`` for a TTY."""
    share = (percent or 0.0) / 100
    filled = round(share * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"
