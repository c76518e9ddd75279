"""Keep OSC quiet about the commands this plugin deliberately replaces.

python-openstackclient registers ``server migration list/show/abort/force
complete`` in ``openstack.compute.v2``. OSC loads plugin command groups
after its own, and cliff keeps the last implementation it sees, so ours
win; cliff still logs a "duplicate implementations" warning for each. We
drop exactly those records, and only when the winning implementation is
ours: if the order ever flips, the warning stays visible.
"""

from __future__ import annotations

import logging

_OUR_PACKAGE = "migabortclient."
_LOGGER_NAME = "cliff.commandmanager"


class DuplicateCommandFilter(logging.Filter):
    """Reject cliff's duplicate-command warning when our command won."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, dict) or "duplicate" not in str(record.msg):
            return True
        modules = str(args.get("modules", "")).split(", ")
        return not modules[-1].startswith(_OUR_PACKAGE)


_FILTER = DuplicateCommandFilter()


def install() -> None:
    """Attach the filter once (idempotent)."""
    logger = logging.getLogger(_LOGGER_NAME)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
