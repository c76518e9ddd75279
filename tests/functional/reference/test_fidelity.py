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
