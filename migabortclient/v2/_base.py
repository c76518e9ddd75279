"""What every manager shares: the HTTP client and argument checks."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from typing import Any
from typing import Final
from typing import Protocol
from typing import TypeAlias
from urllib import parse

from migabortclient import exceptions
from migabortclient.api_versions import APIVersion

if TYPE_CHECKING:
    from migabortclient import _http

# Nova's migration ids are database integers (signed 32-bit).
MAX_MIGRATION_ID: Final = 2**31 - 1


class HasId(Protocol):
    @property
    def id(self) -> Any: ...


#: A server: its UUID, or any object with ``.id`` (a model, an sdk Server).
ServerRef: TypeAlias = "str | HasId"
#: A migration: an int id, a numeric string, a UUID (2.59+), or an
#: object with ``.id``.
MigrationRef: TypeAlias = "int | str | HasId"


def version(text: str) -> APIVersion:
    return APIVersion.from_string(text)


class Manager:
    def __init__(self, http: _http.HTTPClient) -> None:
        self.http = http

    @property
    def api_version(self) -> APIVersion:
        return self.http.api_version


def server_id(server: ServerRef) -> str:
    """The server's id from a UUID string or an object with ``.id``."""
    value = server if isinstance(server, str) else getattr(server, "id", None)
    if not isinstance(value, str) or not value.strip():
        raise exceptions.ValidationError(
            f"A server must be given by its ID, not {server!r}."
        )
    value = value.strip()
    if (
        value in (".", "..")
        or any(ch in value for ch in "/?#%")
        or any(ord(ch) < 32 for ch in value)
    ):
        # "." and ".." would be collapsed into another URL on the way.
        raise exceptions.ValidationError(
            f"{value!r} is not a server ID (IDs have no '/', '?', '#' or "
            "'%'); look servers up by name with servers.find()."
        )
    return value


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def migration_ref(migration: MigrationRef) -> int | str:
    """An int id (checked), or a UUID string to be resolved by the caller."""
    value: Any = migration
    if not isinstance(value, int | str):
        value = getattr(migration, "id", None)
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) and is_uuid(text):
            # Nova compares UUIDs as stored: canonical and lower case.
            return str(uuid.UUID(text))
        if not text.isascii() or not text.isdigit():
            raise exceptions.ValidationError(
                f"A migration is given by its numeric ID or its UUID, not "
                f"{value!r}."
            )
        value = int(text)
    if not isinstance(value, int):
        raise exceptions.ValidationError(
            f"A migration is given by its numeric ID or its UUID, not "
            f"{migration!r}."
        )
    if not 1 <= value <= MAX_MIGRATION_ID:
        raise exceptions.ValidationError(
            f"Migration ID {value} is out of range: IDs are between 1 and "
            f"{MAX_MIGRATION_ID}."
        )
    return value


def quote(value: str) -> str:
    """A path segment, fully escaped."""
    return parse.quote(value, safe="")
