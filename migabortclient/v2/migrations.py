"""``/os-migrations``: every migration, filtered, followed across pages."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from typing import Final
from urllib import parse

from migabortclient import exceptions
from migabortclient.v2 import _base
from migabortclient.v2 import models

V2_59: Final = _base.version("2.59")
V2_66: Final = _base.version("2.66")
V2_80: Final = _base.version("2.80")
# Pages are followed while the server links a next one; a server that
# kept linking the same page would otherwise loop for ever.
MAX_PAGES: Final = 100_000


def _check_time(name: str, value: str) -> str:
    try:
        datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise exceptions.ValidationError(
            f"{name} must be an ISO 8601 time such as "
            f"2026-11-24T10:00:00Z, not {value!r}."
        ) from None
    return value.strip()


class MigrationsManager(_base.Manager):
    """Migrations of every kind (cold, resize, live, evacuation)."""

    def list(
        self,
        host: str | None = None,
        status: str | None = None,
        instance_uuid: str | None = None,
        marker: str | None = None,
        limit: int | None = None,
        changes_since: str | None = None,
        changes_before: str | None = None,
        migration_type: str | None = None,
        source_compute: str | None = None,
        user_id: str | None = None,
        project_id: str | None = None,
    ) -> Iterator[models.Migration]:
        """Migrations matching every filter given, newest first.

        The arguments are in python-novaclient's order, so positional
        calls keep their meaning.

        A lazy iterator: from 2.59 it follows ``migrations_links`` page by
        page, holding one page at a time. ``limit`` is the page size
        asked of Nova (its ``limit``); stop early with
        ``itertools.islice``. ``limit``, ``marker`` (a migration UUID) and
        ``changes_since`` need 2.59, ``changes_before`` 2.66, ``user_id``
        and ``project_id`` 2.80. Arguments are checked before any
        request.
        """
        params: dict[str, Any] = {}
        for key, value in (
            ("host", host),
            ("status", status),
            ("instance_uuid", instance_uuid),
            ("migration_type", migration_type),
            ("source_compute", source_compute),
        ):
            if value is not None:
                params[key] = self._text(key, value)
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise exceptions.ValidationError(
                f"limit must be a whole number of 0 or more, not {limit!r}."
            )
        if marker is not None and not _base.is_uuid(str(marker)):
            raise exceptions.ValidationError(
                f"marker must be a migration UUID, not {marker!r}."
            )
        if changes_since is not None:
            changes_since = _check_time("changes_since", changes_since)
        if changes_before is not None:
            changes_before = _check_time("changes_before", changes_before)
        if user_id is not None:
            user_id = self._text("user_id", user_id)
        if project_id is not None:
            project_id = self._text("project_id", project_id)
        gated: list[tuple[str, Any, Any]] = [
            ("user_id", user_id, V2_80),
            ("project_id", project_id, V2_80),
            ("changes-since", changes_since, V2_59),
            ("changes-before", changes_before, V2_66),
            ("limit", limit, V2_59),
            ("marker", marker, V2_59),
        ]
        for key, value, minimum in gated:
            if value is None:
                continue
            self.http.require(
                minimum, f"Filtering migrations by {key.replace('-', '_')}"
            )
            params[key] = value
        # Read the version now, so a discovery failure is raised here.
        paged = self.http.api_version >= V2_59
        return self._pages(params, paged)

    @staticmethod
    def _text(key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise exceptions.ValidationError(f"{key} must not be empty.")
        return value.strip()

    def _pages(
        self, params: dict[str, Any], paged: bool
    ) -> Iterator[models.Migration]:
        query = dict(params)
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            reply = self.http.get("/os-migrations", params=query)
            body = reply.body if isinstance(reply.body, dict) else {}
            items = body.get("migrations")
            if not isinstance(items, list):
                raise exceptions.InvalidResponse(
                    f"Expected a list of migrations, got {items!r}"
                )
            for item in items:
                yield models.Migration.from_api(item, reply.request_id)
            if not paged or not items:
                return
            marker = _next_marker(body.get("migrations_links"))
            if marker is None:
                return
            if marker in seen:
                raise exceptions.InvalidResponse(
                    f"os-migrations linked to the page after {marker} "
                    "twice; stopping instead of looping."
                )
            seen.add(marker)
            query = dict(params)
            query["marker"] = marker
        raise exceptions.InvalidResponse(
            f"os-migrations still linked a next page after {MAX_PAGES} "
            "pages; stopping."
        )


def _next_marker(links: Any) -> str | None:
    """The marker of the ``next`` link Nova sends when a page is full."""
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "next":
            query = parse.parse_qs(parse.urlsplit(str(link["href"])).query)
            markers = query.get("marker")
            if markers:
                return markers[0]
    return None
