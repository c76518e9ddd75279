"""Concurrent requests never corrupt the simulated cloud."""

from __future__ import annotations

import concurrent.futures

import requests

from migabortclient.reference import cloud as cloud_mod
from tests.functional.reference import base


class TestConcurrency(base.ReferenceTestCase):
    def test_parallel_aborts_and_reads(self) -> None:
        self.cloud.add_host("src", max_concurrent=4)
        self.cloud.add_host("dst", max_concurrent=4)
        pairs = [
            self.running_migration(source="src", dest="dst") for _ in range(4)
        ]
        self.cloud.auto_advance = 0.1
        token = self.token("manager")
        url = self.ref.compute_url
        headers = {
            "X-Auth-Token": token,
            "OpenStack-API-Version": "compute 2.80",
        }

        def worker(index: int) -> list[int]:
            server, mig = pairs[index % len(pairs)]
            codes = []
            with requests.Session() as http:
                for step in range(10):
                    if step == 5:
                        resp = http.delete(
                            f"{url}/servers/{server.id}/migrations/{mig.id}",
                            headers=headers,
                            timeout=10,
                        )
                    else:
                        resp = http.get(
                            f"{url}/servers/{server.id}/migrations",
                            headers=headers,
                            timeout=10,
                        )
                    codes.append(resp.status_code)
            return codes

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(worker, range(8)))
        for codes in results:
            self.assertTrue(set(codes) <= {200, 202, 409}, codes)
        self.cloud.clock.advance(cloud_mod.ROLLBACK_S)
        for server, mig in pairs:
            self.assertEqual(
                "cancelled", self.cloud.get_migration(mig.id).status
            )
            after = self.cloud.get_server(server.id)
            self.assertEqual(("src", None), (after.host, after.task_state))
        api = [r for r in self.ref.requests if r.path.startswith("/v2.1/")]
        self.assertEqual(80, len(api))
