"""Typed, frozen models of Nova's migration resources.

Parsing from JSON happens here and only here. Keys a microversion does
not return are ``None``; keys this library does not know are ignored,
so a newer Nova never breaks parsing. Timestamps are timezone-aware UTC
datetimes (Nova sends them without a zone, in UTC).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any
from typing import Final

from migabortclient import exceptions

# Live migration statuses that mean "still going".
IN_PROGRESS: Final = frozenset(
    {
        "queued",
        "preparing",
        "running",
        "running (post-copy)",
        "post-migrating",
    }
)
# Statuses from which Nova accepts an abort (queued/preparing from 2.65).
ABORTABLE: Final = frozenset({"queued", "preparing", "running"})
# Where a migration ends.
FINAL: Final = frozenset(
    {"completed", "cancelled", "failed", "error", "done", "confirmed"}
)


def parse_time(value: Any) -> datetime.datetime | None:
    """Nova's ``2026-11-24T00:19:04.365551`` (UTC, often zoneless)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise exceptions.InvalidResponse(
            f"Expected a timestamp, got {value!r}"
        )
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise exceptions.InvalidResponse(
            f"Expected a timestamp, got {value!r}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise exceptions.InvalidResponse(f"Expected a number, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise exceptions.InvalidResponse(
            f"Expected a number, got {value!r}"
        ) from None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _require(data: Mapping[str, Any], key: str, kind: str) -> Any:
    if key not in data or data[key] is None:
        raise exceptions.InvalidResponse(f"{kind} without {key!r}: {data!r}")
    return data[key]


def _require_int(data: Mapping[str, Any], key: str, kind: str) -> int:
    value = _int(_require(data, key, kind))
    if value is None:  # pragma: no cover - _require refused None
        raise exceptions.InvalidResponse(f"{kind} without {key!r}")
    return value


def _mapping(data: Any, kind: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise exceptions.InvalidResponse(f"Expected a {kind}, got {data!r}")
    return data


def _migration_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """The keys server migrations and os-migrations items share."""
    return {
        "source_compute": _str(item.get("source_compute")),
        "source_node": _str(item.get("source_node")),
        "dest_compute": _str(item.get("dest_compute")),
        "dest_host": _str(item.get("dest_host")),
        "dest_node": _str(item.get("dest_node")),
        "created_at": parse_time(item.get("created_at")),
        "updated_at": parse_time(item.get("updated_at")),
        "uuid": _str(item.get("uuid")),
        "user_id": _str(item.get("user_id")),
        "project_id": _str(item.get("project_id")),
    }


class _Model:
    """Equality, hashing and repr for the models, written once.

    ``dataclasses`` would compile these for every model at import; that
    was most of this module's import time, paid by every CLI run. Same
    semantics: equal when of the same class with equal compared fields.
    """

    __slots__ = ()

    def _compared(self) -> tuple[Any, ...]:
        return tuple(
            getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.compare
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(
            other, _Model
        ):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.repr
        )
        return f"{type(self).__qualname__}({shown})"


@dataclasses.dataclass(frozen=True, slots=True, eq=False, repr=False)
class ServerMigration(_Model):
    """An in-progress live migration of a server (2.23+)."""

    #: Migration id, used in the URLs.
    id: int
    #: The server being migrated.
    server_uuid: str
    #: queued, preparing, running, post-migrating, ...
    status: str
    #: Source host; None when policy hides hosts (``index:host``).
    source_compute: str | None = None
    source_node: str | None = None
    dest_compute: str | None = None
    dest_host: str | None = None
    dest_node: str | None = None
    #: Byte counters: None until the hypervisor reports them.
    memory_total_bytes: int | None = None
    memory_processed_bytes: int | None = None
    memory_remaining_bytes: int | None = None
    disk_total_bytes: int | None = None
    disk_processed_bytes: int | None = None
    disk_remaining_bytes: int | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    #: Since 2.59.
    uuid: str | None = None
    #: Since 2.80.
    user_id: str | None = None
    #: Since 2.80.
    project_id: str | None = None
    #: The request that returned this reading.
    request_id: str | None = dataclasses.field(default=None, compare=False)

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @classmethod
    def from_api(
        cls, data: Any, request_id: str | None = None
    ) -> ServerMigration:
        item = _mapping(data, "server migration")
        return cls(
            id=_require_int(item, "id", "server migration"),
            server_uuid=str(_require(item, "server_uuid", "server migration")),
            status=str(_require(item, "status", "server migration")),
            memory_total_bytes=_int(item.get("memory_total_bytes")),
            memory_processed_bytes=_int(item.get("memory_processed_bytes")),
            memory_remaining_bytes=_int(item.get("memory_remaining_bytes")),
            disk_total_bytes=_int(item.get("disk_total_bytes")),
            disk_processed_bytes=_int(item.get("disk_processed_bytes")),
            disk_remaining_bytes=_int(item.get("disk_remaining_bytes")),
            **_migration_fields(item),
            request_id=request_id,
        )

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclasses.dataclass(frozen=True, slots=True, eq=False, repr=False)
class Migration(_Model):
    """A migration of any kind, from ``/os-migrations``."""

    id: int
    status: str
    instance_uuid: str | None = None
    #: live-migration, migration (cold), resize or evacuation (2.23+).
    migration_type: str | None = None
    source_compute: str | None = None
    source_node: str | None = None
    dest_compute: str | None = None
    dest_host: str | None = None
    dest_node: str | None = None
    old_instance_type_id: int | None = None
    new_instance_type_id: int | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    #: Since 2.59.
    uuid: str | None = None
    #: Since 2.80.
    user_id: str | None = None
    #: Since 2.80.
    project_id: str | None = None
    request_id: str | None = dataclasses.field(default=None, compare=False)

    @property
    def server_uuid(self) -> str | None:
        """The same as ``instance_uuid``, under the server-migration name."""
        return self.instance_uuid

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @classmethod
    def from_api(cls, data: Any, request_id: str | None = None) -> Migration:
        item = _mapping(data, "migration")
        return cls(
            id=_require_int(item, "id", "migration"),
            status=str(_require(item, "status", "migration")),
            instance_uuid=_str(item.get("instance_uuid")),
            migration_type=_str(item.get("migration_type")),
            old_instance_type_id=_int(item.get("old_instance_type_id")),
            new_instance_type_id=_int(item.get("new_instance_type_id")),
            **_migration_fields(item),
            request_id=request_id,
        )

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclasses.dataclass(frozen=True, slots=True, eq=False, repr=False)
class Server(_Model):
    """What this library needs to know of a server."""

    id: str
    name: str | None = None
    status: str | None = None
    #: ``OS-EXT-STS:task_state``, e.g. ``migrating``.
    task_state: str | None = None
    #: ``OS-EXT-SRV-ATTR:host``: visible to admins only by default.
    host: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    request_id: str | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def from_api(cls, data: Any, request_id: str | None = None) -> Server:
        item = _mapping(data, "server")
        return cls(
            id=str(_require(item, "id", "server")),
            name=_str(item.get("name")),
            status=_str(item.get("status")),
            task_state=_str(item.get("OS-EXT-STS:task_state")),
            host=_str(item.get("OS-EXT-SRV-ATTR:host")),
            project_id=_str(item.get("tenant_id")),
            user_id=_str(item.get("user_id")),
            request_id=request_id,
        )

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclasses.dataclass(frozen=True, slots=True, eq=False, repr=False)
class ActionEvent(_Model):
    """One step of an instance action, as the compute host recorded it."""

    event: str
    start_time: datetime.datetime | None = None
    finish_time: datetime.datetime | None = None
    #: Success or Error; None while the step runs.
    result: str | None = None
    #: Only for admins.
    traceback: str | None = None
    #: Since 2.62.
    host: str | None = None
    host_id: str | None = None
    #: Since 2.84, for admins: the failure in one line.
    details: str | None = None

    @classmethod
    def from_api(cls, data: Any) -> ActionEvent:
        item = _mapping(data, "instance action event")
        return cls(
            event=str(_require(item, "event", "instance action event")),
            start_time=parse_time(item.get("start_time")),
            finish_time=parse_time(item.get("finish_time")),
            result=_str(item.get("result")),
            traceback=_str(item.get("traceback")),
            host=_str(item.get("host")),
            host_id=_str(item.get("hostId")),
            details=_str(item.get("details")),
        )

    @property
    def failed(self) -> bool:
        return (self.result or "").lower() in ("error", "failed")


@dataclasses.dataclass(frozen=True, slots=True, eq=False, repr=False)
class InstanceAction(_Model):
    """A server's instance action (``os-instance-actions``)."""

    action: str
    request_id: str
    instance_uuid: str | None = None
    user_id: str | None = None
    project_id: str | None = None
    start_time: datetime.datetime | None = None
    #: Since 2.58.
    updated_at: datetime.datetime | None = None
    #: "Error" when a step failed.
    message: str | None = None
    #: Only from ``get``; ``list`` leaves it empty.
    events: tuple[ActionEvent, ...] = ()

    @classmethod
    def from_api(cls, data: Any) -> InstanceAction:
        item = _mapping(data, "instance action")
        raw_events = item.get("events") or ()
        if not isinstance(raw_events, list | tuple):
            raise exceptions.InvalidResponse(
                f"Expected a list of events, got {raw_events!r}"
            )
        return cls(
            action=str(_require(item, "action", "instance action")),
            request_id=str(_require(item, "request_id", "instance action")),
            instance_uuid=_str(item.get("instance_uuid")),
            user_id=_str(item.get("user_id")),
            project_id=_str(item.get("project_id")),
            start_time=parse_time(item.get("start_time")),
            updated_at=parse_time(item.get("updated_at")),
            message=_str(item.get("message")),
            events=tuple(ActionEvent.from_api(e) for e in raw_events),
        )

    @property
    def failed_events(self) -> tuple[ActionEvent, ...]:
        return tuple(e for e in self.events if e.failed)


@dataclasses.dataclass(frozen=True, slots=True, eq=False, repr=False)
class Outcome(_Model):
    """How a live migration ended, read after an abort or force-complete.

    ``status`` is the migration's final status (``completed``,
    ``cancelled``, ``failed``, ``error``), or None when the migration
    could not be found any more.
    """

    migration_id: int
    status: str | None
    #: The last reading of the migration, if any.
    migration: Migration | ServerMigration | None = None
    #: The matching ``live_migration_cancel`` or
    #: ``live_migration_force_complete`` action, with its events.
    action: InstanceAction | None = None
    #: The server after the migration ended.
    server: Server | None = None

    @property
    def events(self) -> tuple[ActionEvent, ...]:
        return self.action.events if self.action is not None else ()

    @property
    def succeeded(self) -> bool:
        """The action recorded no failed step."""
        return not any(e.failed for e in self.events)


def _to_dict(model: Any) -> dict[str, Any]:
    data = dataclasses.asdict(model)
    for key, value in data.items():
        if isinstance(value, datetime.datetime):
            data[key] = value.isoformat()
    return data
