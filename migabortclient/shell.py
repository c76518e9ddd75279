"""``migabort``: a standalone shell for in-progress live migrations.

Built on cliff and keystoneauth1 directly so that it starts fast: only
our own commands are registered (no entry-point scan), the client library
is imported when a command first needs it, and openstacksdk's clouds.yaml
machinery is imported only when ``--os-cloud``/``OS_CLOUD`` is given or
when no auth URL is given and a clouds.yaml file exists.

Exit codes: 0 success, 1 API or operation failure, 2 usage error,
3 timed out waiting.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from cliff import app
from cliff import commandmanager
from cliff import help

LOG = logging.getLogger(__name__)

_CMD_MODULE = "migabortclient.osc.v2.server_migration"
COMMANDS: dict[str, tuple[str, str]] = {
    "server migration list": (_CMD_MODULE, "ListServerMigration"),
    "server migration show": (_CMD_MODULE, "ShowServerMigration"),
    "server migration abort": (_CMD_MODULE, "AbortServerMigration"),
    "server migration force complete": (
        _CMD_MODULE,
        "ForceCompleteServerMigration",
    ),
    "server migration watch": (_CMD_MODULE, "WatchServerMigration"),
    "demo": ("migabortclient.demo", "Demo"),
}

CLOUDS_YAML_PATHS = (
    "clouds.yaml",
    "~/.config/openstack/clouds.yaml",
    "/etc/openstack/clouds.yaml",
)


def _env(*names: str, default: str | None = None) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return default


class ClientManager:
    """Builds the session and client the first time a command asks."""

    def __init__(
        self, options: argparse.Namespace, client: Any | None = None
    ) -> None:
        self._options = options
        self._client = client

    @property
    def migabort(self) -> Any:
        if self._client is None:
            self._client = self._build()
        return self._client

    def _build(self) -> Any:
        from migabortclient import client

        opts = self._options
        session, region, interface = self._session()
        version = opts.os_compute_api_version or "auto"
        return client.Client(
            version,
            session=session,
            region_name=region,
            interface=interface,
        )

    def _session(self) -> tuple[Any, str | None, str | None]:
        opts = self._options
        if use_clouds_yaml(opts):
            import openstack.config

            config = openstack.config.OpenStackConfig()
            region = config.get_one(cloud=opts.os_cloud, argparse=opts)
            interface = region.get_interface("compute")
            return (
                region.get_session(),
                region.get_region_name("compute"),
                interface if isinstance(interface, str) else None,
            )
        from keystoneauth1 import session as ks_session

        from migabortclient import _auth

        check_credentials(opts)
        auth = _auth.load_auth(opts)
        session = ks_session.Session(
            auth=auth,
            verify=verify_from(opts),
            cert=cert_from(opts),
            timeout=opts.os_timeout,
        )
        return session, opts.os_region_name, opts.os_interface


# keystoneauth1 plugins that need a user and a password.
PASSWORD_PLUGINS = frozenset({"password", "v2password", "v3password"})


def check_credentials(opts: argparse.Namespace) -> None:
    """One line naming the missing option, in migabort-nova's words,
    instead of keystoneauth's "password is a required attribute" or
    "Auth plugin requires parameters which were not given: auth_url"."""
    auth_type = getattr(opts, "os_auth_type", None) or "password"
    if auth_type not in PASSWORD_PLUGINS:
        return
    from migabortclient import exceptions

    if not getattr(opts, "os_auth_url", None):
        raise exceptions.AuthenticationError(
            "Missing auth URL: give --os-cloud <cloud> (clouds.yaml), or "
            "--os-auth-url or env[OS_AUTH_URL] with credentials."
        )
    if not (
        getattr(opts, "os_username", None) or getattr(opts, "os_user_id", None)
    ):
        raise exceptions.AuthenticationError(
            "Missing credentials: give a user name or ID (--os-username, "
            "--os-user-id, env[OS_USERNAME], env[OS_USER_ID])."
        )
    if not getattr(opts, "os_password", None):
        raise exceptions.AuthenticationError(
            "Missing password: give --os-password or env[OS_PASSWORD]."
        )


def add_session_arguments(parser: argparse.ArgumentParser) -> None:
    """TLS and HTTP options; verification stays on unless --insecure.

    keystoneauth's own session options include ``--timeout``, which
    would swallow the commands' ``--wait --timeout``; the HTTP timeout
    is therefore ``--os-timeout`` here.
    """
    group = parser.add_argument_group("TLS and HTTP options")
    group.add_argument(
        "--insecure",
        action="store_true",
        default=False,
        help="Do not verify the server's TLS certificate (not "
        "recommended; Env: OS_INSECURE)",
    )
    group.add_argument(
        "--os-cacert",
        metavar="<ca-certificate>",
        default=_env("OS_CACERT"),
        help="CA bundle to verify TLS servers with (Env: OS_CACERT)",
    )
    group.add_argument(
        "--os-cert",
        metavar="<certificate>",
        default=_env("OS_CERT"),
        help="Client certificate for TLS (Env: OS_CERT)",
    )
    group.add_argument(
        "--os-key",
        metavar="<key>",
        default=_env("OS_KEY"),
        help="Client certificate key (Env: OS_KEY)",
    )
    group.add_argument(
        "--os-timeout",
        metavar="<seconds>",
        type=float,
        default=None,
        help="HTTP request timeout in seconds (default: none)",
    )


def verify_from(opts: argparse.Namespace) -> bool | str:
    env_insecure = _env("OS_INSECURE", default="") or ""
    if opts.insecure or env_insecure.lower() in ("1", "true", "yes"):
        return False
    return str(opts.os_cacert) if opts.os_cacert else True


def cert_from(opts: argparse.Namespace) -> str | tuple[str, str] | None:
    if not opts.os_cert:
        return None
    if opts.os_key:
        return (str(opts.os_cert), str(opts.os_key))
    return str(opts.os_cert)


def use_clouds_yaml(opts: argparse.Namespace) -> bool:
    """Only pay for openstacksdk's config loader when it is needed."""
    if opts.os_cloud:
        return True
    if getattr(opts, "os_auth_url", None) or getattr(
        opts, "os_endpoint", None
    ):
        return False
    config_file = os.environ.get("OS_CLIENT_CONFIG_FILE")
    if config_file:
        return (
            os.path.getsize(config_file) > 0
            if os.path.isfile(config_file)
            else False
        )
    return any(
        os.path.exists(os.path.expanduser(p)) for p in CLOUDS_YAML_PATHS
    )


class MigabortShell(app.App):
    """The ``migabort`` application."""

    # Every command is ours: no per-run scan for the distribution name.
    NAMES_DISTRIBUTIONS = False

    def __init__(
        self, argv: Sequence[str] = (), client: Any | None = None
    ) -> None:
        self._argv = list(argv)
        self._preset_client = client
        manager = LazyCommandManager()
        super().__init__(
            description="See, abort and force-complete OpenStack live "
            "migrations in progress. Exit codes: 0 success, 1 API or "
            "operation failure, 2 usage error, 3 timed out waiting.",
            version=_version(),
            command_manager=manager,
            deferred_help=True,
        )
        self.client_manager: ClientManager | None = None
        # cliff's help command would scan every installed package for
        # its epilog; ours does not (see NAMES_DISTRIBUTIONS).
        manager.add_command("help", _HelpCommand)

    def build_option_parser(
        self,
        description: str | None,
        version: str | None,
        argparse_kwargs: dict[str, Any] | None = None,
    ) -> argparse.ArgumentParser:
        parser = super().build_option_parser(
            description, version, argparse_kwargs
        )
        parser.add_argument(
            "--os-cloud",
            metavar="<cloud>",
            default=_env("OS_CLOUD"),
            help="Cloud name in clouds.yaml (Env: OS_CLOUD)",
        )
        parser.add_argument(
            "--os-region-name",
            metavar="<region>",
            default=_env("OS_REGION_NAME"),
            help="Region (Env: OS_REGION_NAME)",
        )
        parser.add_argument(
            "--os-interface",
            metavar="<interface>",
            default=_env("OS_INTERFACE", default="public"),
            help="Endpoint interface: public, internal or admin "
            "(Env: OS_INTERFACE)",
        )
        parser.add_argument(
            "--os-compute-api-version",
            metavar="<version>",
            default=_env("OS_COMPUTE_API_VERSION"),
            help="Compute API microversion, e.g. 2.80; default: negotiate "
            "the newest both sides support (Env: OS_COMPUTE_API_VERSION)",
        )
        from migabortclient import _auth

        _auth.register_auth_arguments(parser, self._argv, default="password")
        add_session_arguments(parser)
        return parser

    def configure_logging(self) -> None:
        """Errors are printed by the commands, one line each; log records
        reach the console only when asked for.

        cliff's default verbosity (1) would print INFO records, and
        keystoneauth warns before the command reports the same failure;
        here the default shows our warnings only, ``-v`` adds INFO and
        ``-vv`` or ``--debug`` DEBUG.
        """
        super().configure_logging()
        verbose = int(getattr(self.options, "verbose_level", 1) or 0)
        if getattr(self.options, "debug", False):
            verbose = max(verbose, 3)
        level = {0: logging.ERROR, 1: logging.WARNING, 2: logging.INFO}.get(
            verbose, logging.DEBUG
        )
        for handler in logging.getLogger("").handlers:
            if getattr(handler, "stream", None) is self.stderr:
                handler.setLevel(level)
        if verbose <= 1:
            logging.getLogger("keystoneauth").setLevel(logging.ERROR)

    def initialize_app(self, argv: list[str]) -> None:
        self.client_manager = ClientManager(
            self.options, client=self._preset_client
        )

    def prepare_to_run_command(self, cmd: Any) -> None:
        LOG.debug("running %s", type(cmd).__name__)


class _HelpCommand(help.HelpCommand):
    """cliff's ``help``, without the per-run distribution scan."""

    def get_epilog(self) -> str:
        return str(getattr(self, "_epilog", None) or "")


class _LazyCommand:
    """Entry-point-like object that imports its class on first use."""

    def __init__(self, name: str, module: str, cls: str) -> None:
        self.name = name
        self.module = module
        self.cls = cls

    def load(self) -> Any:
        import importlib

        return getattr(importlib.import_module(self.module), self.cls)

    @property
    def value(self) -> str:
        return f"{self.module}:{self.cls}"


class LazyCommandManager(commandmanager.CommandManager):
    """Only our commands, imported when run (no entry-point scan)."""

    def __init__(self) -> None:
        super().__init__(None)
        for name, (module, cls) in COMMANDS.items():
            self.commands[name] = _LazyCommand(  # type: ignore[assignment]
                name, module, cls
            )


def _version() -> str:
    try:
        from importlib import metadata

        return metadata.version("migabortclient")
    except Exception:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    return MigabortShell(args).run(args)


if __name__ == "__main__":
    sys.exit(main())
