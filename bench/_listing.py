"""Child process of bench/run.py: list one host's migrations, once.

``python bench/_listing.py MODE HOST``, with OS_* variables pointing at the
reference Nova. MODE is ``ours`` (migabortclient), ``sdk`` (openstacksdk's
``conn.compute.migrations()``) or ``raw`` (requests + json on the same
keystoneauth1 session: the server and HTTP floor). Each mode first lists a
host with no migrations, so version discovery and lazy imports are done
before the clock and the memory baseline start. The peak RSS is reset
(``/proc/self/clear_refs``) just before listing, so the growth reported is
the listing's own: peak RSS during it minus RSS before it. Prints one JSON
line: the number of migrations, the seconds taken (wall, and this
process's CPU time: the client's own cost, as the server runs in another
process) and that growth.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

EMPTY_HOST = "bench-no-such-host"


def _session() -> Any:
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
    return session.Session(auth=auth)


def _ours(sess: Any) -> Callable[[str], Iterable[Any]]:
    from migabortclient import client

    nova = client.Client(
        "auto", session=sess, region_name=os.environ["OS_REGION_NAME"]
    )
    return lambda host: nova.migrations.list(host=host)


def _sdk(sess: Any) -> Callable[[str], Iterable[Any]]:
    from openstack import connection

    conn = connection.Connection(
        session=sess, region_name=os.environ["OS_REGION_NAME"]
    )
    return lambda host: conn.compute.migrations(host=host)


def _raw(sess: Any) -> Callable[[str], Iterable[Any]]:
    endpoint = sess.get_endpoint(
        service_type="compute",
        interface="public",
        region_name=os.environ["OS_REGION_NAME"],
    )
    headers = {"OpenStack-API-Version": "compute 2.80"}

    def pages(host: str) -> Iterable[Any]:
        url: str | None = f"{endpoint}/os-migrations?host={host}"
        for _ in range(100000):
            if url is None:
                return
            body = sess.get(url, headers=headers).json()
            yield from body["migrations"]
            url = None
            for link in body.get("migrations_links", []):
                if link.get("rel") == "next":
                    url = link["href"]

    return pages


def _maxrss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    """Reset the peak RSS (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


MODES = {"ours": _ours, "sdk": _sdk, "raw": _raw}


def main(argv: list[str]) -> int:
    mode, host = argv
    sess = _session()
    lister = MODES[mode](sess)
    # Warm: auth, discovery and lazy imports, outside the measurement.
    warm = sum(1 for _ in lister(EMPTY_HOST))
    reset = _reset_peak()
    before_kib = _status_kib("VmRSS") if reset else _maxrss_kib()
    start = time.perf_counter()
    cpu_start = time.process_time()
    count = 0
    for _ in lister(host):
        count += 1
    cpu_seconds = time.process_time() - cpu_start
    seconds = time.perf_counter() - start
    after_kib = _status_kib("VmHWM") if reset else _maxrss_kib()
    print(
        json.dumps(
            {
                "mode": mode,
                "count": count,
                "warm_count": warm,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "rss_before_mib": before_kib / 1024,
                "rss_peak_mib": after_kib / 1024,
                "rss_growth_mib": max(0, after_kib - before_kib) / 1024,
                "peak_reset": reset,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
