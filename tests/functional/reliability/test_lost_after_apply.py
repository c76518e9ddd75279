"""Answers lost *after* Nova acted: a proxy that dies mid-answer.

The request reached Nova and ran; the client sees a dropped connection.
Abort and force-complete must not be re-sent and must report what
happened (the read-back finds the instance action); reads are simply
retried; os-migrateLive is sent once.
"""

from __future__ import annotations

import re
from typing import Any

from migabortclient import client as client_mod
from migabortclient import exceptions
from tests.functional.reliability import base
from tests.functional.reliability import proxy as proxy_mod


class TestLostAfterApply(base.ReliabilityCase):
    def setUp(self) -> None:
        super().setUp()
        port = int(self.ref.url.rsplit(":", 1)[1])
        self.proxy = proxy_mod.LossyProxy(port)
        self.addCleanup(self.proxy.stop)
        self.nova = self.proxied_client()

    def proxied_client(self) -> Any:
        nova = client_mod.Client(
            "auto",
            session=self.session(timeout=10),
            endpoint_override=self.proxy.url + "/v2.1",
            sleep=self.sleeps.append,
        )
        nova.http.adapter.get_token()
        nova.api_version  # noqa: B018 - negotiate before losing answers
        return nova

    def test_abort_applied_answer_lost(self) -> None:
        self.proxy.lose_answer("DELETE", r"/migrations/\d+$")
        request_id = self.nova.server_migrations.abort(
            self.db.id, self.db_mig.id
        )
        self.assertEqual(1, len(self.proxy.dropped))
        cancels = self.actions(self.db.id, "live_migration_cancel")
        self.assertEqual([request_id], [a.request_id for a in cancels])
        self.assertEqual(1, self.hits("DELETE", r"/migrations/\d+$"))
        self.assertEqual([], self.sleeps)
        self.cloud.clock.advance(5)
        self.assertEqual(
            "cancelled", self.cloud.get_migration(self.db_mig.id).status
        )

    def test_force_complete_applied_answer_lost(self) -> None:
        self.proxy.lose_answer("POST", r"/migrations/\d+/action$")
        request_id = self.nova.server_migrations.force_complete(
            self.db.id, self.db_mig.id
        )
        forced = self.actions(self.db.id, "live_migration_force_complete")
        self.assertEqual([request_id], [a.request_id for a in forced])
        self.assertEqual(1, self.hits("POST", r"/migrations/\d+/action$"))
        self.cloud.clock.advance(600)
        self.assertEqual(
            "completed", self.cloud.get_migration(self.db_mig.id).status
        )

    def test_refused_abort_answer_lost(self) -> None:
        # Nova refused (the migration had completed); the refusal was
        # lost. The read-back shows nothing was applied.
        self.cloud.clock.advance(600)
        self.proxy.lose_answer("DELETE", r"/migrations/\d+$")
        exc = self.assertRaises(
            exceptions.NotApplied,
            self.nova.server_migrations.abort,
            self.web.id,
            self.web_mig.id,
        )
        self.assertEqual("completed", exc.status)
        self.assertIn("not applied", str(exc))
        self.assertEqual(
            [], self.actions(self.web.id, "live_migration_cancel")
        )
        self.assertEqual(1, self.hits("DELETE", r"/migrations/\d+$"))

    def test_read_answer_lost_is_retried(self) -> None:
        self.proxy.lose_answer("GET", r"/migrations$")
        found = self.nova.server_migrations.list(self.db.id)
        self.assertEqual([self.db_mig.id], [m.id for m in found])
        self.assertEqual(2, self.hits("GET", r"/migrations$"))
        self.assertEqual([0.5], self.sleeps)

    def test_live_migrate_answer_lost_not_resent(self) -> None:
        self.proxy.lose_answer("POST", r"/servers/[^/]+/action$")
        request_id = self.nova.servers.live_migrate(self.idle.id)
        self.assertEqual(1, self.hits("POST", r"/servers/[^/]+/action$"))
        # It did start, and the read-back found the action that says so.
        started = self.actions(self.idle.id, "live-migration")
        self.assertEqual([request_id], [a.request_id for a in started])

    def test_cli_abort_applied_answer_lost(self) -> None:
        self.proxy.lose_answer("DELETE", r"/migrations/\d+$")
        result = self.run_inproc(
            self.nova,
            "server",
            "migration",
            "abort",
            "db-1",
            str(self.db_mig.id),
        )
        self.assertEqual(0, result.code, result)
        # The operator is told why it still counts as done: one line.
        (warning,) = result.err.splitlines()
        self.assertIn("was accepted despite the error", warning)
        found = re.search(r"\(request (req-[0-9a-f-]+)\)", result.out)
        self.assertIsNotNone(found, result)
        assert found is not None
        cancels = self.actions(self.db.id, "live_migration_cancel")
        self.assertEqual([found.group(1)], [a.request_id for a in cancels])

    def test_cli_abort_all_one_answer_lost(self) -> None:
        # --host --all: one of two aborts loses its answer after Nova
        # acted; both end up applied and reported as such.
        slow = self.cloud.add_server(
            "db-2", "compute1", memory_mib=16384, dirty_rate_mib_s=1400
        )
        self.cloud.start_live_migration(slow.id, "compute3")
        self.cloud.clock.advance(base.WARMUP)
        self.proxy.lose_answer("DELETE", r"/migrations/\d+$")
        result = self.run_inproc(
            self.nova,
            "server",
            "migration",
            "abort",
            "--host",
            "compute1",
            "--all",
            "--yes",
        )
        self.assertEqual(0, result.code, result)
        # The operator is told why it still counts as done: one line.
        (warning,) = result.err.splitlines()
        self.assertIn("was accepted despite the error", warning)
        self.assertEqual(2, result.out.count("abort requested"), result)
        self.assertEqual(2, self.hits("DELETE", r"/migrations/\d+$"))
        self.assertEqual(1, len(self.proxy.dropped))
