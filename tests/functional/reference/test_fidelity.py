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
