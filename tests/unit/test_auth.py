"""Our auth-option registration against keystoneauth1.loading's."""

from __future__ import annotations

import argparse
from typing import Any

import fixtures
import testtools
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import loading

from migabortclient import _auth

AUTH_ENV = ("OS_AUTH_TYPE", "OS_AUTH_PLUGIN")


def _described(parser: argparse.ArgumentParser) -> list[Any]:
    actions = [
        (a.option_strings, a.dest, a.default, a.help, a.metavar)
        for a in parser._actions
    ]
    groups = [(g.title, g.description) for g in parser._action_groups]
    return [actions, groups]


class TestSameAsKeystoneauth(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        for name in AUTH_ENV:
            self.useFixture(fixtures.EnvironmentVariable(name))

    def both(
        self, argv: list[str], default: str
    ) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
        ours = argparse.ArgumentParser(prog="x")
        _auth.register_auth_arguments(ours, argv, default=default)
        theirs = argparse.ArgumentParser(prog="x")
        loading.register_auth_argparse_arguments(theirs, argv, default=default)
        return ours, theirs

    def test_builtin_loaders_are_keystoneauths(self) -> None:
        for name in _auth.BUILTIN_LOADERS:
            self.assertIs(
                type(loading.get_plugin_loader(name)),
                type(_auth.plugin_loader(name)),
                name,
            )

    def test_same_options_for_every_way_of_choosing_a_plugin(self) -> None:
        cases: list[tuple[list[str], str, dict[str, str]]] = [
            ([], "password", {}),
            ([], "token", {}),
            (["--os-auth-type", "v3applicationcredential"], "password", {}),
            (["--os-auth-plugin=v3token"], "password", {}),
            ([], "password", {"OS_AUTH_TYPE": "v3password"}),
            ([], "password", {"OS_AUTH_PLUGIN": "token"}),
            (["--os-auth-type", "password"], "x", {"OS_AUTH_TYPE": "token"}),
            ([], "v3oidcpassword", {}),  # through keystoneauth1's registry
        ]
        for argv, default, env in cases:
            with (
                fixtures.EnvironmentVariable(
                    "OS_AUTH_TYPE", env.get("OS_AUTH_TYPE")
                ),
                fixtures.EnvironmentVariable(
                    "OS_AUTH_PLUGIN", env.get("OS_AUTH_PLUGIN")
                ),
            ):
                ours, theirs = self.both(argv, default)
            self.assertEqual(_described(theirs), _described(ours), argv)
            self.assertEqual(
                vars(theirs.parse_args(argv)), vars(ours.parse_args(argv))
            )

    def test_loaded_plugin_is_the_same(self) -> None:
        argv = [
            "--os-auth-url",
            "https://keystone.example/v3",
            "--os-username",
            "alice",
            "--os-password",
            "secret",
            "--os-project-name",
            "demo",
            "--os-user-domain-name",
            "Default",
        ]
        ours, theirs = self.both(argv, "password")
        mine = _auth.load_auth(ours.parse_args(argv))
        keystoneauths = loading.load_auth_from_argparse_arguments(
            theirs.parse_args(argv)
        )
        self.assertIs(type(keystoneauths), type(mine))

        def settings(auth: Any) -> dict[str, Any]:
            return {
                k: v
                for k, v in vars(auth).items()
                if k not in ("_lock", "_discovery_cache")
            }

        self.assertEqual(settings(keystoneauths), settings(mine))
        self.assertEqual("alice", settings(mine)["_username"])

    def test_builtin_plugins_skip_the_registry(self) -> None:
        def no_registry(name: str) -> Any:
            raise AssertionError(f"registry asked for {name}")

        self.useFixture(
            fixtures.MonkeyPatch(
                "keystoneauth1.loading.get_plugin_loader", no_registry
            )
        )
        for name, argv in (
            ("token", ["--os-token", "t"]),
            ("password", ["--os-username", "u", "--os-password", "p"]),
        ):
            parser = argparse.ArgumentParser()
            _auth.register_auth_arguments(parser, [], default=name)
            args = parser.parse_args(["--os-auth-url", "https://k/v3", *argv])
            self.assertIsNotNone(_auth.load_auth(args))

    def test_unknown_plugin_is_keystoneauths_error(self) -> None:
        parser = argparse.ArgumentParser()
        self.assertRaises(
            ksa_exc.NoMatchingPlugin,
            _auth.register_auth_arguments,
            parser,
            ["--os-auth-type", "no-such-plugin"],
            "password",
        )

    def test_empty_type_registers_no_plugin_options(self) -> None:
        parser = argparse.ArgumentParser()
        _auth.register_auth_arguments(parser, ["--os-auth-type="], "password")
        args = parser.parse_args(["--os-auth-type="])
        self.assertIsNone(_auth.load_auth(args))
        self.assertNotIn("os_username", vars(args))
