"""``/servers/{id}/migrations``: see, abort and force-complete a server's
in-progress live migrations, and wait for how they end.

Abort and force-complete are never re-sent. When their answer is lost
(a timeout, a dropped connection, a 5xx), the server's state is read to
tell whether the request took effect, instead of guessing.
"""

from __future__ import annotations

import builtins
import datetime
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Final

from migabortclient import exceptions
from migabortclient.v2 import _base
from migabortclient.v2 import instance_actions as actions_mod
from migabortclient.v2 import models

if TYPE_CHECKING:
    from migabortclient import _http
    from migabortclient.v2 import migrations as migrations_mod
    from migabortclient.v2 import servers as servers_mod

LOG = logging.getLogger(__name__)

V2_22: Final = _base.version("2.22")
V2_23: Final = _base.version("2.23")
V2_24: Final = _base.version("2.24")
V2_59: Final = _base.version("2.59")
V2_65: Final = _base.version("2.65")
V2_80: Final = _base.version("2.80")

DEFAULT_WAIT_TIMEOUT: Final = 600.0
DEFAULT_POLL_INTERVAL: Final = 5.0

OnPoll = Callable[[models.ServerMigration], None]
Sleep = Callable[[float], None]
Monotonic = Callable[[], float]


class ServerMigrationsManager(_base.Manager):
    """A server's in-progress live migrations."""

    def __init__(
        self,
        http: _http.HTTPClient,
        *,
        actions: actions_mod.InstanceActionsManager,
        migrations: migrations_mod.MigrationsManager,
        servers: servers_mod.ServersManager,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        super().__init__(http)
        self._actions = actions
        self._migrations = migrations
        self._servers = servers
        self._sleep = sleep
        self._monotonic = monotonic
        # Set once os-migrations turned out to need our project filter.
        self._scoped_project: str | None = None

    # ---------------------------------------------------------------- read

    def list(self, server: _base.ServerRef) -> list[models.ServerMigration]:
        """The server's in-progress live migrations (2.23+)."""
        sid = _base.server_id(server)
        self.http.require(V2_23, "Listing a server's migrations")
        return self._list(sid)

    def _list(self, sid: str) -> builtins.list[models.ServerMigration]:
        reply = self.http.get(f"/servers/{_base.quote(sid)}/migrations")
        body = reply.body if isinstance(reply.body, dict) else {}
        items = body.get("migrations")
        if not isinstance(items, list):
            raise exceptions.InvalidResponse(
                f"Expected a list of migrations, got {items!r}"
            )
        return [
            models.ServerMigration.from_api(item, reply.request_id)
            for item in items
        ]

    def _in_progress(
        self, sid: str, mid: int
    ) -> models.ServerMigration | None:
        """Migration ``mid`` if the server still lists it, else None."""
        return next((m for m in self._list(sid) if m.id == mid), None)

    def get(
        self, server: _base.ServerRef, migration: _base.MigrationRef
    ) -> models.ServerMigration:
        """One in-progress live migration, by id or (2.59+) UUID (2.23+).

        Nova's policy lets only admins read one by id; a UUID is found
        in the list, which project managers may read.
        """
        sid = _base.server_id(server)
        ref = _base.migration_ref(migration)
        self.http.require(V2_23, "Showing a server's migration")
        if isinstance(ref, str):
            return self._by_uuid(sid, ref)
        reply = self.http.get(f"/servers/{_base.quote(sid)}/migrations/{ref}")
        body = reply.body if isinstance(reply.body, dict) else {}
        return models.ServerMigration.from_api(
            body.get("migration"), reply.request_id
        )

    def _by_uuid(self, sid: str, ref: str) -> models.ServerMigration:
        self.http.require(V2_59, "Naming a migration by its UUID")
        found = self._list(sid)
        for item in found:
            if item.uuid == ref:
                return item
        raise exceptions.NotFound(
            f"In-progress live migration {ref} is not found for server {sid}.",
            http_status=404,
            request_id=found[0].request_id if found else None,
        )

    def _resolve(self, sid: str, migration: _base.MigrationRef) -> int:
        ref = _base.migration_ref(migration)
        if isinstance(ref, str):
            return self._by_uuid(sid, ref).id
        return ref

    # --------------------------------------------------------------- write

    def abort(
        self, server: _base.ServerRef, migration: _base.MigrationRef
    ) -> str | None:
        """Abort an in-progress live migration (2.24+); returns the
        request id, which names the ``live_migration_cancel`` action.

        Nova answers 202 before the compute host acts: use ``wait`` for
        the outcome. Queued and preparing migrations need 2.65, which
        negotiation picks whenever the server offers it.
        """
        sid = _base.server_id(server)
        _base.migration_ref(migration)
        self.http.require(V2_24, "Aborting a live migration")
        mid = self._resolve(sid, migration)
        return self._send_once(
            sid,
            mid,
            "abort",
            actions_mod.ABORT_ACTION,
            lambda: (
                self.http.delete(
                    f"/servers/{_base.quote(sid)}/migrations/{mid}"
                ).request_id
            ),
        )

    def force_complete(
        self, server: _base.ServerRef, migration: _base.MigrationRef
    ) -> str | None:
        """Force an in-progress live migration to complete (2.22+);
        returns the request id, which names the
        ``live_migration_force_complete`` action. The compute host pauses
        the server (or switches to post-copy) so the copy can finish.
        """
        sid = _base.server_id(server)
        _base.migration_ref(migration)
        self.http.require(V2_22, "Forcing a live migration to complete")
        mid = self._resolve(sid, migration)
        return self._send_once(
            sid,
            mid,
            "force complete",
            actions_mod.FORCE_COMPLETE_ACTION,
            lambda: (
                self.http.post(
                    f"/servers/{_base.quote(sid)}/migrations/{mid}/action",
                    body={"force_complete": None},
                ).request_id
            ),
        )

    def live_migration_abort(
        self, server: _base.ServerRef, migration: _base.MigrationRef
    ) -> str | None:
        """python-novaclient's name for :meth:`abort`."""
        return self.abort(server, migration)

    def live_migrate_force_complete(
        self, server: _base.ServerRef, migration: _base.MigrationRef
    ) -> str | None:
        """python-novaclient's name for :meth:`force_complete`."""
        return self.force_complete(server, migration)

    def _send_once(
        self,
        sid: str,
        mid: int,
        what: str,
        action_name: str,
        send: Callable[[], str | None],
    ) -> str | None:
        """Send once; if the answer is lost, read what really happened."""
        try:
            return send()
        except (
            exceptions.ConnectionError,
            exceptions.HttpServerError,
            exceptions.InvalidResponse,
        ) as exc:
            lost = exc
        LOG.debug("%s of migration %s: answer lost (%s)", what, mid, lost)
        try:
            applied, status = self._took_effect(sid, mid, action_name)
        except exceptions.ClientException as check_exc:
            LOG.debug("could not read the state back: %s", check_exc)
            raise exceptions.OutcomeUnknown(
                f"{what} of migration {mid} may or may not have been "
                f"applied: {lost}; reading the server's state back failed "
                f"too ({check_exc}). List the server's migrations before "
                "acting again.",
                migration_id=mid,
                status=None,
                http_status=getattr(lost, "http_status", None),
                request_id=getattr(lost, "request_id", None),
            ) from lost
        if applied is not None:
            # A warning: the caller sees success, the operator the why.
            LOG.warning(
                "%s of migration %s was accepted despite the error (%s): "
                "instance action %s",
                what,
                mid,
                lost,
                applied.request_id,
            )
            return applied.request_id
        shown = status or "no longer in progress"
        message = f"{what} not applied: {lost}; migration {mid} is {shown}."
        if _may_be_in_flight(lost):
            # A timeout, a dropped connection or a proxy's 502/503/504:
            # Nova may not have run the request *yet*; calling it final
            # could make an operator act on a migration about to change.
            message = (
                f"{what} not applied yet: {lost}; migration {mid} is "
                f"{shown}, but the request may still reach Nova. List the "
                "server's migrations before retrying."
            )
        raise exceptions.NotApplied(
            message,
            migration_id=mid,
            status=status,
            http_status=getattr(lost, "http_status", None),
            request_id=getattr(lost, "request_id", None),
        ) from lost

    def _took_effect(
        self, sid: str, mid: int, action_name: str
    ) -> tuple[models.InstanceAction | None, str | None]:
        """(the action that records the request, or None; the status).

        An action counts only if it started at or after the migration
        was created, so an older abort of another migration is not
        mistaken for this one.
        """
        reading: models.ServerMigration | models.Migration | None
        reading = self._in_progress(sid, mid)
        if reading is None:
            # No longer in progress: os-migrations still has it.
            reading = self._final(sid, mid)
        if reading is None or reading.created_at is None:
            raise exceptions.ClientException(
                f"migration {mid} could not be read back"
            )
        since = reading.created_at
        for item in self._actions.list(sid):
            if item.action != action_name:
                continue
            if item.start_time is None or item.start_time >= since:
                return item, reading.status
            break
        return None, reading.status

    def _final(self, sid: str, mid: int) -> models.Migration | None:
        """The migration's row in os-migrations, or None if not there
        (or not readable by this user).

        Nova 34 lets project managers read os-migrations only from 2.80
        and only filtered by their own project, so that is tried when
        the unfiltered listing is forbidden.
        """
        if self._scoped_project is None:
            try:
                return self._row(sid, mid, None)
            except exceptions.Forbidden as exc:
                project = self.http.project_id()
                if project is None or self.http.api_version < V2_80:
                    LOG.debug(
                        "os-migrations not allowed (%s); status unknown", exc
                    )
                    return None
                # Remembered, so polling does not ask twice every time.
                self._scoped_project = project
        try:
            return self._row(sid, mid, self._scoped_project)
        except exceptions.Forbidden as exc:
            LOG.debug("os-migrations not allowed (%s); status unknown", exc)
            return None

    def _row(
        self, sid: str, mid: int, project_id: str | None
    ) -> models.Migration | None:
        rows = self._migrations.list(instance_uuid=sid, project_id=project_id)
        return next((m for m in rows if m.id == mid), None)

    # ---------------------------------------------------------------- wait

    def wait(
        self,
        server: _base.ServerRef,
        migration: _base.MigrationRef,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        on_poll: OnPoll | None = None,
        request_id: str | None = None,
    ) -> models.Outcome:
        """Poll until the migration leaves the in-progress states, then
        return how it ended (2.23+).

        Polls the server's migration list (which project managers may
        read), calling ``on_poll`` with each reading. The outcome holds
        the final status from os-migrations, the ``live_migration_cancel``
        or ``live_migration_force_complete`` action (the one named by
        ``request_id``, else the newest) with its events, and the server.
        Raises ``WaitTimeout`` after ``timeout`` seconds.
        """
        sid = _base.server_id(server)
        _base.migration_ref(migration)
        if not timeout > 0 or not poll_interval >= 0:
            raise exceptions.ValidationError(
                "timeout must be positive and poll_interval not negative."
            )
        self.http.require(V2_23, "Waiting for a live migration")
        mid = self._resolve(sid, migration)
        deadline = self._monotonic() + timeout
        last: models.ServerMigration | None = None
        final: models.Migration | None = None
        while True:
            current = self._in_progress(sid, mid)
            if current is not None:
                last = current
                status: str | None = current.status
                if on_poll is not None:
                    on_poll(current)
            else:
                # Gone from the server's list; in post-copy it is still
                # moving, so read os-migrations until it really ends.
                final = self._final(sid, mid)
                status = final.status if final is not None else None
                if final is None or not final.in_progress:
                    break
            left = deadline - self._monotonic()
            if left <= 0:
                raise exceptions.WaitTimeout(
                    f"Migration {mid} of server {sid} is still "
                    f"{status} after {timeout:g}s.",
                    migration_id=mid,
                    status=status,
                )
            self._sleep(min(poll_interval, left))
        return self._outcome(sid, mid, last, final, request_id)

    def _outcome(
        self,
        sid: str,
        mid: int,
        last: models.ServerMigration | None,
        final: models.Migration | None,
        request_id: str | None,
    ) -> models.Outcome:
        reading = last if last is not None else final
        since = reading.created_at if reading is not None else None
        action = self._matching_action(sid, since, request_id)
        try:
            server: models.Server | None = self._servers.get(sid)
        except exceptions.NotFound:
            server = None
        return models.Outcome(
            migration_id=mid,
            status=final.status if final is not None else None,
            migration=final if final is not None else last,
            action=action,
            server=server,
        )

    def _matching_action(
        self,
        sid: str,
        since: datetime.datetime | None,
        request_id: str | None,
    ) -> models.InstanceAction | None:
        if request_id is not None:
            try:
                return self._actions.get(sid, request_id)
            except exceptions.NotFound:
                return None
        wanted = (actions_mod.ABORT_ACTION, actions_mod.FORCE_COMPLETE_ACTION)
        for item in self._actions.list(sid):
            if item.action not in wanted:
                continue
            if since and item.start_time and item.start_time < since:
                return None
            return self._actions.get(sid, item.request_id)
        return None


def _may_be_in_flight(lost: Exception) -> bool:
    """True when the lost answer does not prove Nova is done with the
    request: no answer at all, or a proxy's gateway error."""
    if isinstance(lost, exceptions.ConnectionError):
        return True
    return getattr(lost, "http_status", None) in (502, 503, 504)
