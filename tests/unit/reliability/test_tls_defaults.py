"""TLS verification is on unless the user turns it off.

``migabort`` builds its keystoneauth1 session itself: parse real
command lines and look at the session it would use.
"""

from __future__ import annotations

from typing import Any

import fixtures
import testtools

from migabortclient import shell

AUTH = [
    "--os-auth-url",
    "https://keystone.invalid/v3",
    "--os-username",
    "u",
    "--os-password",
    "p",
    "--os-project-name",
    "demo",
    "--os-user-domain-name",
    "Default",
    "--os-project-domain-name",
    "Default",
]


class TestVerify(testtools.TestCase):
    def setUp(self) -> None:
        super().setUp()
        for name in ("OS_INSECURE", "OS_CACERT", "OS_CERT", "OS_KEY"):
            self.useFixture(fixtures.EnvironmentVariable(name))
        self.useFixture(
            fixtures.EnvironmentVariable("OS_CLIENT_CONFIG_FILE", "/dev/null")
        )

    def session(self, *extra: str) -> Any:
        argv = [*AUTH, *extra, "server", "migration", "list"]
        app = shell.MigabortShell(argv)
        parser = app.build_option_parser("d", "v")
        options, _ = parser.parse_known_args(argv)
        sess, _, _ = shell.ClientManager(options)._session()
        return sess

    def test_verified_by_default(self) -> None:
        self.assertIs(True, self.session().verify)

    def test_insecure_flag(self) -> None:
        self.assertIs(False, self.session("--insecure").verify)

    def test_insecure_env(self) -> None:
        self.useFixture(fixtures.EnvironmentVariable("OS_INSECURE", "true"))
        self.assertIs(False, self.session().verify)

    def test_insecure_env_false_still_verifies(self) -> None:
        self.useFixture(fixtures.EnvironmentVariable("OS_INSECURE", "false"))
        self.assertIs(True, self.session().verify)

    def test_ca_bundle(self) -> None:
        self.assertEqual(
            "/etc/ssl/ca.pem",
            self.session("--os-cacert", "/etc/ssl/ca.pem").verify,
        )

    def test_ca_bundle_env(self) -> None:
        self.useFixture(
            fixtures.EnvironmentVariable("OS_CACERT", "/etc/ssl/env-ca.pem")
        )
        self.assertEqual("/etc/ssl/env-ca.pem", self.session().verify)
