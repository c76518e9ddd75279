"""Fidelity to Nova 34.0.0: each test pins one behaviour read from its code.

The docstring of every test names the Nova function it follows.
"""

from __future__ import annotations

from tests.functional.reference import base


class TestInstanceActionsFidelity(base.ReferenceTestCase):
    def test_unknown_marker_text_names_none(self) -> None:
        """nova/db/main/api.py:actions_get rebinds ``marker`` to the lookup
        result before raising MarkerNotFound, so the text says None."""
        server, _mig = self.running_migration()
        path = f"/servers/{server.id}/os-instance-actions?marker=req-x"
        resp = self.call("GET", path, version="2.58")
        self.assertFault(resp, 400, "Marker None could not be found.")


class TestOsMigrationsFidelity(base.ReferenceTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.live = self.running_migration()

    def _ids(self, query: str, version: str = "2.80") -> list[object]:
        resp = self.call("GET", f"/os-migrations{query}", version=version)
        self.assertEqual(200, resp.status_code, resp.text)
        return [m["id"] for m in resp.json()["migrations"]]

    def test_empty_filter_values_filter(self) -> None:
        """nova/db/main/api.py:migration_get_all_by_filters tests ``in
        filters``, so an empty value matches only empty columns."""
        self.assertEqual([self.live.id], self._ids(""))
        for name in (
            "status",
            "host",
            "source_compute",
            "instance_uuid",
            "migration_type",
        ):
            for version in ("2.1", "2.80"):
                self.assertEqual(
                    [], self._ids(f"?{name}=", version), (name, version)
                )
        self.assertEqual([], self._ids("?user_id="))
        # host wins over source_compute even when empty
        self.assertEqual([], self._ids("?host=&source_compute=cmp-a"))

    def test_links_carry_project_id_found_anywhere_in_url(self) -> None:
        """nova/api/openstack/common.py:ViewBuilder._get_project_id puts
        the caller's project id in links whenever it appears in the request
        URL, query string included."""
        pid = self.cloud.users["admin"].project_id
        resp = self.call(
            "GET",
            f"/os-migrations?project_id={pid}&limit=1",
            version="2.80",
        )
        self.assertEqual(200, resp.status_code, resp.text)
        body = resp.json()
        item = body["migrations"][0]
        self.assertEqual(
            f"{self.ref.url}/v2.1/{pid}/os-migrations?limit=1&"
            f"project_id={pid}&marker={item['uuid']}",
            body["migrations_links"][0]["href"],
        )
        self.assertEqual(
            [
                f"{self.ref.url}/v2.1/{pid}/servers/{self.server.id}/"
                f"migrations/{self.live.id}",
                f"{self.ref.url}/{pid}/servers/{self.server.id}/"
                f"migrations/{self.live.id}",
            ],
            [link["href"] for link in item["links"]],
        )

    def test_next_link_keeps_the_greatest_of_repeated_values(self) -> None:
        """_get_next_link builds OrderedDict(sorted(request.params.items())):
        of a repeated parameter the greatest value survives (while the
        filter itself used the last one)."""
        resp = self.call(
            "GET",
            "/os-migrations?status=zzz&status=running&limit=1",
            version="2.59",
        )
        self.assertEqual(200, resp.status_code, resp.text)
        body = resp.json()
        marker = body["migrations"][0]["uuid"]
        self.assertEqual(
            f"{self.ref.url}/v2.1/os-migrations?limit=1&status=zzz&"
            f"marker={marker}",
            body["migrations_links"][0]["href"],
        )
