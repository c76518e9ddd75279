"""OpenStackClient plugin: ``openstack server migration ...``.

The names below are the ones python-openstackclient looks up on every
plugin module. The compute API version is *not* declared here: OSC's own
compute plugin already owns ``--os-compute-api-version`` and
``OS_COMPUTE_API_VERSION``; pointing ``API_VERSION_OPTION`` at it makes OSC
hand us the version it parsed.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

LOG = logging.getLogger(__name__)

API_NAME = "migabort"
API_VERSION_OPTION = "os_compute_api_version"
# A bare major version means "negotiate the newest both sides support".
DEFAULT_API_VERSION = "2"


def make_client(instance: Any) -> Any:
    """Build the migabortclient compute client from OSC's session."""
    from migabortclient import client

    requested = str(instance._api_version.get(API_NAME, DEFAULT_API_VERSION))
    version = "auto" if requested in ("2", "2.latest") else requested
    LOG.debug("migabortclient using compute API version %s", version)
    return client.Client(
        version,
        session=instance.session,
        region_name=instance.region_name,
        interface=instance.interface,
    )


def build_option_parser(
    parser: argparse.ArgumentParser,
) -> argparse.ArgumentParser:
    """Add no options: the compute version option belongs to OSC."""
    return parser


def check_api_version(check_version: str) -> bool:
    """Accept every version; the client validates it before any request."""
    return True
