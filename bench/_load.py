"""Child process of bench/run.py: a keep-alive load on the reference Nova.

``python bench/_load.py < plan.json``, with OS_* variables pointing at the
reference Nova. The plan names the mix (``list`` or ``abort``), the thread
count, the requests per thread and the targets. Every thread authenticates
once (the token is shared, never printed), then sends a fixed number of
requests through its own ``requests.Session`` (keep-alive when the server
allows it) in a fixed round-robin order. Prints one JSON line: requests,
seconds, req/s, latency percentiles and the status codes seen.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
import time
from typing import Any

import requests

VERSION = {"OpenStack-API-Version": "compute 2.80"}


def _token_and_endpoint() -> tuple[str, str]:
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=os.environ["OS_AUTH_URL"],
        username=os.environ["OS_USERNAME"],
        password=os.environ["OS_PASSWORD"],
        project_name=os.environ["OS_PROJECT_NAME"],
        user_domain_name="Default",
        project_domain_name="Default",
    )
    sess = session.Session(auth=auth)
    endpoint = sess.get_endpoint(
        service_type="compute",
        interface="public",
        region_name=os.environ["OS_REGION_NAME"],
    )
    return str(sess.get_token()), str(endpoint)


def _requests_for(plan: dict[str, Any], thread: int) -> list[tuple[str, str]]:
    """The (method, path) list one thread sends, in order."""
    servers = plan["servers"]
    shows = plan["shows"]
    count = plan["per_thread"]
    out: list[tuple[str, str]] = []
    if plan["mix"] == "list":
        for i in range(count):
            k = (i + thread) % 10
            sid, mid = shows[(i + thread) % len(shows)]
            if k < 5:
                out.append(("GET", f"/servers/{sid}/migrations"))
            elif k < 8:
                out.append(("GET", "/os-migrations?limit=50"))
            else:
                out.append(("GET", f"/servers/{sid}/migrations/{mid}"))
        return out
    # abort: every other request aborts a migration of this thread's own.
    aborts = plan["aborts"][thread :: plan["threads"]]
    for i in range(count):
        if i % 2 == 0 and i // 2 < len(aborts):
            sid, mid = aborts[i // 2]
            out.append(("DELETE", f"/servers/{sid}/migrations/{mid}"))
        else:
            sid = servers[(i + thread) % len(servers)]
            out.append(("GET", f"/servers/{sid}/migrations"))
    return out


def main() -> int:
    plan = json.load(sys.stdin)
    token, endpoint = _token_and_endpoint()
    headers = {"X-Auth-Token": token, **VERSION}
    latencies: list[float] = []
    statuses: collections.Counter[str] = collections.Counter()
    http_versions: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    start_gate = threading.Barrier(plan["threads"] + 1)

    def worker(thread: int) -> None:
        calls = _requests_for(plan, thread)
        mine: list[float] = []
        seen: collections.Counter[str] = collections.Counter()
        versions: collections.Counter[str] = collections.Counter()
        with requests.Session() as http:
            http.headers.update(headers)
            start_gate.wait(timeout=60)
            for method, path in calls:
                t0 = time.perf_counter()
                try:
                    resp = http.request(method, endpoint + path, timeout=30)
                    resp.content  # noqa: B018 - read the whole body
                    seen[str(resp.status_code)] += 1
                    # 11: HTTP/1.1, the session reuses its connection.
                    versions[str(resp.raw.version)] += 1
                except requests.RequestException as exc:
                    seen[type(exc).__name__] += 1
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            statuses.update(seen)
            http_versions.update(versions)

    threads = [
        threading.Thread(target=worker, args=(i,), daemon=True)
        for i in range(plan["threads"])
    ]
    for thread in threads:
        thread.start()
    start_gate.wait(timeout=60)
    t0 = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.perf_counter() - t0
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(
        json.dumps(
            {
                "mix": plan["mix"],
                "threads": plan["threads"],
                "requests": len(latencies),
                "seconds": seconds,
                "req_per_s": len(latencies) / seconds if seconds else 0.0,
                "p50_ms": pct(0.50) * 1000,
                "p99_ms": pct(0.99) * 1000,
                "max_ms": (latencies[-1] if latencies else 0.0) * 1000,
                "statuses": dict(sorted(statuses.items())),
                "http_versions": dict(sorted(http_versions.items())),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
