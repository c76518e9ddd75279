"""The standalone ``migabort`` shell: options, TLS, lazy imports."""

from __future__ import annotations

import subprocess
import sys

import testtools

from migabortclient import shell


def parse(*argv: str) -> tuple[object, list[str]]:
    app = shell.MigabortShell(list(argv))
    return app.parser.parse_known_args(list(argv))


class TestOptions(testtools.TestCase):
    def test_tls_verification_on_by_default(self) -> None:
        opts, _ = parse("server", "migration", "list")
        self.assertIs(True, shell.verify_from(opts))  # type: ignore[arg-type]

    def test_insecure_and_cacert(self) -> None:
        opts, _ = parse("--insecure", "server", "migration", "list")
        self.assertIs(False, shell.verify_from(opts))  # type: ignore[arg-type]
        opts, _ = parse("--os-cacert", "/ca.pem", "server")
        self.assertEqual("/ca.pem", shell.verify_from(opts))  # type: ignore[arg-type]

    def test_command_timeout_not_swallowed_by_global_options(self) -> None:
        _, rest = parse(
            "server", "migration", "abort", "vm", "--wait", "--timeout", "3"
        )
        self.assertEqual(
            ["server", "migration", "abort", "vm", "--wait", "--timeout", "3"],
            rest,
        )

    def test_any_keystoneauth_plugin_options(self) -> None:
        opts, _ = parse(
            "--os-auth-type",
            "v3token",
            "--os-token",
            "abc",
            "server",
        )
        self.assertEqual("abc", opts.os_token)  # type: ignore[attr-defined]

    def test_commands_registered(self) -> None:
        app = shell.MigabortShell([])
        names = {name for name, _ in app.command_manager}
        self.assertTrue(
            {
                "server migration list",
                "server migration show",
                "server migration abort",
                "server migration force complete",
                "server migration watch",
                "demo",
            }
            <= names
        )


class TestStartup(testtools.TestCase):
    def test_help_imports_no_sdk_or_client(self) -> None:
        code = (
            "import sys\n"
            "from migabortclient import shell\n"
            "app = shell.MigabortShell(['server', 'migration', 'list'])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('openstack', 'os_client_config', 'openstackclient') or "
            "m.startswith('migabortclient.client')))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual("[]", out.stdout.strip())

    def test_no_scan_of_installed_distributions(self) -> None:
        # cliff scans every installed package to name a command's
        # distribution in help: about 0.1 s on every run.
        code = (
            "import contextlib, io, cliff.command\n"
            "from migabortclient import shell\n"
            "for argv in (['server', 'migration', 'list', '--help'],\n"
            "             ['help', 'server', 'migration', 'abort']):\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        try:\n"
            "            shell.main(argv)\n"
            "        except SystemExit:\n"
            "            pass\n"
            "print(cliff.command._dists_by_mods is None)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual("True", out.stdout.strip(), out.stderr)

    def test_clouds_yaml_only_when_needed(self) -> None:
        opts, _ = parse("--os-auth-url", "http://127.0.0.1:1/v3", "server")
        self.assertFalse(shell.use_clouds_yaml(opts))  # type: ignore[arg-type]
        opts, _ = parse("--os-cloud", "mine", "server")
        self.assertTrue(shell.use_clouds_yaml(opts))  # type: ignore[arg-type]


class TestLogging(testtools.TestCase):
    def _console(self, *argv: str) -> str:
        import io
        import logging

        app = shell.MigabortShell(list(argv))
        app.stderr = io.StringIO()
        app.options, _ = app.parser.parse_known_args(list(argv))
        root = logging.getLogger("")
        before = list(root.handlers)
        ksa = logging.getLogger("keystoneauth")
        self.addCleanup(ksa.setLevel, ksa.level)
        self.addCleanup(root.setLevel, root.level)
        try:
            app.configure_logging()
            logging.getLogger("migabortclient.x").info("info line")
            logging.getLogger("migabortclient.x").warning("warning line")
            ksa.warning("ksa line")
        finally:
            for handler in list(root.handlers):
                if handler not in before:
                    root.removeHandler(handler)
        return str(app.stderr.getvalue())

    def test_default_shows_warnings_but_no_info(self) -> None:
        self.assertEqual("warning line\n", self._console("server"))

    def test_verbose_shows_info_and_keystoneauth(self) -> None:
        self.assertEqual(
            "info line\nwarning line\nksa line\n",
            self._console("-v", "server"),
        )


class TestMissingCredentials(testtools.TestCase):
    """One line naming the option, in migabort-nova's words."""

    def _check(self, *argv: str) -> str:
        import os
        from unittest import mock

        from migabortclient import exceptions

        with mock.patch.dict(os.environ, {}, clear=True):
            opts, _ = parse(*argv, "server", "migration", "list")
        err = self.assertRaises(
            exceptions.AuthenticationError, shell.check_credentials, opts
        )
        return str(err)

    def test_each_missing_piece_named(self) -> None:
        url = ("--os-auth-url", "http://keystone.invalid/v3")
        self.assertEqual(
            "Missing auth URL: give --os-cloud <cloud> (clouds.yaml), or "
            "--os-auth-url or env[OS_AUTH_URL] with credentials.",
            self._check(),
        )
        self.assertIn("Missing credentials: ", self._check(*url))
        self.assertEqual(
            "Missing password: give --os-password or env[OS_PASSWORD].",
            self._check(*url, "--os-username", "admin"),
        )

    def test_complete_or_other_plugins_pass(self) -> None:
        import os
        from unittest import mock

        with mock.patch.dict(os.environ, {}, clear=True):
            opts, _ = parse(
                "--os-auth-url", "http://keystone.invalid/v3",
                "--os-username", "admin", "--os-password", "x",
                "server",
            )  # fmt: skip
            shell.check_credentials(opts)  # type: ignore[arg-type]
            opts, _ = parse("--os-auth-type", "v3token", "server")
            shell.check_credentials(opts)  # type: ignore[arg-type]
