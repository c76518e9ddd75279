"""How many compute requests an abort costs (authentication excluded).

An operator aborting by server UUID and migration id waits on version
discovery and the DELETE only; a server name adds its one lookup.
"""

from __future__ import annotations

from tests.functional.cli import base


class TestAbortRequestCount(base.CLITestCase):
    def compute_requests(self, since: int) -> list[tuple[str, str]]:
        return [
            (r.method, r.path)
            for r in self.ref.requests[since:]
            if r.path.startswith("/v2.1")
        ]

    def test_abort_by_uuid_is_discovery_and_delete(self) -> None:
        since = len(self.ref.requests)
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "abort",
            self.db.id,
            str(self.db_mig.id),
        )
        self.assertOk(result)
        self.assertIn(f"of server {self.db.id} (request req-", result.out)
        self.assertEqual(
            [
                ("GET", "/v2.1"),
                (
                    "DELETE",
                    f"/v2.1/servers/{self.db.id}/migrations/{self.db_mig.id}",
                ),
            ],
            self.compute_requests(since),
        )
        (cancel,) = [
            a
            for a in self.actions(self.db.id)
            if a.action == "live_migration_cancel"
        ]
        self.assertIn(cancel.request_id, result.out)

    def test_abort_by_name_adds_one_lookup(self) -> None:
        since = len(self.ref.requests)
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "abort",
            "db-1",
            str(self.db_mig.id),
        )
        self.assertOk(result)
        self.assertIn("of server db-1 (request req-", result.out)
        self.assertEqual(
            ["GET", "GET", "DELETE"],
            [method for method, _ in self.compute_requests(since)],
        )

    def test_wrong_uuid_is_novas_404_and_changes_nothing(self) -> None:
        missing = "6f1b0f53-0000-4000-8000-000000000000"
        result = self.run_cli(
            "migabort",
            "server",
            "migration",
            "abort",
            missing,
            str(self.db_mig.id),
        )
        self.assertEqual(1, result.code, result)
        self.assertIn(f"Instance {missing} could not be found.", result.err)
        self.assertIn("(HTTP 404)", result.err)
        self.assertEqual(
            "running", self.ref.cloud.get_migration(self.db_mig.id).status
        )
