"""The one place that talks to the keystoneauth1 Adapter.

It chooses the microversion (pinned, or negotiated once from the
endpoint's version document), sends it with every request through
keystoneauth (which sets both version headers), retries idempotent
reads within bounds, and turns every failure into a typed error from
``migabortclient.exceptions``. Nova's fault envelope
(``{"itemNotFound": {"code": 404, "message": ...}}``) is read here.
"""

from __future__ import annotations

import http
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from typing import Final
from typing import NamedTuple

from keystoneauth1 import adapter as ksa_adapter
from keystoneauth1 import exceptions as ksa_exc

from migabortclient import api_versions
from migabortclient import exceptions
from migabortclient.api_versions import APIVersion

LOG = logging.getLogger(__name__)

REQUEST_ID_HEADERS: Final = ("x-openstack-request-id", "x-compute-request-id")
# Reads are retried on these; a 409 is Nova's "wrong state", never retried.
RETRIABLE_STATUSES: Final = frozenset({429, 502, 503, 504})
READ_RETRIES: Final = 2
FIRST_RETRY_DELAY: Final = 0.5
# A proxy's Retry-After is honoured up to this many seconds.
MAX_RETRY_DELAY: Final = 10.0
_POLICY_RE: Final = re.compile(r"Policy doesn't allow (\S+) to be performed")
_VERSION_HEADER_RE: Final = re.compile(r"compute\s+(\d+\.\d+)", re.IGNORECASE)

Sleep = Callable[[float], None]
# keystoneauth1's "could not get a token" errors (before any HTTP error).
_AUTH_ERRORS: Final = (
    ksa_exc.AuthorizationFailure,
    ksa_exc.AuthPluginException,
)


class Reply(NamedTuple):
    """A successful answer: its JSON body, version and request id."""

    status: int
    body: Any
    version: APIVersion
    request_id: str | None


class HTTPClient:
    """Sends compute requests at one microversion and reads the replies."""

    def __init__(
        self,
        adapter: ksa_adapter.Adapter,
        requested: APIVersion | None,
        *,
        read_retries: int = READ_RETRIES,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.adapter = adapter
        self.pinned = requested
        self.read_retries = read_retries
        self._sleep = sleep
        self._version = requested
        self._server_range: tuple[APIVersion, APIVersion] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ versions

    @property
    def api_version(self) -> APIVersion:
        """The version every request uses; negotiated on first use."""
        if self._version is None:
            with self._lock:
                if self._version is None:
                    low, high = self.server_range()
                    self._version = api_versions.negotiate(low, high)
                    LOG.debug(
                        "negotiated compute API %s (server %s to %s)",
                        self._version,
                        low,
                        high,
                    )
        return self._version

    def server_range(self) -> tuple[APIVersion, APIVersion]:
        """The server's (min, max) microversions, from its version doc."""
        if self._server_range is None:
            self._server_range = self._discover()
        return self._server_range

    def project_id(self) -> str | None:
        """The project the session is scoped to, if the auth plugin
        knows it (managers need it to read os-migrations)."""
        try:
            project = self.adapter.get_project_id()
        except ksa_exc.ClientException as exc:
            LOG.debug("no project id from the auth plugin: %s", exc)
            return None
        return str(project) if project else None

    def _discover(self) -> tuple[APIVersion, APIVersion]:
        try:
            data = self.adapter.get_endpoint_data()
        except ksa_exc.ConnectTimeout as exc:
            raise exceptions.Timeout(
                f"Version discovery timed out: {exc}"
            ) from exc
        except ksa_exc.ConnectionError as exc:
            raise exceptions.ConnectionError(
                f"Cannot reach the compute endpoint: {exc}"
            ) from exc
        except ksa_exc.ClientException as exc:
            raise _not_sent(
                exc,
                exceptions.ConnectionError(
                    f"Compute version discovery failed: {exc}"
                ),
            ) from exc
        if data is None:
            raise exceptions.ConnectionError(
                "No compute endpoint in the service catalog."
            )
        if data.max_microversion is None:
            # A server without microversions speaks only 2.1 (or 2.0).
            low = high = api_versions.MIN_VERSION
        else:
            high = APIVersion.from_tuple(data.max_microversion)
            low = (
                APIVersion.from_tuple(data.min_microversion)
                if data.min_microversion is not None
                else api_versions.MIN_VERSION
            )
        return low, high

    def require(self, minimum: APIVersion, operation: str) -> APIVersion:
        """The version in use, or ``UnsupportedVersion`` if it is too low.

        Checked before any request (discovery apart), so a refusal never
        changes anything on the server.
        """
        version = self.api_version
        if version >= minimum:
            return version
        if self.pinned is not None:
            raise exceptions.UnsupportedVersion(
                f"{operation} requires compute API version {minimum} or "
                f"later; this client is pinned to {version}."
            )
        raise exceptions.UnsupportedVersion(
            f"{operation} requires compute API version {minimum} or "
            f"later; the server's maximum is {version}."
        )

    # ------------------------------------------------------------ requests

    def get(
        self, url: str, *, params: Mapping[str, Any] | None = None
    ) -> Reply:
        return self.request("GET", url, params=params, idempotent=True)

    def post(self, url: str, *, body: Any) -> Reply:
        return self.request("POST", url, body=body, idempotent=False)

    def delete(self, url: str) -> Reply:
        return self.request("DELETE", url, idempotent=False)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool,
    ) -> Reply:
        version = self.api_version
        retries = self.read_retries if idempotent else 0
        for attempt in range(retries + 1):
            last = attempt == retries
            try:
                resp = self.adapter.request(
                    url,
                    method,
                    microversion=version.get_string(),
                    params=dict(params) if params else None,
                    json=body,
                    raise_exc=False,
                    connect_retries=0,
                )
            except ksa_exc.ConnectTimeout as exc:
                if last:
                    raise exceptions.Timeout(
                        f"{method} {url} timed out"
                    ) from exc
                self._pause(attempt, None, f"timeout on {method} {url}")
                continue
            except ksa_exc.ConnectionError as exc:
                if last:
                    raise exceptions.ConnectionError(
                        f"{method} {url} failed: the connection was "
                        "refused or dropped"
                    ) from exc
                self._pause(attempt, None, f"connection error on {url}")
                continue
            except ksa_exc.ClientException as exc:
                # Auth plugin or catalog trouble: nothing reached Nova.
                raise _not_sent(
                    exc,
                    exceptions.ClientException(
                        f"{method} {url} was not sent: {exc}"
                    ),
                ) from exc
            if resp.status_code in RETRIABLE_STATUSES and not last:
                self._pause(
                    attempt,
                    resp.headers.get("Retry-After"),
                    f"HTTP {resp.status_code} on {method} {url}",
                )
                continue
            return self._read(resp, method, url, version)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, attempt: int, retry_after: str | None, why: str) -> None:
        delay = FIRST_RETRY_DELAY * (2**attempt)
        if retry_after:
            try:
                delay = float(retry_after)
            except ValueError:
                LOG.debug("ignoring Retry-After %r", retry_after)
        delay = max(0.0, min(delay, MAX_RETRY_DELAY))
        LOG.debug("%s; retrying in %.1fs", why, delay)
        self._sleep(delay)

    def _read(
        self, resp: Any, method: str, url: str, version: APIVersion
    ) -> Reply:
        request_id = request_id_of(resp.headers)
        if resp.status_code >= 400:
            raise error_from_response(resp, method, url)
        answered = _answered_version(resp.headers) or version
        if resp.status_code == 204 or (not resp.content and method != "GET"):
            return Reply(resp.status_code, None, answered, request_id)
        content_type = resp.headers.get("Content-Type", "")
        try:
            body = json.loads(resp.content)
        except ValueError:
            body = None
        if body is None or "json" not in content_type.lower():
            if resp.status_code == 202 and method != "GET":
                # Nova's 202s carry no body; a proxy's text is harmless.
                return Reply(resp.status_code, None, answered, request_id)
            raise exceptions.InvalidResponse(
                f"{method} {url} returned HTTP {resp.status_code} with a "
                f"body that is not Nova's JSON ({content_type or 'no type'})",
                http_status=resp.status_code,
                request_id=request_id,
            )
        return Reply(resp.status_code, body, answered, request_id)


def _not_sent(
    exc: ksa_exc.ClientException, otherwise: exceptions.ClientException
) -> exceptions.ClientException:
    """keystoneauth1's errors from before a request reached Nova: a
    refused token request, no compute endpoint, no usable credentials."""
    if isinstance(exc, ksa_exc.HttpError):
        return _from_ksa_http_error(exc)
    if isinstance(exc, ksa_exc.EndpointNotFound):
        return exceptions.ConnectionError(
            f"No compute endpoint in the service catalog: {exc}"
        )
    if isinstance(exc, _AUTH_ERRORS):
        return exceptions.AuthenticationError(f"Authentication failed: {exc}")
    return otherwise


def request_id_of(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _answered_version(headers: Mapping[str, str]) -> APIVersion | None:
    raw = headers.get("OpenStack-API-Version")
    if raw:
        match = _VERSION_HEADER_RE.search(raw)
        if match:
            try:
                return APIVersion.from_string(match.group(1))
            except exceptions.ValidationError:
                return None
    legacy = headers.get("X-OpenStack-Nova-API-Version")
    if legacy:
        try:
            return APIVersion.from_string(legacy)
        except exceptions.ValidationError:
            return None
    return None


def fault_message(body: Any) -> str | None:
    """Nova's ``{"<fault>": {"code", "message"}}`` or Keystone's
    ``{"error": {...}}`` message, if the body is one of those."""
    if not isinstance(body, dict) or len(body) != 1:
        return None
    (inner,) = body.values()
    if isinstance(inner, dict) and isinstance(inner.get("message"), str):
        return str(inner["message"])
    return None


def error_from_response(
    resp: Any, method: str, url: str
) -> exceptions.HttpError:
    """The typed error for a 4xx/5xx answer, with Nova's own message."""
    status = int(resp.status_code)
    request_id = request_id_of(resp.headers)
    details: Any = None
    message: str | None = None
    try:
        details = json.loads(resp.content) if resp.content else None
        message = fault_message(details)
    except ValueError:
        details = resp.text
    if message is None:
        message = _plain_message(status, resp)
    retry_after = 0
    raw_retry = resp.headers.get("Retry-After")
    if raw_retry and raw_retry.isdigit():
        retry_after = int(raw_retry)
    cls = exceptions.class_for_status(status)
    error = cls(
        message,
        http_status=status,
        request_id=request_id,
        details=details,
        url=url,
        method=method,
        retry_after=retry_after,
    )
    if isinstance(error, exceptions.Forbidden):
        match = _POLICY_RE.search(message)
        error.policy_rule = match.group(1) if match else None
    return error


def _plain_message(status: int, resp: Any) -> str:
    """A message for an answer that is not a fault document (a proxy's
    HTML page, plain text): the status phrase, plus short plain text."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    content_type = resp.headers.get("Content-Type", "")
    text = (resp.text or "").strip()
    if text and "html" not in content_type.lower() and "<" not in text:
        first = text.splitlines()[0][:200]
        return f"{phrase}: {first}"
    if text:
        return f"{phrase} (the answer was not from Nova: {content_type})"
    return phrase


def _from_ksa_http_error(exc: ksa_exc.HttpError) -> exceptions.HttpError:
    status = exc.http_status or 500
    cls = exceptions.class_for_status(status)
    response = getattr(exc, "response", None)
    message = exc.message or str(exc)
    if response is not None:
        try:
            found = fault_message(response.json())
        except ValueError:
            found = None
        message = found or message
    return cls(
        message,
        http_status=status,
        request_id=exc.request_id,
        url=exc.url,
        method=exc.method,
    )
