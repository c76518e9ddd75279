"""The simulated cloud behind the reference Nova: hosts, servers, migrations.

All state lives behind one lock.  Time is read from a :class:`Clock`; the
live-migration lifecycle is computed lazily up to the clock's current time
whenever the state is read or changed, so nothing here ever sleeps.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

MIB = 1024 * 1024
GIB = 1024 * MIB

EPOCH = datetime.datetime(2026, 1, 1, 12, 0, 0)

# Statuses in which the API treats a live migration as in progress.
IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")
TERMINAL = ("completed", "cancelled", "failed", "error")

# Simulated durations, in clock seconds.
QUEUED_S = 1.0  # minimum time in "queued" even when a slot is free
PREPARING_S = 2.0  # pre_live_migration on the destination
ROLLBACK_S = 1.0  # rollback after an abort of a running migration
MONITOR_S = 1.0  # the hypervisor monitor's reporting interval
DOWNTIME_S = 0.5  # switch-over once remaining memory fits this window


class Clock:
    """A manual clock: tests move it with :meth:`advance`."""

    def __init__(self, start: datetime.datetime = EPOCH) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._start = start

    def seconds(self) -> float:
        """Seconds elapsed since the clock's start."""
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        with self._lock:
            self._offset += float(seconds)

    def now(self) -> datetime.datetime:
        return self.at(self.seconds())

    def at(self, seconds: float) -> datetime.datetime:
        return self._start + datetime.timedelta(seconds=seconds)


class RealTimeClock(Clock):
    """Follows wall time, optionally accelerated by ``speed``."""

    def __init__(self, speed: float = 1.0) -> None:
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        super().__init__(start=now)
        self._t0 = time.monotonic()
        self._speed = speed

    def seconds(self) -> float:
        real = (time.monotonic() - self._t0) * self._speed
        with self._lock:
            return real + self._offset


def isotime(value: datetime.datetime | None) -> str | None:
    """Nova's naive timestamp format, with microseconds."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


@dataclasses.dataclass
class User:
    id: str
    name: str
    password: str
    project_id: str
    roles: list[str]


@dataclasses.dataclass
class Project:
    id: str
    name: str


@dataclasses.dataclass
class Host:
    name: str
    bandwidth_mib_s: float = 1000.0
    max_concurrent: int = 1
    supports_abort: bool = True
    supports_post_copy: bool = False
    ip: str = "192.0.2.10"

    @property
    def node(self) -> str:
        return f"{self.name}.local"


@dataclasses.dataclass
class Server:
    id: str
    name: str
    host: str
    project_id: str
    user_id: str
    memory_mib: int = 2048
    dirty_rate_mib_s: float = 0.0
    disk_gib: int = 0
    locked: bool = False
    vm_state: str = "active"
    task_state: str | None = None
    flavor_id: int = 1
    created_at: datetime.datetime = EPOCH
    updated_at: datetime.datetime = EPOCH
    launched: bool = True

    @property
    def status(self) -> str:
        if self.task_state == "migrating" and self.vm_state in (
            "active",
            "paused",
        ):
            return "MIGRATING"
        return {
            "active": "ACTIVE",
            "paused": "PAUSED",
            "stopped": "SHUTOFF",
            "error": "ERROR",
            "building": "BUILD",
            "suspended": "SUSPENDED",
        }.get(self.vm_state, self.vm_state.upper())


@dataclasses.dataclass
class Migration:
    id: int
    uuid: str
    instance_uuid: str
    migration_type: str
    status: str
    source_compute: str
    dest_compute: str | None
    user_id: str
    project_id: str
    created_at: datetime.datetime
    updated_at: datetime.datetime | None
    old_instance_type_id: int = 1
    new_instance_type_id: int = 1
    source_node: str | None = None
    dest_node: str | None = None
    dest_host: str | None = None
    memory_total_bytes: int | None = None
    memory_processed_bytes: int | None = None
    memory_remaining_bytes: int | None = None
    disk_total_bytes: int | None = None
    disk_processed_bytes: int | None = None
    disk_remaining_bytes: int | None = None
    hidden: bool = False
    # Simulation bookkeeping (clock seconds).
    phase_since: float = 0.0
    next_tick: float = 0.0
    force: str | None = None  # "post-copy" or "pause" once forced
    rollback_at: float | None = None
    action_request_id: str | None = None


@dataclasses.dataclass
class ActionEvent:
    event: str
    start_time: datetime.datetime
    finish_time: datetime.datetime | None = None
    result: str | None = None
    traceback: str | None = None
    host: str | None = None
    details: str | None = None


@dataclasses.dataclass
class InstanceAction:
    action: str
    instance_uuid: str
    request_id: str
    user_id: str
    project_id: str
    start_time: datetime.datetime
    updated_at: datetime.datetime
    message: str | None = None
    events: list[ActionEvent] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Notification:
    event_type: str
    payload: dict[str, Any]
    timestamp: str


class Cloud:
    """The state handle; every public method is thread-safe."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.auto_advance = 0.0
        self.hosts: dict[str, Host] = {}
        self.servers: dict[str, Server] = {}
        self.migrations: dict[int, Migration] = {}
        self.actions: list[InstanceAction] = []
        self.notifications: list[Notification] = []
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self._next_mid = 1
        # When each host last freed a live-migration slot (clock seconds).
        self._freed: dict[str, float] = {}
        self.add_project("demo")
        self.add_project("other")
        for name, roles in (
            ("admin", ["admin", "manager", "member", "reader"]),
            ("manager", ["manager", "member", "reader"]),
            ("member", ["member", "reader"]),
            ("reader", ["reader"]),
        ):
            self.add_user(name, "demo", roles)
        self.add_user(
            "other-admin", "other", ["admin", "manager", "member", "reader"]
        )

    # -- identities ---------------------------------------------------------
    def add_project(self, name: str) -> Project:
        with self.lock:
            project = Project(id=uuid.uuid4().hex, name=name)
            self.projects[project.id] = project
            return project

    def project_by_name(self, name: str) -> Project | None:
        with self.lock:
            for project in self.projects.values():
                if project.name == name:
                    return project
            return None

    def add_user(
        self,
        name: str,
        project: str,
        roles: list[str],
        password: str | None = None,
    ) -> User:
        with self.lock:
            proj = self.project_by_name(project) or self.add_project(project)
            user = User(
                id=uuid.uuid4().hex,
                name=name,
                password=password or f"{name}-password",
                project_id=proj.id,
                roles=list(roles),
            )
            self.users[name] = user
            return user

    # -- inventory ----------------------------------------------------------
    def add_host(
        self,
        name: str,
        bandwidth_mib_s: float = 1000.0,
        max_concurrent: int = 1,
        supports_abort: bool = True,
        supports_post_copy: bool = False,
    ) -> Host:
        with self.lock:
            index = len(self.hosts) + 10
            host = Host(
                name=name,
                bandwidth_mib_s=float(bandwidth_mib_s),
                max_concurrent=max_concurrent,
                supports_abort=supports_abort,
                supports_post_copy=supports_post_copy,
                ip=f"192.0.2.{index}",
            )
            self.hosts[name] = host
            return host

    def add_server(
        self,
        name: str,
        host: str,
        project: str = "demo",
        memory_mib: int = 2048,
        dirty_rate_mib_s: float = 0.0,
        disk_gib: int = 0,
        user: str | None = None,
        locked: bool = False,
        vm_state: str = "active",
        task_state: str | None = None,
    ) -> Server:
        with self.lock:
            if host not in self.hosts:
                raise KeyError(f"unknown host {host}")
            proj = self.project_by_name(project) or self.add_project(project)
            # The owner: the named user, else the project's plain member.
            members = sorted(
                (u for u in self.users.values() if u.project_id == proj.id),
                key=lambda u: (
                    "admin" in u.roles,
                    "member" not in u.roles,
                    len(u.roles),
                ),
            )
            owner = self.users.get(user or "") or next(iter(members), None)
            now = self.clock.now()
            server = Server(
                id=str(uuid.uuid4()),
                name=name,
                host=host,
                project_id=proj.id,
                user_id=owner.id if owner else uuid.uuid4().hex,
                memory_mib=memory_mib,
                dirty_rate_mib_s=float(dirty_rate_mib_s),
                disk_gib=disk_gib,
                locked=locked,
                vm_state=vm_state,
                task_state=task_state,
                created_at=now,
                updated_at=now,
            )
            self.servers[server.id] = server
            return server

    def add_migration(
        self,
        server_id: str,
        migration_type: str = "migration",
        status: str = "finished",
        dest: str | None = None,
    ) -> Migration:
        """Record a finished (or any) non-live migration row, for listings."""
        with self.lock:
            server = self.servers[server_id]
            now = self.clock.now()
            mig = self._new_migration(server, migration_type, status, dest)
            mig.updated_at = now
            return mig

    def _new_migration(
        self,
        server: Server,
        migration_type: str,
        status: str,
        dest: str | None,
    ) -> Migration:
        now = self.clock.now()
        mid = self._next_mid
        self._next_mid += 1
        src = self.hosts.get(server.host)
        dst = self.hosts.get(dest) if dest else None
        mig = Migration(
            id=mid,
            uuid=str(uuid.uuid4()),
            instance_uuid=server.id,
            migration_type=migration_type,
            status=status,
            source_compute=server.host,
            source_node=src.node if src else None,
            dest_compute=dest,
            dest_node=dst.node if dst else None,
            dest_host=dst.ip if dst else None,
            user_id=server.user_id,
            project_id=server.project_id,
            created_at=now,
            updated_at=None,
            old_instance_type_id=server.flavor_id,
            new_instance_type_id=server.flavor_id,
            phase_since=self.clock.seconds(),
        )
        self.migrations[mid] = mig
        return mig

    # -- reads --------------------------------------------------------------
    def get_server(self, server_id: str) -> Server:
        with self.lock:
            self.sync()
            return self.servers[server_id]

    def get_migration(self, migration_id: int) -> Migration:
        with self.lock:
            self.sync()
            return self.migrations[int(migration_id)]

    def find_actions(self, server_id: str) -> list[InstanceAction]:
        with self.lock:
            self.sync()
            return [a for a in self.actions if a.instance_uuid == server_id]

    # -- operations ---------------------------------------------------------
    def start_live_migration(
        self,
        server_id: str,
        dest: str | None = None,
        request_id: str | None = None,
        user_id: str | None = None,
        precheck_fails: bool = False,
    ) -> Migration:
        """What os-migrateLive sets in motion (checks are the API's job).

        ``precheck_fails``: the conductor's task fails before scheduling
        succeeds (e.g. the requested host is the source); ``dest`` is then
        only recorded as the requested destination.
        """
        with self.lock:
            self.sync()
            server = self.servers[server_id]
            if dest is None and not precheck_fails:
                dest = self._schedule(server)
            request_id = request_id or f"req-{uuid.uuid4()}"
            server.task_state = "migrating"
            server.updated_at = self.clock.now()
            action = self._new_action(
                server, "live-migration", request_id, user_id
            )
            self._event(action, "conductor_live_migrate_instance", "Success")
            failed = dest is None or precheck_fails
            status = "error" if failed else "queued"
            mig = self._new_migration(server, "live-migration", status, dest)
            mig.action_request_id = request_id
            mig.updated_at = mig.created_at
            if failed:
                # The conductor's task failed (NoValidHost, ...) after the
                # API returned: the row has no nodes yet, the event fails.
                mig.source_node = mig.dest_node = mig.dest_host = None
                server.task_state = None
                action.message = "Error"
                action.events[-1].result = "Error"
            return mig

    def _schedule(self, server: Server) -> str | None:
        for name in sorted(self.hosts):
            if name != server.host:
                return name
        return None

    def _new_action(
        self,
        server: Server,
        action_name: str,
        request_id: str,
        user_id: str | None,
    ) -> InstanceAction:
        now = self.clock.now()
        action = InstanceAction(
            action=action_name,
            instance_uuid=server.id,
            request_id=request_id,
            user_id=user_id or server.user_id,
            project_id=server.project_id,
            start_time=now,
            updated_at=now,
        )
        self.actions.append(action)
        return action

    def _event(
        self,
        action: InstanceAction,
        name: str,
        result: str | None,
        host: str | None = None,
        details: str | None = None,
    ) -> ActionEvent:
        now = self.clock.now()
        event = ActionEvent(
            event=name,
            start_time=now,
            finish_time=now if result else None,
            result=result,
            host=host,
            details=details,
        )
        if result == "Error":
            event.traceback = (
                "Traceback (most recent call last):\n  (simulated)\n"
                f"{details or 'NotImplementedError'}\n"
            )
            action.message = "Error"
        action.events.append(event)
        action.updated_at = now
        return event

    def _notify(self, event_type: str, server: Server) -> None:
        self.notifications.append(
            Notification(
                event_type=event_type,
                payload={
                    "uuid": server.id,
                    "host": server.host,
                    "task_state": server.task_state,
                    "state": server.vm_state,
                },
                timestamp=isotime(self.clock.now()) or "",
            )
        )

    def abort(
        self,
        migration_id: int,
        request_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        """The compute side of DELETE .../migrations/{id} (after the 202)."""
        with self.lock:
            self.sync()
            mig = self.migrations[int(migration_id)]
            server = self.servers[mig.instance_uuid]
            request_id = request_id or f"req-{uuid.uuid4()}"
            action = self._new_action(
                server, "live_migration_cancel", request_id, user_id
            )
            self._notify("instance.live_migration_abort.start", server)
            host = self.hosts.get(mig.source_compute)
            now_s = self.clock.seconds()
            if mig.status in ("queued", "preparing"):
                self._event(
                    action,
                    "compute_live_migration_abort",
                    "Success",
                    host=mig.source_compute,
                )
                self._finish(mig, server, "cancelled", now_s)
                self._notify("instance.live_migration_abort.end", server)
                return
            if host is not None and not host.supports_abort:
                self._event(
                    action,
                    "compute_live_migration_abort",
                    "Error",
                    host=mig.source_compute,
                    details="NotImplementedError",
                )
                return
            if mig.status != "running" or mig.rollback_at is not None:
                self._event(
                    action,
                    "compute_live_migration_abort",
                    "Error",
                    host=mig.source_compute,
                    details=(
                        f"Migration {mig.id} state of instance {server.id}"
                        f" is {mig.status}."
                        if mig.status != "running"
                        else "No active migration job to abort"
                    ),
                )
                return
            self._event(
                action,
                "compute_live_migration_abort",
                "Success",
                host=mig.source_compute,
            )
            mig.rollback_at = now_s + ROLLBACK_S
            self._notify("instance.live_migration_abort.end", server)

    def force_complete(
        self,
        migration_id: int,
        request_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        """The compute side of the force_complete action."""
        with self.lock:
            self.sync()
            mig = self.migrations[int(migration_id)]
            server = self.servers[mig.instance_uuid]
            request_id = request_id or f"req-{uuid.uuid4()}"
            action = self._new_action(
                server, "live_migration_force_complete", request_id, user_id
            )
            self._notify(
                "instance.live_migration_force_complete.start", server
            )
            if mig.status != "running" or mig.rollback_at is not None:
                self._event(
                    action,
                    "compute_live_migration_force_complete",
                    "Error",
                    host=mig.source_compute,
                    details=f"No active live migration for {server.id}",
                )
                # The driver raised: no .end notification.
                return
            else:
                host = self.hosts.get(mig.source_compute)
                if mig.force is None:
                    post_copy = host is not None and host.supports_post_copy
                    mig.force = "post-copy" if post_copy else "pause"
                self._event(
                    action,
                    "compute_live_migration_force_complete",
                    "Success",
                    host=mig.source_compute,
                )
                self._notify(
                    "instance.live_migration_force_complete.end", server
                )

    # -- the simulation -----------------------------------------------------
    def on_request(self) -> None:
        """Called by the API on every request (auto_advance)."""
        with self.lock:
            if self.auto_advance:
                self.clock.advance(self.auto_advance)

    def sync(self) -> None:
        """Bring every live migration up to the clock's current time."""
        with self.lock:
            now_s = self.clock.seconds()
            # Migrations are stepped together in time order, bounded by the
            # number of phase changes (each loop makes progress or stops).
            for _ in range(10000):
                if not self._step(now_s):
                    break

    def _active_on(self, host: str) -> int:
        return sum(
            1
            for m in self.migrations.values()
            if m.migration_type == "live-migration"
            and m.source_compute == host
            and m.status in ("preparing", "running", "running (post-copy)")
        )

    def _step(self, now_s: float) -> bool:
        """Apply the earliest due transition; False when none is due."""
        best: tuple[float, int, Callable[[], None]] | None = None
        for mig in sorted(self.migrations.values(), key=lambda m: m.id):
            if mig.migration_type != "live-migration":
                continue
            due = self._next_transition(mig, now_s)
            if due is not None and (best is None or due[0] < best[0]):
                best = (due[0], mig.id, due[1])
        if best is None:
            return False
        best[2]()
        return True

    def _next_transition(
        self, mig: Migration, now_s: float
    ) -> tuple[float, Callable[[], None]] | None:
        server = self.servers.get(mig.instance_uuid)
        if server is None:
            return None
        if mig.status == "queued":
            t = mig.phase_since + QUEUED_S
            if t <= now_s and self._active_on(mig.source_compute) < (
                self.hosts[mig.source_compute].max_concurrent
            ):
                # A slot freed at some earlier time counts from then.
                freed = self._freed.get(mig.source_compute, 0.0)
                return t, lambda: self._to_preparing(mig, max(t, freed))
            return None
        if mig.status == "preparing":
            t = mig.phase_since + PREPARING_S
            if t <= now_s:
                return t, lambda: self._to_running(mig, t)
            return None
        if mig.status in ("running", "running (post-copy)"):
            if mig.rollback_at is not None:
                t = mig.rollback_at
                if t <= now_s:
                    return t, lambda: self._finish(mig, server, "cancelled", t)
                return None
            if mig.next_tick <= now_s:
                t = mig.next_tick
                return t, lambda: self._monitor(mig, server, t, now_s)
        return None

    def _to_preparing(self, mig: Migration, t: float) -> None:
        mig.status = "preparing"
        mig.phase_since = t
        mig.updated_at = self.clock.at(t)

    def _to_running(self, mig: Migration, t: float) -> None:
        mig.status = "running"
        mig.phase_since = t
        mig.next_tick = t + MONITOR_S
        mig.updated_at = self.clock.at(t)
        action = self._action_for(mig)
        if action is not None:
            self._event(
                action, "compute_live_migration", None, host=mig.source_compute
            )
            action.events[-1].start_time = self.clock.at(t)

    def _action_for(self, mig: Migration) -> InstanceAction | None:
        for action in self.actions:
            if action.request_id == mig.action_request_id:
                return action
        return None

    def _monitor(
        self, mig: Migration, server: Server, t: float, now_s: float
    ) -> None:
        """One or more monitor ticks of a running migration."""
        host = self.hosts[mig.source_compute]
        bw = host.bandwidth_mib_s * MONITOR_S
        total_mem = server.memory_mib * MIB
        total_disk = server.disk_gib * GIB
        if mig.memory_total_bytes is None:
            mig.memory_total_bytes = total_mem
            mig.memory_processed_bytes = 0
            mig.memory_remaining_bytes = total_mem
            mig.disk_total_bytes = total_disk
            mig.disk_processed_bytes = 0
            mig.disk_remaining_bytes = total_disk
        assert mig.memory_processed_bytes is not None
        assert mig.memory_remaining_bytes is not None
        assert mig.disk_processed_bytes is not None
        assert mig.disk_remaining_bytes is not None
        # How many ticks are due, and how many can we jump at once.
        due = math.floor((now_s - t) / MONITOR_S) + 1
        budget = bw * MIB
        if mig.disk_remaining_bytes > 0:
            # Disk first; every tick due until it is copied, at once.
            ticks = min(due, math.ceil(mig.disk_remaining_bytes / budget))
            moved = min(budget * ticks, mig.disk_remaining_bytes)
            mig.disk_processed_bytes += int(moved)
            mig.disk_remaining_bytes -= int(moved)
            self._after_tick(mig, t, ticks)
            return
        if mig.force == "post-copy" and mig.status == "running":
            mig.status = "running (post-copy)"
        dirty = server.dirty_rate_mib_s * MONITOR_S * MIB
        if mig.status == "running (post-copy)" or mig.force == "pause":
            dirty = 0.0
        threshold = host.bandwidth_mib_s * DOWNTIME_S * MIB
        remaining = float(mig.memory_remaining_bytes)
        net = budget - dirty
        if net <= 0:
            # Never converges: counters keep growing, remaining stays put.
            ticks = due
            mig.memory_processed_bytes += int(budget * ticks)
            mig.memory_remaining_bytes = int(
                min(float(total_mem), remaining - net * ticks)
            )
            self._after_tick(mig, t, ticks)
            return
        need = max(1, math.ceil((remaining - threshold) / net))
        ticks = min(due, need)
        mig.memory_processed_bytes += int(budget * ticks)
        remaining = max(0.0, remaining - net * ticks)
        mig.memory_remaining_bytes = int(remaining)
        if ticks == need:
            end = t + (ticks - 1) * MONITOR_S
            mig.memory_processed_bytes += int(remaining)
            mig.memory_remaining_bytes = 0
            self._finish(mig, server, "completed", end)
            return
        self._after_tick(mig, t, ticks)

    def _after_tick(self, mig: Migration, t: float, ticks: int) -> None:
        last = t + (ticks - 1) * MONITOR_S
        mig.updated_at = self.clock.at(last)
        mig.next_tick = last + MONITOR_S

    def _finish(
        self, mig: Migration, server: Server, status: str, t: float
    ) -> None:
        when = self.clock.at(t)
        if status == "completed" and mig.dest_compute:
            server.host = mig.dest_compute
        server.task_state = None
        server.updated_at = when
        mig.rollback_at = None
        action = self._action_for(mig)
        if action is not None:
            for event in action.events:
                if event.event == "compute_live_migration" and not (
                    event.result
                ):
                    event.result = "Success"
                    event.finish_time = when
            action.updated_at = when
        # The migration status is written last, after the instance.
        mig.status = status
        mig.updated_at = when
        self._freed[mig.source_compute] = t
