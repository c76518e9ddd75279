"""Compute API microversions: the value type, parsing and negotiation.

A client speaks one microversion for its whole life: either the one the
user pinned, or the newest that both this library and the server
support, read once from the endpoint's version document.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from migabortclient import exceptions

_VERSION_RE: Final = re.compile(r"^([1-9][0-9]*)\.(0|[1-9][0-9]*)$")
# Spellings that mean "the newest version both sides support".
NEGOTIATE: Final = frozenset({"auto", "latest", "2", "2.latest"})


@functools.total_ordering
class APIVersion:
    """A compute API microversion such as ``2.65``; comparable, hashable.

    ``APIVersion("2.65")`` and ``APIVersion(2, 65)`` are the same, as in
    python-novaclient; a malformed string raises ``ValidationError``.
    """

    __slots__ = ("ver_major", "ver_minor")
    ver_major: int
    ver_minor: int

    def __init__(self, major: str | int, minor: int | None = None) -> None:
        if isinstance(major, str):
            if minor is not None:
                raise TypeError("give APIVersion('2.65') or APIVersion(2, 65)")
            match = _VERSION_RE.match(major.strip())
            if match is None:
                raise exceptions.ValidationError(
                    f"Compute API version {major!r} is of invalid format; "
                    "it must be MajorNum.MinorNum, such as 2.65."
                )
            self.ver_major = int(match.group(1))
            self.ver_minor = int(match.group(2))
        else:
            self.ver_major = int(major)
            self.ver_minor = int(minor or 0)
            if self.ver_major < 0 or self.ver_minor < 0:
                raise exceptions.ValidationError(
                    f"Compute API version {major}.{minor} is negative."
                )

    @classmethod
    def from_string(cls, text: str) -> APIVersion:
        """Parse ``"2.65"``; anything else raises ``ValidationError``."""
        return cls(text)

    @classmethod
    def from_tuple(cls, value: tuple[int | float, ...]) -> APIVersion:
        return cls(int(value[0]), int(value[1]) if len(value) > 1 else 0)

    def as_tuple(self) -> tuple[int, int]:
        return (self.ver_major, self.ver_minor)

    def get_string(self) -> str:
        """The version as a header value, ``"2.65"``."""
        return f"{self.ver_major}.{self.ver_minor}"

    def __str__(self) -> str:
        return self.get_string()

    def __repr__(self) -> str:
        return f"APIVersion('{self.get_string()}')"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, APIVersion):
            return NotImplemented
        return self.as_tuple() == other.as_tuple()

    def __lt__(self, other: APIVersion) -> bool:
        if not isinstance(other, APIVersion):
            return NotImplemented
        return self.as_tuple() < other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def matches(self, minimum: APIVersion, maximum: APIVersion) -> bool:
        """True when ``minimum <= self <= maximum``."""
        return minimum <= self <= maximum


MIN_VERSION: Final = APIVersion(2, 1)
# Nova 34.0.0's maximum; newer servers are spoken to at this version.
MAX_VERSION: Final = APIVersion(2, 104)


def parse_requested(text: str | APIVersion | None) -> APIVersion | None:
    """What the user asked for: a pinned version, or None to negotiate.

    ``"auto"``, ``"latest"``, ``"2"`` and ``"2.latest"`` negotiate; a
    malformed string raises ``ValidationError`` and a well-formed one
    outside what this library speaks raises ``UnsupportedVersion``.
    """
    if text is None:
        return None
    if isinstance(text, APIVersion):
        version = text
    elif not isinstance(text, str):
        raise exceptions.ValidationError(
            f"A compute API version is a string such as '2.65' or 'auto', "
            f"not {text!r}."
        )
    else:
        value = text.strip().lower()
        if value in NEGOTIATE:
            return None
        version = APIVersion.from_string(value)
    if not version.matches(MIN_VERSION, MAX_VERSION):
        raise exceptions.UnsupportedVersion(
            f"Compute API version {version} is not supported by "
            f"migabortclient: it speaks {MIN_VERSION} to {MAX_VERSION}."
        )
    return version


def negotiate(server_min: APIVersion, server_max: APIVersion) -> APIVersion:
    """The newest version both this library and the server support."""
    if server_max < MIN_VERSION or server_min > MAX_VERSION:
        raise exceptions.UnsupportedVersion(
            f"The server supports compute API {server_min} to "
            f"{server_max}; migabortclient needs a version between "
            f"{MIN_VERSION} and {MAX_VERSION}."
        )
    return min(server_max, MAX_VERSION)
