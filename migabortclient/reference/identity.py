"""Keystone v3 project and user reads for the reference's identity front.

``GET``/``HEAD`` ``/v3/projects[/{id}]`` and ``/v3/users[/{id}]`` in
Keystone's order (keystone/api/projects.py, keystone/api/users.py): an
invalid token is refused by the auth middleware (401), the query is
validated (400), ``enforce_call`` rejects a request without a token (401)
and then applies the policy (403) on a target built without the existence
check, and only then is a missing resource a 404.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import webob
from oslo_utils import strutils

from migabortclient.reference import cloud as cloud_mod
from migabortclient.reference import policy as policy_mod

DOMAIN_ID = "default"
_PATH_RE = re.compile(r"^/v3/(projects|users)(?:/([^/]+))?/?$")

# keystone/api/validation/parameter_types.py
_BOOLEAN = {
    "type": ["boolean", "string", "null"],
    "enum": [
        True,
        "True",
        "TRUE",
        "true",
        False,
        "False",
        "FALSE",
        "false",
        "",
        "1",
        "0",
        "y",
        "Y",
        "n",
        "N",
        "on",
        "ON",
        "off",
        "OFF",
        "yes",
        "no",
    ],
}
_DOMAIN_ID = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": r"^[a-zA-Z0-9-]+$",
}


def _name(max_length: int) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": r"[\S]+",
    }


# keystone/resource/schema.py:project_index_request_query and
# keystone/identity/schema.py:user_index_request_query (the keys this
# emulation reads; both allow additional properties).
QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "projects": {
        "type": "object",
        "properties": {
            "domain_id": _DOMAIN_ID,
            "enabled": _BOOLEAN,
            "name": _name(64),
            "is_domain": _BOOLEAN,
        },
        "additionalProperties": True,
    },
    "users": {
        "type": "object",
        "properties": {
            "domain_id": _DOMAIN_ID,
            "enabled": _BOOLEAN,
            "name": _name(255),
        },
        "additionalProperties": True,
    },
}
# The filters each list hands to build_driver_hints.
FILTERS = {
    "projects": ("domain_id", "enabled", "name", "parent_id", "is_domain"),
    "users": (
        "domain_id",
        "enabled",
        "idp_id",
        "name",
        "protocol_id",
        "unique_id",
        "password_expires_at",
    ),
}
# Keystone's exception titles (http.client.responses).
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
}
UNAUTHORIZED = "The request you have made requires authentication."


class KeystoneError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def match(path: str) -> tuple[str, str | None] | None:
    """(collection, member id or None) for a path this module serves."""
    found = _PATH_RE.match(path)
    if found is None:
        return None
    member = found.group(2)
    return found.group(1), urllib.parse.unquote(member) if member else None


def response(status: int, body: Any | None) -> webob.Response:
    resp = webob.Response(status=status)
    resp.headerlist = [("Content-Type", "application/json")]
    resp.body = json.dumps(body).encode() if body is not None else b""
    return resp


def error_response(status: int, message: str) -> webob.Response:
    return response(
        status,
        {
            "error": {
                "code": status,
                "title": _TITLES[status],
                "message": message,
            }
        },
    )


def unauthorized(root: str) -> webob.Response:
    """Keystone's 401, naming where to authenticate (``.../identity``)."""
    resp = error_response(401, UNAUTHORIZED)
    resp.headers["WWW-Authenticate"] = f'Keystone uri="{root}"'
    return resp


def finish(resp: webob.Response) -> webob.Response:
    """What every Keystone response carries: the request id from
    oslo.middleware's RequestId and the application's ``Vary``."""
    resp.headers["x-openstack-request-id"] = f"req-{uuid.uuid4()}"
    resp.headers["Vary"] = "X-Auth-Token"
    return resp


def _validate(collection: str, req: webob.Request) -> None:
    # flask.request.args as jsonschema sees it: the first value per key.
    args: dict[str, str] = {}
    for key, value in req.GET.items():
        args.setdefault(key, value)
    try:
        jsonschema.validate(args, QUERY_SCHEMAS[collection])
    except jsonschema.ValidationError as ex:
        # keystone/api/validation/validators.py (called with is_body=True)
        if ex.path:
            message = (
                f"Invalid input for field/attribute {ex.path.pop()}. "
                f"Value: {ex.instance}. {ex.message}"
            )
        else:
            message = ex.message
        raise KeystoneError(400, message) from ex


def _as_bool(value: str) -> bool:
    # keystone.common.utils.attr_as_boolean
    return strutils.bool_from_string(value, default=True)


_COMPARATORS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda have, want: want in have,
    "startswith": lambda have, want: have.startswith(want),
    "endswith": lambda have, want: have.endswith(want),
    "equals": lambda have, want: have == want,
}


def _filters(
    collection: str, req: webob.Request
) -> list[tuple[str, str, str, bool]]:
    """build_driver_hints: (attribute, comparator, value, case sensitive);
    ``name__icontains=x`` and the like are inexact filters."""
    supported = FILTERS[collection]
    hints: list[tuple[str, str, str, bool]] = []
    for key, value in req.GET.items():
        if key in supported:
            hints.append((key, "equals", value, True))
            continue
        for attribute in supported:
            if not key.startswith(attribute + "__"):
                continue
            comparator = key.split("__", 1)[1]
            sensitive = True
            if comparator.startswith("i"):
                sensitive = False
                comparator = comparator[1:]
            hints.append((attribute, comparator, value, sensitive))
    if collection == "projects" and "is_domain" not in req.GET:
        hints.append(("is_domain", "equals", "0", True))
    return hints


def _matches(
    ref: dict[str, Any], hints: list[tuple[str, str, str, bool]]
) -> bool:
    for attribute, comparator, want, sensitive in hints:
        have = ref.get(attribute)
        if attribute in ("enabled", "is_domain"):
            if comparator != "equals" or bool(have) != _as_bool(want):
                return False
            continue
        test = _COMPARATORS.get(comparator)
        if test is None or have is None:
            # keystone's SQL filter matches nothing for an unknown
            # comparator or an attribute the row does not have.
            return False
        have_s, want_s = str(have), want
        if not sensitive:
            have_s, want_s = have_s.lower(), want_s.lower()
        if not test(have_s, want_s):
            return False
    return True


def project_ref(project: cloud_mod.Project, base: str) -> dict[str, Any]:
    """A project as keystone's resource API returns it (a top-level
    project's parent is its domain)."""
    return {
        "id": project.id,
        "name": project.name,
        "domain_id": DOMAIN_ID,
        "description": "",
        "enabled": True,
        "parent_id": DOMAIN_ID,
        "is_domain": False,
        "tags": [],
        "options": {},
        "links": {"self": f"{base}/projects/{project.id}"},
    }


def user_ref(user: cloud_mod.User, base: str) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "domain_id": DOMAIN_ID,
        "enabled": True,
        "password_expires_at": None,
        "options": {},
        "links": {"self": f"{base}/users/{user.id}"},
    }


def _flatten(data: dict[str, Any], parent: str = "") -> dict[str, Any]:
    # keystone.common.utils.flatten_dict
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{parent}.{key}" if parent else key
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


class Identity:
    """The read-only project and user API over the cloud's identities."""

    def __init__(
        self, cloud: cloud_mod.Cloud, policy: policy_mod.KeystonePolicy
    ) -> None:
        self.cloud = cloud
        self.policy = policy

    def handle(
        self,
        req: webob.Request,
        base: str,
        collection: str,
        member: str | None,
        token: tuple[cloud_mod.User, str] | None,
        token_given: bool,
    ) -> webob.Response:
        """``token`` is the caller (user, scoped project id) or None;
        ``token_given`` whether an X-Auth-Token header was sent at all."""
        try:
            if token is None and token_given:
                # AuthContextMiddleware: an invalid token never reaches
                # the API.
                raise KeystoneError(401, UNAUTHORIZED)
            if member is None:
                _validate(collection, req)
            if token is None:
                raise KeystoneError(401, UNAUTHORIZED)
            if member is None:
                body = self._list(req, base, collection, token)
            else:
                body = self._get(base, collection, member, token)
        except KeystoneError as err:
            if err.status == 401:
                return unauthorized(base.rsplit("/v3", 1)[0])
            return error_response(err.status, err.message)
        return response(200, body)

    @staticmethod
    def _creds(token: tuple[cloud_mod.User, str]) -> dict[str, Any]:
        # A project-scoped token's policy values (oslo.context).
        user, project_id = token
        return {
            "user_id": user.id,
            "project_id": project_id,
            "domain_id": None,
            "system_scope": None,
            "roles": list(user.roles),
            "is_admin": False,
        }

    def _enforce(
        self,
        action: str,
        token: tuple[cloud_mod.User, str],
        policy_dict: dict[str, Any],
    ) -> None:
        if not self.policy.allowed(
            action, _flatten(policy_dict), self._creds(token)
        ):
            raise KeystoneError(
                403,
                "You are not authorized to perform the requested action: "
                f"{action}.",
            )

    def _get(
        self,
        base: str,
        collection: str,
        member: str,
        token: tuple[cloud_mod.User, str],
    ) -> dict[str, Any]:
        with self.cloud.lock:
            if collection == "projects":
                project = self.cloud.projects.get(member)
                ref = project_ref(project, base) if project else None
                kind = "project"
            else:
                user = next(
                    (u for u in self.cloud.users.values() if u.id == member),
                    None,
                )
                ref = user_ref(user, base) if user else None
                kind = "user"
        target = {kind: ref} if ref is not None else {}
        self._enforce(
            f"identity:get_{kind}",
            token,
            {f"{kind}_id": member, "target": target},
        )
        if ref is None:
            raise KeystoneError(404, f"Could not find {kind}: {member}.")
        return {kind: ref}

    def _list(
        self,
        req: webob.Request,
        base: str,
        collection: str,
        token: tuple[cloud_mod.User, str],
    ) -> dict[str, Any]:
        policy_dict: dict[str, Any] = {
            key: req.GET[key] for key in FILTERS[collection] if key in req.GET
        }
        policy_dict["target"] = {}
        self._enforce(f"identity:list_{collection}", token, policy_dict)
        with self.cloud.lock:
            if collection == "projects":
                refs = [
                    project_ref(p, base) for p in self.cloud.projects.values()
                ]
            else:
                refs = [user_ref(u, base) for u in self.cloud.users.values()]
        hints = _filters(collection, req)
        query = f"?{req.query_string}" if req.query_string else ""
        return {
            collection: [ref for ref in refs if _matches(ref, hints)],
            "links": {
                "self": f"{base}/{collection}{query}",
                "previous": None,
                "next": None,
            },
        }
