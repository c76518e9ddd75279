"""``migabort-nova``: the nova CLI's migration commands, on our library.

Runbooks call ``nova live-migration-abort <server> <migration>`` and parse
what it prints. This shim accepts the same global options, environment,
command syntax and prints the same tables and ``ERROR (...)`` lines with the
same exit codes, but negotiates the compute microversion instead of making
the operator pick one. Every other nova command is handed unchanged to
python-novaclient's own shell when that is installed, so
``alias nova=migabort-nova`` is safe.

Start-up is kept lean: python-novaclient is imported only for a command
handed to it, and the library's managers only once a command runs (every
path needs keystoneauth1's option parsing, so its exceptions, and the
library's error and version types, are imported up front).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import logging
import os
import sys
import textwrap
import unicodedata
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import Final
from typing import NamedTuple
from typing import NoReturn
from typing import TextIO
from typing import TypeVar

from migabortclient import exceptions
from migabortclient.api_versions import APIVersion

if TYPE_CHECKING:
    from keystoneauth1 import plugin

    from migabortclient.v2 import client as v2_client
    from migabortclient.v2 import models

LOG = logging.getLogger(__name__)

_Result = TypeVar("_Result")

PROG = "migabort-nova"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# nova's own default: let the client pick the newest common version.
DEFAULT_COMPUTE_API_VERSION = "2.latest"
DEFAULT_ENDPOINT_TYPE = "publicURL"
DEFAULT_SERVICE_TYPE = "compute"

# novaclient names its HTTP errors after the status; scripts match on them.
NOVA_ERROR_NAMES: Mapping[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    413: "OverLimit",
    429: "RateLimit",
    501: "HTTPNotImplemented",
}
GENERIC_HTTP_ERROR_NAME = "ClientException"

# Where a nova command lives in the openstack CLI, for the message printed
# when python-novaclient is not installed to take the command over.
OPENSTACK_EQUIVALENTS: Mapping[str, str] = {
    "list": "openstack server list",
    "show": "openstack server show",
    "boot": "openstack server create",
    "delete": "openstack server delete",
    "start": "openstack server start",
    "stop": "openstack server stop",
    "reboot": "openstack server reboot",
    "rebuild": "openstack server rebuild",
    "resize": "openstack server resize",
    "resize-confirm": "openstack server resize confirm",
    "resize-revert": "openstack server resize revert",
    "migrate": "openstack server migrate",
    "evacuate": "openstack server evacuate",
    "live-migration": "openstack server migrate --live-migration",
    "host-evacuate-live": "openstack server migrate --live-migration",
    "pause": "openstack server pause",
    "unpause": "openstack server unpause",
    "suspend": "openstack server suspend",
    "resume": "openstack server resume",
    "lock": "openstack server lock",
    "unlock": "openstack server unlock",
    "shelve": "openstack server shelve",
    "unshelve": "openstack server unshelve",
    "rescue": "openstack server rescue",
    "unrescue": "openstack server unrescue",
    "reset-state": "openstack server set --state",
    "console-log": "openstack console log show",
    "get-vnc-console": "openstack console url show",
    "instance-action-list": "openstack server event list",
    "instance-action": "openstack server event show",
    "interface-list": "openstack port list --server",
    "flavor-list": "openstack flavor list",
    "flavor-show": "openstack flavor show",
    "hypervisor-list": "openstack hypervisor list",
    "hypervisor-show": "openstack hypervisor show",
    "service-list": "openstack compute service list",
    "service-disable": "openstack compute service set --disable",
    "service-enable": "openstack compute service set --enable",
    "aggregate-list": "openstack aggregate list",
    "availability-zone-list": "openstack availability zone list",
    "keypair-list": "openstack keypair list",
    "quota-show": "openstack quota show",
    "limits": "openstack limits show",
    "usage-list": "openstack usage list",
    "server-group-list": "openstack server group list",
    "volume-attach": "openstack server add volume",
    "volume-detach": "openstack server remove volume",
    "image-create": "openstack server image create",
}
FALLBACK_EQUIVALENT = "openstack help"

# Options of shared commands that only python-novaclient implements (the
# library always sends disk_over_commit=false below 2.25): such a command
# is handed over whole, so nova's behaviour is kept.
NOVACLIENT_ONLY_OPTIONS: Mapping[str, tuple[str, ...]] = {
    "live-migration": ("--disk-over-commit",),
}


class CommandError(Exception):
    """A local failure, printed the way nova prints its CommandError."""


class VersionError(CommandError):
    """``--os-compute-api-version`` is malformed or not one we speak, or
    no version suits both sides: nova's ``UnsupportedVersion``, exit 1."""


class CommandUnavailable(Exception):
    """The command, or one of its options, needs a newer microversion
    than the pinned one (or the server's maximum).

    nova does not even offer the command then (its argparse says
    "invalid choice", exit 2); we say why, on one line, with exit 2.
    """


# --------------------------------------------------------------------------
# Tables, the way novaclient's print_list/print_dict lay them out
# --------------------------------------------------------------------------


def _cell_width(text: str) -> int:
    """Terminal columns ``text`` takes (wide East Asian chars count 2)."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _cell_width(text))


def render_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Left-aligned ASCII table, byte for byte what novaclient prints.

    Multi-line cells become several physical lines, as prettytable does.
    An empty table is the header between rules, then a closing rule.
    """
    body = [[str(cell).split("\n") for cell in row] for row in rows]
    widths = [_cell_width(h) for h in headers]
    for row in body:
        for index, lines in enumerate(row):
            for text in lines:
                widths[index] = max(widths[index], _cell_width(text))
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def framed(cells: Sequence[str]) -> str:
        padded = (_pad(c, w) for c, w in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    out = [rule, framed(headers), rule]
    for row in body:
        height = max((len(lines) for lines in row), default=1)
        for depth in range(height):
            out.append(
                framed(
                    [
                        lines[depth] if depth < len(lines) else ""
                        for lines in row
                    ]
                )
            )
    out.append(rule)
    return "\n".join(out)


def list_cell(value: object) -> str:
    """A plain print_list cell: None is ``-``; carriage returns dropped."""
    if value is None:
        return "-"
    return format_value(value).replace("\r", "")


def raw_cell(value: object) -> str:
    """A formatter-backed print_list cell: None shows as ``None``.

    novaclient's formatted columns (byte counters, flavors, type) skip the
    ``-`` substitution, so a null counter prints ``None``; scripts see that.
    """
    if value is None:
        return "None"
    return format_value(value)


def format_value(value: object) -> str:
    """Render a model value as Nova sent it (timestamps without zone)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return str(value)


def render_dict(data: Mapping[str, object]) -> str:
    """print_dict's Property/Value table, sorted by key, None as ``-``."""
    rows = []
    for key in sorted(data):
        value = data[key]
        rows.append([key, "-" if value is None else format_value(value)])
    return render_table(["Property", "Value"], rows)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def format_error(exc: BaseException) -> str:
    """The ``ERROR (<Type>): <message>`` line nova prints on failure."""
    if _from_keystoneauth(exc):
        # Raised by keystoneauth1 itself: nova prints these as they are,
        # and their text already has the status.
        return f"ERROR ({type(exc).__name__}): {exc}"
    if isinstance(exc, VersionError | CommandUnavailable):
        return f"ERROR (UnsupportedVersion): {exc}"
    if isinstance(exc, exceptions.UnsupportedVersion):
        return f"ERROR (UnsupportedVersion): {exc.message}"
    if isinstance(exc, exceptions.ValidationError):
        # Bad input the library refused before any request: nova's class
        # for a local error is CommandError.
        return f"ERROR (CommandError): {exc.message}"
    if isinstance(exc, exceptions.HttpError):
        return _http_error_line(exc.http_status, exc.message, exc.request_id)
    if isinstance(exc, exceptions.AnswerLost | exceptions.InvalidResponse):
        # Our own sentences around Nova's or a proxy's text: one line.
        message = " ".join(exc.message.split())
        if exc.http_status is None:
            return f"ERROR ({type(exc).__name__}): {message}"
        return _http_error_line(exc.http_status, message, exc.request_id)
    # Transport failures: name the keystoneauth1 class nova would show.
    cause = exc.__cause__
    if cause is not None and _from_keystoneauth(cause):
        return f"ERROR ({type(cause).__name__}): {cause}"
    return f"ERROR ({type(exc).__name__}): {exc}"


def _http_error_line(status: int, message: str, request_id: str | None) -> str:
    """novaclient's ``<message> (HTTP <status>) (Request-ID: <id>)``."""
    name = NOVA_ERROR_NAMES.get(status, GENERIC_HTTP_ERROR_NAME)
    text = f"{message} (HTTP {status})"
    if request_id:
        text += f" (Request-ID: {request_id})"
    return f"ERROR ({name}): {text}"


def exit_code_for(exc: BaseException) -> int:
    """nova's exit code for a failure: 2 when the command or an option
    is not available at the version in use, else 1.

    The library raises ``UnsupportedVersion`` only for an operation the
    version in use lacks (version arguments and negotiation are settled,
    as ``VersionError``, before any command runs).
    """
    if isinstance(exc, CommandUnavailable | exceptions.UnsupportedVersion):
        return EXIT_USAGE
    return EXIT_FAILURE


def _from_keystoneauth(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("keystoneauth1.")


# --------------------------------------------------------------------------
# Argument parsing
# --------------------------------------------------------------------------


def _env(*names: str, default: str | None = None) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return default


def _truthy(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "t", "true", "on", "y", "yes")


class ShimArgumentParser(argparse.ArgumentParser):
    """Usage errors exit 2 with a pointer to ``help <command>``, as nova."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        main_prog, _, sub = self.prog.partition(" ")
        message = message.split(" (choose from")[0]
        self.exit(
            EXIT_USAGE,
            f"error: {message}\n"
            f"Try '{main_prog} help {sub}' for more information.\n",
        )


class _HelpFormatter(argparse.HelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def build_base_parser(argv: Sequence[str]) -> ShimArgumentParser:
    """The global options nova accepts, with nova's env defaults."""
    parser = ShimArgumentParser(
        prog=PROG,
        description=(
            "The nova CLI's live-migration commands, with microversion "
            "negotiation. Other commands go to python-novaclient."
        ),
        epilog=f'See "{PROG} help COMMAND" for help on a specific command.',
        add_help=False,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "-h", "--help", action="store_true", help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--version", action="store_true", help="Show the version and exit."
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False,
        help="Log requests and responses (tokens masked) to stderr.",
    )
    parser.add_argument(
        "--os-cache",
        action="store_true",
        default=_truthy(_env("OS_CACHE")),
        help="Accepted for compatibility; no token cache is kept.",
    )
    parser.add_argument(
        "--timings",
        action="store_true",
        default=False,
        help="Accepted for compatibility; ignored.",
    )
    parser.add_argument(
        "--os-region-name",
        metavar="<region-name>",
        default=_env("OS_REGION_NAME", "NOVA_REGION_NAME"),
        help="Region of the compute endpoint. Default: env[OS_REGION_NAME].",
    )
    parser.add_argument(
        "--service-type",
        metavar="<service-type>",
        help="Service type in the catalog. Default: compute.",
    )
    parser.add_argument(
        "--service-name",
        metavar="<service-name>",
        default=_env("NOVA_SERVICE_NAME"),
        help="Service name in the catalog. Default: env[NOVA_SERVICE_NAME].",
    )
    parser.add_argument(
        "--os-endpoint-type",
        metavar="<endpoint-type>",
        dest="endpoint_type",
        default=_env(
            "NOVA_ENDPOINT_TYPE",
            "OS_ENDPOINT_TYPE",
            default=DEFAULT_ENDPOINT_TYPE,
        ),
        help=(
            "Endpoint interface (public, internal, admin or the *URL "
            "forms). Default: env[NOVA_ENDPOINT_TYPE], env[OS_ENDPOINT_TYPE]"
            f" or {DEFAULT_ENDPOINT_TYPE}."
        ),
    )
    parser.add_argument(
        "--os-compute-api-version",
        metavar="<compute-api-ver>",
        default=_env(
            "OS_COMPUTE_API_VERSION", default=DEFAULT_COMPUTE_API_VERSION
        ),
        help=(
            'X.Y pins that microversion; "2", "2.latest" or "auto" '
            "negotiate the newest version both sides speak. Default: "
            "env[OS_COMPUTE_API_VERSION], else negotiate."
        ),
    )
    parser.add_argument(
        "--os-endpoint-override",
        metavar="<bypass-url>",
        dest="endpoint_override",
        default=_env(
            "OS_ENDPOINT_OVERRIDE",
            "NOVACLIENT_ENDPOINT_OVERRIDE",
            "NOVACLIENT_BYPASS_URL",
        ),
        help="Compute endpoint to use instead of the catalog's. "
        "Default: env[OS_ENDPOINT_OVERRIDE].",
    )
    parser.add_argument(
        "--profile",
        metavar="HMAC_KEY",
        default=_env("OS_PROFILE"),
        help=argparse.SUPPRESS,
    )
    _add_identity_arguments(parser, argv)
    return parser


def _add_identity_arguments(
    parser: argparse.ArgumentParser, argv: Sequence[str]
) -> None:
    from keystoneauth1 import loading

    from migabortclient import _auth

    loading.register_session_argparse_arguments(parser)
    # As nova: an explicit --os-token means the token plugin.
    default_plugin = "token" if "--os-token" in argv else "password"
    _auth.register_auth_arguments(parser, argv, default=default_plugin)
    parser.set_defaults(
        insecure=_truthy(_env("NOVACLIENT_INSECURE")),
        os_auth_url=_env("OS_AUTH_URL", "NOVA_URL"),
        os_username=_env("OS_USERNAME", "NOVA_USERNAME"),
        os_password=_env("OS_PASSWORD", "NOVA_PASSWORD"),
        os_project_name=_env(
            "OS_PROJECT_NAME", "OS_TENANT_NAME", "NOVA_PROJECT_ID"
        ),
        os_project_id=_env("OS_PROJECT_ID", "OS_TENANT_ID"),
        os_project_domain_id=_env("OS_PROJECT_DOMAIN_ID"),
        os_project_domain_name=_env("OS_PROJECT_DOMAIN_NAME"),
        os_user_domain_id=_env("OS_USER_DOMAIN_ID"),
        os_user_domain_name=_env("OS_USER_DOMAIN_NAME"),
    )


class Command(NamedTuple):
    """One nova command this shim answers itself."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[v2_client.Client, argparse.Namespace], None]


def _server_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "server", metavar="<server>", help="Name or ID of the server."
    )


def _server_migration_args(parser: argparse.ArgumentParser) -> None:
    _server_arg(parser)
    parser.add_argument(
        "migration",
        metavar="<migration>",
        help="ID of the migration (or, from 2.59, its UUID).",
    )


def _abort_args(parser: argparse.ArgumentParser) -> None:
    _server_arg(parser)
    parser.add_argument(
        "migration",
        metavar="<migration>",
        nargs="?",
        default=None,
        help=(
            "ID of the migration (or, from 2.59, its UUID). Optional: "
            "without it the server's one "
            "in-progress live migration is aborted."
        ),
    )


def _live_migration_args(parser: argparse.ArgumentParser) -> None:
    _server_arg(parser)
    parser.add_argument(
        "host",
        metavar="<host>",
        nargs="?",
        default=None,
        help="Destination host; without it the scheduler picks one.",
    )
    parser.add_argument(
        "--block-migrate",
        action="store_true",
        dest="block_migrate",
        default=None,
        help=(
            "Copy the disks too (block migration). Default: let Nova "
            "decide (2.25+), else a shared-storage live migration."
        ),
    )
    parser.add_argument(
        "--force",
        action="store_true",
        dest="force",
        default=None,
        help=(
            "Skip the scheduler's check of the given host (2.30 to 2.67 "
            "only, as in nova)."
        ),
    )


def _migration_list_args(parser: argparse.ArgumentParser) -> None:
    options: list[tuple[str, str, str]] = [
        (
            "--instance-uuid",
            "<instance_uuid>",
            "Only this server's migrations.",
        ),
        ("--host", "<host>", "Only migrations from or to this host."),
        ("--status", "<status>", "Only migrations in this status."),
        (
            "--migration-type",
            "<migration_type>",
            "Only this type: evacuation, live-migration, migration "
            "(cold) or resize.",
        ),
        (
            "--source-compute",
            "<source_compute>",
            "Only migrations from this host.",
        ),
        (
            "--marker",
            "<marker>",
            "UUID of the last migration of the previous page (2.59+).",
        ),
        (
            "--changes-since",
            "<changes_since>",
            "Only migrations changed at or after this ISO 8601 time (2.59+).",
        ),
        (
            "--changes-before",
            "<changes_before>",
            "Only migrations changed at or before this ISO 8601 time (2.66+).",
        ),
        (
            "--project-id",
            "<project_id>",
            "Only this project's migrations (2.80+).",
        ),
        ("--user-id", "<user_id>", "Only this user's migrations (2.80+)."),
    ]
    for flag, metavar, text in options:
        parser.add_argument(
            flag,
            dest=flag[2:].replace("-", "_"),
            metavar=metavar,
            default=None,
            help=text,
        )
    parser.add_argument(
        "--limit",
        dest="limit",
        metavar="<limit>",
        type=int,
        default=None,
        help="Show at most this many migrations (2.59+).",
    )


def build_parser(
    argv: Sequence[str], base: ShimArgumentParser | None = None
) -> ShimArgumentParser:
    """Global options plus a sub-parser per command this shim runs.

    ``base``, a parser from ``build_base_parser`` that has no sub-parsers
    yet, is completed instead of building the global options again.
    """
    parser = base if base is not None else build_base_parser(argv)
    subparsers = parser.add_subparsers(metavar="<subcommand>", dest="command")
    for command in COMMANDS.values():
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.help + VERSION_NOTES.get(command.name, ""),
            epilog=EXIT_CODES_HELP,
            add_help=False,
            formatter_class=_HelpFormatter,
        )
        sub.add_argument("-h", "--help", action="help", help=argparse.SUPPRESS)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    helper = subparsers.add_parser(
        "help",
        help="Show help for this program or one of its commands.",
        add_help=False,
    )
    helper.add_argument("topic", metavar="<subcommand>", nargs="?")
    return parser


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------

# Spellings that mean "negotiate": nova's default "2.latest", and the bare
# major ("2", "2.0") many openrc files set, with which nova falls back to
# the un-versioned API and lacks every migration command.
_NEGOTIATE = frozenset({"", "2", "2.0", "2.latest", "auto", "latest"})

V2_22: Final = APIVersion(2, 22)
V2_23: Final = APIVersion(2, 23)
V2_24: Final = APIVersion(2, 24)
V2_25: Final = APIVersion(2, 25)
V2_59: Final = APIVersion(2, 59)
V2_80: Final = APIVersion(2, 80)


def requested_version(text: str | None) -> APIVersion | None:
    """What to ask the library for: None to negotiate, else the pin.

    A bare major (``2``, as many openrc files set it) or ``2.latest`` means
    "the newest version both sides speak"; ``X.Y`` is honoured as given.
    A malformed or unsupported ``X.Y`` raises ``VersionError`` (nova's
    ``UnsupportedVersion``, exit 1) before any request.
    """
    from migabortclient import api_versions

    value = (text or "").strip()
    if value.lower() in _NEGOTIATE:
        return None
    try:
        return api_versions.parse_requested(value)
    except exceptions.ClientException as exc:
        raise VersionError(exc.message) from exc


def _pinned_label(nova: v2_client.Client) -> str:
    if nova.http.pinned is not None:
        return f"this client is pinned to {nova.api_version}"
    return f"the server's maximum is {nova.api_version}"


def require_version(
    nova: v2_client.Client, minimum: APIVersion, what: str
) -> None:
    """``CommandUnavailable`` (exit 2, as nova) when ``what`` needs a
    newer microversion than the one in use."""
    if nova.api_version < minimum:
        raise CommandUnavailable(
            f"{what} requires compute API version {minimum} or later; "
            f"{_pinned_label(nova)}."
        )


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

SERVER_MIGRATION_FIELDS = (
    ("Id", "id"),
    ("Source Node", "source_node"),
    ("Dest Node", "dest_node"),
    ("Source Compute", "source_compute"),
    ("Dest Compute", "dest_compute"),
    ("Dest Host", "dest_host"),
    ("Status", "status"),
    ("Server UUID", "server_uuid"),
    ("Created At", "created_at"),
    ("Updated At", "updated_at"),
)
OWNER_FIELDS = (("Project ID", "project_id"), ("User ID", "user_id"))
BYTE_FIELDS = (
    ("Total Memory Bytes", "memory_total_bytes"),
    ("Processed Memory Bytes", "memory_processed_bytes"),
    ("Remaining Memory Bytes", "memory_remaining_bytes"),
    ("Total Disk Bytes", "disk_total_bytes"),
    ("Processed Disk Bytes", "disk_processed_bytes"),
    ("Remaining Disk Bytes", "disk_remaining_bytes"),
)
# Keys of a server migration body, by the microversion that added them.
SERVER_MIGRATION_KEYS: Final = (
    (V2_23, tuple(attr for _, attr in SERVER_MIGRATION_FIELDS + BYTE_FIELDS)),
    (V2_59, ("uuid",)),
    (V2_80, ("user_id", "project_id")),
)
MIGRATION_BASE_FIELDS = (
    ("Source Node", "source_node"),
    ("Dest Node", "dest_node"),
    ("Source Compute", "source_compute"),
    ("Dest Compute", "dest_compute"),
    ("Dest Host", "dest_host"),
    ("Status", "status"),
    ("Instance UUID", "instance_uuid"),
)
MIGRATION_FLAVOR_FIELDS = (
    ("Old Flavor", "old_instance_type_id"),
    ("New Flavor", "new_instance_type_id"),
)
MIGRATION_TIME_FIELDS = (
    ("Created At", "created_at"),
    ("Updated At", "updated_at"),
)


def server_migration_table(
    migrations: Iterable[models.ServerMigration], version: APIVersion
) -> str:
    """``nova server-migration-list``'s table at ``version``."""
    plain = list(SERVER_MIGRATION_FIELDS)
    if version >= V2_80:
        plain += OWNER_FIELDS
    headers = [h for h, _ in plain] + [h for h, _ in BYTE_FIELDS]
    rows = []
    for item in migrations:
        row = [list_cell(getattr(item, attr)) for _, attr in plain]
        row += [raw_cell(getattr(item, attr)) for _, attr in BYTE_FIELDS]
        rows.append(row)
    return render_table(headers, rows)


def server_migration_dict(
    migration: models.ServerMigration, version: APIVersion
) -> dict[str, object]:
    """The keys Nova's body has at ``version``, with their values."""
    data: dict[str, object] = {}
    for since, keys in SERVER_MIGRATION_KEYS:
        if version >= since:
            for key in keys:
                data[key] = getattr(migration, key)
    return data


def migration_table(
    migrations: Iterable[models.Migration], version: APIVersion
) -> str:
    """``nova migration-list``'s table at ``version``."""
    columns: list[tuple[str, str, Callable[[object], str]]] = []
    if version >= V2_23:
        columns.append(("Id", "id", list_cell))
    if version >= V2_59:
        columns.append(("UUID", "uuid", list_cell))
    columns += [(h, a, list_cell) for h, a in MIGRATION_BASE_FIELDS]
    columns += [(h, a, raw_cell) for h, a in MIGRATION_FLAVOR_FIELDS]
    columns += [(h, a, list_cell) for h, a in MIGRATION_TIME_FIELDS]
    if version >= V2_23:
        columns.append(("Type", "migration_type", raw_cell))
    if version >= V2_80:
        columns += [(h, a, list_cell) for h, a in OWNER_FIELDS]
    rows = [
        [cell(getattr(item, attr)) for _, attr, cell in columns]
        for item in migrations
    ]
    return render_table([h for h, _, _ in columns], rows)


def find_server(nova: v2_client.Client, name_or_id: str) -> models.Server:
    """Resolve a server as nova does, with nova's two messages."""
    try:
        return nova.servers.find(name_or_id)
    except exceptions.NoUniqueMatch as exc:
        raise CommandError(
            f"Multiple server matches found for '{name_or_id}', "
            "use an ID to be more specific."
        ) from exc
    except exceptions.NotFound as exc:
        raise CommandError(
            f"No server with a name or ID of '{name_or_id}' exists."
        ) from exc


def on_server(
    nova: v2_client.Client,
    name_or_id: str,
    call: Callable[[str | models.Server], _Result],
) -> _Result:
    """``call`` on the server nova would find for ``name_or_id``.

    nova looks the server up, then acts. Given a UUID, the call goes
    straight to ``/servers/{uuid}/...``, one request fewer; Nova's 404 for
    an unknown instance changes nothing, so nova's own lookup then runs
    (with its messages, and a server may be named like a UUID) and the
    call follows on what it finds.
    """
    if not _is_uuid(name_or_id):
        return call(find_server(nova, name_or_id))
    try:
        return call(name_or_id)
    except exceptions.NotFound as exc:
        if exc.message != f"Instance {name_or_id} could not be found.":
            raise
        server = find_server(nova, name_or_id)
        if server.id == name_or_id:
            raise  # found now, missing a moment ago: report Nova's answer
        return call(server)


def _out(text: str) -> None:
    print(text)


def do_live_migration_abort(
    nova: v2_client.Client, args: argparse.Namespace
) -> None:
    # Checked first: without a migration id we list before aborting, and
    # an abort that cannot be sent should not cost that request.
    require_version(nova, V2_24, "live-migration-abort")
    migration: int | str | None = args.migration
    if migration is None:
        server = find_server(nova, args.server)
        migration = _only_live_migration(nova, server)
        request_id = nova.server_migrations.abort(server, migration)
    else:
        mid = migration
        request_id = on_server(
            nova,
            args.server,
            lambda server: nova.server_migrations.abort(server, mid),
        )
    LOG.debug("abort accepted: instance action %s", request_id)


def _only_live_migration(nova: v2_client.Client, server: models.Server) -> int:
    """The server's one in-progress live migration; refuse to guess."""
    found = nova.server_migrations.list(server)
    label = f"{server.name} ({server.id})" if server.name else server.id
    # Worded as ``migabort``/``openstack server migration abort``.
    if not found:
        raise CommandError(
            f"Server {label} has no in-progress live migration."
        )
    if len(found) > 1:
        listed = ", ".join(f"{m.id} ({m.status})" for m in found)
        raise CommandError(
            f"Server {label} has {len(found)} in-progress live "
            f"migrations: {listed}. Name one."
        )
    LOG.debug("aborting migration %s of server %s", found[0].id, server.id)
    return found[0].id


def do_live_migration_force_complete(
    nova: v2_client.Client, args: argparse.Namespace
) -> None:
    require_version(nova, V2_22, "live-migration-force-complete")
    request_id = on_server(
        nova,
        args.server,
        lambda server: nova.server_migrations.force_complete(
            server, args.migration
        ),
    )
    LOG.debug("force-complete accepted: instance action %s", request_id)


def do_server_migration_list(
    nova: v2_client.Client, args: argparse.Namespace
) -> None:
    require_version(nova, V2_23, "server-migration-list")
    migrations = on_server(nova, args.server, nova.server_migrations.list)
    _out(server_migration_table(migrations, nova.api_version))


def do_server_migration_show(
    nova: v2_client.Client, args: argparse.Namespace
) -> None:
    require_version(nova, V2_23, "server-migration-show")
    migration = on_server(
        nova,
        args.server,
        lambda server: nova.server_migrations.get(server, args.migration),
    )
    _out(render_dict(server_migration_dict(migration, nova.api_version)))


def _check_time(option: str, value: str | None) -> None:
    if value is None:
        return
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(f"Invalid {option} value: {value}") from exc


# nova offers these migration-list options only from these versions.
MIGRATION_LIST_OPTION_VERSIONS: Final = (
    ("--marker", "marker", V2_59),
    ("--limit", "limit", V2_59),
    ("--changes-since", "changes_since", V2_59),
    ("--changes-before", "changes_before", APIVersion(2, 66)),
    ("--project-id", "project_id", V2_80),
    ("--user-id", "user_id", V2_80),
)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


def do_migration_list(
    nova: v2_client.Client, args: argparse.Namespace
) -> None:
    for flag, dest, minimum in MIGRATION_LIST_OPTION_VERSIONS:
        if getattr(args, dest) is not None:
            require_version(nova, minimum, f"migration-list {flag}")
    _check_time("changes-since", args.changes_since)
    _check_time("changes-before", args.changes_before)
    # Worded with the option (the library would name its parameter).
    if args.limit is not None and args.limit < 0:
        raise CommandError(
            f"--limit must be a whole number of 0 or more, not {args.limit}."
        )
    if args.marker is not None and not _is_uuid(args.marker):
        raise CommandError(
            f"--marker must be a migration UUID, not {args.marker!r}."
        )
    migrations: Iterable[models.Migration] = nova.migrations.list(
        host=args.host,
        status=args.status,
        migration_type=args.migration_type,
        source_compute=args.source_compute,
        instance_uuid=args.instance_uuid,
        changes_since=args.changes_since,
        changes_before=args.changes_before,
        user_id=args.user_id,
        project_id=args.project_id,
        limit=args.limit,
        marker=args.marker,
    )
    if args.limit is not None:
        # The library follows pages; --limit caps what is shown, as in nova.
        migrations = itertools.islice(migrations, max(args.limit, 0))
    _out(migration_table(list(migrations), nova.api_version))


def do_live_migration(
    nova: v2_client.Client, args: argparse.Namespace
) -> None:
    server = find_server(nova, args.server)
    block: bool | str
    if args.block_migrate:
        block = True
    elif nova.api_version >= V2_25:
        block = "auto"
    else:
        block = False
    if args.force:
        request_id = nova.servers.live_migrate(
            server, host=args.host, block_migration=block, force=True
        )
    else:
        request_id = nova.servers.live_migrate(
            server, host=args.host, block_migration=block
        )
    LOG.debug("live migration accepted: instance action %s", request_id)


# What ``help <command>`` adds to the one-line description (nova prints
# "Supported by API versions ..." there).
VERSION_NOTES: Final[Mapping[str, str]] = {
    "live-migration-abort": " Needs compute API 2.24 or later; a queued or "
    "preparing migration needs 2.65 (negotiated when the cloud offers it).",
    "live-migration-force-complete": " Needs compute API 2.22 or later.",
    "server-migration-list": " Needs compute API 2.23 or later.",
    "server-migration-show": " Needs compute API 2.23 or later.",
}
EXIT_CODES_HELP: Final = (
    "Exit codes: 0 success; 1 failure, as one 'ERROR (<Type>): ...' line "
    "on stderr; 2 usage error, or a command or option the compute API "
    "version in use does not have; 130 interrupted."
)

COMMANDS: Mapping[str, Command] = {
    c.name: c
    for c in (
        Command(
            "live-migration-abort",
            "Abort a live migration in progress (queued or preparing too, "
            "where Nova allows it).",
            _abort_args,
            do_live_migration_abort,
        ),
        Command(
            "live-migration-force-complete",
            "Make a live migration in progress finish now.",
            _server_migration_args,
            do_live_migration_force_complete,
        ),
        Command(
            "server-migration-list",
            "List a server's live migrations in progress.",
            _server_arg,
            do_server_migration_list,
        ),
        Command(
            "server-migration-show",
            "Show one live migration in progress of a server.",
            _server_migration_args,
            do_server_migration_show,
        ),
        Command(
            "migration-list",
            "List migrations of all kinds, with filters.",
            _migration_list_args,
            do_migration_list,
        ),
        Command(
            "live-migration",
            "Start a live migration of a server.",
            _live_migration_args,
            do_live_migration,
        ),
    )
}


# --------------------------------------------------------------------------
# Auth and the client
# --------------------------------------------------------------------------


def _interface(endpoint_type: str | None) -> str:
    value = (endpoint_type or DEFAULT_ENDPOINT_TYPE).strip()
    if value.endswith("URL"):
        value = value[: -len("URL")]
    return value or "public"


# keystoneauth1 plugins that need a password.
PASSWORD_PLUGINS: Final = frozenset({"password", "v2password", "v3password"})


def check_credentials(args: argparse.Namespace) -> None:
    """Fail early, as nova does, when auth cannot possibly work."""
    token = getattr(args, "os_token", None)
    if token and args.endpoint_override:
        return
    if not any([token, args.os_username, getattr(args, "os_user_id", None)]):
        raise CommandError(
            "Missing credentials: give a user name or ID (--os-username, "
            "--os-user-id, env[OS_USERNAME], env[OS_USER_ID]) or a token "
            "(--os-token)."
        )
    if not any([args.os_project_name, args.os_project_id]):
        raise CommandError(
            "Missing project: give --os-project-name or --os-project-id "
            "(env[OS_PROJECT_NAME], env[OS_PROJECT_ID])."
        )
    if not args.os_auth_url:
        raise CommandError(
            "Missing auth URL: give --os-auth-url or env[OS_AUTH_URL]."
        )
    auth_type = getattr(args, "os_auth_type", None) or "password"
    if auth_type in PASSWORD_PLUGINS and not getattr(
        args, "os_password", None
    ):
        # keystoneauth1 would raise a bare Exception deep inside the
        # first request; nova sends the empty password and gets a 401.
        raise CommandError(
            "Missing password: give --os-password or env[OS_PASSWORD]."
        )


def make_client(args: argparse.Namespace) -> v2_client.Client:
    """The library's client, its microversion settled.

    The version is pinned or negotiated here (one version-document
    request), so a version no side can use fails as nova does (exit 1),
    and a command the version lacks later fails as nova does (exit 2).
    """
    version = requested_version(args.os_compute_api_version)
    check_credentials(args)
    from keystoneauth1 import loading

    from migabortclient import _auth
    from migabortclient import client

    token = getattr(args, "os_token", None)
    if token and args.endpoint_override:
        from keystoneauth1 import token_endpoint

        auth: plugin.BaseAuthPlugin | None = token_endpoint.Token(
            args.endpoint_override, token
        )
    else:
        if args.os_auth_url and "v2.0" not in args.os_auth_url:
            # Keystone v3 needs domains; nova assumes "default" too.
            if not (args.os_project_domain_id or args.os_project_domain_name):
                args.os_project_domain_id = "default"
            if not token and not (
                args.os_user_domain_id or args.os_user_domain_name
            ):
                args.os_user_domain_id = "default"
        auth = _auth.load_auth(args)
    session = loading.load_session_from_argparse_arguments(args, auth=auth)
    options: dict[str, Any] = {
        "interface": _interface(args.endpoint_type),
        "region_name": args.os_region_name,
        "endpoint_override": args.endpoint_override,
    }
    if args.service_type:
        options["service_type"] = args.service_type
    if args.service_name:
        options["service_name"] = args.service_name
    LOG.debug("compute API version requested: %s", version or "auto")
    nova = client.Client(version or "auto", session=session, **options)
    try:
        in_use = nova.api_version
    except exceptions.UnsupportedVersion as exc:
        raise VersionError(exc.message) from exc
    LOG.debug("compute API version in use: %s", in_use)
    return nova


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


class _NoteHandler(logging.Handler):
    """The library's warnings as one ``migabort-nova: ...`` line each, on
    whatever ``sys.stderr`` is when they are emitted."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = " ".join(self.format(record).split())
            print(f"{PROG}: {text}", file=sys.stderr)
        except Exception:  # pragma: no cover - logging must not raise
            self.handleError(record)


def _setup_debugging(debug: bool) -> logging.Handler | None:
    """Logging for one run; returns a handler for ``run`` to remove."""
    if not debug:
        # Without --debug only the library's warnings show (such as "the
        # abort was accepted despite the error"), each on one line.
        handler = _NoteHandler(logging.WARNING)
        logging.getLogger("migabortclient").addHandler(handler)
        return handler
    logging.basicConfig(
        level=logging.DEBUG,
        format="%(levelname)s (%(module)s:%(lineno)d) %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("iso8601").setLevel(logging.WARNING)
    return None


def hand_off(
    argv: Sequence[str],
    stderr: TextIO | None = None,
    *,
    reason: str | None = None,
) -> int:
    """Run a command this shim does not own through python-novaclient.

    ``reason`` says why a command the shim knows is handed over (an
    option only python-novaclient implements).
    """
    err = stderr if stderr is not None else sys.stderr
    try:
        from novaclient import shell as nova_shell
    except ImportError:
        command = _command_word(argv)
        equivalent = OPENSTACK_EQUIVALENTS.get(command, FALLBACK_EQUIVALENT)
        if reason is None:
            why = (
                f"'{command}' is not a migration command and "
                "python-novaclient is not installed"
            )
        else:
            why = f"{reason}, which is not installed"
        print(f"{PROG}: {why}; use '{equivalent}'.", file=err)
        return EXIT_USAGE
    LOG.debug("handing %s to python-novaclient", _command_word(argv))
    try:
        nova_shell.main(list(argv))
    except SystemExit as exc:
        return _exit_code(exc.code)
    return EXIT_OK


def _exit_code(code: object) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return EXIT_FAILURE


def _command_word(argv: Sequence[str]) -> str:
    """The first word that is not a global option or its value."""
    try:
        parser = build_base_parser(argv)
        _, rest = parser.parse_known_args(list(argv))
    except SystemExit:
        rest = list(argv)
    for word in rest:
        if not word.startswith("-"):
            return word
    return ""


def print_help(parser: argparse.ArgumentParser, out: TextIO) -> None:
    parser.print_help(out)
    print(
        "\nAny other nova command is run by python-novaclient when it is "
        f"installed.\n\n{textwrap.fill(EXIT_CODES_HELP, 79)}",
        file=out,
    )


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("migabortclient")
    except metadata.PackageNotFoundError:
        return "unknown"


def run(argv: Sequence[str]) -> int:
    argv = list(argv)
    base = build_base_parser(argv)
    options, rest = base.parse_known_args(argv)
    handler = _setup_debugging(options.debug)
    try:
        return _run(argv, base, options, rest)
    finally:
        if handler is not None:
            logging.getLogger("migabortclient").removeHandler(handler)


def _run(
    argv: list[str],
    base: ShimArgumentParser,
    options: argparse.Namespace,
    rest: list[str],
) -> int:
    if options.version:
        print(_version())
        return EXIT_OK
    command = next((w for w in rest if not w.startswith("-")), "")
    if options.help and command in COMMANDS:
        print_help(build_parser(argv), sys.stdout)
        return EXIT_OK
    if command == "help":
        topic = rest[rest.index("help") + 1 :]
        topic_word = topic[0] if topic else ""
        if topic_word and topic_word not in COMMANDS:
            return hand_off(argv)
        parser = build_parser(argv)
        if topic_word:
            parser.parse_args([topic_word, "--help"])
        print_help(parser, sys.stdout)
        return EXIT_OK
    if not command:
        if options.help or not argv:
            print_help(build_parser(argv), sys.stdout)
            return EXIT_OK
        build_parser(argv).parse_args(argv)  # reports the usage error
        return EXIT_USAGE
    if command not in COMMANDS:
        return hand_off(argv)
    for option in NOVACLIENT_ONLY_OPTIONS.get(command, ()):
        if option in rest:
            return hand_off(
                argv,
                reason=f"'{command} {option}' is only in python-novaclient",
            )
    args = build_parser(argv, base).parse_args(argv)
    nova = make_client(args)
    args.run(nova, args)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run migabort-nova (the console script calls this through _startup).

    Returns nova's exit codes.
    """
    if argv is None:
        argv = sys.argv[1:]
    try:
        return run(argv)
    except SystemExit as exc:
        return _exit_code(exc.code)
    except KeyboardInterrupt:
        print("... terminating migabort-nova", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        LOG.debug("command failed", exc_info=True)
        print(format_error(exc), file=sys.stderr)
        return exit_code_for(exc)


if __name__ == "__main__":
    sys.exit(main())
