"""Secrets and trust.

* No password and no token the reference Keystone issued appears in
  any output, error or ``--debug`` log of ``migabort``, ``openstack``
  (with this project's plugin) or ``migabort-nova``, on success, on API
  errors, on a lost answer and on a wrong password; nor in the
  library's own logs or exception texts.
* TLS verification is on by default: against a reference Nova serving
  a self-signed certificate, every program fails cleanly unless given
  the CA (``OS_CACERT``) or ``--insecure``.
* The reference answers 401 without a token, 404 across projects, 403
  by policy, and honours a policy override file; the library and CLI
  turn each into a typed error / one line and leave the cloud as it was.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
import ssl
from typing import Any

import fixtures
import requests

from migabortclient import exceptions
from tests.functional.reliability import base

WRONG_PASSWORD = "not-the-Secret-pw-9431"


class SecretsCase(base.ReliabilityCase):
    def secrets(self) -> list[str]:
        """Every password configured and every token issued so far."""
        found = [u.password for u in self.cloud.users.values()]
        found.append(WRONG_PASSWORD)
        with self.ref.app._lock:
            found.extend(self.ref.app._tokens)
        return [s for s in found if s]

    def assertNoSecrets(self, *texts: str) -> None:
        secrets = self.secrets()
        self.assertGreater(len(secrets), len(self.cloud.users))
        for text in texts:
            for secret in secrets:
                self.assertNotIn(secret, text)


class TestNoSecretsInOutput(SecretsCase):
    def setUp(self) -> None:
        super().setUp()
        self.mid = str(self.db_mig.id)

    def run_all(self) -> list[base.Result]:
        results = []
        sm = ("server", "migration")
        runs: list[tuple[str, tuple[str, ...], dict[str, str], str]] = [
            ("migabort", (*sm, "list", "--server", "db-1"), {}, "admin"),
            ("migabort", (*sm, "show", "db-1", "999"), {}, "admin"),
            ("migabort", (*sm, "abort", "db-1", self.mid), {}, "reader"),
            (
                "migabort",
                (*sm, "list"),
                {"OS_PASSWORD": WRONG_PASSWORD},
                "admin",
            ),
            ("openstack", (*sm, "list", "--server", "db-1"), {}, "admin"),
            ("openstack", (*sm, "show", "db-1", "999"), {}, "admin"),
            ("migabort-nova", ("server-migration-list", "db-1"), {}, "admin"),
            (
                "migabort-nova",
                ("live-migration-abort", "db-1", "999"),
                {},
                "admin",
            ),
        ]
        for program, args, extra, user in runs:
            result = self.run_cli(
                program, "--debug", *args, user=user, **extra
            )
            results.append(result)
        # A lost answer: the abort's read-back path, with --debug.
        self.ref.faults.inject(
            "DELETE", r"/migrations/\d+$", status=502, after=True
        )
        results.append(
            self.run_cli("migabort", "--debug", *sm, "abort", "db-1", self.mid)
        )
        return results

    def test_debug_logs_and_errors(self) -> None:
        results = self.run_all()
        codes = [r.code for r in results]
        # list ok, 404, 403, 401, osc list ok, osc 404, nova ok, nova 404,
        # and the lost-but-applied abort (read back: it landed).
        self.assertEqual([0, 1, 1, 1, 0, 1, 0, 1, 0], codes, results)
        self.assertIn("Policy rule", results[2].err)
        for result in results:
            self.assertNoSecrets(result.out, result.err)
        # The debug logs did show requests, with the token masked.
        self.assertIn("X-Auth-Token", results[0].err)
        self.assertIn("{SHA256}", results[0].err)

    def test_library_logs_and_exceptions(self) -> None:
        logger = self.useFixture(
            fixtures.FakeLogger(level=logging.DEBUG, format="%(message)s")
        )
        nova = self.client(timeout=5)
        nova.server_migrations.list(self.db.id)
        texts: list[str] = []
        self.ref.faults.inject("DELETE", r"/migrations/\d+$", drop=True)
        for call in (
            lambda: nova.server_migrations.get(self.db.id, 999),
            lambda: nova.server_migrations.abort(self.db.id, self.db_mig.id),
            lambda: self.client(user="reader").server_migrations.abort(
                self.db.id, self.db_mig.id
            ),
        ):
            exc = self.assertRaises(exceptions.ClientException, call)
            texts += [str(exc), repr(exc), repr(getattr(exc, "details", ""))]
        from keystoneauth1 import session as ks_session
        from keystoneauth1.identity import v3

        creds = self.ref.credentials("admin")
        auth = v3.Password(
            auth_url=self.ref.auth_url,
            username=creds["username"],
            password=WRONG_PASSWORD,
            project_name=creds["project_name"],
            user_domain_name="Default",
            project_domain_name="Default",
        )
        bad = base.client_mod.Client(
            "2.80", session=ks_session.Session(auth=auth)
        )
        exc = self.assertRaises(
            exceptions.ClientException, bad.server_migrations.list, self.db.id
        )
        texts += [str(exc), repr(exc)]
        self.assertIn("X-Auth-Token", logger.output)
        self.assertNoSecrets(logger.output, *texts)


# ------------------------------------------------------------------ TLS


def _self_signed(directory: str) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


class TestTLSVerification(SecretsCase):
    """The reference Nova behind a self-signed certificate."""

    def setUp(self) -> None:
        super().setUp()
        self.cert, key = _self_signed(self.home)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        httpd: Any = self.ref._server._httpd  # type: ignore[union-attr]
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        self.ref.app.base_url = self.ref.url.replace("http://", "https://")

    def test_programs_refuse_an_unverified_certificate(self) -> None:
        sm = ("server", "migration")
        for program, args in (
            ("migabort", (*sm, "list")),
            ("openstack", (*sm, "list")),
            ("migabort-nova", ("migration-list",)),
        ):
            result = self.run_cli(program, *args)
            self.assertEqual(1, result.code, (program, result))
            self.assertNotIn("Traceback", result.err, program)
            self.assertIn("SSL", result.err + result.out, program)
            self.assertNoSecrets(result.out, result.err)
        # No request got past the handshake.
        self.assertEqual([], list(self.ref.requests))

    def test_ca_or_insecure_accepted(self) -> None:
        sm = ("server", "migration", "list", "--server", "db-1")
        trusted = self.run_cli("migabort", *sm, OS_CACERT=self.cert)
        self.assertEqual(0, trusted.code, trusted)
        self.assertIn(str(self.db_mig.id), trusted.out)
        insecure = self.run_cli("migabort", "--insecure", *sm)
        self.assertEqual(0, insecure.code, insecure)

    def test_library_session_verifies_by_default(self) -> None:
        session = self.session(timeout=5)
        self.assertIs(True, session.verify)
        nova = base.client_mod.Client("auto", session=session)
        exc = self.assertRaises(
            exceptions.ClientException, lambda: nova.api_version
        )
        self.assertIn("SSL", str(exc))


# --------------------------------------------------------- authorization


class TestAuthorization(SecretsCase):
    def test_401_without_token(self) -> None:
        resp = requests.get(
            f"{self.ref.compute_url}/servers/{self.db.id}/migrations",
            timeout=10,
        )
        self.assertEqual(401, resp.status_code)
        self.assertIn("WWW-Authenticate", resp.headers)
        resp = requests.get(
            f"{self.ref.compute_url}/servers",
            headers={"X-Auth-Token": "forged-token"},
            timeout=10,
        )
        self.assertEqual(401, resp.status_code)

    def test_401_typed_in_library_and_one_line_in_cli(self) -> None:
        from keystoneauth1 import session as ks_session
        from keystoneauth1 import token_endpoint

        auth = token_endpoint.Token(self.ref.compute_url, "forged-token")
        nova = base.client_mod.Client(
            "2.80", session=ks_session.Session(auth=auth)
        )
        exc = self.assertRaises(
            exceptions.Unauthorized, nova.server_migrations.list, self.db.id
        )
        self.assertEqual(401, exc.http_status)
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "list",
            OS_PASSWORD=WRONG_PASSWORD,
        )
        line = self.assertCleanFailure(result)
        self.assertIn("401", line)

    def test_404_across_projects(self) -> None:
        self.cloud.add_user(
            "other-manager", "other", ["manager", "member", "reader"]
        )
        nova = self.client(user="other-manager")
        before = self.snapshot()
        for call in (
            lambda: nova.server_migrations.list(self.db.id),
            lambda: nova.server_migrations.abort(self.db.id, self.db_mig.id),
            lambda: nova.server_migrations.force_complete(
                self.db.id, self.db_mig.id
            ),
            lambda: nova.instance_actions.list(self.db.id),
            lambda: nova.servers.find("db-1"),
        ):
            exc = self.assertRaises(exceptions.NotFound, call)
            # Not a 403: another project's server does not exist for us.
            self.assertNotIn("olicy", str(exc))
        self.assertEqual(before, self.snapshot())
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "abort",
            self.db.id,
            str(self.db_mig.id),
            user="other-manager",
        )
        self.assertIn("404", self.assertCleanFailure(result))
        self.assertEqual(before, self.snapshot())

    def test_403_by_policy(self) -> None:
        before = self.snapshot()
        reader = self.client(user="reader")
        member = self.client(user="member")
        for nova in (reader, member):
            exc = self.assertRaises(
                exceptions.Forbidden,
                nova.server_migrations.abort,
                self.db.id,
                self.db_mig.id,
            )
            self.assertEqual(
                "os_compute_api:servers:migrations:delete", exc.policy_rule
            )
        manager = self.client(user="manager")
        exc = self.assertRaises(
            exceptions.Forbidden,
            manager.server_migrations.get,
            self.db.id,
            self.db_mig.id,
        )
        self.assertEqual(
            "os_compute_api:servers:migrations:show", exc.policy_rule
        )
        self.assertEqual(before, self.snapshot())
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "force",
            "complete",
            "db-1",
            str(self.db_mig.id),
            user="reader",
        )
        line = self.assertCleanFailure(result)
        self.assertIn("403", line)
        self.assertIn("manager or admin", line)
        self.assertEqual(before, self.snapshot())


POLICY_OVERRIDE = """\
# Readers may abort; nobody may force-complete or list.
"os_compute_api:servers:migrations:delete": "role:reader"
"os_compute_api:servers:migrations:force_complete": "!"
"os_compute_api:servers:migrations:index": "!"
"""


class TestPolicyOverride(SecretsCase):
    def setUp(self) -> None:
        directory = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(directory, "policy.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(POLICY_OVERRIDE)
        self.policy_file = path
        super().setUp()

    def test_override_is_honoured(self) -> None:
        admin = self.client(user="admin")
        exc = self.assertRaises(
            exceptions.Forbidden, admin.server_migrations.list, self.db.id
        )
        self.assertEqual(
            "os_compute_api:servers:migrations:index", exc.policy_rule
        )
        exc = self.assertRaises(
            exceptions.Forbidden,
            admin.server_migrations.force_complete,
            self.db.id,
            self.db_mig.id,
        )
        self.assertEqual(
            [], self.actions(self.db.id, "live_migration_force_complete")
        )
        reader = self.client(user="reader")
        request_id = reader.server_migrations.abort(self.db.id, self.db_mig.id)
        cancels = self.actions(self.db.id, "live_migration_cancel")
        self.assertEqual([request_id], [a.request_id for a in cancels])
        self.cloud.clock.advance(5)
        self.assertEqual(
            "cancelled", self.cloud.get_migration(self.db_mig.id).status
        )
