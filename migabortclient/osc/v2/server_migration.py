"""``server migration list/show/abort/force complete/watch`` commands.

The same classes serve ``openstack`` (through the OSC plugin) and the
standalone ``migabort`` shell. OSC imports this module on every run, so
it stays import-light: the client library is imported inside
``take_action``, never at module level.

Exit codes: 0 success, 1 API or operation failure, 2 usage error,
3 timeout while waiting (``--wait``, ``watch --timeout``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import itertools
import logging
import math
import os
import re
import shlex
import shutil
import time
import traceback
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import NamedTuple

from cliff import command
from cliff import lister
from cliff import show

from migabortclient import _cli_format as fmt
from migabortclient.osc import _dedup

if TYPE_CHECKING:
    from cliff.formatters import base as cliff_formatters

    from migabortclient.v2 import client as v2_client
    from migabortclient.v2 import models

LOG = logging.getLogger(__name__)

# cliff imports this module before it compares command names, so the
# filter is in place whichever application (openstack, sphinx) loads us.
_dedup.install()

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3

EXIT_CODES_HELP = (
    "Exit codes: 0 success, 1 API or operation failure, 2 usage error "
    "(bad arguments, or a pinned --os-compute-api-version too old for the "
    "command)."
)
EXIT_CODES_WAIT_HELP = (
    "Exit codes: 0 success, 1 API or operation failure (or the outcome "
    "--wait read was not the one asked for), 2 usage error (bad arguments, "
    "or a pinned --os-compute-api-version too old for the command), "
    "3 timed out waiting."
)
EXIT_CODES_WATCH_HELP = (
    "Exit codes: 0 the migration ended (or --count readings were shown), "
    "1 API failure or no such in-progress migration, 2 usage error, "
    "3 --timeout passed first."
)

POLL_ENV = "MIGABORT_POLL_INTERVAL"
WAIT_POLL_DEFAULT = 5.0
WAIT_TIMEOUT_DEFAULT = 600.0
WATCH_POLL_DEFAULT = 2.0
IN_PROGRESS = ("queued", "preparing", "running")
WATCH_ACTIVE = (*IN_PROGRESS, "post-migrating", "running (post-copy)")

# Nova 34 policy defaults, to tell an operator which role a 403 wants.
POLICY_ROLES = {
    "os_compute_api:servers:migrations:index": "manager or admin",
    "os_compute_api:servers:migrations:delete": "manager or admin",
    "os_compute_api:servers:migrations:force_complete": "manager or admin",
    "os_compute_api:servers:migrations:show": "admin",
    "os_compute_api:servers:migrations:index:host": "admin",
    "os_compute_api:os-migrations:index": "manager or admin",
    "os_compute_api:os-migrations:index:all_projects": "admin",
    "os_compute_api:os-migrations:index:host": "admin",
}


# What a project manager can do instead.
POLICY_HINTS = {
    "os_compute_api:os-migrations:index:all_projects": (
        " A project manager can list their own project's migrations with "
        "--project <project> (2.80+)."
    ),
    "os_compute_api:servers:migrations:show": (
        " A project manager can follow an in-progress migration with "
        "'server migration watch <server>'."
    ),
}


class UsageError(Exception):
    """Bad combination of arguments; exit code 2."""


class OperationFailed(Exception):
    """The operation ran but did not achieve its goal; exit code 1."""


def poll_interval(default: float) -> float:
    """Seconds between polls; ``MIGABORT_POLL_INTERVAL`` is for tests."""
    raw = os.environ.get(POLL_ENV)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(
            f"{POLL_ENV} must be a number of seconds, not {raw!r}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise UsageError(
            f"{POLL_ENV} must be a finite number of seconds, 0 or more, "
            f"not {raw!r}"
        )
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number, got {text!r}"
        ) from None
    if not math.isfinite(value):
        # nan compares false with everything: a --timeout nan would
        # never pass, and "inf" is better said by leaving it out.
        raise argparse.ArgumentTypeError(
            f"expected a finite number, got {text!r}"
        )
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than zero")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer, got {text!r}"
        ) from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than zero")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer, got {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def describe_error(exc: BaseException) -> str:
    """One line for an operator: Nova's message, status, request id."""
    message = getattr(exc, "message", None) or str(exc)
    status = getattr(exc, "http_status", None)
    request_id = getattr(exc, "request_id", None)
    # One line, whatever the message holds (Nova's 500 text has a newline).
    parts = [" ".join(str(message).split())]
    if status:
        parts.append(f"(HTTP {status})")
    if request_id:
        parts.append(f"(Request-ID: {request_id})")
    line = " ".join(parts)
    if status == 403:
        rule = getattr(exc, "policy_rule", None)
        if rule:
            role = POLICY_ROLES.get(rule, "a role allowed by the cloud")
            line += f" Policy rule {rule} needs the {role} role."
            line += POLICY_HINTS.get(rule, "")
    line += getattr(exc, "cli_hint", "")
    return line


# Nova's 400 for an abort of a migration it cannot abort at the version
# in use: "Migration 15 state of instance ... is preparing. Cannot abort
# live migration while the migration is in this state."
_EARLY_STATE = re.compile(r"\bis (queued|preparing)\b")


def abort(nova: v2_client.Client, server_id: str, mid: int) -> str | None:
    """``server_migrations.abort``; a refusal of a queued or preparing
    migration below 2.65 says that 2.65 allows it."""
    from migabortclient import exceptions

    try:
        request_id: str | None = nova.server_migrations.abort(server_id, mid)
    except exceptions.BadRequest as exc:
        found = _EARLY_STATE.search(str(getattr(exc, "message", "")))
        if found and not at_least(nova, "2.65"):
            exc.cli_hint = (  # type: ignore[attr-defined]
                f" Aborting a {found.group(1)} migration needs compute API "
                f"version 2.65 or later; this session uses "
                f"{nova.api_version}."
            )
        raise
    return request_id


def exit_code_for(exc: BaseException, *, pinned: bool = False) -> int | None:
    """Map an exception to our exit code; None means "not ours".

    A version the user pinned that is malformed, unknown or too old for
    the command is a usage error (2); a server too old is a failure (1).
    """
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, OperationFailed):
        return EXIT_FAILURE
    from migabortclient import exceptions

    if isinstance(exc, exceptions.ValidationError):
        return EXIT_USAGE
    if isinstance(exc, exceptions.UnsupportedVersion) and pinned:
        return EXIT_USAGE
    if isinstance(exc, exceptions.WaitTimeout):
        return EXIT_TIMEOUT
    if isinstance(exc, exceptions.ClientException):
        return EXIT_FAILURE
    return None


class MigrationCommandMixin:
    """Error handling and client access shared by every command."""

    app: Any

    def get_epilog(self) -> str:
        """cliff's epilog; in ``migabort`` without the distribution line.

        cliff names the distribution that provides a command by scanning
        every installed package, on every run (about 0.1 s); ``migabort``
        only has our commands, so it skips that.
        """
        if getattr(self.app, "NAMES_DISTRIBUTIONS", True):
            return str(super().get_epilog())  # type: ignore[misc]
        return str(getattr(self, "_epilog", None) or "")

    def _load_formatter_plugins(self) -> Any:
        """cliff's formatters; plain-ASCII tables drawn without wcwidth."""
        from migabortclient.osc import _table

        manager = super()._load_formatter_plugins()  # type: ignore[misc]
        _table.install(manager)
        return manager

    def run(self, parsed_args: argparse.Namespace) -> int:
        try:
            return int(super().run(parsed_args) or 0)  # type: ignore[misc]
        except Exception as exc:
            code = exit_code_for(exc, pinned=self._version_pinned())
            if code is None:
                raise
            if getattr(self.app.options, "debug", False):
                self.app.stderr.write(traceback.format_exc())
            self.app.stderr.write(describe_error(exc) + "\n")
            return code

    def nova(self) -> v2_client.Client:
        client: v2_client.Client = self.app.client_manager.migabort
        return client

    def _version_pinned(self) -> bool:
        """Whether the user chose the compute API version (or a bad one).

        Both shells keep ``--os-compute-api-version`` (and its
        environment variable) in ``os_compute_api_version``.
        """
        options = getattr(self.app, "options", None)
        value = getattr(options, "os_compute_api_version", None)
        if not value:
            return False
        from migabortclient import api_versions
        from migabortclient import exceptions

        try:
            return api_versions.parse_requested(str(value)) is not None
        except exceptions.ClientException:
            return True

    def out(self, line: str) -> None:
        self.app.stdout.write(line + "\n")
        self.app.stdout.flush()


def at_least(nova: v2_client.Client, version: str) -> bool:
    from migabortclient.api_versions import APIVersion

    return bool(nova.api_version >= APIVersion(version))


def _in_progress_migrations(
    nova: v2_client.Client, server: models.Server
) -> list[models.ServerMigration]:
    return list(nova.server_migrations.list(server.id))


def pick_migration(
    nova: v2_client.Client, server: models.Server, migration: str | None
) -> int:
    """The id of the migration to act on: the one given (an id, or a
    UUID with 2.59+), or the server's only in-progress live migration.

    A UUID is looked up in the server's list, which project managers may
    read, so that later steps (``--wait``) can follow the migration by id
    even once it has left the list.
    """
    if migration is not None:
        check_migration_ref(migration)
        ref = migration.strip()
        if ref.isdigit():
            return int(ref)
        found: models.ServerMigration = nova.server_migrations.get(
            server.id, ref
        )
        return int(found.id)
    items = _in_progress_migrations(nova, server)
    if not items:
        raise OperationFailed(
            f"Server {server.name} ({server.id}) has no in-progress live "
            "migration."
        )
    if len(items) > 1:
        listed = ", ".join(f"{m.id} ({m.status})" for m in items)
        raise OperationFailed(
            f"Server {server.name} ({server.id}) has {len(items)} "
            f"in-progress live migrations: {listed}. Name one."
        )
    return int(items[0].id)


def read_migration(
    nova: v2_client.Client, server: models.Server, mid: int
) -> models.ServerMigration | None:
    """The migration from the server's in-progress list, or None once it
    has left it. The list (unlike ``show``) is open to project managers."""
    for item in nova.server_migrations.list(server.id):
        if item.id == mid:
            found: models.ServerMigration = item
            return found
    return None


def final_status(
    nova: v2_client.Client, server: models.Server, mid: int
) -> str | None:
    """The migration's status from os-migrations, or None if unreadable.

    Nova lets a project manager list os-migrations only with
    ``project_id`` set to their own project (2.80+); a server they can see
    is in that project, so that is the second try after a 403.
    """
    from migabortclient import exceptions

    tries: list[str | None] = [None]
    if server.project_id and at_least(nova, "2.80"):
        tries.append(server.project_id)
    for project_id in tries:
        try:
            rows = nova.migrations.list(
                instance_uuid=server.id, project_id=project_id
            )
            for item in rows:
                if item.id == mid:
                    return str(item.status)
            return None
        except exceptions.Forbidden as exc:
            LOG.debug("os-migrations (project %s): %s", project_id, exc)
    return None


def complete_outcome(
    nova: v2_client.Client, server: models.Server, outcome: models.Outcome
) -> models.Outcome:
    """Fill in the final status when the library could not read it
    (os-migrations refused by policy for a project manager)."""
    if outcome.status is not None:
        return outcome
    import dataclasses

    status = final_status(nova, server, outcome.migration_id)
    if status is None:
        return outcome
    return dataclasses.replace(outcome, status=status)


# ---------------------------------------------------------------- list

LIST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Source Node", "source_node"),
    ("Dest Node", "dest_node"),
    ("Source Compute", "source_compute"),
    ("Dest Compute", "dest_compute"),
    ("Dest Host", "dest_host"),
    ("Status", "status"),
    ("Server UUID", "instance_uuid"),
    ("Old Flavor", "old_instance_type_id"),
    ("New Flavor", "new_instance_type_id"),
    ("Created At", "created_at"),
    ("Updated At", "updated_at"),
)


def list_columns(
    nova: v2_client.Client, *, with_project: bool, with_user: bool
) -> list[tuple[str, str]]:
    """OSC's column set for the negotiated version, in OSC's order."""
    cols = list(LIST_COLUMNS)
    if at_least(nova, "2.59"):
        cols.insert(0, ("UUID", "uuid"))
    if at_least(nova, "2.23"):
        cols.insert(0, ("Id", "id"))
        cols.insert(len(cols) - 2, ("Type", "migration_type"))
    if at_least(nova, "2.80"):
        if with_project:
            cols.insert(len(cols) - 2, ("Project", "project_id"))
        if with_user:
            cols.insert(len(cols) - 2, ("User", "user_id"))
    return cols


def _cell(item: Any, attr: str) -> Any:
    value = getattr(item, attr, None)
    if attr.endswith("_at"):
        return fmt.DateTimeColumn(value)
    if attr.endswith("_bytes"):
        return fmt.BytesColumn(value)
    return value


class ListServerMigration(MigrationCommandMixin, lister.Lister):
    """List migrations of every kind, with filters.

    The options and columns are python-openstackclient's.
    --marker, --limit and --changes-since need compute API 2.59 or later,
    --changes-before 2.66, --project and --user 2.80. With Nova's default
    policy, listing needs the admin role, or the manager role with
    --project set to the manager's own project.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.epilog = EXIT_CODES_HELP
        parser.add_argument(
            "--server",
            metavar="<server>",
            help="Only migrations of this server (name or ID)",
        )
        parser.add_argument(
            "--host",
            metavar="<host>",
            help="Only migrations from or to this host",
        )
        parser.add_argument(
            "--status", metavar="<status>", help="Only this status"
        )
        parser.add_argument(
            "--type",
            metavar="<type>",
            choices=[
                "evacuation",
                "live-migration",
                "cold-migration",
                "resize",
            ],
            help="Only this type: evacuation, live-migration, "
            "cold-migration or resize",
        )
        parser.add_argument(
            "--limit",
            metavar="<limit>",
            type=non_negative_int,
            help="Return at most this many migrations, as one page of "
            "this size (as python-openstackclient does; 0 means no limit; "
            "2.59+). Use --max-items to follow pages up to a total",
        )
        parser.add_argument(
            "--marker",
            metavar="<marker>",
            help="Start after this migration UUID (2.59+)",
        )
        parser.add_argument(
            "--max-items",
            metavar="<max-items>",
            type=non_negative_int,
            help="Return at most this many migrations in total, following "
            "pages as needed (0 means no limit)",
        )
        parser.add_argument(
            "--changes-since",
            metavar="<changes-since>",
            help="Only migrations changed at or after this ISO 8601 time "
            "(2.59+)",
        )
        parser.add_argument(
            "--changes-before",
            metavar="<changes-before>",
            help="Only migrations changed at or before this ISO 8601 time "
            "(2.66+)",
        )
        parser.add_argument(
            "--project",
            metavar="<project>",
            help="Only migrations of this project (ID; names work under "
            "openstack; 2.80+); adds a Project column",
        )
        parser.add_argument(
            "--project-domain",
            metavar="<project-domain>",
            help="Domain owning --project (name or ID)",
        )
        parser.add_argument(
            "--user",
            metavar="<user>",
            help="Only migrations started by this user (ID; names work "
            "under openstack; 2.80+); adds a User column",
        )
        parser.add_argument(
            "--user-domain",
            metavar="<user-domain>",
            help="Domain owning --user (name or ID)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[list[str], Iterable[list[Any]]]:
        nova = self.nova()
        # Before any lookup, as python-openstackclient does, and in its
        # terms: the option, not the API parameter.
        check_list_options(nova, parsed_args)
        migration_type = parsed_args.type
        if migration_type == "cold-migration":
            migration_type = "migration"
        instance_uuid = None
        if parsed_args.server:
            instance_uuid = nova.servers.find(parsed_args.server).id
        user_id = self._identity(
            "user", parsed_args.user, parsed_args.user_domain
        )
        project_id = self._identity(
            "project", parsed_args.project, parsed_args.project_domain
        )
        cap, page_size = list_bounds(
            nova, parsed_args.limit, parsed_args.max_items
        )
        found: Iterable[models.Migration] = nova.migrations.list(
            host=parsed_args.host,
            status=parsed_args.status,
            migration_type=migration_type,
            instance_uuid=instance_uuid,
            changes_since=parsed_args.changes_since or None,
            changes_before=parsed_args.changes_before or None,
            user_id=user_id,
            project_id=project_id,
            limit=page_size,
            marker=parsed_args.marker or None,
        )
        if cap is not None:
            # The library follows every page; stop after ``cap`` rows
            # without asking for the next page.
            found = itertools.islice(found, cap)
        cols = list_columns(
            nova,
            with_project=bool(parsed_args.project),
            with_user=bool(parsed_args.user),
        )
        try:
            rows = [[_cell(m, attr) for _, attr in cols] for m in found]
        except Exception as exc:
            add_project_hint(nova, exc)
            raise
        return [header for header, _ in cols], rows

    def _identity(
        self, kind: str, value: str | None, domain: str | None
    ) -> str | None:
        """A project/user ID; names are resolved when OSC can do it.
        An empty value is no filter, as python-openstackclient reads it."""
        if not value:
            return None
        if looks_like_id(value):
            return value
        conn = getattr(self.app.client_manager, "sdk_connection", None)
        if conn is None:
            raise UsageError(
                f"--{kind} takes an ID here; {value!r} is not one (use "
                f"'openstack server migration list --{kind}' for names)"
            )
        finder = getattr(conn.identity, f"find_{kind}")
        extra = {"domain_id": domain} if domain else {}
        try:
            return str(finder(value, ignore_missing=False, **extra).id)
        except Exception as exc:
            raise OperationFailed(identity_error(kind, value, exc)) from exc


def identity_error(kind: str, value: str, exc: BaseException) -> str:
    """One plain line for a --project/--user name Keystone did not
    resolve (openstacksdk's text carries the URL and HTML markup)."""
    status = getattr(exc, "status_code", None) or getattr(
        exc, "http_status", None
    )
    # openstacksdk's NotFoundException (alias ResourceNotFound) has no
    # status when find_* raises it for an empty search.
    not_found = type(exc).__name__ in ("NotFoundException", "ResourceNotFound")
    if status == 404 or not_found:
        return (
            f"No {kind} named {value!r} was found in the identity service; "
            f"give --{kind} an ID, or --{kind}-domain if the name is in "
            "another domain."
        )
    detail = getattr(exc, "details", None) or str(exc)
    detail = " ".join(re.sub(r"<[^>]*>", " ", str(detail)).split())
    return f"Cannot resolve {kind} {value!r}: {detail}"


# Options of ``list`` that need a newer version than the command itself,
# as python-openstackclient checks them (a falsy value is not sent).
LIST_OPTION_VERSIONS: tuple[tuple[str, str, str], ...] = (
    ("marker", "--marker", "2.59"),
    ("limit", "--limit", "2.59"),
    ("changes_since", "--changes-since", "2.59"),
    ("changes_before", "--changes-before", "2.66"),
    ("project", "--project", "2.80"),
    ("user", "--user", "2.80"),
)


def require(nova: v2_client.Client, version: str, what: str) -> None:
    """``UnsupportedVersion`` naming ``what`` if the session is older
    than ``version`` (exit 2 when pinned, 1 when the server is too old).
    """
    from migabortclient.api_versions import APIVersion

    nova.http.require(APIVersion(version), what)


def require_command(
    nova: v2_client.Client, command: str, minimum: str, migration: str | None
) -> None:
    """The versions a command needs, checked before any lookup and named
    after the command (as migabort-nova does): its own minimum; 2.23 to
    find the server's one migration when none is given (the server's
    list); 2.59 for a migration UUID."""
    require(nova, minimum, command)
    if migration is None:
        require(nova, "2.23", f"{command} without <migration>")
    elif not migration.strip().isdigit():
        require(nova, "2.59", "Naming a migration by its UUID")


def check_time(option: str, value: str) -> None:
    try:
        datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} must be an ISO 8601 time such as "
            f"2026-11-24T10:00:00Z, not {value!r}"
        ) from None


def check_list_options(
    nova: v2_client.Client, args: argparse.Namespace
) -> None:
    """Local checks of ``list``'s options, before any request but the
    version document; messages name the options."""
    for attr, option in (("host", "--host"), ("status", "--status")):
        value = getattr(args, attr, None)
        if value is not None and not value.strip():
            # python-openstackclient sends it as an empty filter; an
            # empty $HOST in a script is a bug better stopped here.
            raise UsageError(f"{option} must not be empty")
    if args.marker and not looks_like_id(args.marker):
        raise UsageError(
            f"--marker must be a migration UUID, not {args.marker!r}"
        )
    for attr, option in (
        ("changes_since", "--changes-since"),
        ("changes_before", "--changes-before"),
    ):
        if getattr(args, attr):
            check_time(option, getattr(args, attr))
    for attr, option, version in LIST_OPTION_VERSIONS:
        if getattr(args, attr):
            require(nova, version, option)


ALL_PROJECTS_RULE = "os_compute_api:os-migrations:index:all_projects"


def add_project_hint(nova: v2_client.Client, exc: BaseException) -> None:
    """A project manager refused the all-projects listing is told the
    project ID to give --project (``migabort`` takes IDs only)."""
    if getattr(exc, "policy_rule", None) != ALL_PROJECTS_RULE:
        return
    try:
        project_id = nova.http.project_id()
    except Exception:  # only a hint: never hide the 403
        return
    if project_id:
        exc.cli_hint = (  # type: ignore[attr-defined]
            f" This session's project is {project_id}."
        )


def list_bounds(
    nova: v2_client.Client, limit: int | None, max_items: int | None
) -> tuple[int | None, int | None]:
    """(most rows to show, page size to ask Nova for), as OSC 10.5 does.

    python-openstackclient sends ``--limit`` as the page size and reads
    only that one page, so ``--limit N`` prints at most N rows;
    ``--max-items`` caps the total across pages and, without ``--limit``,
    is also the page size. 0 means "no limit" for both, as in OSC.
    """
    limit = limit or None
    max_items = max_items or None
    caps = [n for n in (limit, max_items) if n is not None]
    cap = min(caps) if caps else None
    page_size = limit
    if page_size is None and max_items is not None:
        # Only a hint; below 2.59 Nova has no paging and ignores it.
        page_size = max_items if at_least(nova, "2.59") else None
    return cap, page_size


def looks_like_id(value: str) -> bool:
    """Keystone IDs are 32 hex digits (or a UUID)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- show

SHOW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ID", "id"),
    ("Server UUID", "server_uuid"),
    ("Status", "status"),
    ("Source Compute", "source_compute"),
    ("Source Node", "source_node"),
    ("Dest Compute", "dest_compute"),
    ("Dest Host", "dest_host"),
    ("Dest Node", "dest_node"),
    ("Memory Total Bytes", "memory_total_bytes"),
    ("Memory Processed Bytes", "memory_processed_bytes"),
    ("Memory Remaining Bytes", "memory_remaining_bytes"),
    ("Disk Total Bytes", "disk_total_bytes"),
    ("Disk Processed Bytes", "disk_processed_bytes"),
    ("Disk Remaining Bytes", "disk_remaining_bytes"),
    ("Created At", "created_at"),
    ("Updated At", "updated_at"),
)


def show_columns(nova: v2_client.Client) -> list[tuple[str, str]]:
    cols = list(SHOW_COLUMNS)
    if at_least(nova, "2.59"):
        cols.append(("UUID", "uuid"))
    if at_least(nova, "2.80"):
        cols += [("User ID", "user_id"), ("Project ID", "project_id")]
    return cols


def check_migration_ref(ref: str) -> None:
    """A migration id (1 to 2**31-1) or UUID; checked before any request,
    in the library's words (which migabort-nova prints too)."""
    from migabortclient import exceptions
    from migabortclient.v2 import _base

    try:
        _base.migration_ref(ref)
    except exceptions.ValidationError as exc:
        raise UsageError(exc.message) from None


def get_migration(
    nova: v2_client.Client, server: models.Server, ref: str
) -> models.ServerMigration:
    """By integer id (admins), or (2.59+) by UUID from the server's list."""
    found: models.ServerMigration = nova.server_migrations.get(
        server.id, ref.strip()
    )
    return found


class ShowServerMigration(MigrationCommandMixin, show.ShowOne):
    """Show an in-progress live migration of a server.

    Needs compute API 2.23 or later; a migration UUID needs 2.59. With
    Nova's default policy only admins may show a migration; a project
    manager can follow one with 'server migration watch'.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.epilog = EXIT_CODES_HELP
        parser.add_argument(
            "server", metavar="<server>", help="Server (name or ID)"
        )
        parser.add_argument(
            "migration",
            metavar="<migration>",
            help="Migration (ID, or UUID with 2.59+)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[list[str], list[Any]]:
        check_migration_ref(parsed_args.migration)
        nova = self.nova()
        require_command(
            nova, "server migration show", "2.23", parsed_args.migration
        )
        server = nova.servers.find(parsed_args.server)
        item = get_migration(nova, server, parsed_args.migration)
        cols = show_columns(nova)
        return [h for h, _ in cols], [_cell(item, a) for _, a in cols]


# ---------------------------------------------------------------- wait


def progress_line(item: models.ServerMigration) -> str:
    memory = fmt.percent_done(
        item.memory_total_bytes, item.memory_remaining_bytes
    )
    disk = fmt.percent_done(item.disk_total_bytes, item.disk_remaining_bytes)
    parts = [f"migration {item.id}: {item.status}"]
    if memory is not None:
        left = fmt.human_bytes(item.memory_remaining_bytes)
        parts.append(f"memory {fmt.human_percent(memory)} ({left} left)")
    if disk is not None and item.disk_total_bytes:
        parts.append(f"disk {fmt.human_percent(disk)}")
    return ", ".join(parts)


def _request_note(request_id: str | None) -> str:
    return f" (request {request_id})" if request_id else ""


def _host_of(outcome: models.Outcome, *, source: bool) -> str:
    """Where the server is now: its host (admins see it), else the
    migration's source or destination, else a plain description."""
    if outcome.server is not None and outcome.server.host:
        return outcome.server.host
    mig = outcome.migration
    host = None
    if mig is not None:
        host = mig.source_compute if source else mig.dest_compute
    if host:
        return host
    return "its source host" if source else "its destination host"


def _action_failure(outcome: models.Outcome, operation: str) -> str | None:
    """The failure the compute host recorded on the instance action."""
    action = outcome.action
    if action is None:
        return None
    for event in action.failed_events:
        detail = event.details
        if not detail:
            lines = (event.traceback or "").splitlines()
            detail = next((ln for ln in reversed(lines) if ln.strip()), "")
        detail = detail.strip()
        if "NotImplementedError" in detail:
            return f"the compute driver does not support {operation}"
        return (
            f"{event.event}: {detail}" if detail else f"{event.event} failed"
        )
    if action.message:
        return f"instance action {action.action}: {action.message}"
    return None


def _action_succeeded(outcome: models.Outcome) -> str | None:
    """The compute event that records success, if every step finished
    without error; None when there is no such record."""
    events = outcome.events
    if not events or not outcome.succeeded:
        return None
    if any(e.result is None for e in events):
        return None
    return events[0].event


def describe_abort(outcome: models.Outcome) -> tuple[str, int]:
    """One line for how an abort ended, and the exit code."""
    mid = outcome.migration_id
    if outcome.status == "cancelled":
        return (
            f"aborted: migration {mid} cancelled, server back on "
            f"{_host_of(outcome, source=True)}",
            EXIT_OK,
        )
    failure = _action_failure(outcome, "abort")
    if outcome.status in ("completed", "post-migrating"):
        why = failure or "the migration finished before the abort landed"
        return (
            f"abort failed: {why}; migration {mid} {outcome.status}, server "
            f"now on {_host_of(outcome, source=False)}",
            EXIT_FAILURE,
        )
    if outcome.status is None and failure is None:
        event = _action_succeeded(outcome)
        if event is not None:
            # os-migrations is closed to this user: the instance action
            # is the record of what the compute host did.
            return (
                f"aborted: migration {mid} is no longer in progress and "
                f"{event} succeeded, server back on "
                f"{_host_of(outcome, source=True)}",
                EXIT_OK,
            )
        return (
            f"abort outcome unknown: migration {mid} is no longer in "
            "progress, but neither its final status nor the "
            "live_migration_cancel action could be read",
            EXIT_FAILURE,
        )
    status = outcome.status or "unknown"
    why = failure or f"migration {mid} ended in status {status}"
    return f"abort failed: {why}", EXIT_FAILURE


def describe_force_complete(outcome: models.Outcome) -> tuple[str, int]:
    """One line for how a force-complete ended, and the exit code."""
    mid = outcome.migration_id
    if outcome.status == "completed":
        return (
            f"force-completed: migration {mid} completed, server now on "
            f"{_host_of(outcome, source=False)}",
            EXIT_OK,
        )
    failure = _action_failure(outcome, "force complete")
    if outcome.status is None and failure is None:
        event = _action_succeeded(outcome)
        if event is not None:
            return (
                f"force-completed: migration {mid} is no longer in "
                f"progress and {event} succeeded, server now on "
                f"{_host_of(outcome, source=False)}",
                EXIT_OK,
            )
        return (
            f"force complete outcome unknown: migration {mid} is no "
            "longer in progress, but neither its final status nor the "
            "live_migration_force_complete action could be read",
            EXIT_FAILURE,
        )
    status = outcome.status or "unknown"
    why = failure or f"migration {mid} ended {status}"
    return f"force complete failed: {why}", EXIT_FAILURE


class _WaitMixin(MigrationCommandMixin):
    def add_wait_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Show progress until the migration ends, then report the "
            "outcome (exit 3 on timeout)",
        )
        parser.add_argument(
            "--timeout",
            metavar="<seconds>",
            type=positive_float,
            default=None,
            help="With --wait: give up after this many seconds (default "
            f"{WAIT_TIMEOUT_DEFAULT:g})",
        )

    def wait_for(
        self,
        nova: v2_client.Client,
        server: models.Server,
        migration: int,
        timeout: float,
        request_id: str | None = None,
    ) -> models.Outcome:
        last: list[str] = []

        def on_poll(item: models.ServerMigration) -> None:
            line = progress_line(item)
            if not last or last[-1] != line:
                self.out(line)
                last.append(line)
                del last[:-1]

        from migabortclient import exceptions

        try:
            outcome: models.Outcome = nova.server_migrations.wait(
                server.id,
                migration,
                timeout=timeout,
                poll_interval=poll_interval(WAIT_POLL_DEFAULT),
                on_poll=on_poll,
                request_id=request_id,
            )
        except exceptions.WaitTimeout as exc:
            # Nova has the request; say how to keep following it rather
            # than leave the operator to re-send it.
            raise exceptions.WaitTimeout(
                f"{exc.message} The request stands; follow it with "
                f"'server migration watch {server.name or server.id} "
                f"{migration}'.",
                migration_id=exc.migration_id,
                status=exc.status,
            ) from exc
        return complete_outcome(nova, server, outcome)


# ---------------------------------------------------------------- abort


def server_to_act_on(
    nova: v2_client.Client, ref: str, migration: str | None
) -> models.Server:
    """The server: by UUID with a numeric migration id, as given (Nova's
    own 404 names a wrong UUID, and an abort stays one request after
    version discovery); otherwise looked up by name or ID."""
    if migration is not None and migration.isdigit() and looks_like_id(ref):
        from migabortclient.v2 import models as models_mod

        return models_mod.Server(id=ref)
    return nova.servers.find(ref)


class AbortServerMigration(_WaitMixin, command.Command):
    """Abort an in-progress live migration.

    With no <migration>, aborts the server's one in-progress live
    migration. --host H --all aborts every in-progress live migration off
    host H. Needs compute API 2.24 or later; aborting a queued or
    preparing migration needs 2.65 (negotiated when the cloud offers it).
    Nova accepts the abort before the compute host acts: --wait reports
    what happened.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.epilog = EXIT_CODES_WAIT_HELP
        parser.add_argument(
            "server",
            metavar="<server>",
            nargs="?",
            help="Server (name or ID)",
        )
        parser.add_argument(
            "migration",
            metavar="<migration>",
            nargs="?",
            help="Migration ID, or UUID with 2.59+ (default: the server's "
            "only in-progress live migration)",
        )
        self.add_wait_arguments(parser)
        parser.add_argument(
            "--host",
            metavar="<host>",
            help="With --all: abort the live migrations off this host",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="With --host: every in-progress live migration (asks "
            "first on a terminal; exit 1 if any abort fails)",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="With --all: do not ask for confirmation (piped input "
            "is never asked)",
        )
        parser.add_argument(
            "--parallel",
            metavar="<n>",
            type=positive_int,
            default=4,
            help="With --all: abort at most this many at once (default 4)",
        )
        add_abort_all_output_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        validate_abort_args(parsed_args)
        if parsed_args.all:
            return self._abort_host(parsed_args)
        nova = self.nova()
        require_command(
            nova, "server migration abort", "2.24", parsed_args.migration
        )
        server = server_to_act_on(
            nova, parsed_args.server, parsed_args.migration
        )
        mid = pick_migration(nova, server, parsed_args.migration)
        request_id = abort(nova, server.id, mid)
        self.out(
            f"Abort requested for migration {mid} of server "
            f"{server.name or server.id}{_request_note(request_id)}."
        )
        if not parsed_args.wait:
            return EXIT_OK
        outcome = self.wait_for(
            nova, server, mid, wait_timeout(parsed_args), request_id
        )
        line, code = describe_abort(outcome)
        self.out(line)
        return code

    def _abort_host(self, parsed_args: argparse.Namespace) -> int:
        nova = self.nova()
        # Before the listing: otherwise every row would fail alike.
        require(nova, "2.24", "server migration abort")
        host = parsed_args.host
        output = getattr(parsed_args, "formatter", None) or "table"
        # json, yaml, value and csv keep stdout for the rows alone.
        notes = self.app.stdout if output == "table" else self.app.stderr
        targets = [
            m
            for m in nova.migrations.list(
                source_compute=host, migration_type="live-migration"
            )
            if m.status in IN_PROGRESS
        ]
        if not targets:
            self._note(
                notes, f"No in-progress live migrations off host {host}."
            )
            if output != "table":
                self._emit_rows(parsed_args, output, [])
            return EXIT_OK
        if not parsed_args.yes and self.app.stdin.isatty():
            ids = ", ".join(str(m.id) for m in targets)
            notes.write(
                f"Abort {len(targets)} live migration(s) off {host} "
                f"({ids})? [y/N] "
            )
            notes.flush()
            answer = self.app.stdin.readline().strip().lower()
            if answer not in ("y", "yes"):
                self._note(notes, "Nothing aborted.")
                return EXIT_FAILURE
        results = abort_many(
            lambda m: abort(nova, m.instance_uuid, m.id),
            targets,
            parallel=parsed_args.parallel,
        )
        failures = [row for row in results if not row.accepted]
        if output == "table" and not getattr(parsed_args, "columns", None):
            # Errors are long (Nova's message, status, request id): the
            # table stays narrow and each failure follows it on a line of
            # its own.
            self.out(
                render_table(
                    ("Migration", "Server", "Result"),
                    [
                        (
                            str(row.migration),
                            row.server,
                            row.result
                            if row.accepted
                            else "FAILED (see below)",
                        )
                        for row in results
                    ],
                )
            )
            for row in failures:
                self.out(f"Migration {row.migration}: {row.result}")
        else:
            # Chosen columns or a format for scripts: the full error text
            # is in each failed row.
            self._emit_rows(parsed_args, output, results)
        if failures:
            self._note(
                notes, f"{len(failures)} of {len(results)} aborts failed."
            )
            return EXIT_FAILURE
        return EXIT_OK

    @staticmethod
    def _note(stream: Any, line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    def _emit_rows(
        self,
        parsed_args: argparse.Namespace,
        output: str,
        rows: Sequence[AbortRow],
    ) -> None:
        """Draw ``rows`` with cliff's formatter for ``-f``, ``-c`` columns."""
        names = abort_all_columns(getattr(parsed_args, "columns", None))
        picked = [ABORT_ALL_COLUMNS.index(name) for name in names]
        data = [tuple(row[i] for i in picked) for row in rows]
        formatter = abort_all_formatter(output)
        formatter.emit_list(
            names, data, self.app.stdout, abort_all_formatter_args(parsed_args)
        )
        self.app.stdout.flush()


def check_wait_args(args: argparse.Namespace) -> None:
    """--timeout alone would be silently ignored: the command would not
    wait, which is not what its author expected."""
    if getattr(args, "timeout", None) is not None and not args.wait:
        raise UsageError("--timeout works with --wait only")


def wait_timeout(args: argparse.Namespace) -> float:
    timeout: float | None = args.timeout
    return WAIT_TIMEOUT_DEFAULT if timeout is None else timeout


# ``--host H --all`` output: one row per migration, for every format.
ABORT_ALL_COLUMNS = ("Migration", "Server", "Result", "Accepted", "Request ID")
ABORT_ALL_FORMATS = ("table", "json", "yaml", "value", "csv")
# cliff's csv formatter's --quote choices and default (CSVLister).
CSV_QUOTE_MODES = ("all", "minimal", "none", "nonnumeric")
CSV_QUOTE_DEFAULT = "nonnumeric"


class AbortRow(NamedTuple):
    """One abort of ``--host H --all``, in ``ABORT_ALL_COLUMNS`` order."""

    migration: int
    server: str
    result: str  # "abort requested req-..." or the error, on one line
    accepted: bool  # Nova accepted the abort
    request_id: str | None  # the abort's request id, or the failed one's


def add_abort_all_output_arguments(parser: argparse.ArgumentParser) -> None:
    """cliff's output options, for ``--host H --all`` only.

    The same names, destinations and defaults as cliff's lister options
    and the json and csv formatters' own; the formatters themselves are
    imported only when an --all run draws its rows.
    """
    group = parser.add_argument_group(
        title="output formatters",
        description="With --host H --all only: how the results are printed",
    )
    group.add_argument(
        "-f",
        "--format",
        dest="formatter",
        choices=ABORT_ALL_FORMATS,
        default=None,
        help="With --all: the output format, defaults to table (json, "
        "yaml, value and csv print the rows alone on stdout; messages and "
        "the failure count go to stderr)",
    )
    group.add_argument(
        "-c",
        "--column",
        action="append",
        default=[],
        dest="columns",
        metavar="COLUMN",
        help="With --all: a column to include, can be repeated; one of "
        + ", ".join(ABORT_ALL_COLUMNS),
    )
    group.add_argument(
        "--noindent",
        action="store_true",
        dest="noindent",
        help="With --all -f json: do not indent the JSON",
    )
    group.add_argument(
        "--quote",
        choices=CSV_QUOTE_MODES,
        dest="quote_mode",
        default=None,
        help="With --all -f csv: when to include quotes, defaults to "
        f"{CSV_QUOTE_DEFAULT}",
    )


def _output_options_given(args: argparse.Namespace) -> list[str]:
    given = (
        ("-f/--format", getattr(args, "formatter", None) is not None),
        ("-c/--column", bool(getattr(args, "columns", None))),
        ("--noindent", bool(getattr(args, "noindent", False))),
        ("--quote", getattr(args, "quote_mode", None) is not None),
    )
    return [option for option, on in given if on]


def _column_key(name: str) -> str:
    # As cliff: "-c request_id" names "Request ID".
    return name.lower().strip().replace(" ", "_")


def abort_all_columns(requested: Sequence[str] | None) -> list[str]:
    """The columns to print, in the command's order (as cliff keeps them).

    Unlike cliff, an unknown name is refused rather than skipped: a typo
    in a script must not drop a column silently.
    """
    if not requested:
        return list(ABORT_ALL_COLUMNS)
    known = {_column_key(name): name for name in ABORT_ALL_COLUMNS}
    for name in requested:
        if _column_key(name) not in known:
            raise UsageError(
                f"-c/--column: unknown column {name!r}; the columns are "
                + ", ".join(ABORT_ALL_COLUMNS)
            )
    keys = {_column_key(name) for name in requested}
    return [name for name in ABORT_ALL_COLUMNS if _column_key(name) in keys]


def abort_all_formatter(name: str) -> cliff_formatters.ListFormatter:
    """cliff's list formatter for ``-f name``, imported on demand."""
    if name == "json":
        from cliff.formatters import json_format

        return json_format.JSONFormatter()
    if name == "yaml":
        from cliff.formatters import yaml_format

        return yaml_format.YAMLFormatter()
    if name == "value":
        from cliff.formatters import value

        return value.ValueFormatter()
    if name == "csv":
        from cliff.formatters import commaseparated

        return commaseparated.CSVLister()
    if name == "table":
        from migabortclient.osc import _table

        return _table.TableFormatter()
    raise UsageError(f"-f/--format: unknown format {name!r}")


def abort_all_formatter_args(args: argparse.Namespace) -> argparse.Namespace:
    """What cliff's formatters read from their parsed arguments.

    json: ``noindent``; csv: ``quote_mode``; table (only with -c):
    ``max_width``, ``fit_width``, ``print_empty`` at cliff's defaults
    (no maximum, fit to a terminal only).
    """
    quote_mode = getattr(args, "quote_mode", None) or CSV_QUOTE_DEFAULT
    return argparse.Namespace(
        noindent=bool(getattr(args, "noindent", False)),
        quote_mode=quote_mode,
        max_width=0,
        fit_width=False,
        print_empty=False,
    )


def validate_abort_args(args: argparse.Namespace) -> None:
    check_wait_args(args)
    if args.all or args.host is not None:
        if not (args.all and args.host is not None):
            raise UsageError("--host and --all must be given together")
        if not args.host.strip():
            # An empty $HOST in a script must not reach Nova's filter.
            raise UsageError("--host must not be empty")
        if args.server or args.migration:
            raise UsageError("--host/--all do not take <server> <migration>")
        if args.wait:
            raise UsageError("--wait works with a single migration only")
        abort_all_columns(getattr(args, "columns", None))
        return
    output_options = _output_options_given(args)
    if output_options:
        # One migration's answer is a sentence, as in OSC's own command.
        raise UsageError(f"{output_options[0]} works with --host H --all only")
    if not args.server:
        raise UsageError("<server> is required (or --host H --all)")
    if args.migration is not None:
        check_migration_ref(args.migration)


def abort_many(
    abort: Callable[[Any], str | None],
    targets: Sequence[Any],
    parallel: int,
) -> list[AbortRow]:
    """Abort each target with at most ``parallel`` requests in flight.

    One row per target, in the targets' order: migration id, server,
    result text, whether Nova accepted the abort, and the request id
    (of the abort, or of the request that failed when Nova sent one).
    """

    def one(m: Any) -> AbortRow:
        try:
            request_id = abort(m)
        except Exception as exc:
            if exit_code_for(exc) is None:
                raise
            failed_id = getattr(exc, "request_id", None)
            return AbortRow(
                int(m.id),
                str(m.instance_uuid),
                describe_error(exc),
                False,
                str(failed_id) if failed_id else None,
            )
        result = "abort requested" + (f" {request_id}" if request_id else "")
        return AbortRow(
            int(m.id), str(m.instance_uuid), result, True, request_id or None
        )

    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(one, targets))


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A left-aligned framed table, as the table formatter draws one."""
    from migabortclient.osc import _table

    return _table.render(headers, rows, ["l"] * len(headers))


# ---------------------------------------------------------------- force


class ForceCompleteServerMigration(_WaitMixin, command.Command):
    """Force an in-progress live migration to complete.

    With no <migration>, acts on the server's one in-progress live
    migration. Needs compute API 2.22 or later. The hypervisor pauses the
    server (or switches to post-copy) until the copy finishes; --wait
    reports what happened.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.epilog = EXIT_CODES_WAIT_HELP
        parser.add_argument(
            "server", metavar="<server>", help="Server (name or ID)"
        )
        parser.add_argument(
            "migration",
            metavar="<migration>",
            nargs="?",
            help="Migration ID, or UUID with 2.59+ (default: the server's "
            "only in-progress live migration)",
        )
        self.add_wait_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        check_wait_args(parsed_args)
        if parsed_args.migration is not None:
            check_migration_ref(parsed_args.migration)
        nova = self.nova()
        require_command(
            nova,
            "server migration force complete",
            "2.22",
            parsed_args.migration,
        )
        server = server_to_act_on(
            nova, parsed_args.server, parsed_args.migration
        )
        mid = pick_migration(nova, server, parsed_args.migration)
        request_id = nova.server_migrations.force_complete(server.id, mid)
        self.out(
            f"Force complete requested for migration {mid} of server "
            f"{server.name or server.id}{_request_note(request_id)}."
        )
        if not parsed_args.wait:
            return EXIT_OK
        outcome = self.wait_for(
            nova, server, mid, wait_timeout(parsed_args), request_id
        )
        line, code = describe_force_complete(outcome)
        self.out(line)
        return code


# ---------------------------------------------------------------- watch


def _timestamp(value: Any) -> float | None:
    return value.timestamp() if hasattr(value, "timestamp") else None


class Watcher:
    """Turns successive migration readings into display lines."""

    def __init__(
        self,
        window: float,
        tty: bool,
        width: Callable[[], int] | None = None,
        server: str | None = None,
    ) -> None:
        self.tracker = fmt.ConvergenceTracker(window)
        # How the operator named the server: the warning's commands can
        # then be pasted as they are.
        self.server = shlex.quote(server) if server else None
        self.tty = tty
        self.width = width or (lambda: DEFAULT_TERMINAL_WIDTH)
        self.warned = False
        # Index in LAYOUTS; only ever moves to tighter ones.
        self.layout = 0

    def observe(self, item: models.ServerMigration, now: float) -> list[str]:
        # The server's clock (updated_at) drives rate and convergence, so
        # readings are comparable however long our polls took.
        sample_t = _timestamp(item.updated_at) or now
        self.tracker.add(
            sample_t, item.memory_remaining_bytes, item.memory_processed_bytes
        )
        created = _timestamp(item.created_at)
        elapsed = None if created is None else max(0.0, sample_t - created)
        memory = fmt.percent_done(
            item.memory_total_bytes, item.memory_remaining_bytes
        )
        disk = fmt.percent_done(
            item.disk_total_bytes, item.disk_remaining_bytes
        )
        converging = self.tracker.converging()
        eta = self.tracker.eta()
        disk_text = fmt.human_percent(disk) if item.disk_total_bytes else "-"
        left = ""
        if item.memory_remaining_bytes is not None:
            left = f" ({fmt.human_bytes(item.memory_remaining_bytes)} left)"
        fields = [
            f"{item.status}",
            f"memory {fmt.human_percent(memory) or '-'}{left}",
            f"disk {disk_text}",
            f"rate {fmt.human_rate(self.tracker.rate()) or '-'}",
            f"running {fmt.human_duration(elapsed) or '-'}",
            f"ETA {fmt.human_duration(eta) if eta is not None else '-'}",
        ]
        if self.tty:
            # Room is short on a terminal line: no disk copy, no field.
            shown = [f for f in fields if f != "disk -"]
            text, self.layout = terminal_line(
                shown, memory, self.width(), self.layout
            )
        else:
            text = "  ".join(fields)
        lines = [text]
        if not converging and not self.warned:
            self.warned = True
            target = f"{self.server} {item.id}" if self.server else ""
            abort = f"server migration abort {target}".strip()
            force = f"server migration force complete {target}".strip()
            lines.append(
                f"WARNING: migration {item.id} is not converging: remaining "
                f"memory has not shrunk in {self.tracker.window:.0f}s. "
                f"Consider '{abort}' or '{force}'."
            )
        return lines


DEFAULT_TERMINAL_WIDTH = 80


# Terminal layouts, roomiest first: (bar width, field separator).
LAYOUTS: tuple[tuple[int, str], ...] = (
    (30, "  "),
    (20, "  "),
    (10, "  "),
    (10, " "),
    (6, " "),
    (0, " "),
)


def terminal_line(
    fields: Sequence[str],
    percent: float | None,
    width: int,
    start: int = 0,
) -> tuple[str, int]:
    """The progress fields and a bar, narrower than the terminal, and
    the index in ``LAYOUTS`` used.

    A line as wide as the terminal wraps, and ``\r`` then returns to
    its last row only: each redraw would leave a row behind. So the bar
    shrinks, then goes, then the fields are cut. ``start`` skips the
    roomier layouts, so that a redrawn line does not change its layout
    back and forth as its numbers change length.
    """
    limit = max(width - 1, 20)
    for index in range(start, len(LAYOUTS)):
        bar_width, sep = LAYOUTS[index]
        text = sep.join(fields)
        if bar_width:
            text = f"{fmt.progress_bar(percent, bar_width)} {text}"
        if len(text) <= limit:
            return text, index
    last = len(LAYOUTS) - 1
    return text[: limit - 3] + "...", last


class WatchServerMigration(MigrationCommandMixin, command.Command):
    """Watch an in-progress live migration until it ends.

    Shows memory and disk progress, transfer rate, time running and an
    ETA, and warns when the migration is not converging. On a terminal
    the line is redrawn in place; piped, one line per reading. Needs
    compute API 2.23 or later; open to project managers.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.epilog = EXIT_CODES_WATCH_HELP
        parser.add_argument(
            "server", metavar="<server>", help="Server (name or ID)"
        )
        parser.add_argument(
            "migration",
            metavar="<migration>",
            nargs="?",
            help="Migration ID, or UUID with 2.59+ (default: the server's "
            "only in-progress live migration)",
        )
        parser.add_argument(
            "--timeout",
            metavar="<seconds>",
            type=positive_float,
            default=3600.0,
            help="Stop watching after this many seconds (exit 3; "
            "default 3600)",
        )
        parser.add_argument(
            "--window",
            metavar="<seconds>",
            type=positive_float,
            default=30.0,
            help="Warn when remaining memory has not shrunk over this "
            "many seconds of migration time (default 30)",
        )
        parser.add_argument(
            "--count",
            metavar="<n>",
            type=positive_int,
            help="Stop (exit 0) after this many readings",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        if parsed_args.migration is not None:
            check_migration_ref(parsed_args.migration)
        nova = self.nova()
        require_command(
            nova, "server migration watch", "2.23", parsed_args.migration
        )
        server = nova.servers.find(parsed_args.server)
        mid = pick_migration(nova, server, parsed_args.migration)
        interval = poll_interval(WATCH_POLL_DEFAULT)
        tty = bool(getattr(self.app.stdout, "isatty", lambda: False)())
        screen = ProgressScreen(self.app.stdout, tty)
        watcher = Watcher(
            parsed_args.window,
            tty,
            width=screen.width,
            server=parsed_args.server,
        )
        deadline = time.monotonic() + parsed_args.timeout
        readings = 0
        try:
            while True:
                # The list, not show: project managers may read it.
                item = read_migration(nova, server, mid)
                if item is None or item.status not in WATCH_ACTIVE:
                    status = final_status(nova, server, mid)
                    if item is None and status is None and not readings:
                        # Never seen: not this server's migration, or a
                        # typo. Saying "no longer in progress" would hide it.
                        raise OperationFailed(
                            f"Server {server.name} ({server.id}) has no "
                            f"in-progress live migration {mid}."
                        )
                    screen.line(
                        f"migration {mid} is no longer in progress"
                        if status is None
                        else f"migration {mid} ended: {status}"
                    )
                    return EXIT_OK
                progress, *warnings = watcher.observe(item, time.monotonic())
                screen.progress(progress)
                for warning in warnings:
                    screen.line(warning)
                readings += 1
                if (
                    parsed_args.count is not None
                    and readings >= parsed_args.count
                ):
                    return EXIT_OK
                if time.monotonic() >= deadline:
                    screen.close()
                    self.app.stderr.write(
                        f"Stopped watching migration {mid} after "
                        f"{parsed_args.timeout:g}s; it is still in "
                        "progress.\n"
                    )
                    return EXIT_TIMEOUT
                time.sleep(interval)
        finally:
            screen.close()


class ProgressScreen:
    """Progress lines: redrawn in place on a terminal, one per reading
    otherwise (logs, pipes)."""

    def __init__(self, stream: Any, tty: bool) -> None:
        self.stream = stream
        self.tty = tty
        self._open = False

    def width(self) -> int:
        """The terminal's width now (it may be resized while watching)."""
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        if columns <= 0:
            # Not a terminal, or one that reports no size (a bare pty):
            # $COLUMNS, else 80.
            columns = shutil.get_terminal_size(
                (DEFAULT_TERMINAL_WIDTH, 24)
            ).columns
        return columns if columns > 0 else DEFAULT_TERMINAL_WIDTH

    def progress(self, text: str) -> None:
        if not self.tty:
            self.line(text)
            return
        # Carriage return, then erase the rest of the old line.
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self._open = True

    def line(self, text: str) -> None:
        """A line that stays (a warning, the end)."""
        self.close()
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
