"""Console-script entry points: load the program with the collector paused.

A command-line run is short, and most objects it creates while importing
(modules, classes, functions) live until it exits. The cyclic garbage
collector would still walk them again and again as the imports grow the
heap, and once more at interpreter shutdown: about a tenth of a
``migabort-nova`` run (doc/source/performance.rst has the figures). So
the collector is paused while a command's modules load; what they loaded
is then frozen (never collected, as it would not be freed anyway) and
the collector runs as usual for the command itself, so a long ``watch``
still collects its garbage.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the garbage collector, then freeze what the block created."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def migabort() -> int:
    """The ``migabort`` console script (``shell.main``, in two steps)."""
    argv = sys.argv[1:]
    with collector_paused():
        from migabortclient import shell

        # Building the application builds its option parser, which loads
        # keystoneauth1 for the auth options: most of the start-up.
        application = shell.MigabortShell(argv)
    return application.run(argv)


def migabort_nova() -> int:
    """The ``migabort-nova`` console script."""
    with collector_paused():
        from migabortclient import nova_shim
    return nova_shim.main()
