"""keystoneauth1's authentication options on argparse, as its
``loading.register_auth_argparse_arguments`` registers them, without a
plugin-registry lookup for keystoneauth1's own plugins.

keystoneauth1 finds the loader of ``--os-auth-type`` through stevedore,
which hashes the entry points of every installed distribution first: about
2 % of the instructions of a ``migabort-nova`` run, which has no other use
for stevedore. The plugins keystoneauth1 itself ships are loaded directly
here (the same classes its entry points name); any other name, such as an
out-of-tree plugin, goes through keystoneauth1's registry as before.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import Final

if TYPE_CHECKING:
    from keystoneauth1 import plugin
    from keystoneauth1.loading import base

_IDENTITY: Final = "keystoneauth1.loading._plugins.identity"

#: keystoneauth1's entry points for these names (its setup.cfg).
BUILTIN_LOADERS: Final = {
    "password": (f"{_IDENTITY}.generic", "Password"),
    "token": (f"{_IDENTITY}.generic", "Token"),
    "v3password": (f"{_IDENTITY}.v3", "Password"),
    "v3token": (f"{_IDENTITY}.v3", "Token"),
    "v3applicationcredential": (f"{_IDENTITY}.v3", "ApplicationCredential"),
}


def plugin_loader(name: str) -> base.BaseLoader[Any]:
    """The loader keystoneauth1 would use for the plugin ``name``."""
    where = BUILTIN_LOADERS.get(name)
    if where is not None:
        try:
            loader = getattr(importlib.import_module(where[0]), where[1])()
        except (ImportError, AttributeError):
            pass  # another keystoneauth1 layout: ask its registry
        else:
            return loader  # type: ignore[no-any-return]
    from keystoneauth1 import loading

    return loading.get_plugin_loader(name)


def register_auth_arguments(
    parser: argparse.ArgumentParser, argv: Sequence[str], default: str
) -> None:
    """``--os-auth-type`` and the options of the plugin it names.

    The plugin comes from ``--os-auth-type`` (or ``--os-auth-plugin``) in
    ``argv``, else ``OS_AUTH_TYPE`` (or ``OS_AUTH_PLUGIN``), else
    ``default``, as in keystoneauth1.
    """
    chosen = os.environ.get(
        "OS_AUTH_TYPE", os.environ.get("OS_AUTH_PLUGIN", default)
    )
    first = argparse.ArgumentParser(add_help=False)
    for target in (first, parser):
        target.add_argument(
            "--os-auth-type",
            "--os-auth-plugin",
            metavar="<name>",
            default=chosen,
            help="Authentication type to use",
        )
    name = first.parse_known_args(list(argv))[0].os_auth_type
    if not name:
        return
    group = parser.add_argument_group(
        "Authentication Options", f"Options specific to the {name} plugin."
    )
    for opt in plugin_loader(name).get_options():
        group.add_argument(
            *opt.argparse_args,
            default=opt.argparse_default,
            metavar=opt.metavar,
            help=opt.help,
            dest=f"os_{opt.dest}",
        )


def load_auth(args: argparse.Namespace) -> plugin.BaseAuthPlugin | None:
    """The auth plugin from parsed options, or None without a type."""
    name = getattr(args, "os_auth_type", None)
    if not name:
        return None
    loader = plugin_loader(name)
    auth = loader.load_from_options_getter(
        lambda opt: getattr(args, f"os_{opt.dest}")
    )
    return auth  # type: ignore[no-any-return]
