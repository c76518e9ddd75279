"""Run ``openstack`` with python-openstackclient's own ``server
migration`` commands, our plugin switched off (for parity tests).

Usage: python osc_builtin.py <openstack arguments>
"""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str]) -> int:
    from cliff import commandmanager
    from openstackclient import shell
    from openstackclient.common import clientmanager

    clientmanager.PLUGIN_MODULES = [
        m
        for m in clientmanager.PLUGIN_MODULES
        if not m.__name__.startswith("migabortclient")
    ]
    load = commandmanager.CommandManager.load_commands

    def without_ours(self: Any, namespace: str) -> None:
        if "migabort" not in namespace:
            load(self, namespace)

    commandmanager.CommandManager.load_commands = without_ours  # type: ignore[method-assign]
    return int(shell.main(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
