"""The entry point: ``client.Client(version, session=...)``.

::

    from keystoneauth1 import session
    from migabortclient import client

    nova = client.Client("auto", session=sess)
    nova.server_migrations.abort(server_id, 42)

``version`` is ``"auto"`` (also ``"latest"``, ``"2"``, ``"2.latest"``)
to negotiate the newest microversion both sides support, read once from
the endpoint's version document on first use; or ``"2.65"`` to pin one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from migabortclient import api_versions

if TYPE_CHECKING:
    from keystoneauth1 import adapter as ksa_adapter
    from keystoneauth1 import session as ksa_session

    from migabortclient.api_versions import APIVersion
    from migabortclient.v2 import client as v2_client

SERVICE_TYPE = "compute"


def Client(
    version: str | APIVersion = "auto",
    *,
    session: ksa_session.Session | None = None,
    adapter: ksa_adapter.Adapter | None = None,
    endpoint_override: str | None = None,
    interface: str | None = None,
    region_name: str | None = None,
    service_type: str = SERVICE_TYPE,
    service_name: str | None = None,
    read_retries: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    **adapter_options: Any,
) -> v2_client.Client:
    """A compute client on a keystoneauth1 session (or adapter).

    Bad or unsupported versions raise ``ValidationError`` or
    ``UnsupportedVersion`` here, before any request. ``sleep`` and
    ``monotonic`` are the clock every pause (read retries, ``wait``)
    and deadline uses: tests hand in their own instead of sleeping.
    Extra keyword arguments go to the keystoneauth1 Adapter
    (``global_request_id``, ``additional_headers``, ...).
    """
    from keystoneauth1 import adapter as ksa_adapter_mod

    from migabortclient import _http
    from migabortclient import exceptions
    from migabortclient.v2 import client as v2_client_mod

    requested = api_versions.parse_requested(version)
    if read_retries is not None and (
        isinstance(read_retries, bool)
        or not isinstance(read_retries, int)
        or read_retries < 0
    ):
        raise exceptions.ValidationError(
            f"read_retries must be 0 or more, not {read_retries!r}."
        )
    if adapter is None:
        if session is None:
            raise exceptions.ValidationError(
                "Client() needs a keystoneauth1 session or adapter."
            )
        adapter = ksa_adapter_mod.Adapter(
            session,
            service_type=service_type,
            service_name=service_name,
            interface=interface,
            region_name=region_name,
            endpoint_override=endpoint_override,
            client_name="migabortclient",
            client_version=_version(),
            **adapter_options,
        )
    elif (
        session is not None
        or adapter_options
        or any(
            value is not None
            for value in (
                endpoint_override,
                interface,
                region_name,
                service_name,
            )
        )
    ):
        raise exceptions.ValidationError(
            "Give Client() a session with adapter options, or an adapter, "
            "not both."
        )
    kwargs: dict[str, Any] = {}
    if read_retries is not None:
        kwargs["read_retries"] = read_retries
    http = _http.HTTPClient(adapter, requested, sleep=sleep, **kwargs)
    return v2_client_mod.Client(http, sleep=sleep, monotonic=monotonic)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("migabortclient")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"
