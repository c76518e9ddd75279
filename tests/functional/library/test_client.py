"""client.Client with adapter options and auth failures, over HTTP."""

from __future__ import annotations

from keystoneauth1 import adapter as ksa_adapter
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3

from migabortclient import client
from migabortclient import exceptions
from migabortclient.api_versions import APIVersion
from tests.functional.library import base


class TestClient(base.LibraryTestCase):
    def test_adapter_options(self) -> None:
        server, _ = self.migrating()
        nova = client.Client(
            "2.latest",
            session=self.ref.session("manager"),
            region_name="RegionOne",
            interface="internal",
        )
        (item,) = nova.server_migrations.list(server.id)
        self.assertEqual(server.id, item.server_uuid)
        self.assertEqual(APIVersion("2.104"), nova.api_version)

    def test_endpoint_override_and_adapter(self) -> None:
        server, _ = self.migrating()
        sess = self.ref.session("admin")
        nova = client.Client(
            "2.80", session=sess, endpoint_override=self.ref.compute_url
        )
        self.assertEqual(1, len(nova.server_migrations.list(server.id)))
        adapter = ksa_adapter.Adapter(sess, service_type="compute")
        nova = client.Client("auto", adapter=adapter)
        self.assertEqual(1, len(nova.server_migrations.list(server.id)))

    def test_wrong_region_is_a_typed_error(self) -> None:
        nova = client.Client(
            "auto", session=self.ref.session(), region_name="Nowhere"
        )
        self.assertRaises(exceptions.ConnectionError, nova.servers.get, "x")

    def test_bad_password_is_unauthorized(self) -> None:
        auth = v3.Password(
            auth_url=self.ref.auth_url,
            username="admin",
            password="wrong-password",
            project_name="demo",
            user_domain_name="Default",
            project_domain_name="Default",
        )
        sess = ksa_session.Session(auth=auth)
        for version in ("auto", "2.80"):
            nova = client.Client(version, session=sess)
            error = self.assertRaises(
                exceptions.Unauthorized, nova.servers.get, "x"
            )
            self.assertIsInstance(error, ksa_exc.Unauthorized)
            self.assertEqual(401, error.http_status)
            self.assertNotIn("wrong-password", str(error))
