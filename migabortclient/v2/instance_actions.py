"""Instance actions: where Nova records what abort and force-complete did.

The abort DELETE returns 202 before the compute host acts; the outcome
is the ``live_migration_cancel`` action's events (and the migration's
final status).
"""

from __future__ import annotations

from typing import Final

from migabortclient import exceptions
from migabortclient.v2 import _base
from migabortclient.v2 import models

ABORT_ACTION: Final = "live_migration_cancel"
FORCE_COMPLETE_ACTION: Final = "live_migration_force_complete"
LIVE_MIGRATION_ACTION: Final = "live-migration"


class InstanceActionsManager(_base.Manager):
    """``/servers/{id}/os-instance-actions``."""

    def list(self, server: _base.ServerRef) -> list[models.InstanceAction]:
        """The server's actions, newest first (without events)."""
        sid = _base.server_id(server)
        reply = self.http.get(
            f"/servers/{_base.quote(sid)}/os-instance-actions"
        )
        body = reply.body if isinstance(reply.body, dict) else {}
        items = body.get("instanceActions")
        if not isinstance(items, list):
            raise exceptions.InvalidResponse(
                f"Expected a list of instance actions, got {items!r}"
            )
        return [models.InstanceAction.from_api(item) for item in items]

    def get(
        self, server: _base.ServerRef, request_id: str
    ) -> models.InstanceAction:
        """One action with its events (their tracebacks for admins)."""
        sid = _base.server_id(server)
        if not isinstance(request_id, str) or not request_id.strip():
            raise exceptions.ValidationError(
                "An instance action is named by its request ID, not "
                f"{request_id!r}."
            )
        reply = self.http.get(
            f"/servers/{_base.quote(sid)}/os-instance-actions/"
            f"{_base.quote(request_id.strip())}"
        )
        body = reply.body if isinstance(reply.body, dict) else {}
        return models.InstanceAction.from_api(body.get("instanceAction"))

    def latest(
        self, server: _base.ServerRef, action: str
    ) -> models.InstanceAction | None:
        """The newest action of this kind, with its events, or None."""
        for item in self.list(server):
            if item.action == action:
                return self.get(server, item.request_id)
        return None
