"""The typed errors migabortclient raises.

HTTP errors subclass keystoneauth1's own classes, so code that already
catches ``keystoneauth1.exceptions.NotFound`` keeps working; each one
carries Nova's message, the HTTP status and the request id. Errors found
before any request (bad input, a version too old) carry no status.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from keystoneauth1 import exceptions as ksa_exc


class ClientException(ksa_exc.ClientException):
    """Base of every error migabortclient raises."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(ClientException, ValueError):
    """Bad input, found locally before any request was sent."""


class UnsupportedVersion(ClientException):
    """The microversion in use (or the server's maximum) is too low for
    the operation, or a requested version is not one this library
    speaks. Raised before any request is sent."""


class NoUniqueMatch(ClientException):
    """A name matched more than one server."""

    def __init__(self, message: str, *, matches: tuple[str, ...]) -> None:
        super().__init__(message)
        self.matches = matches


class WaitTimeout(ClientException):
    """``wait`` gave up; the migration was still in progress."""

    def __init__(
        self, message: str, *, migration_id: int, status: str | None
    ) -> None:
        super().__init__(message)
        self.migration_id = migration_id
        self.status = status


class AuthenticationError(ClientException):
    """The session could not get a token (missing or refused
    credentials, no auth plugin); nothing was sent to Nova."""


class ConnectionError(ClientException, ksa_exc.ConnectionError):
    """The request could not be delivered or its answer was lost."""


class Timeout(ConnectionError, ksa_exc.ConnectTimeout):
    """No answer within the session's timeout."""


class InvalidResponse(ClientException):
    """A 2xx answer whose body is not the JSON Nova sends."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.request_id = request_id


class AnswerLost(ClientException):
    """An abort or force-complete whose answer was lost (a timeout, a
    dropped connection, a 5xx). It is never re-sent; the library reads
    the server's state back and raises one of the two subclasses, or
    returns normally when the state shows the request took effect.

    ``http_status`` and ``request_id`` are those of the failed request,
    if it got an answer.
    """

    def __init__(
        self,
        message: str,
        *,
        migration_id: int | None,
        status: str | None,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.migration_id = migration_id
        self.status = status
        self.http_status = http_status
        self.request_id = request_id


class NotApplied(AnswerLost):
    """The server's state shows the request did not take effect."""


class OutcomeUnknown(AnswerLost):
    """Reading the state back failed too: the request may or may not
    have taken effect. Check before acting again."""


class HttpError(ClientException, ksa_exc.HttpError):
    """Nova answered with an error status."""

    status_code: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        request_id: str | None = None,
        details: Any = None,
        url: str | None = None,
        method: str | None = None,
        retry_after: int = 0,
    ) -> None:
        ksa_exc.HttpError.__init__(
            self,
            message=message,
            details=details,
            request_id=request_id,
            url=url,
            method=method,
            http_status=http_status,
            retry_after=retry_after,
        )
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.details = details


class HTTPClientError(HttpError, ksa_exc.HTTPClientError):
    """Nova refused the request (4xx)."""


class HttpServerError(HttpError, ksa_exc.HttpServerError):
    """Nova or a proxy failed (5xx)."""


class BadRequest(HTTPClientError, ksa_exc.BadRequest):
    status_code = 400


class Unauthorized(HTTPClientError, ksa_exc.Unauthorized):
    status_code = 401


class Forbidden(HTTPClientError, ksa_exc.Forbidden):
    """Refused by policy; ``policy_rule`` names the rule when Nova did."""

    status_code = 403
    policy_rule: str | None = None


class NotFound(HTTPClientError, ksa_exc.NotFound):
    status_code = 404


class MethodNotAllowed(HTTPClientError, ksa_exc.MethodNotAllowed):
    status_code = 405


class NotAcceptable(HTTPClientError, ksa_exc.NotAcceptable):
    """Usually: the microversion is outside the server's range."""

    status_code = 406


class Conflict(HTTPClientError, ksa_exc.Conflict):
    """Nova's "wrong state": never retried."""

    status_code = 409


class UnsupportedMediaType(HTTPClientError, ksa_exc.UnsupportedMediaType):
    status_code = 415


class TooManyRequests(HTTPClientError, ksa_exc.TooManyRequests):
    status_code = 429


class InternalServerError(HttpServerError, ksa_exc.InternalServerError):
    status_code = 500


class BadGateway(HttpServerError, ksa_exc.BadGateway):
    status_code = 502


class ServiceUnavailable(HttpServerError, ksa_exc.ServiceUnavailable):
    status_code = 503


class GatewayTimeout(HttpServerError, ksa_exc.GatewayTimeout):
    status_code = 504


_BY_STATUS: dict[int, type[HttpError]] = {
    cls.status_code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        Conflict,
        UnsupportedMediaType,
        TooManyRequests,
        InternalServerError,
        BadGateway,
        ServiceUnavailable,
        GatewayTimeout,
    )
    if cls.status_code is not None
}


def class_for_status(status: int) -> type[HttpError]:
    """The error class for an HTTP status."""
    found = _BY_STATUS.get(status)
    if found is not None:
        return found
    return HttpServerError if status >= 500 else HTTPClientError
