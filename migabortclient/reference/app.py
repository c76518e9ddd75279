"""The reference Nova's WSGI application.

Request flow, outermost first: fault injection and the request log, the
request id, Keystone-style token check (401), microversion negotiation
(400/406), routing (unrouted method: plain webob 404), the per-method
version gate (404), then the controllers' own checks in Nova's order.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
import re
import secrets
import threading
import urllib.parse
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from typing import NamedTuple

import jsonschema  # type: ignore[import-untyped]
import microversion_parse
import routes
import webob
import webob.exc
from keystoneauth1 import fixture as ks_fixture
from oslo_utils import strutils
from oslo_utils import timeutils

from migabortclient.reference import cloud as cloud_mod
from migabortclient.reference import faults as faults_mod
from migabortclient.reference import identity as identity_mod
from migabortclient.reference import policy as policy_mod

LOG = logging.getLogger(__name__)

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 104)
REGION = "RegionOne"
_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")
_PROJECT_PREFIX_RE = re.compile(r"^/([0-9a-f-]+)(/.*)$")
IN_PROGRESS = cloud_mod.IN_PROGRESS

FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}

KEYSTONE_401 = {
    "error": {
        "code": 401,
        "title": "Unauthorized",
        "message": "The request you have made requires authentication.",
    }
}
NOT_FOUND = "The resource could not be found."
# nova/api/openstack/wsgi.py:expected_errors with nova.version's default
# support string.
UNEXPECTED = (
    "Unexpected API Error. Please contact the administrator\n"
    "<class 'Exception'>"
)


class RequestRecord(NamedTuple):
    method: str
    path: str
    status: int | None


class ApiFault(Exception):
    """A Nova fault: status plus Nova's own message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclasses.dataclass(frozen=True)
class Context:
    user_id: str
    user_name: str
    project_id: str
    roles: tuple[str, ...]
    is_admin: bool
    request_id: str

    def creds(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "roles": list(self.roles),
            # nova's RequestContext.to_policy_values adds it
            "is_admin": self.is_admin,
        }


@dataclasses.dataclass(frozen=True)
class TokenInfo:
    user: str
    project_id: str
    expires: datetime.datetime


Version = tuple[int, int]


def _vstr(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


# -- JSON schemas (Nova's, re-expressed) --------------------------------------
_BOOLISH = {
    "type": ["boolean", "string"],
    "enum": [
        True,
        "True",
        "TRUE",
        "true",
        "1",
        "ON",
        "On",
        "on",
        "YES",
        "Yes",
        "yes",
        False,
        "False",
        "FALSE",
        "false",
        "0",
        "OFF",
        "Off",
        "off",
        "NO",
        "No",
        "no",
    ],
}
_HOST = {
    "type": ["string", "null"],
    "pattern": "^[a-zA-Z0-9-._]*$",
    "minLength": 1,
    "maxLength": 255,
}


def _live_schema(version: Version) -> dict[str, Any]:
    props: dict[str, Any] = {"host": _HOST}
    if version < (2, 25):
        props["block_migration"] = _BOOLISH
        props["disk_over_commit"] = _BOOLISH
        required = ["block_migration", "disk_over_commit", "host"]
    else:
        block = dict(_BOOLISH)
        block["enum"] = [*_BOOLISH["enum"], "auto"]  # type: ignore[misc]
        props["block_migration"] = block
        required = ["block_migration", "host"]
        if (2, 30) <= version < (2, 68):
            props["force"] = _BOOLISH
    return {
        "type": "object",
        "properties": {
            "os-migrateLive": {
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": False,
            }
        },
        "required": ["os-migrateLive"],
        "additionalProperties": False,
    }


_FORCE_SCHEMA = {
    "type": "object",
    "properties": {"force_complete": {"type": "null"}},
    "required": ["force_complete"],
    "additionalProperties": False,
}


def _single(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": schema, "maxItems": 1}


_MULTI = {"type": "array", "items": {"type": "string"}}
_NON_NEG = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]*$",
    "minimum": 0,
    "minLength": 1,
}
_DATE = {"type": "string", "format": "date-time"}


def _migrations_query(version: Version) -> dict[str, Any]:
    props: dict[str, Any] = dict.fromkeys(
        (
            "hidden",
            "host",
            "instance_uuid",
            "source_compute",
            "status",
            "migration_type",
        ),
        _MULTI,
    )
    strict = version >= (2, 59)
    if strict:
        props["limit"] = _single(_NON_NEG)
        props["marker"] = _single({"type": "string"})
        props["changes-since"] = _single(_DATE)
    if version >= (2, 66):
        props["changes-before"] = _single(_DATE)
    if version >= (2, 80):
        props["user_id"] = _single({"type": "string"})
        props["project_id"] = _single({"type": "string"})
    return {
        "type": "object",
        "properties": props,
        "additionalProperties": not strict,
    }


_FORMATS = jsonschema.FormatChecker()


@_FORMATS.checks("date-time")  # type: ignore[untyped-decorator]
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        timeutils.parse_isotime(value)
    except ValueError:
        return False
    return True


def _validate(schema: dict[str, Any], data: Any, is_body: bool) -> None:
    """Validate like Nova and raise its 400 text on the first error."""
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=_FORMATS
    )
    try:
        validator.validate(data)
    except jsonschema.ValidationError as ex:
        if len(ex.path) > 0:
            if is_body:
                name = ex.path.pop()
                kind = "field/attribute"
            else:
                name = ex.path.popleft()
                kind = "query parameters"
            detail = (
                f"Invalid input for {kind} {name}. "
                f"Value: {ex.instance}. {ex.message}"
            )
        else:
            detail = ex.message
        raise ApiFault(400, detail) from None


@_FORMATS.checks("regex")  # type: ignore[untyped-decorator]
def _is_regex(value: object) -> bool:
    """Nova's check: a compilable, non-empty pattern."""
    if not isinstance(value, str):
        return True
    if not value:
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True


_REGEX_MULTI = {
    "type": "array",
    "items": {"type": "string", "format": "regex"},
}
_DATE_MULTI = {"type": "array", "items": _DATE}
_JOINED_TABLE_PARAMS = (
    "block_device_mapping",
    "services",
    "metadata",
    "system_metadata",
    "info_cache",
    "security_groups",
    "pci_devices",
)
_SERVER_COMMON_PARAMS = (
    "user_id",
    "project_id",
    "tenant_id",
    "launch_index",
    "image_ref",
    "image",
    "vm_state",
    "task_state",
    "host",
    "uuid",
    "sort_dir",
    "all_tenants",
    "soft_deleted",
    "deleted",
    "status",
)
_SERVER_REGEX_PARAMS = (
    "kernel_id",
    "ramdisk_id",
    "hostname",
    "key_name",
    "power_state",
    "node",
    "flavor",
    "reservation_id",
    "launched_at",
    "terminated_at",
    "availability_zone",
    "name",
    "display_name",
    "description",
    "display_description",
    "locked_by",
    "root_device_name",
    "config_drive",
    "access_ip_v4",
    "access_ip_v6",
    "auto_disk_config",
    "progress",
    "ip",
    "ip6",
    "created_at",
)


def _servers_query(version: Version) -> dict[str, Any]:
    """schemas/servers.py index_query .. index_query_v275 (sort_key's
    enum of valid keys is not checked)."""
    props: dict[str, Any] = dict.fromkeys(_SERVER_COMMON_PARAMS, _MULTI)
    props.update(dict.fromkeys(_SERVER_REGEX_PARAMS, _REGEX_MULTI))
    props["sort_key"] = _MULTI
    props["changes-since"] = _DATE_MULTI
    props.update(dict.fromkeys(_JOINED_TABLE_PARAMS, _MULTI))
    props["limit"] = {"type": "array", "items": _NON_NEG}
    props["marker"] = _MULTI
    if version >= (2, 26):
        props.update(
            dict.fromkeys(
                ("tags", "tags-any", "not-tags", "not-tags-any"), _REGEX_MULTI
            )
        )
    if version >= (2, 66):
        props["changes-before"] = _DATE_MULTI
    if version >= (2, 73):
        props["locked"] = _MULTI
    return {
        "type": "object",
        "properties": props,
        "additionalProperties": version < (2, 75),
        "patternProperties": {"^_": _MULTI},
    }


def _server_search_options(version: Version) -> tuple[str, ...]:
    """ServersController._get_server_search_options (non-admin filters)."""
    opts: tuple[str, ...] = (
        "reservation_id",
        "name",
        "status",
        "image",
        "flavor",
        "ip",
        "changes-since",
        "all_tenants",
    )
    if version >= (2, 5):
        opts += ("ip6",)
    if version >= (2, 26):
        opts += ("tags", "tags-any", "not-tags", "not-tags-any")
    if version >= (2, 66):
        opts += ("changes-before",)
    if version >= (2, 73):
        opts += ("locked",)
    if version >= (2, 83):
        opts += (
            "availability_zone",
            "config_drive",
            "key_name",
            "created_at",
            "launched_at",
            "terminated_at",
            "power_state",
            "task_state",
            "vm_state",
            "progress",
            "user_id",
        )
    if version >= (2, 90):
        opts += ("hostname",)
    return opts


# nova/api/openstack/common.py _STATE_MAP: vm_state -> task_state -> status.
_REBOOT = ("rebooting", "reboot_pending", "reboot_started")
_HARD_REBOOT = ("rebooting_hard", "reboot_pending_hard", "reboot_started_hard")
_REBUILD = ("rebuilding", "rebuild_block_device_mapping", "rebuild_spawning")
_RESIZE = (
    "resize_prep",
    "resize_migrating",
    "resize_migrated",
    "resize_finish",
)
_STATE_MAP: dict[str, dict[str, str]] = {
    "active": {
        "default": "ACTIVE",
        **dict.fromkeys(_REBOOT, "REBOOT"),
        **dict.fromkeys(_HARD_REBOOT, "HARD_REBOOT"),
        "updating_password": "PASSWORD",
        **dict.fromkeys(_REBUILD, "REBUILD"),
        "migrating": "MIGRATING",
        **dict.fromkeys(_RESIZE, "RESIZE"),
    },
    "building": {"default": "BUILD"},
    "stopped": {
        "default": "SHUTOFF",
        **dict.fromkeys(_RESIZE, "RESIZE"),
        **dict.fromkeys(_REBUILD, "REBUILD"),
    },
    "resized": {
        "default": "VERIFY_RESIZE",
        "resize_reverting": "REVERT_RESIZE",
    },
    "paused": {"default": "PAUSED", "migrating": "MIGRATING"},
    "suspended": {"default": "SUSPENDED"},
    "rescued": {"default": "RESCUE"},
    "error": {"default": "ERROR", **dict.fromkeys(_REBUILD, "REBUILD")},
    "deleted": {"default": "DELETED"},
    "soft-delete": {"default": "SOFT_DELETED"},
    "shelved": {"default": "SHELVED"},
    "shelved_offloaded": {"default": "SHELVED_OFFLOADED"},
}
_POWER_STATES = {"active": 1, "paused": 3, "stopped": 4, "suspended": 7}
_PROGRESS_STATUSES = (
    "ACTIVE",
    "BUILD",
    "REBUILD",
    "RESIZE",
    "VERIFY_RESIZE",
    "MIGRATING",
)


def _states_from_status(statuses: list[str]) -> tuple[list[str], list[str]]:
    """common.task_and_vm_state_from_status."""
    wanted = {status.lower() for status in statuses}
    vm_states: set[str] = set()
    task_states: set[str] = set()
    for vm_state, task_map in _STATE_MAP.items():
        for task_state, status in task_map.items():
            if status.lower() in wanted:
                vm_states.add(vm_state)
                task_states.add(task_state)
    return sorted(vm_states), sorted(task_states)


def _server_matches(server: cloud_mod.Server, search: dict[str, Any]) -> bool:
    """The DB filters this emulation applies (exact, IN for lists, regex
    search for names); other accepted filters are not applied."""
    for key, value in search.items():
        if key in ("name", "display_name"):
            if not re.search(value, server.name):
                return False
            continue
        attr = {
            "project_id": server.project_id,
            "user_id": server.user_id,
            "host": server.host,
            "uuid": server.id,
            "vm_state": server.vm_state,
            "task_state": server.task_state,
        }
        if key not in attr:
            continue
        values = value if isinstance(value, list) else [value]
        if attr[key] not in values:
            return False
    return True


def _strict_query(req: webob.Request, version: Version) -> None:
    """Server-migrations list/show reject unknown params from 2.102."""
    if version >= (2, 102):
        _validate(
            {
                "type": "object",
                "properties": {},
                "additionalProperties": False,
            },
            req.GET.dict_of_lists(),
            is_body=False,
        )


# -- routing ------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Route:
    handler: str
    min_version: Version = MIN_VERSION
    # For POST .../action routes: the action names it dispatches.
    actions: tuple[str, ...] = ()


_CONTENT_TYPES = ("application/json", "application/vnd.openstack.compute+json")


ROUTES: list[tuple[str, str, Route]] = [
    ("GET", "/servers", Route("servers_index")),
    ("GET", "/servers/detail", Route("servers_detail")),
    ("GET", "/servers/{server_id}", Route("servers_show")),
    (
        "POST",
        "/servers/{server_id}/action",
        Route("servers_action", actions=("os-migrateLive",)),
    ),
    (
        "GET",
        "/servers/{server_id}/migrations",
        Route("sm_index", (2, 23)),
    ),
    (
        "GET",
        "/servers/{server_id}/migrations/{migration_id}",
        Route("sm_show", (2, 23)),
    ),
    (
        "DELETE",
        "/servers/{server_id}/migrations/{migration_id}",
        Route("sm_delete", (2, 24)),
    ),
    (
        "POST",
        "/servers/{server_id}/migrations/{migration_id}/action",
        Route("sm_action", (2, 22), actions=("force_complete",)),
    ),
    ("GET", "/os-migrations", Route("migrations_index")),
    (
        "GET",
        "/servers/{server_id}/os-instance-actions",
        Route("ia_index"),
    ),
    (
        "GET",
        "/servers/{server_id}/os-instance-actions/{request_id}",
        Route("ia_show"),
    ),
]


def _build_mapper() -> Any:
    mapper = routes.Mapper()
    for index, (method, path, _route) in enumerate(ROUTES):
        mapper.connect(
            None,
            path,
            route_index=index,
            conditions={"method": [method]},
            requirements={
                "server_id": "[^/]+",
                "migration_id": "[^/]+",
                "request_id": "[^/]+",
            },
        )
    return mapper


def _json(status: int, body: Any | None) -> webob.Response:
    resp = webob.Response(status=status)
    resp.headerlist = [("Content-Type", "application/json")]
    if body is not None:
        resp.body = json.dumps(body).encode()
    else:
        resp.body = b""
    return resp


def _fault_response(status: int, message: str) -> webob.Response:
    name = FAULT_NAMES.get(status, "computeFault")
    resp = webob.Response(status=status)
    resp.headerlist = [("Content-Type", "application/json; charset=UTF-8")]
    resp.body = json.dumps(
        {name: {"code": status, "message": message}}
    ).encode()
    return resp


def _with_request_id(
    resp: webob.Response, request_id: str | None = None
) -> webob.Response:
    """oslo.middleware's RequestId as nova's compute_req_id sets it."""
    request_id = request_id or f"req-{uuid.uuid4()}"
    resp.headers["x-openstack-request-id"] = request_id
    resp.headers["x-compute-request-id"] = request_id
    return resp


def _with_version(resp: webob.Response, version: str) -> webob.Response:
    resp.headers["OpenStack-API-Version"] = f"compute {version}"
    resp.headers["X-OpenStack-Nova-API-Version"] = version
    resp.headerlist.append(("Vary", "OpenStack-API-Version"))
    resp.headerlist.append(("Vary", "X-OpenStack-Nova-API-Version"))
    return resp


def _host_id(project_id: str, host: str | None) -> str:
    if not host:
        return ""
    return hashlib.sha224((project_id + host).encode()).hexdigest()


class NovaApp:
    """The WSGI callable; one per reference server."""

    def __init__(
        self,
        cloud: cloud_mod.Cloud,
        faults: faults_mod.Faults | None = None,
        policy_file: str | None = None,
        base_url: str | None = None,
        token_ttl: float = 3600.0,
    ) -> None:
        self.cloud = cloud
        self.faults = faults or faults_mod.Faults()
        self.policy = policy_mod.Policy(policy_file)
        self.identity = identity_mod.Identity(
            cloud, policy_mod.KeystonePolicy(policy_file)
        )
        self.base_url = base_url
        self.token_ttl = token_ttl
        self.requests: list[RequestRecord] = []
        self.max_limit = 1000
        self._tokens: dict[str, TokenInfo] = {}
        self._lock = threading.Lock()
        self._mapper = _build_mapper()

    # -- WSGI entry -------------------------------------------------------
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        req = webob.Request(environ)
        path = req.path_info or "/"
        fault = self.faults.take(req.method, path)
        if fault is not None and fault.latency:
            # Bounded, and cut short when the server stops.
            self.faults.stopping.wait(fault.latency)
        try:
            if (
                fault is not None
                and fault.status is not None
                and not (fault.after)
            ):
                # Answered before Nova runs the request: by Nova's own
                # fault wrapper (with a request id) or, for an HTML
                # page, by a proxy in front of it (without one).
                resp = webob.Response(status=fault.status)
                if not fault.html:
                    request_id = f"req-{uuid.uuid4()}"
                    resp.headers["x-openstack-request-id"] = request_id
                    resp.headers["x-compute-request-id"] = request_id
            else:
                resp = self._dispatch(req, path)
        except Exception:
            LOG.exception("unexpected error in the reference Nova")
            resp = _fault_response(500, UNEXPECTED)
        if fault is not None:
            resp = self._apply_fault(fault, resp)
        with self._lock:
            self.requests.append(
                RequestRecord(req.method, path, resp.status_int)
            )
        result: Iterable[bytes] = resp(environ, start_response)
        return result

    def _apply_fault(
        self, fault: faults_mod.Fault, resp: webob.Response
    ) -> webob.Response:
        if fault.status is not None:
            if fault.html:
                resp = webob.Response(status=fault.status)
                resp.headerlist = [("Content-Type", "text/html")]
                resp.body = (
                    f"<html><head><title>{resp.status}</title></head>"
                    f"<body><h1>{resp.status}</h1><p>The proxy could not "
                    "reach the compute API.</p></body></html>"
                ).encode()
            else:
                message = {
                    429: "This request was rate-limited.",
                    503: "The compute API is temporarily unavailable.",
                }.get(fault.status, UNEXPECTED)
                old = resp
                resp = _fault_response(fault.status, message)
                for name in (
                    "x-openstack-request-id",
                    "x-compute-request-id",
                ):
                    if name in old.headers:
                        resp.headers[name] = old.headers[name]
            if fault.retry_after is not None:
                resp.headers["Retry-After"] = str(fault.retry_after)
        elif fault.html:
            resp.headerlist = [
                (k, v) for k, v in resp.headerlist if k != "Content-Type"
            ] + [("Content-Type", "text/html")]
            resp.body = b"<html><body><h1>Error</h1></body></html>"
        if fault.truncate:
            body = resp.body
            resp.body = body[: max(1, len(body) // 2)]
        if fault.content_type is not None:
            resp.headers["Content-Type"] = fault.content_type
        return resp

    def _url(self, req: webob.Request) -> str:
        return self.base_url or req.host_url

    # -- top-level dispatch -----------------------------------------------
    def _dispatch(self, req: webob.Request, path: str) -> webob.Response:
        if path == "/" and req.method == "GET":
            return _json(200, self._versions_doc(req))
        if path.startswith("/identity"):
            return self._identity(req, path[len("/identity") :])
        # The /v2 and /v2.1 version pipelines have compute_req_id (the root
        # one has not), outside faultwrap: errors carry the ids too.
        if path in ("/v2.1", "/v2.1/") and req.method == "GET":
            return _with_request_id(self._version_doc_v21(req))
        if path in ("/v2", "/v2/") and req.method == "GET":
            return _with_request_id(
                _json(200, {"version": self._v20(req, detail=True)})
            )
        if path.startswith("/v2.1/"):
            return self._compute(req, path[len("/v2.1") :])
        return req.get_response(webob.exc.HTTPNotFound())

    # -- version documents --------------------------------------------------
    def _v20(self, req: webob.Request, detail: bool) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": "v2.0",
            "status": "DEPRECATED",
            "version": "",
            "min_version": "",
            "updated": "2025-07-04T12:00:00Z",
            "links": [{"rel": "self", "href": f"{self._url(req)}/v2/"}],
        }
        if detail:
            doc["links"].append(
                {
                    "rel": "describedby",
                    "type": "text/html",
                    "href": "http://docs.openstack.org/",
                }
            )
            doc["media-types"] = [
                {
                    "base": "application/json",
                    "type": "application/vnd.openstack.compute+json;version=2",
                }
            ]
        return doc

    def _v21(self, req: webob.Request, detail: bool) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": "v2.1",
            "status": "CURRENT",
            "version": _vstr(MAX_VERSION),
            "min_version": _vstr(MIN_VERSION),
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{self._url(req)}/v2.1/"}],
        }
        if detail:
            doc["links"].append(
                {
                    "rel": "describedby",
                    "type": "text/html",
                    "href": "http://docs.openstack.org/",
                }
            )
            doc["media-types"] = [
                {
                    "base": "application/json",
                    "type": (
                        "application/vnd.openstack.compute+json;version=2.1"
                    ),
                }
            ]
        return doc

    def _versions_doc(self, req: webob.Request) -> dict[str, Any]:
        return {
            "versions": [
                self._v20(req, detail=False),
                self._v21(req, detail=False),
            ]
        }

    def _version_doc_v21(self, req: webob.Request) -> webob.Response:
        try:
            version = self._negotiate(req)
        except _VersionError as err:
            return err.response
        return _with_version(
            _json(200, {"version": self._v21(req, detail=True)}),
            _vstr(version),
        )

    # -- microversions ------------------------------------------------------
    def _negotiate(self, req: webob.Request) -> Version:
        raw = microversion_parse.get_version(
            req.headers,
            service_type="compute",
            legacy_headers=["X-OpenStack-Nova-API-Version"],
        )
        if raw is None:
            return MIN_VERSION
        if raw == "latest":
            return MAX_VERSION
        match = _VERSION_RE.match(raw)
        if match is None:
            raise _VersionError(
                _fault_response(
                    400,
                    f"API Version String {raw} is of invalid format. Must "
                    "be of format MajorNum.MinorNum.",
                )
            )
        version = (int(match.group(1)), int(match.group(2)))
        if not MIN_VERSION <= version <= MAX_VERSION:
            resp = _fault_response(
                406,
                f"Version {_vstr(version)} is not supported by the API. "
                f"Minimum is {_vstr(MIN_VERSION)} and maximum is "
                f"{_vstr(MAX_VERSION)}.",
            )
            raise _VersionError(_with_version(resp, _vstr(version)))
        return version

    # -- Keystone -----------------------------------------------------------
    def _identity(self, req: webob.Request, path: str) -> webob.Response:
        return identity_mod.finish(self._identity_answer(req, path))

    def _identity_answer(
        self, req: webob.Request, path: str
    ) -> webob.Response:
        base = f"{self._url(req)}/identity/v3"
        if path in ("/v3", "/v3/") and req.method == "GET":
            return _json(200, {"version": self._ks_version(base)})
        if path in ("", "/") and req.method == "GET":
            return _json(
                300, {"versions": {"values": [self._ks_version(base)]}}
            )
        if path == "/v3/auth/tokens" and req.method == "POST":
            return self._issue_token(req, base)
        if path == "/v3/auth/tokens" and req.method in ("GET", "HEAD"):
            return self._validate_token(req, base)
        found = identity_mod.match(path)
        if found is not None and req.method in ("GET", "HEAD"):
            return self.identity.handle(
                req,
                base,
                *found,
                token=self._token_caller(req),
                token_given="X-Auth-Token" in req.headers,
            )
        return req.get_response(webob.exc.HTTPNotFound())

    def _token_caller(
        self, req: webob.Request
    ) -> tuple[cloud_mod.User, str] | None:
        """The X-Auth-Token's user and scoped project, if it is valid."""
        info = self._token_info(req.headers.get("X-Auth-Token"))
        if info is None:
            return None
        user = self.cloud.users.get(info.user)
        return (user, info.project_id) if user is not None else None

    @staticmethod
    def _ks_version(base: str) -> dict[str, Any]:
        return {
            "id": "v3.14",
            "status": "stable",
            "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{base}/"}],
            "media-types": [
                {
                    "base": "application/json",
                    "type": "application/vnd.openstack.identity-v3+json",
                }
            ],
        }

    def _ks_401(self, req: webob.Request) -> webob.Response:
        return identity_mod.unauthorized(f"{self._url(req)}/identity")

    def _issue_token(self, req: webob.Request, base: str) -> webob.Response:
        try:
            body = json.loads(req.body or b"{}")
            identity = body["auth"]["identity"]
            methods = list(identity["methods"])
        except (ValueError, KeyError, TypeError):
            return self._ks_400()
        user: cloud_mod.User | None = None
        if "password" in methods:
            pw_user = identity.get("password", {}).get("user", {})
            with self.cloud.lock:
                candidates = [
                    u
                    for u in self.cloud.users.values()
                    if u.name == pw_user.get("name")
                    or u.id == pw_user.get("id")
                ]
            if candidates and candidates[0].password == pw_user.get(
                "password"
            ):
                user = candidates[0]
        elif "token" in methods:
            info = self._token_info(identity.get("token", {}).get("id"))
            if info is not None:
                user = self.cloud.users.get(info.user)
        if user is None:
            return self._ks_401(req)
        project = self._scope(user, body["auth"].get("scope"))
        if project is None:
            return self._ks_401(req)
        token = secrets.token_urlsafe(32)
        now = self.cloud.clock.now()
        expires = datetime.datetime.now(datetime.UTC).replace(
            tzinfo=None
        ) + datetime.timedelta(seconds=self.token_ttl)
        with self._lock:
            self._tokens[token] = TokenInfo(user.name, project.id, expires)
        resp = _json(
            201,
            self._token_body(user, project, methods, expires, now, base),
        )
        resp.headers["X-Subject-Token"] = token
        return resp

    def _ks_400(self) -> webob.Response:
        return identity_mod.error_response(
            400, "Expecting to find auth in request body."
        )

    def _scope(
        self, user: cloud_mod.User, scope: Any
    ) -> cloud_mod.Project | None:
        with self.cloud.lock:
            if not scope:
                return self.cloud.projects.get(user.project_id)
            wanted = scope.get("project") if isinstance(scope, dict) else None
            if not isinstance(wanted, dict):
                return None
            project: cloud_mod.Project | None = None
            if "id" in wanted:
                project = self.cloud.projects.get(wanted["id"])
            elif "name" in wanted:
                domain = wanted.get("domain", {})
                if domain.get("name", "Default") != "Default" and (
                    domain.get("id") != "default"
                ):
                    return None
                project = self.cloud.project_by_name(wanted["name"])
            if project is None or project.id != user.project_id:
                return None
            return project

    def _token_body(
        self,
        user: cloud_mod.User,
        project: cloud_mod.Project,
        methods: list[str],
        expires: datetime.datetime,
        issued: datetime.datetime,
        base: str,
    ) -> dict[str, Any]:
        token = ks_fixture.V3Token(
            expires=expires,
            issued=datetime.datetime.now(datetime.UTC).replace(tzinfo=None),
            user_id=user.id,
            user_name=user.name,
            user_domain_id="default",
            user_domain_name="Default",
            project_id=project.id,
            project_name=project.name,
            project_domain_id="default",
            project_domain_name="Default",
            methods=methods,
            audit_id=secrets.token_urlsafe(16)[:22],
        )
        for role in user.roles:
            role_id = uuid.uuid5(uuid.NAMESPACE_URL, role).hex
            token.add_role(name=role, id=role_id)
        root = base.rsplit("/identity/v3", 1)[0]
        compute = token.add_service("compute", name="nova")
        compute.add_standard_endpoints(
            public=f"{root}/v2.1",
            internal=f"{root}/v2.1",
            admin=f"{root}/v2.1",
            region=REGION,
        )
        identity = token.add_service("identity", name="keystone")
        identity.add_standard_endpoints(
            public=base, internal=base, admin=base, region=REGION
        )
        return dict(token)

    def _token_info(self, token: str | None) -> TokenInfo | None:
        if not token:
            return None
        with self._lock:
            info = self._tokens.get(token)
        if info is None:
            return None
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        if info.expires <= now:
            return None
        return info

    def _validate_token(self, req: webob.Request, base: str) -> webob.Response:
        caller = self._token_info(req.headers.get("X-Auth-Token"))
        subject = self._token_info(req.headers.get("X-Subject-Token"))
        if caller is None:
            return self._ks_401(req)
        if subject is None:
            return identity_mod.error_response(404, "Could not find token.")
        user = self.cloud.users[subject.user]
        project = self.cloud.projects[subject.project_id]
        resp = _json(
            200,
            self._token_body(
                user,
                project,
                ["password"],
                subject.expires,
                self.cloud.clock.now(),
                base,
            ),
        )
        resp.headers["X-Subject-Token"] = req.headers["X-Subject-Token"]
        return resp

    # -- the authenticated compute API ----------------------------------
    def _compute(self, req: webob.Request, path: str) -> webob.Response:
        request_id = f"req-{uuid.uuid4()}"
        resp = self._compute_inner(req, path, request_id)
        return _with_request_id(resp, request_id)

    def _authenticate(
        self, req: webob.Request, request_id: str
    ) -> Context | None:
        info = self._token_info(req.headers.get("X-Auth-Token"))
        if info is None:
            return None
        user = self.cloud.users.get(info.user)
        if user is None:
            return None
        creds = {
            "user_id": user.id,
            "project_id": info.project_id,
            "roles": list(user.roles),
        }
        is_admin = self.policy.allowed("context_is_admin", creds, creds)
        return Context(
            user_id=user.id,
            user_name=user.name,
            project_id=info.project_id,
            roles=tuple(user.roles),
            is_admin=is_admin,
            request_id=request_id,
        )

    def _compute_inner(
        self, req: webob.Request, path: str, request_id: str
    ) -> webob.Response:
        ctx = self._authenticate(req, request_id)
        if ctx is None:
            resp = webob.Response(status=401)
            resp.headerlist = [
                ("Content-Type", "application/json; charset=UTF-8"),
                (
                    "WWW-Authenticate",
                    f'Keystone uri="{self._url(req)}/identity"',
                ),
            ]
            resp.body = json.dumps(KEYSTONE_401).encode()
            return resp
        self.cloud.on_request()
        prefix = ""
        match = _PROJECT_PREFIX_RE.match(path)
        if match is not None:
            prefix, path = match.group(1), match.group(2)
        # Routing comes first: an unrouted method never reaches Nova's
        # resource layer, so it gets webob's 404 and no version headers.
        found = self._mapper.match(
            path, environ={"REQUEST_METHOD": req.method, "PATH_INFO": path}
        )
        if found is None:
            return req.get_response(webob.exc.HTTPNotFound())
        route = ROUTES[int(found.pop("route_index"))][2]
        found.pop("action", None)
        found.pop("controller", None)
        try:
            version = self._negotiate(req)
        except _VersionError as err:
            return err.response
        vstr = _vstr(version)
        try:
            resp = self._dispatch_route(
                req, ctx, route, version, prefix, found
            )
        except ApiFault as err:
            resp = _fault_response(err.status, err.message)
        return _with_version(resp, vstr)

    def _dispatch_route(
        self,
        req: webob.Request,
        ctx: Context,
        route: Route,
        version: Version,
        prefix: str,
        args: dict[str, str],
    ) -> webob.Response:
        """Nova's resource stack, in its order."""
        content_type = (
            req.content_type if "Content-Type" in req.headers else ""
        )
        if content_type not in ("", "text/plain", *_CONTENT_TYPES):
            raise ApiFault(415, "Unsupported Content-Type")
        body: dict[str, Any] | None = None
        if route.actions:
            body = _action_body(req)
            name = next(iter(body))
            if name not in route.actions:
                raise ApiFault(400, f"There is no such action: {name}")
        if prefix and prefix != ctx.project_id:
            raise ApiFault(
                400,
                f"Malformed request URL: URL's project_id '{prefix}' "
                f"doesn't match Context's project_id '{ctx.project_id}'",
            )
        if version < route.min_version:
            raise ApiFault(404, NOT_FOUND)
        handler = getattr(self, route.handler)
        call = _Call(req, ctx, version, prefix, self._url(req), body or {})
        result: webob.Response = handler(call, **args)
        return result

    # -- helpers used by controllers ----------------------------------------
    def _can(
        self,
        call: _Call,
        rule: str,
        project_id: str | None = None,
        fatal: bool = True,
    ) -> bool:
        """RequestContext.can: without a target, the caller's own
        project_id and user_id."""
        target = (
            {"project_id": call.ctx.project_id, "user_id": call.ctx.user_id}
            if project_id is None
            else {"project_id": project_id}
        )
        allowed = self.policy.allowed(rule, target, call.ctx.creds())
        if not allowed and fatal:
            raise ApiFault(
                403, f"Policy doesn't allow {rule} to be performed."
            )
        return allowed

    def _server(self, call: _Call, server_id: str) -> cloud_mod.Server:
        server = self.cloud.servers.get(server_id)
        if server is None or (
            not call.ctx.is_admin and server.project_id != call.ctx.project_id
        ):
            raise ApiFault(404, f"Instance {server_id} could not be found.")
        return server

    # -- servers ------------------------------------------------------------
    def _visible_servers(
        self, call: _Call, rule: str
    ) -> tuple[list[cloud_mod.Server], list[tuple[str, str]]]:
        """Nova's ServersController._get_servers, for the filters this
        emulation keeps; also the query left after schema stripping."""
        version = call.version
        schema = _servers_query(version)
        _validate(schema, call.req.GET.dict_of_lists(), is_body=False)
        self._can(call, rule)
        # Below 2.75 the schema layer strips unknown parameters (not '_*').
        items = [
            (k, v)
            for k, v in call.req.GET.items()
            if k in schema["properties"] or k.startswith("_")
        ]
        search: dict[str, Any] = {}
        for key, value in items:  # dict.update(req.GET): last value wins
            search[key] = value
        if self._can(
            call,
            "os_compute_api:servers:allow_all_filters",
            fatal=False,
        ):
            for key in ("sort_key", "sort_dir", "limit", "marker"):
                search.pop(key, None)
        else:
            allowed = _server_search_options(version)
            search = {k: v for k, v in search.items() if k in allowed}
        for key in search:
            if key in _JOINED_TABLE_PARAMS or key.startswith("_"):
                raise ApiFault(400, f"Invalid filter field: {key}.")
        search.pop("status", None)
        statuses = [v for k, v in items if k == "status"]
        if statuses:
            vm_states, task_states = _states_from_status(statuses)
            if not vm_states and not task_states:
                if version >= (2, 38):
                    raise ApiFault(400, "Invalid status value")
                return [], items
            search["vm_state"] = vm_states
            if "default" not in task_states:
                search["task_state"] = task_states
        if search.get("vm_state") == ["deleted"]:
            if not call.ctx.is_admin:
                raise ApiFault(
                    403, "Only administrators may list deleted instances"
                )
            return [], items  # no deleted servers are kept
        if search.get("all_tenants"):
            try:
                all_tenants = strutils.bool_from_string(
                    search["all_tenants"], strict=True
                )
            except ValueError as err:
                raise ApiFault(400, str(err)) from None
        else:
            all_tenants = "all_tenants" in search
        search.pop("all_tenants", None)
        if all_tenants:
            self._can(call, f"{rule}:get_all_tenants")
        else:
            search.pop("tenant_id", None)
            search["project_id"] = call.ctx.project_id
        if "tenant_id" in search:  # compute API's filter_mapping
            search["project_id"] = search.pop("tenant_id")
        for key in call.req.GET.getall("sort_key"):  # remove_invalid_sort_keys
            if key in ("host", "node") and not call.ctx.is_admin:
                raise ApiFault(
                    403, f"Only administrators can sort servers by {key}"
                )
        limit = self.max_limit
        if "limit" in call.req.GET:
            limit = min(self.max_limit, int(call.req.GET["limit"]))
        marker = call.req.GET.get("marker")
        with self.cloud.lock:
            self.cloud.sync()
            # created_at desc, then the DB id desc (insertion order).
            order = {sid: i for i, sid in enumerate(self.cloud.servers)}
            servers = sorted(
                self.cloud.servers.values(),
                key=lambda s: (s.created_at, order[s.id]),
                reverse=True,
            )
            if marker is not None:
                index = next(
                    (i for i, s in enumerate(servers) if s.id == marker),
                    None,
                )
                if index is None:
                    raise ApiFault(400, f"marker [{marker}] not found")
                servers = servers[index + 1 :]
            servers = [s for s in servers if _server_matches(s, search)]
            return servers[:limit], items

    @staticmethod
    def _pid(call: _Call) -> str:
        """Nova's ViewBuilder._get_project_id: the caller's project id
        whenever it appears anywhere in the request URL (query included)."""
        project_id = call.ctx.project_id
        return f"/{project_id}" if project_id in call.req.url else ""

    def _next_href(
        self,
        call: _Call,
        path: str,
        marker: str,
        items: list[tuple[str, str]] | None = None,
    ) -> str:
        """Nova's ViewBuilder._get_next_link: the request's parameters
        sorted as (name, value) pairs, one value per name (the greatest
        of a repeated one), then ``marker``."""
        if items is None:
            items = list(call.req.GET.items())
        params = dict(sorted(items))
        params["marker"] = marker
        qs = urllib.parse.urlencode(list(params.items()))
        return f"{call.url}/v2.1{self._pid(call)}/{path}?{qs}"

    def _links(self, call: _Call, kind: str, ident: str) -> list[Any]:
        pid = self._pid(call)
        return [
            {"rel": "self", "href": f"{call.url}/v2.1{pid}/{kind}/{ident}"},
            {"rel": "bookmark", "href": f"{call.url}{pid}/{kind}/{ident}"},
        ]

    def _servers_body(
        self,
        call: _Call,
        path: str,
        servers: list[dict[str, Any]],
        items: list[tuple[str, str]],
    ) -> dict[str, Any]:
        """Nova's _list_view with _get_collection_links(..., 'uuid')."""
        body: dict[str, Any] = {"servers": servers}
        limit = self.max_limit
        if "limit" in call.req.GET:
            limit = min(self.max_limit, int(call.req.GET["limit"]))
        if limit and len(servers) == limit:
            href = self._next_href(call, path, servers[-1]["id"], items)
            body["servers_links"] = [{"rel": "next", "href": href}]
        return body

    def servers_index(self, call: _Call) -> webob.Response:
        servers, items = self._visible_servers(
            call, "os_compute_api:servers:index"
        )
        views = [
            {
                "id": s.id,
                "name": s.name,
                "links": self._links(call, "servers", s.id),
            }
            for s in servers
        ]
        return _json(200, self._servers_body(call, "servers", views, items))

    def servers_detail(self, call: _Call) -> webob.Response:
        servers, items = self._visible_servers(
            call, "os_compute_api:servers:detail"
        )
        views = [self._server_view(call, s, show=False) for s in servers]
        return _json(
            200, self._servers_body(call, "servers/detail", views, items)
        )

    def servers_show(self, call: _Call, server_id: str) -> webob.Response:
        _strict_query(call.req, call.version)
        with self.cloud.lock:
            self.cloud.sync()
            server = self._server(call, server_id)
            self._can(call, "os_compute_api:servers:show", server.project_id)
            return _json(200, {"server": self._server_view(call, server)})

    def _server_view(
        self, call: _Call, s: cloud_mod.Server, show: bool = True
    ) -> dict[str, Any]:
        """Nova's views.servers.ViewBuilder.show (``show=False``: as the
        detail list calls it)."""
        v = call.version
        flavor: dict[str, Any]
        if v >= (2, 47):
            flavor = {
                "vcpus": 1,
                "ram": s.memory_mib,
                "disk": s.disk_gib,
                "ephemeral": 0,
                "swap": 0,
                "original_name": "m1.reference",
            }
            if self._can(
                call,
                "os_compute_api:servers:show:flavor-extra-specs",
                s.project_id if show else None,
                fatal=False,
            ):
                flavor["extra_specs"] = {}
        else:
            flavor = {
                "id": str(s.flavor_id),
                "links": self._links(call, "flavors", str(s.flavor_id))[1:],
            }
        view: dict[str, Any] = {
            "id": s.id,
            "name": s.name,
            "status": s.status,
            "tenant_id": s.project_id,
            "user_id": s.user_id,
            "metadata": {},
            "hostId": _host_id(s.project_id, s.host),
            "image": "",
            "flavor": flavor,
            "created": s.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "updated": s.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "addresses": {},
            "accessIPv4": "",
            "accessIPv6": "",
            "links": self._links(call, "servers", s.id),
            "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": "nova",
            "config_drive": "",
            "key_name": None,
            "OS-SRV-USG:launched_at": (
                s.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")
                if s.launched
                else None
            ),
            "OS-SRV-USG:terminated_at": None,
            "OS-EXT-STS:task_state": s.task_state,
            "OS-EXT-STS:vm_state": s.vm_state,
            "OS-EXT-STS:power_state": _POWER_STATES.get(s.vm_state, 0),
            "os-extended-volumes:volumes_attached": [],
            "security_groups": [{"name": "default"}],
        }
        if view["status"] in _PROGRESS_STATUSES:
            view["progress"] = 0
        extended = self._can(
            call,
            "os_compute_api:os-extended-server-attributes",
            s.project_id if show else None,
            fatal=False,
        )
        if extended:
            host = self.cloud.hosts.get(s.host)
            view["OS-EXT-SRV-ATTR:host"] = s.host
            view["OS-EXT-SRV-ATTR:hypervisor_hostname"] = (
                host.node if host else None
            )
            view["OS-EXT-SRV-ATTR:instance_name"] = (
                f"instance-{int(s.id[:8], 16):08x}"
            )
            if v >= (2, 3):
                view["OS-EXT-SRV-ATTR:hostname"] = s.name
                view["OS-EXT-SRV-ATTR:reservation_id"] = "r-reference"
                view["OS-EXT-SRV-ATTR:launch_index"] = 0
                view["OS-EXT-SRV-ATTR:kernel_id"] = ""
                view["OS-EXT-SRV-ATTR:ramdisk_id"] = ""
                view["OS-EXT-SRV-ATTR:root_device_name"] = "/dev/vda"
                view["OS-EXT-SRV-ATTR:user_data"] = None
        if v >= (2, 9):
            view["locked"] = s.locked
        if v >= (2, 16) and self._can(
            call,
            "os_compute_api:servers:show:host_status",
            s.project_id if show else None,
            fatal=False,
        ):
            view["host_status"] = "UP"
        if v >= (2, 19):
            view["description"] = None
        if v >= (2, 26):
            view["tags"] = []
        if v >= (2, 63):
            view["trusted_image_certificates"] = None
        if v >= (2, 71) and show:  # never in the detail list
            view["server_groups"] = []
        if v >= (2, 73):
            view["locked_reason"] = None
        if v >= (2, 90) and not extended:
            view["OS-EXT-SRV-ATTR:hostname"] = s.name
        if v >= (2, 96):
            view["pinned_availability_zone"] = None
        if v >= (2, 100):
            view["scheduler_hints"] = {}
        return view

    def servers_action(self, call: _Call, server_id: str) -> webob.Response:
        body = call.body
        _validate(_live_schema(call.version), body, is_body=True)
        args = body["os-migrateLive"]
        with self.cloud.lock:
            self.cloud.sync()
            server = self._server(call, server_id)
            host = args.get("host")
            if host:
                self._can(
                    call,
                    "os_compute_api:os-migrate-server:migrate_live:host",
                    server.project_id,
                )
            else:
                self._can(
                    call,
                    "os_compute_api:os-migrate-server:migrate_live",
                    server.project_id,
                )
            force: bool | None = None  # before 2.30: the host is used as is
            if call.version >= (2, 30):
                force = strutils.bool_from_string(
                    args.get("force", False), strict=True
                )
                if force and not host:
                    raise ApiFault(
                        400, "Can't force to a non-provided destination"
                    )
            if server.locked and not call.ctx.is_admin:
                raise ApiFault(409, f"Instance {server.id} is locked")
            if server.vm_state not in ("active", "paused"):
                raise ApiFault(
                    409,
                    f"Cannot 'os-migrateLive' instance {server_id} while it "
                    f"is in vm_state {server.vm_state}",
                )
            if server.task_state is not None:
                raise ApiFault(
                    409,
                    f"Cannot 'os-migrateLive' instance {server_id} while it "
                    f"is in task_state {server.task_state}",
                )
            if not server.launched:
                raise ApiFault(
                    409,
                    f"Instance {server_id} is in an invalid state for "
                    "'os-migrateLive'",
                )
            if host and host not in self.cloud.hosts:
                raise ApiFault(400, f"Compute host {host} could not be found.")
            # An unforced host (2.30+) is only a scheduler hint: the
            # conductor gets no destination and the scheduler ignores the
            # source host; a forced one (or any before 2.30) is checked
            # against the source (UnableToMigrateToSelf).
            forced = bool(host) and force is not False
            to_self = bool(host) and host == server.host
            others = [h for h in self.cloud.hosts if h != server.host]
            no_host = (to_self and not forced) or (not host and not others)
            if call.version < (2, 34):
                # Before 2.34 the conductor's pre-checks answer in-line.
                if to_self and forced:
                    raise ApiFault(
                        400,
                        f"Unable to migrate instance ({server.id}) to "
                        f"current host ({host}).",
                    )
                if no_host:
                    raise ApiFault(
                        400,
                        "No valid host was found. There are not enough "
                        "hosts available.",
                    )
            self.cloud.start_live_migration(
                server.id,
                dest=host if forced else (None if no_host else host),
                request_id=call.ctx.request_id,
                user_id=call.ctx.user_id,
                precheck_fails=to_self or no_host,
            )
        return _json(202, None)

    # -- server migrations -------------------------------------------------
    def _sm_view(
        self, call: _Call, m: cloud_mod.Migration, hosts: bool
    ) -> dict[str, Any]:
        view: dict[str, Any] = {
            "created_at": cloud_mod.isotime(m.created_at),
            "dest_compute": m.dest_compute if hosts else None,
            "dest_host": m.dest_host if hosts else None,
            "dest_node": m.dest_node if hosts else None,
            "disk_processed_bytes": m.disk_processed_bytes,
            "disk_remaining_bytes": m.disk_remaining_bytes,
            "disk_total_bytes": m.disk_total_bytes,
            "id": m.id,
            "memory_processed_bytes": m.memory_processed_bytes,
            "memory_remaining_bytes": m.memory_remaining_bytes,
            "memory_total_bytes": m.memory_total_bytes,
            "server_uuid": m.instance_uuid,
            "source_compute": m.source_compute if hosts else None,
            "source_node": m.source_node if hosts else None,
            "status": m.status,
            "updated_at": cloud_mod.isotime(m.updated_at or m.created_at),
        }
        if call.version >= (2, 59):
            view["uuid"] = m.uuid
        if call.version >= (2, 80):
            view["user_id"] = m.user_id
            view["project_id"] = m.project_id
        return view

    def sm_index(self, call: _Call, server_id: str) -> webob.Response:
        _strict_query(call.req, call.version)
        rule = "os_compute_api:servers:migrations:index"
        with self.cloud.lock:
            self.cloud.sync()
            server = self._server(call, server_id)
            self._can(call, rule, server.project_id)
            hosts = self._can(
                call, f"{rule}:host", server.project_id, fatal=False
            )
            items = [
                self._sm_view(call, m, hosts)
                for m in self.cloud.migrations.values()
                if m.instance_uuid == server.id
                and m.migration_type == "live-migration"
                and m.status in IN_PROGRESS
            ]
        return _json(200, {"migrations": items})

    def sm_show(
        self, call: _Call, server_id: str, migration_id: str
    ) -> webob.Response:
        _strict_query(call.req, call.version)
        with self.cloud.lock:
            self.cloud.sync()
            server = self._server(call, server_id)
            self._can(
                call,
                "os_compute_api:servers:migrations:show",
                server.project_id,
            )
            mig = self._migration_of(server, migration_id)
            if mig is None:
                raise ApiFault(
                    404,
                    f"In-progress live migration {migration_id} is not "
                    f"found for server {server_id}.",
                )
            if mig.migration_type != "live-migration":
                raise ApiFault(
                    404,
                    f"Migration {migration_id} for server {server_id} is "
                    "not live-migration.",
                )
            if mig.status not in IN_PROGRESS:
                raise ApiFault(
                    404,
                    f"Live migration {migration_id} for server {server_id} "
                    "is not in progress.",
                )
            return _json(200, {"migration": self._sm_view(call, mig, True)})

    def _migration_of(
        self, server: cloud_mod.Server, migration_id: str
    ) -> cloud_mod.Migration | None:
        try:
            mid = int(migration_id)
        except ValueError:
            return None
        mig = self.cloud.migrations.get(mid)
        if mig is None or mig.instance_uuid != server.id:
            return None
        return mig

    def sm_delete(
        self, call: _Call, server_id: str, migration_id: str
    ) -> webob.Response:
        action = "abort live migration"
        with self.cloud.lock:
            self.cloud.sync()
            server = self._server(call, server_id)
            self._can(
                call,
                "os_compute_api:servers:migrations:delete",
                server.project_id,
            )
            if (server.locked and not call.ctx.is_admin) or (
                server.task_state is None
            ):
                raise ApiFault(
                    409,
                    f"Instance {server_id} is in an invalid state for "
                    f"'{action}'",
                )
            if server.task_state != "migrating":
                raise ApiFault(
                    409,
                    f"Cannot '{action}' instance {server_id} while it is in "
                    f"task_state {server.task_state}",
                )
            if not server.launched:
                raise ApiFault(
                    409,
                    f"Instance {server_id} is in an invalid state for "
                    f"'{action}'",
                )
            mig = self._migration_of(server, migration_id)
            if mig is None:
                raise ApiFault(
                    404,
                    f"Migration {migration_id} not found for instance "
                    f"{server.id}",
                )
            allowed: tuple[str, ...] = ("running",)
            if call.version >= (2, 65):
                allowed = ("running", "queued", "preparing")
            if mig.status not in allowed:
                raise ApiFault(
                    400,
                    f"Migration {migration_id} state of instance "
                    f"{server.id} is {mig.status}. Cannot abort live "
                    "migration while the migration is in this state.",
                )
            self.cloud.abort(
                mig.id,
                request_id=call.ctx.request_id,
                user_id=call.ctx.user_id,
            )
        return _json(202, None)

    def sm_action(
        self, call: _Call, server_id: str, migration_id: str
    ) -> webob.Response:
        _validate(_FORCE_SCHEMA, call.body, is_body=True)
        action = "force_complete"
        with self.cloud.lock:
            self.cloud.sync()
            server = self._server(call, server_id)
            self._can(
                call,
                "os_compute_api:servers:migrations:force_complete",
                server.project_id,
            )
            if server.locked and not call.ctx.is_admin:
                raise ApiFault(409, f"Instance {server.id} is locked")
            if server.vm_state != "active":
                raise ApiFault(
                    409,
                    f"Cannot '{action}' instance {server_id} while it is in "
                    f"vm_state {server.vm_state}",
                )
            if server.task_state is None:
                raise ApiFault(
                    409,
                    f"Instance {server_id} is in an invalid state for "
                    f"'{action}'",
                )
            if server.task_state != "migrating":
                raise ApiFault(
                    409,
                    f"Cannot '{action}' instance {server_id} while it is in "
                    f"task_state {server.task_state}",
                )
            if not server.launched:
                raise ApiFault(
                    409,
                    f"Instance {server_id} is in an invalid state for "
                    f"'{action}'",
                )
            mig = self._migration_of(server, migration_id)
            if mig is None:
                raise ApiFault(
                    400,
                    f"Migration {migration_id} not found for instance "
                    f"{server.id}",
                )
            if mig.status != "running":
                raise ApiFault(
                    400,
                    f"Migration {migration_id} state of instance "
                    f"{server.id} is {mig.status}. Cannot force complete "
                    "while the migration is in this state.",
                )
            self.cloud.force_complete(
                mig.id,
                request_id=call.ctx.request_id,
                user_id=call.ctx.user_id,
            )
        return _json(202, None)

    # -- os-migrations ------------------------------------------------------
    def migrations_index(self, call: _Call) -> webob.Response:
        version = call.version
        query = call.req.GET.dict_of_lists()
        schema = _migrations_query(version)
        if version < (2, 59):
            query = {
                k: v for k, v in query.items() if k in schema["properties"]
            }
        _validate(schema, query, is_body=False)
        ctx = call.ctx
        rule = "os_compute_api:os-migrations:index"
        self._can(call, rule)
        project_filter = query.get("project_id", [None])[-1]
        if project_filter is None or project_filter != ctx.project_id:
            self._can(call, f"{rule}:all_projects")
        hosts = self._can(call, f"{rule}:host", fatal=False)

        def last(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        since = last("changes-since")
        before = last("changes-before")
        since_dt = _naive(since) if since else None
        before_dt = _naive(before) if before else None
        if since_dt and before_dt and before_dt < since_dt:
            raise ApiFault(
                400,
                "The value of changes-since must be less than or equal to "
                "changes-before.",
            )
        with self.cloud.lock:
            self.cloud.sync()
            rows = [m for m in self.cloud.migrations.values() if not m.hidden]
            # Nova's migration_get_all_by_filters tests ``name in
            # filters``: an empty value is a filter on the empty string.
            host = last("host")
            source = last("source_compute")
            if host is not None:
                rows = [
                    m
                    for m in rows
                    if host in (m.source_compute, m.dest_compute)
                ]
            elif source is not None:
                rows = [m for m in rows if m.source_compute == source]
            for name in (
                "status",
                "instance_uuid",
                "migration_type",
                "user_id",
                "project_id",
            ):
                value = last(name)
                if value is not None:
                    rows = [m for m in rows if getattr(m, name) == value]
            # SQL comparisons on updated_at: NULL never matches.
            if since_dt is not None:
                rows = [
                    m
                    for m in rows
                    if m.updated_at is not None and m.updated_at >= since_dt
                ]
            if before_dt is not None:
                rows = [
                    m
                    for m in rows
                    if m.updated_at is not None and m.updated_at <= before_dt
                ]
            links: list[dict[str, str]] | None = None
            if version >= (2, 59):
                # The marker is looked up among all rows, whatever the
                # filters (migration_get_by_uuid), and the page starts
                # after its place in the sort order.
                ordered = sorted(
                    self.cloud.migrations.values(), key=lambda m: m.uuid
                )
                ordered.sort(key=lambda m: (m.created_at, m.id), reverse=True)
                place = {m.id: i for i, m in enumerate(ordered)}
                rows.sort(key=lambda m: place[m.id])
                marker = last("marker")
                if marker is not None:
                    index = next(
                        (i for i, m in enumerate(ordered) if m.uuid == marker),
                        None,
                    )
                    if index is None:
                        raise ApiFault(
                            400, f"Marker {marker} could not be found."
                        )
                    rows = [m for m in rows if place[m.id] > index]
                limit_s = last("limit")
                limit = self.max_limit
                if limit_s is not None:
                    limit = min(int(limit_s), self.max_limit)
                rows = rows[:limit]
                if rows and len(rows) == limit:
                    # Sorted by name; a new marker goes last, an old one
                    # keeps its place (as Nova's link builder does).
                    links = [
                        {
                            "rel": "next",
                            "href": self._next_href(
                                call, "os-migrations", rows[-1].uuid
                            ),
                        }
                    ]
            else:
                rows.sort(key=lambda m: m.id)
            items = [self._migration_view(call, m, hosts) for m in rows]
        body: dict[str, Any] = {"migrations": items}
        if links:
            body["migrations_links"] = links
        return _json(200, body)

    def _migration_view(
        self, call: _Call, m: cloud_mod.Migration, hosts: bool
    ) -> dict[str, Any]:
        view: dict[str, Any] = {
            "created_at": cloud_mod.isotime(m.created_at),
            "dest_compute": m.dest_compute if hosts else None,
            "dest_host": m.dest_host if hosts else None,
            "dest_node": m.dest_node if hosts else None,
            "id": m.id,
            "instance_uuid": m.instance_uuid,
            "new_instance_type_id": m.new_instance_type_id,
            "old_instance_type_id": m.old_instance_type_id,
            "source_compute": m.source_compute if hosts else None,
            "source_node": m.source_node if hosts else None,
            "status": m.status,
            "updated_at": cloud_mod.isotime(m.updated_at),
        }
        if call.version >= (2, 23):
            view["migration_type"] = m.migration_type
            if (
                m.migration_type == "live-migration"
                and m.status in IN_PROGRESS
            ):
                view["links"] = self._links(
                    call, "servers", f"{m.instance_uuid}/migrations/{m.id}"
                )
        if call.version >= (2, 59):
            view["uuid"] = m.uuid
        if call.version >= (2, 80):
            view["user_id"] = m.user_id
            view["project_id"] = m.project_id
        return view

    # -- instance actions ---------------------------------------------------
    def ia_index(self, call: _Call, server_id: str) -> webob.Response:
        query = call.req.GET.dict_of_lists()
        paged = call.version >= (2, 58)
        if paged:
            props: dict[str, Any] = {
                "limit": _single(_NON_NEG),
                "marker": _single({"type": "string"}),
                "changes-since": _single(_DATE),
            }
            if call.version >= (2, 66):
                props["changes-before"] = _single(_DATE)
            schema = {
                "type": "object",
                "properties": props,
                "additionalProperties": False,
            }
            _validate(schema, query, is_body=False)
        since = (
            _naive(query["changes-since"][-1])
            if paged and ("changes-since" in query)
            else None
        )
        before = (
            _naive(query["changes-before"][-1])
            if paged and ("changes-before" in query)
            else None
        )
        with self.cloud.lock:
            self.cloud.sync()
            server = self._server(call, server_id)
            self._can(
                call,
                "os_compute_api:os-instance-actions:list",
                server.project_id,
            )
            if since and before and before < since:
                raise ApiFault(
                    400,
                    "The value of changes-since must be less than or equal "
                    "to changes-before.",
                )
            actions = [
                a for a in self.cloud.actions if a.instance_uuid == server.id
            ]
            actions.reverse()  # newest first
            links: list[dict[str, str]] = []
            if paged:
                marker = query.get("marker", [None])[-1]
                if marker is not None:
                    # Looked up without the changes-* filters
                    # (action_get_by_request_id), newest first.
                    index = next(
                        (
                            i
                            for i, a in enumerate(actions)
                            if a.request_id == marker
                        ),
                        None,
                    )
                    if index is None:
                        # nova.db.main.api.actions_get rebinds ``marker`` to
                        # the (missing) action before raising, hence None.
                        raise ApiFault(400, "Marker None could not be found.")
                    actions = actions[index + 1 :]
            if since is not None:
                actions = [a for a in actions if a.updated_at >= since]
            if before is not None:
                actions = [a for a in actions if a.updated_at <= before]
            if paged:
                limit = self.max_limit
                if "limit" in query:
                    limit = min(int(query["limit"][-1]), self.max_limit)
                actions = actions[:limit]
                if actions and len(actions) == limit:
                    links = [
                        {
                            "rel": "next",
                            "href": self._next_href(
                                call,
                                f"servers/{server_id}/os-instance-actions",
                                actions[-1].request_id,
                            ),
                        }
                    ]
            items = [self._action_view(call, a) for a in actions]
        body: dict[str, Any] = {"instanceActions": items}
        if links:
            body["links"] = links
        return _json(200, body)

    def _action_view(
        self, call: _Call, a: cloud_mod.InstanceAction
    ) -> dict[str, Any]:
        view: dict[str, Any] = {
            "action": a.action,
            "instance_uuid": a.instance_uuid,
            "request_id": a.request_id,
            "user_id": a.user_id,
            "project_id": a.project_id,
            "start_time": cloud_mod.isotime(a.start_time),
            "message": a.message,
        }
        if call.version >= (2, 58):
            view["updated_at"] = cloud_mod.isotime(a.updated_at)
        return view

    def ia_show(
        self, call: _Call, server_id: str, request_id: str
    ) -> webob.Response:
        _strict_query(call.req, call.version)
        prefix = "os_compute_api:os-instance-actions"
        with self.cloud.lock:
            self.cloud.sync()
            server = self._server(call, server_id)
            self._can(call, f"{prefix}:show", server.project_id)
            action = next(
                (
                    a
                    for a in self.cloud.actions
                    if a.instance_uuid == server.id
                    and a.request_id == request_id
                ),
                None,
            )
            if action is None:
                raise ApiFault(404, f"Action {request_id} not found")
            view = self._action_view(call, action)
            admin = self._can(
                call, f"{prefix}:events", server.project_id, fatal=False
            )
            if admin or call.version >= (2, 51):
                details = call.version >= (2, 84) and self._can(
                    call,
                    f"{prefix}:events:details",
                    server.project_id,
                    fatal=False,
                )
                events = []
                # Newest event first, as Nova's DB query orders them.
                for e in reversed(action.events):
                    ev: dict[str, Any] = {
                        "event": e.event,
                        "start_time": cloud_mod.isotime(e.start_time),
                        "finish_time": cloud_mod.isotime(e.finish_time),
                        "result": e.result,
                    }
                    if admin:
                        ev["traceback"] = e.traceback
                        if call.version >= (2, 62):
                            ev["host"] = e.host
                    if call.version >= (2, 62):
                        ev["hostId"] = _host_id(action.project_id, e.host)
                    if details:
                        ev["details"] = e.details
                    events.append(ev)
                view["events"] = events
        return _json(200, {"instanceAction": view})


class _VersionError(Exception):
    def __init__(self, response: webob.Response) -> None:
        super().__init__("version negotiation failed")
        self.response = response


@dataclasses.dataclass(frozen=True)
class _Call:
    req: webob.Request
    ctx: Context
    version: Version
    prefix: str
    url: str
    body: dict[str, Any]


def _action_body(req: webob.Request) -> dict[str, Any]:
    """Nova's action_peek: one top-level key, quirks included."""
    try:
        body = json.loads(req.body or b"")
    except ValueError:
        raise ApiFault(400, "Malformed request body") from None
    try:
        size = len(body)
    except TypeError:  # a number or null: Nova answers a plain 404
        raise ApiFault(404, NOT_FOUND) from None
    if size != 1:
        raise ApiFault(400, "Malformed request body")
    if not isinstance(body, dict):  # [x] or "x": .keys() AttributeError
        raise ApiFault(404, NOT_FOUND)
    return body


def _naive(value: str) -> datetime.datetime:
    parsed = timeutils.parse_isotime(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    return parsed
