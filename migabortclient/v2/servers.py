"""Servers: find one by name or ID; start a live migration."""

from __future__ import annotations

import logging
import re
from typing import Final

from migabortclient import exceptions
from migabortclient.v2 import _base
from migabortclient.v2 import instance_actions
from migabortclient.v2 import models

LOG = logging.getLogger(__name__)

V2_25: Final = _base.version("2.25")
V2_30: Final = _base.version("2.30")
V2_68: Final = _base.version("2.68")


class ServersManager(_base.Manager):
    """The few server calls an operator needs around a migration."""

    def get(self, server: _base.ServerRef) -> models.Server:
        """``GET /servers/{id}``; ``NotFound`` if it is not visible."""
        sid = _base.server_id(server)
        reply = self.http.get(f"/servers/{_base.quote(sid)}")
        body = reply.body if isinstance(reply.body, dict) else {}
        return models.Server.from_api(body.get("server"), reply.request_id)

    def find(
        self, name_or_id: str, *, all_projects: bool = False
    ) -> models.Server:
        """One server by UUID or exact name.

        A UUID is read directly (one request); a name is looked up with
        Nova's name filter and matched exactly. No match raises
        ``NotFound``; several raise ``NoUniqueMatch``. ``all_projects``
        searches every project (admins).
        """
        if not isinstance(name_or_id, str) or not name_or_id.strip():
            raise exceptions.ValidationError(
                "A server name or ID must not be empty."
            )
        if any(ord(ch) < 32 for ch in name_or_id):
            raise exceptions.ValidationError(
                f"Server name {name_or_id!r} contains control characters."
            )
        if _base.is_uuid(name_or_id):
            try:
                return self.get(name_or_id)
            except exceptions.NotFound:
                LOG.debug("no server with ID %s; trying names", name_or_id)
        params = {"name": f"^{re.escape(name_or_id)}$"}
        if all_projects:
            params["all_tenants"] = "True"
        reply = self.http.get("/servers/detail", params=params)
        body = reply.body if isinstance(reply.body, dict) else {}
        found = [
            models.Server.from_api(item, reply.request_id)
            for item in body.get("servers") or ()
        ]
        exact = [s for s in found if s.name == name_or_id]
        if not exact:
            raise exceptions.NotFound(
                f"No server with a name or ID of '{name_or_id}' exists.",
                http_status=404,
                request_id=reply.request_id,
            )
        if len(exact) > 1:
            ids = tuple(s.id for s in exact)
            raise exceptions.NoUniqueMatch(
                f"Multiple servers are named '{name_or_id}' "
                f"({', '.join(ids)}); use an ID.",
                matches=ids,
            )
        return exact[0]

    def live_migrate(
        self,
        server: _base.ServerRef,
        host: str | None = None,
        block_migration: bool | str = "auto",
        *,
        force: bool | None = None,
    ) -> str | None:
        """Start a live migration (``os-migrateLive``); returns the
        request id, which names the ``live-migration`` instance action.

        ``block_migration="auto"`` needs 2.25; below it pass True or
        False. ``force`` exists from 2.30 to 2.67, and only with a host.
        """
        sid = _base.server_id(server)
        if host is not None and (
            not isinstance(host, str) or not host.strip()
        ):
            raise exceptions.ValidationError("The target host is empty.")
        if block_migration not in (True, False, "auto") or (
            block_migration in (0, 1) and not isinstance(block_migration, bool)
        ):
            raise exceptions.ValidationError(
                "block_migration must be True, False or 'auto', not "
                f"{block_migration!r}."
            )
        if force is not None and not isinstance(force, bool):
            raise exceptions.ValidationError(
                f"force must be True or False, not {force!r}."
            )
        if force is not None and host is None:
            raise exceptions.ValidationError(
                "force only makes sense with a target host."
            )
        version = self.http.api_version
        body: dict[str, object] = {
            "host": host,
            "block_migration": block_migration,
        }
        if version < V2_25:
            if block_migration == "auto":
                raise exceptions.UnsupportedVersion(
                    "block_migration='auto' requires compute API version "
                    f"2.25 or later; this client uses {version}."
                )
            body["disk_over_commit"] = False
        if force is not None:
            if not V2_30 <= version < V2_68:
                raise exceptions.UnsupportedVersion(
                    "force is accepted by compute API versions 2.30 to "
                    f"2.67; this client uses {version}."
                )
            body["force"] = force
        try:
            reply = self.http.post(
                f"/servers/{_base.quote(sid)}/action",
                body={"os-migrateLive": body},
            )
        except (
            exceptions.ConnectionError,
            exceptions.HttpServerError,
            exceptions.InvalidResponse,
        ) as lost:
            # Never re-sent: read whether the migration started.
            return self._started_anyway(sid, lost)
        return reply.request_id

    def _started_anyway(
        self, sid: str, lost: exceptions.ClientException
    ) -> str | None:
        """The ``live-migration`` action's request id if the server is
        migrating after all; otherwise ``NotApplied``."""
        status = getattr(lost, "http_status", None)
        request_id = getattr(lost, "request_id", None)
        try:
            server = self.get(sid)
            actions = (
                instance_actions.InstanceActionsManager(self.http).list(sid)
                if server.task_state == "migrating"
                else []
            )
        except exceptions.ClientException as check_exc:
            raise exceptions.OutcomeUnknown(
                f"live migration of server {sid} may or may not have "
                f"started: {lost}; reading the server back failed too "
                f"({check_exc}).",
                migration_id=None,
                status=None,
                http_status=status,
                request_id=request_id,
            ) from lost
        started = next(
            (
                a
                for a in actions
                if a.action == instance_actions.LIVE_MIGRATION_ACTION
            ),
            None,
        )
        if started is not None:
            LOG.warning(
                "live migration of server %s started despite the error "
                "(%s): instance action %s",
                sid,
                lost,
                started.request_id,
            )
            return started.request_id
        raise exceptions.NotApplied(
            f"live migration not started (yet): {lost}; server {sid} is "
            f"{server.status} with task state {server.task_state}. Check "
            "the server before retrying.",
            migration_id=None,
            status=None,
            http_status=status,
            request_id=request_id,
        ) from lost
