"""Fault injection for the reference Nova, per route (method + path regex)."""

from __future__ import annotations

import dataclasses
import re
import threading

KINDS = (
    "status",
    "latency",
    "drop",
    "truncate",
    "html",
    "content_type",
)


@dataclasses.dataclass
class Fault:
    method: str
    path_regex: re.Pattern[str]
    status: int | None = None
    count: int | None = 1  # None: every matching request, forever
    retry_after: int | None = None
    latency: float = 0.0
    drop: bool = False
    truncate: bool = False
    html: bool = False
    content_type: str | None = None
    # Status faults answer before Nova runs the request (a proxy or a
    # rate limiter in front of it); ``after`` runs it first (Nova acted,
    # then the answer broke), as ``drop_after`` does for a dropped reply.
    after: bool = False
    drop_after: bool = False
    hits: int = 0

    @property
    def drops(self) -> bool:
        return self.drop or self.drop_after

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method.upper()):
            return False
        return self.path_regex.search(path) is not None


class Faults:
    """The injected faults; thread-safe.

    A fault matches when the method is equal (or ``"*"``) and the regex
    searches the request path (without the query string).  Each match uses
    one of ``count`` shots; ``count=None`` never runs out.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        # Set when the server stops, to cut injected latency short.
        self.stopping = threading.Event()

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int | None = None,
        count: int | None = 1,
        retry_after: int | None = None,
        latency: float = 0.0,
        drop: bool = False,
        truncate: bool = False,
        html: bool = False,
        content_type: str | None = None,
        after: bool = False,
        drop_after: bool = False,
    ) -> Fault:
        if status is None and not (
            latency or drop or drop_after or truncate or html or content_type
        ):
            raise ValueError("a fault needs a status or a behaviour")
        if drop and drop_after:
            raise ValueError("drop and drop_after exclude each other")
        fault = Fault(
            method=method.upper(),
            path_regex=re.compile(path_regex),
            status=status,
            count=count,
            retry_after=retry_after,
            latency=float(latency),
            drop=drop,
            truncate=truncate,
            html=html,
            content_type=content_type,
            after=after,
            drop_after=drop_after,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one shot of the first live fault matching the request."""
        with self._lock:
            for fault in self._faults:
                if fault.count is not None and fault.hits >= fault.count:
                    continue
                if fault.drops:
                    # Drops are taken by the server, around the app.
                    continue
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
            return None

    def peek_drop(self, method: str, path: str) -> Fault | None:
        """Consume a matching drop fault, if the first match is one."""
        with self._lock:
            for fault in self._faults:
                if fault.count is not None and fault.hits >= fault.count:
                    continue
                if fault.matches(method, path):
                    if fault.drops:
                        fault.hits += 1
                        return fault
                    return None
            return None
