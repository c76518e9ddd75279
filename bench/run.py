"""Benchmarks: migabortclient against its peers, side by side in one run.

``tox -e bench`` (or ``python bench/run.py``) starts the bundled reference
Nova on 127.0.0.1 (in this process, one fresh instance per section) and
measures, in the same run:

* ``requests``: HTTP requests (server-side request log, auth excluded)
  for ``abort <server> <migration>`` by UUID and by name, with
  ``migabort``, our plugin inside ``openstack``, OSC's built-in command,
  ``migabort-nova`` and ``nova``;
* ``wall``: whole-process wall time of ``server migration list`` and
  friends against their peers, interleaved, after a warm-up;
* ``listing``: 1,000 and 10,000 migrations through os-migrations pages,
  with the library, openstacksdk and plain requests, one subprocess each
  (time and peak RSS growth);
* ``abort_all``: ``abort --host H --all --parallel 8 --yes`` for 200
  migrations against a shell loop of OSC's ``server migration abort``
  (a sample of the loop, extrapolated, unless ``--loop-sample 200``);
* ``throughput``: the reference Nova under list and abort mixes, a few
  keep-alive client threads in another process;
* ``profile``: import self-time by package (``python -X importtime``)
  and a cProfile of ``migabort server migration list``, to explain the
  start-up figures;
* ``instructions`` (opt-in, ``--only instructions``, needs valgrind): the
  ``wall`` commands once each under callgrind; instruction counts do not
  depend on the machine's load, so their ratios are the noise-free view.

Medians with min/max over ``--runs`` runs. Peers run with our OSC plugin
blocked (``sys.modules['migabortclient.osc.plugin'] = None``), so OSC's
built-in commands are what they measure. A table goes to stdout, raw
figures to ``bench/results/latest.json``. Benchmarks measure; they never
fail: the exit status is 0 even when a target is missed, and 2 only for a
bad command line.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
PY = sys.executable
BIN = Path(PY).parent

OSC_BUILTIN = (
    "import sys; sys.modules['migabortclient.osc.plugin'] = None; "
    "from openstackclient import shell; sys.exit(shell.main(sys.argv[1:]))"
)
OSC_PLUGIN = (
    "import sys; from openstackclient import shell; "
    "sys.exit(shell.main(sys.argv[1:]))"
)
# OSC's built-in abort needs the microversion on the command line.
OSC_ABORT_VERSION = ("--os-compute-api-version", "2.24")
SECTIONS = ("requests", "wall", "listing", "abort_all", "throughput")
# Opt-in: run only when named with --only.
EXTRA_SECTIONS = ("instructions",)
SUBPROCESS_TIMEOUT = 600
PACKAGES = (
    "migabortclient",
    "keystoneauth1",
    "cliff",
    "osc-lib",
    "python-openstackclient",
    "openstacksdk",
    "python-novaclient",
    "requests",
)


# -- running things --------------------------------------------------------
def script(name: str, module: str) -> list[str]:
    """A console script of this environment, or ``python -m`` if absent."""
    path = BIN / name
    if path.exists():
        return [str(path)]
    return [PY, "-m", module]


def migabort() -> list[str]:
    return script("migabort", "migabortclient.shell")


def migabort_nova() -> list[str]:
    return script("migabort-nova", "migabortclient.nova_shim")


def nova() -> list[str]:
    return script("nova", "novaclient.shell")


def osc(plugin: bool) -> list[str]:
    return [PY, "-c", OSC_PLUGIN if plugin else OSC_BUILTIN]


class Runner:
    """Runs child processes with the reference Nova's OS_* environment."""

    def __init__(self, ref: Any) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(ref.env("admin"))
        # Never the developer's clouds.yaml; bytecode caching on, as on an
        # operator's machine (tox's PYTHONDONTWRITEBYTECODE would make every
        # run compile the project's own modules again).
        env["OS_CLIENT_CONFIG_FILE"] = "/dev/null"
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env = env
        self._secrets = [u.password for u in ref.cloud.users.values()]

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def run(
        self, argv: Sequence[str], stdin: str | None = None
    ) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                list(argv),
                env=self.env,
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=SUBPROCESS_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {
                "seconds": time.perf_counter() - start,
                "rc": None,
                "stdout": "",
                "error": f"timed out after {SUBPROCESS_TIMEOUT}s",
            }
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # The child's own CPU time (user + system): this process runs one
        # child at a time, so the difference is that child's. Less
        # sensitive to other load on the machine than the wall time.
        cpu = (after.ru_utime + after.ru_stime) - (
            usage.ru_utime + usage.ru_stime
        )
        result: dict[str, Any] = {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "rc": proc.returncode,
            "stdout": self.scrub(proc.stdout),
            "stderr": self.scrub(proc.stderr),
        }
        if proc.returncode != 0:
            tail = self.scrub(proc.stderr or proc.stdout).strip()
            result["error"] = tail.splitlines()[-1][:300] if tail else ""
        return result


def stats(values: Sequence[float]) -> dict[str, Any] | None:
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "values": list(values),
    }


def interleaved(
    runner: Runner,
    commands: dict[str, list[str]],
    runs: int,
    warmup: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Run every command once per round, in a shuffled order per round."""
    labels = list(commands)
    times: dict[str, list[float]] = {k: [] for k in labels}
    cpu: dict[str, list[float]] = {k: [] for k in labels}
    errors: dict[str, list[str]] = {k: [] for k in labels}
    for rnd in range(warmup + runs):
        order = list(labels)
        random.Random(rnd).shuffle(order)
        for label in order:
            out = runner.run(commands[label])
            if out["rc"] != 0:
                errors[label].append(out.get("error", ""))
            elif rnd >= warmup:
                times[label].append(out["seconds"])
                cpu[label].append(out["cpu_seconds"])
        log(f"  round {rnd + 1}/{warmup + runs} done")
    return {
        label: {
            "argv": _shown(commands[label]),
            "seconds": stats(times[label]),
            "cpu_seconds": stats(cpu[label]),
            "errors": errors[label][:3],
            "failed_runs": len(errors[label]),
        }
        for label in labels
    }


def _shown(argv: Sequence[str]) -> list[str]:
    shown = []
    for arg in argv:
        if arg == OSC_BUILTIN:
            arg = "<openstack, our plugin blocked>"
        elif arg == OSC_PLUGIN:
            arg = "<openstack>"
        shown.append(os.path.basename(arg) if arg in (PY,) else arg)
    return shown


# -- the reference cloud ---------------------------------------------------
def reference(seed: str | None = None) -> Any:
    from migabortclient.fixture import ReferenceNova

    return ReferenceNova(seed=seed)


def running_migration(
    cloud: Any, source: str, dest: str, name: str, realistic: bool = True
) -> tuple[Any, Any]:
    """A live migration in ``running`` that never converges.

    ``realistic``: through os-migrateLive's path (instance action and
    all), then the clock moved past queued and preparing. Otherwise the
    running row is recorded directly, which costs the simulation nothing
    when hundreds are needed at once.
    """
    from migabortclient.reference import cloud as cloud_mod

    server = cloud.add_server(
        name,
        source,
        dirty_rate_mib_s=5000.0,
        task_state=None if realistic else "migrating",
    )
    if realistic:
        mig = cloud.start_live_migration(server.id, dest=dest)
        cloud.clock.advance(cloud_mod.QUEUED_S + cloud_mod.PREPARING_S + 0.1)
        mig = cloud.get_migration(mig.id)
        assert mig.status == "running", mig.status
        return server, mig
    mig = cloud.add_migration(server.id, "live-migration", "running", dest)
    return server, mig


def finish_aborts(cloud: Any) -> None:
    from migabortclient.reference import cloud as cloud_mod

    cloud.clock.advance(cloud_mod.ROLLBACK_S + 0.1)
    cloud.sync()


def aborted(cloud: Any, mig_id: int) -> bool:
    """The abort landed: rolling back, or already cancelled."""
    with cloud.lock:
        cloud.sync()
        mig = cloud.migrations[mig_id]
        return bool(mig.status == "cancelled" or mig.rollback_at is not None)


# -- sections --------------------------------------------------------------
def section_requests(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    tools = {
        "migabort": [*migabort(), "server", "migration", "abort"],
        "openstack+plugin": [*osc(True), "server", "migration", "abort"],
        "openstack": [
            *osc(False),
            *OSC_ABORT_VERSION,
            "server",
            "migration",
            "abort",
        ],
        "migabort-nova": [*migabort_nova(), "live-migration-abort"],
        "nova": [*nova(), "live-migration-abort"],
    }
    out: dict[str, Any] = {}
    with reference() as ref:
        cloud = ref.cloud
        cloud.add_host("req-src", max_concurrent=1000)
        cloud.add_host("req-dst", max_concurrent=1000)
        runner = Runner(ref)
        for tool, argv in tools.items():
            for by in ("uuid", "name"):
                server, mig = running_migration(
                    cloud, "req-src", "req-dst", f"req-{tool}-{by}"
                )
                ident = server.id if by == "uuid" else server.name
                first = len(ref.requests)
                res = runner.run([*argv, ident, str(mig.id)])
                seen = [
                    (
                        r.method,
                        r.path.replace(server.id, "{server}").replace(
                            f"/migrations/{mig.id}", "/migrations/{id}"
                        ),
                        r.status,
                    )
                    for r in ref.requests[first:]
                    if not r.path.startswith("/identity")
                ]
                landed = aborted(cloud, mig.id)
                finish_aborts(cloud)
                out[f"{tool}/{by}"] = {
                    "tool": tool,
                    "by": by,
                    "rc": res["rc"],
                    "error": res.get("error"),
                    "seconds": res["seconds"],
                    "count": len(seen),
                    "requests": seen,
                    "abort_landed": landed,
                }
                log(
                    f"  {tool:17} by {by:4}: {len(seen)} requests, "
                    f"rc {res['rc']}, abort landed: {landed}"
                )
    return out


def _wall_commands(ref: Any) -> dict[str, list[str]]:
    web = next(s for s in ref.cloud.servers.values() if s.name == "web-1")
    listing = ("server", "migration", "list")
    return {
        "migabort list": [*migabort(), *listing],
        "openstack list": [*osc(False), *listing],
        "openstack+plugin list": [*osc(True), *listing],
        "migabort-nova server-migration-list": [
            *migabort_nova(),
            "server-migration-list",
            web.id,
        ],
        "nova server-migration-list": [
            *nova(),
            "server-migration-list",
            web.id,
        ],
        "import migabortclient.v2": [PY, "-c", "import migabortclient.v2"],
        "import keystoneauth1.session": [
            PY,
            "-c",
            "import keystoneauth1.session",
        ],
        "import migabortclient.client": [
            PY,
            "-c",
            "import migabortclient.client",
        ],
    }


def section_wall(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    with reference(seed="demo") as ref:
        runner = Runner(ref)
        commands = _wall_commands(ref)
        return interleaved(runner, commands, args.runs, args.warmup, log)


_COLLECTED = re.compile(r"Collected : (\d+)")


def section_instructions(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    """The wall section's commands once each under callgrind.

    Instructions executed do not depend on what else the machine is doing
    (unlike wall or CPU time), so their ratios are the noise-free view of
    the same comparisons. Opt-in (``--only instructions``): valgrind runs
    Python some 50 times slower, about 5 minutes in all.
    """
    if not shutil.which("valgrind"):
        return {"error": "valgrind not found"}
    out: dict[str, Any] = {}
    with reference(seed="demo") as ref:
        runner = Runner(ref)
        for label, argv in _wall_commands(ref).items():
            runner.run(argv)  # bytecode caches written, not counted
            if argv[0] != PY:
                argv = [PY, *argv]
            res = runner.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    "--callgrind-out-file=/dev/null",
                    *argv,
                ]
            )
            match = _COLLECTED.search(res.get("stderr", ""))
            out[label] = {
                "rc": res["rc"],
                "instructions": int(match.group(1)) if match else None,
                "seconds_under_valgrind": res["seconds"],
                "error": res.get("error"),
            }
            log(f"  {label}: {out[label]['instructions']} instructions")
    return out


def _seed_listing(cloud: Any, sizes: Sequence[int]) -> dict[int, str]:
    hosts = {}
    for size in sizes:
        host = f"list-{size}"
        cloud.add_host(host)
        cloud.add_host(f"{host}-dst")
        servers = [cloud.add_server(f"{host}-vm{i}", host) for i in range(100)]
        for i in range(size):
            cloud.add_migration(
                servers[i % len(servers)].id,
                "migration",
                "finished",
                dest=f"{host}-dst",
            )
        hosts[size] = host
    return hosts


def section_listing(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    sizes = (1000, 10000)
    modes = ("ours", "sdk", "raw")
    child = [PY, str(HERE / "_listing.py")]
    results: dict[str, dict[str, list[Any]]] = {}
    with reference() as ref:
        hosts = _seed_listing(ref.cloud, sizes)
        runner = Runner(ref)
        keys = [(m, s) for s in sizes for m in modes]
        for key in keys:
            results[f"{key[0]}/{key[1]}"] = {"runs": [], "errors": []}
        for rnd in range(args.warmup + args.listing_runs):
            order = list(keys)
            random.Random(rnd).shuffle(order)
            for mode, size in order:
                # Warm-up rounds: the small listing only (it warms the same
                # imports and caches, without openstacksdk's 10,000).
                if rnd < args.warmup and size != sizes[0]:
                    continue
                res = runner.run([*child, mode, hosts[size]])
                slot = results[f"{mode}/{size}"]
                if res["rc"] != 0:
                    slot["errors"].append(res.get("error", ""))
                    continue
                data = json.loads(res["stdout"].strip().splitlines()[-1])
                data["wall_seconds"] = res["seconds"]
                if data["count"] != size:
                    slot["errors"].append(
                        f"listed {data['count']} of {size} migrations"
                    )
                    continue
                if rnd >= args.warmup:
                    slot["runs"].append(data)
            log(f"  round {rnd + 1}/{args.warmup + args.listing_runs} done")
    out: dict[str, Any] = {}
    for key, slot in results.items():
        runs = slot["runs"]
        out[key] = {
            "seconds": stats([r["seconds"] for r in runs]),
            "cpu_seconds": stats([r["cpu_seconds"] for r in runs]),
            "rss_growth_mib": stats([r["rss_growth_mib"] for r in runs]),
            "rss_before_mib": stats([r["rss_before_mib"] for r in runs]),
            "wall_seconds": stats([r["wall_seconds"] for r in runs]),
            "errors": slot["errors"][:3],
        }
    return out


_LOOP = """
rc=0
py=$1; code=$2; shift 2
for pair in "$@"; do
  "$py" -c "$code" {version} server migration abort "${{pair%%:*}}" \
      "${{pair##*:}}" >/dev/null || rc=1
done
exit $rc
"""


def section_abort_all(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    count = args.abort_count
    sample = min(args.loop_sample, count)
    ours_s: list[float] = []
    loop_s: list[float] = []
    errors: list[str] = []
    loop_code = _LOOP.format(version=" ".join(OSC_ABORT_VERSION))
    with reference() as ref:
        cloud = ref.cloud
        cloud.add_host("maint-dst", max_concurrent=100000)
        runner = Runner(ref)

        def batch(tag: str, n: int) -> tuple[str, list[tuple[Any, Any]]]:
            host = f"maint-{tag}"
            cloud.add_host(host, max_concurrent=100000)
            migs = [
                running_migration(
                    cloud, host, "maint-dst", f"{host}-vm{i}", False
                )
                for i in range(n)
            ]
            cloud.sync()
            return host, migs

        def ours(tag: str, n: int) -> float | None:
            host, migs = batch(tag, n)
            res = runner.run(
                [
                    *migabort(),
                    "server",
                    "migration",
                    "abort",
                    "--host",
                    host,
                    "--all",
                    "--parallel",
                    str(args.parallel),
                    "--yes",
                ]
            )
            done = sum(aborted(cloud, m.id) for _, m in migs)
            finish_aborts(cloud)
            if res["rc"] != 0 or done != n:
                errors.append(
                    f"ours: rc {res['rc']}, {done}/{n} aborted: "
                    f"{res.get('error', '')}"
                )
                return None
            return float(res["seconds"])

        def loop(tag: str, n: int) -> float | None:
            _, migs = batch(tag, n)
            pairs = [f"{s.id}:{m.id}" for s, m in migs]
            res = runner.run(
                ["bash", "-c", loop_code, "loop", PY, OSC_BUILTIN, *pairs]
            )
            done = sum(aborted(cloud, m.id) for _, m in migs)
            finish_aborts(cloud)
            if res["rc"] != 0 or done != n:
                errors.append(
                    f"openstack loop: rc {res['rc']}, {done}/{n} aborted: "
                    f"{res.get('error', '')}"
                )
                return None
            return float(res["seconds"])

        for rnd in range(args.warmup):
            ours(f"warm{rnd}-ours", 20)
            loop(f"warm{rnd}-loop", 1)
        for rnd in range(args.abort_runs):
            steps = [
                ("ours", lambda r=rnd: ours(f"{r}-ours", count)),
                ("loop", lambda r=rnd: loop(f"{r}-loop", sample)),
            ]
            if rnd % 2:
                steps.reverse()
            for name, step in steps:
                seconds = step()
                if seconds is not None:
                    (ours_s if name == "ours" else loop_s).append(seconds)
            log(f"  round {rnd + 1}/{args.abort_runs} done")
    per_abort = [s / sample for s in loop_s]
    return {
        "migrations": count,
        "parallel": args.parallel,
        "loop_sample": sample,
        "extrapolated": sample < count,
        "ours_seconds": stats(ours_s),
        "loop_sample_seconds": stats(loop_s),
        "loop_per_abort_seconds": stats(per_abort),
        "loop_seconds_for_all": stats([p * count for p in per_abort]),
        "errors": errors[:5],
    }


def section_throughput(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    child = [PY, str(HERE / "_load.py")]
    with reference() as ref:
        cloud = ref.cloud
        cloud.add_host("load-src", max_concurrent=100000)
        cloud.add_host("load-dst", max_concurrent=100000)
        shows = [
            running_migration(cloud, "load-src", "load-dst", f"show-{i}")
            for i in range(20)
        ]
        n_aborts = args.threads * ((args.per_thread + 1) // 2)
        aborts = [
            running_migration(
                cloud, "load-src", "load-dst", f"abort-{i}", False
            )
            for i in range(n_aborts)
        ]
        cloud.sync()
        runner = Runner(ref)
        plan = {
            "threads": args.threads,
            "per_thread": args.per_thread,
            "servers": [s.id for s, _ in shows],
            "shows": [[s.id, m.id] for s, m in shows],
            "aborts": [[s.id, m.id] for s, m in aborts],
        }
        for mix in ("list", "abort"):
            first = len(ref.requests)
            res = runner.run(child, stdin=json.dumps({**plan, "mix": mix}))
            if res["rc"] != 0:
                out[mix] = {"error": res.get("error", "")}
                continue
            data = json.loads(res["stdout"].strip().splitlines()[-1])
            data["server_side_requests"] = sum(
                1
                for r in ref.requests[first:]
                if not r.path.startswith("/identity")
            )
            if mix == "abort":
                data["aborts_landed"] = sum(
                    aborted(cloud, m.id) for _, m in aborts
                )
                data["aborts_sent"] = n_aborts
            out[mix] = data
            log(
                f"  {mix}: {data['req_per_s']:.0f} req/s, "
                f"p99 {data['p99_ms']:.1f} ms, {data['statuses']}"
            )
    return out


_IMPORTTIME = re.compile(
    r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s(\s*)(\S+)$"
)


_PROFILE_RUN = """
import cProfile, json, pstats, sys
from migabortclient import shell
prof = cProfile.Profile()
code = prof.runcall(shell.main, sys.argv[1:])
stats = pstats.Stats(prof)
rows = []
for (path, line, func), (_, _, _, cum, _) in stats.stats.items():
    if func.startswith("<") or "_bootstrap" in path:
        continue
    tail = "/".join(path.split("/")[-2:])
    rows.append((cum, f"{tail}:{line}({func})"))
rows.sort(reverse=True)
total = max(st[3] for st in stats.stats.values())
print(json.dumps({"rc": code, "total_s": total,
                  "top": [[name, cum] for cum, name in rows[:25]]}))
"""


def section_profile(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    """Where our start-up goes: import self-time by package (``python -X
    importtime``) and a cProfile of ``migabort server migration list``."""
    imports = {
        "migabort server migration list": [
            *migabort(),
            "server",
            "migration",
            "list",
        ],
        "migabort-nova --help": [*migabort_nova(), "--help"],
        "import migabortclient.client": [
            PY,
            "-c",
            "import migabortclient.client",
        ],
        "openstack server migration list": [
            *osc(False),
            "server",
            "migration",
            "list",
        ],
    }
    out: dict[str, Any] = {}
    with reference(seed="demo") as ref:
        runner = Runner(ref)
        for name, argv in imports.items():
            if argv[0] != PY:
                argv = [PY, *argv]
            res = runner.run([PY, "-X", "importtime", *argv[1:]])
            by_package: dict[str, int] = {}
            total = 0
            for line in res.get("stderr", "").splitlines():
                match = _IMPORTTIME.match(line)
                if not match:
                    continue
                self_us, _, _, module = match.groups()
                total += int(self_us)
                package = module.split(".")[0]
                by_package[package] = by_package.get(package, 0) + int(self_us)
            ranked = sorted(by_package.items(), key=lambda kv: -kv[1])[:15]
            out[f"imports: {name}"] = {
                "rc": res["rc"],
                "total_import_ms": total / 1000,
                "self_ms_by_package": {k: v / 1000 for k, v in ranked},
            }
            log(
                f"  imports of {name}: {total / 1000:.0f} ms; "
                + ", ".join(f"{k} {v / 1000:.0f}" for k, v in ranked[:6])
            )
        res = runner.run(
            [PY, "-c", _PROFILE_RUN, "server", "migration", "list"]
        )
        try:
            data = json.loads(res["stdout"].strip().splitlines()[-1])
        except (ValueError, IndexError):
            data = {"error": res.get("error", "no output")}
        out["cprofile: migabort server migration list"] = data
        for func, cum in data.get("top", [])[:25]:
            log(f"  cProfile {cum * 1000:6.0f} ms  {func}")
    return out


# -- the table -------------------------------------------------------------
def _med(entry: dict[str, Any] | None) -> float | None:
    return None if not entry else float(entry["median"])


def _fmt_s(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "n/a"
    return f"{entry['median']:.3f}s ({entry['min']:.3f}-{entry['max']:.3f})"


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _met(value: float | None, ok: Callable[[float], bool]) -> str:
    if value is None:
        return "n/a"
    return "yes" if ok(value) else "NO"


def figures(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(
        figure: str,
        ours: str,
        peer: str,
        ratio: float | None,
        target: str,
        met: str,
    ) -> None:
        rows.append(
            {
                "figure": figure,
                "ours": ours,
                "peer": peer,
                "ratio": ratio,
                "target": target,
                "met": met,
            }
        )

    req = results.get("requests")
    if isinstance(req, dict) and "error" not in req:

        def count(key: str) -> int | None:
            entry = req.get(key)
            if not entry or entry["rc"] != 0 or not entry["abort_landed"]:
                return None
            return int(entry["count"])

        def show(key: str) -> str:
            entry = req.get(key)
            if not entry:
                return "n/a"
            if entry["rc"] != 0 or not entry["abort_landed"]:
                return f"failed (rc {entry['rc']})"
            return str(entry["count"])

        for by, limit in (("uuid", 2), ("name", 3)):
            ours = count(f"migabort/{by}")
            peer = (
                f"openstack {show(f'openstack/{by}')}, "
                f"nova {show(f'nova/{by}')}"
            )
            osc_n = count(f"openstack/{by}")
            row(
                f"requests: abort <server-{by}> <id> (migabort)",
                show(f"migabort/{by}"),
                peer,
                _ratio(ours, osc_n),
                f"<= {limit}",
                _met(ours, lambda v, lim=limit: v <= lim),
            )
            for tool in ("openstack+plugin", "migabort-nova"):
                mine = count(f"{tool}/{by}")
                row(
                    f"requests: abort <server-{by}> <id> ({tool})",
                    show(f"{tool}/{by}"),
                    peer,
                    _ratio(mine, osc_n),
                    f"<= {limit}",
                    _met(mine, lambda v, lim=limit: v <= lim),
                )
    wall = results.get("wall")
    if isinstance(wall, dict) and "error" not in wall:

        def sec(label: str, kind: str = "seconds") -> dict[str, Any] | None:
            entry = wall.get(label)
            return entry.get(kind) if entry else None

        for figure, ours_l, peer_l, limit in (
            (
                "wall: server migration list, migabort vs openstack",
                "migabort list",
                "openstack list",
                0.25,
            ),
            (
                "wall: our plugin in openstack vs OSC built-in",
                "openstack+plugin list",
                "openstack list",
                1.05,
            ),
            (
                "wall: migabort-nova vs nova server-migration-list",
                "migabort-nova server-migration-list",
                "nova server-migration-list",
                0.6,
            ),
            (
                "wall: import migabortclient.v2 vs keystoneauth1.session",
                "import migabortclient.v2",
                "import keystoneauth1.session",
                1.3,
            ),
            (
                "wall: import migabortclient.client vs keystoneauth1 (info)",
                "import migabortclient.client",
                "import keystoneauth1.session",
                1.3,
            ),
        ):
            ratio = _ratio(_med(sec(ours_l)), _med(sec(peer_l)))
            row(
                figure,
                _fmt_s(sec(ours_l)),
                _fmt_s(sec(peer_l)),
                ratio,
                f"<= {limit}",
                _met(ratio, lambda v, lim=limit: v <= lim),
            )
            # The same runs' CPU time (user + system): less load noise.
            cpu_ratio = _ratio(
                _med(sec(ours_l, "cpu_seconds")),
                _med(sec(peer_l, "cpu_seconds")),
            )
            row(
                "  cpu:" + figure.split(":", 1)[1],
                _fmt_s(sec(ours_l, "cpu_seconds")),
                _fmt_s(sec(peer_l, "cpu_seconds")),
                cpu_ratio,
                f"<= {limit}",
                f"info ({_met(cpu_ratio, lambda v, lim=limit: v <= lim)})",
            )
    ins = results.get("instructions")
    if isinstance(ins, dict) and "error" not in ins:

        def count_of(label: str) -> float | None:
            entry = ins.get(label) or {}
            value = entry.get("instructions")
            return None if value is None or entry.get("rc") else value

        for ours_l, peer_l, limit in (
            ("migabort list", "openstack list", 0.25),
            ("openstack+plugin list", "openstack list", 1.05),
            (
                "migabort-nova server-migration-list",
                "nova server-migration-list",
                0.6,
            ),
            ("import migabortclient.v2", "import keystoneauth1.session", 1.3),
            (
                "import migabortclient.client",
                "import keystoneauth1.session",
                1.3,
            ),
        ):
            mine, theirs = count_of(ours_l), count_of(peer_l)
            ratio = _ratio(mine, theirs)
            row(
                f"instructions: {ours_l} vs {peer_l}",
                "n/a" if mine is None else f"{mine / 1e9:.3f} G",
                "n/a" if theirs is None else f"{theirs / 1e9:.3f} G",
                ratio,
                f"<= {limit}",
                f"info ({_met(ratio, lambda v, lim=limit: v <= lim)})",
            )
    lst = results.get("listing")
    if isinstance(lst, dict) and "error" not in lst:

        def entry(mode: str, size: int, what: str) -> Any:
            slot = lst.get(f"{mode}/{size}")
            return slot.get(what) if slot else None

        # Linearity is judged on the client's own CPU time: the wall time
        # also holds the reference Nova's, which sorts every filtered row
        # for each page (superlinear, and the same for every client).
        for mode, label in (
            ("ours", "library"),
            ("sdk", "openstacksdk"),
            ("raw", "raw requests"),
        ):
            small = _med(entry(mode, 1000, "cpu_seconds"))
            large = _med(entry(mode, 10000, "cpu_seconds"))
            growth = _ratio(large, small)
            row(
                f"listing 10,000 / 1,000, client CPU ({label})",
                _fmt_s(entry(mode, 10000, "cpu_seconds")),
                _fmt_s(entry(mode, 1000, "cpu_seconds")),
                growth,
                "linear: <= 12.5",
                _met(growth, lambda v: v <= 12.5)
                if mode == "ours"
                else f"info ({_met(growth, lambda v: v <= 12.5)})",
            )
        for size in (1000, 10000):
            ours_t = entry("ours", size, "seconds")
            sdk_t = entry("sdk", size, "seconds")
            row(
                f"listing {size:,} migrations, library vs openstacksdk",
                _fmt_s(ours_t),
                _fmt_s(sdk_t),
                _ratio(_med(ours_t), _med(sdk_t)),
                "report",
                "n/a",
            )
            raw_t = entry("raw", size, "seconds")
            row(
                f"listing {size:,} migrations, library vs raw requests",
                _fmt_s(ours_t),
                _fmt_s(raw_t),
                _ratio(_med(ours_t), _med(raw_t)),
                "report (floor)",
                "n/a",
            )
            ours_m = entry("ours", size, "rss_growth_mib")
            sdk_m = entry("sdk", size, "rss_growth_mib")
            row(
                f"listing {size:,} migrations, peak RSS growth (MiB)",
                "n/a" if not ours_m else f"{ours_m['median']:.1f}",
                "n/a" if not sdk_m else f"sdk {sdk_m['median']:.1f}",
                _ratio(_med(ours_m), _med(sdk_m)),
                "< 20 MiB",
                _met(_med(ours_m), lambda v: v < 20),
            )
    ab = results.get("abort_all")
    if isinstance(ab, dict) and "error" not in ab:
        ratio = _ratio(
            _med(ab["ours_seconds"]), _med(ab["loop_seconds_for_all"])
        )
        peer = _fmt_s(ab["loop_seconds_for_all"])
        if ab["extrapolated"]:
            peer += f" (from {ab['loop_sample']})"
        row(
            f"abort --host --all --parallel {ab['parallel']}, "
            f"{ab['migrations']} migrations vs openstack loop",
            _fmt_s(ab["ours_seconds"]),
            peer,
            ratio,
            ">= 5x faster (<= 0.2)",
            _met(ratio, lambda v: v <= 0.2),
        )
    tp = results.get("throughput")
    if isinstance(tp, dict) and "error" not in tp:
        for mix in ("list", "abort"):
            data = tp.get(mix) or {}
            if "req_per_s" not in data:
                row(f"reference Nova, {mix} mix", "failed", "", None, "", "")
                continue
            row(
                f"reference Nova, {mix} mix, {data['threads']} threads",
                f"{data['req_per_s']:.0f} req/s",
                f"p99 {data['p99_ms']:.1f} ms",
                None,
                "report",
                "n/a",
            )
    return rows


def _cells(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The table's header and one row of text cells per figure."""
    return [
        ("figure", "ours", "peer", "ratio", "target", "met?"),
        *(
            (
                r["figure"],
                r["ours"],
                r["peer"],
                "" if r["ratio"] is None else f"{r['ratio']:.2f}",
                r["target"],
                r["met"],
            )
            for r in rows
        ),
    ]


def render(rows: list[dict[str, Any]]) -> str:
    head, *cells = _cells(rows)
    widths = [
        max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
        for i, h in enumerate(head)
    ]
    rule = "  ".join("-" * w for w in widths)
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append(rule)
    for c in cells:
        lines.append(
            "  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True))
        )
    return "\n".join(lines)


def render_rst(rows: list[dict[str, Any]]) -> str:
    """The same table as a reStructuredText list-table (for the docs)."""
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 34 18 22 8 14 8",
        "",
    ]
    for first, *rest in _cells(rows):
        lines.append(f"   * - {first}".rstrip())
        lines.extend(f"     - {cell}".rstrip() for cell in rest)
    return "\n".join(lines)


# -- machine and main ------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "executable": PY,
        "stevedore_cache_disabled_under_tmp": PY.startswith("/tmp"),
        "packages": versions,
    }


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument(
        "--runs", type=int, default=7, help="measured runs per command"
    )
    parser.add_argument(
        "--rst",
        type=Path,
        metavar="RESULTS",
        help="print the table of a results file (as written by --output) "
        "as a reStructuredText list-table, and measure nothing",
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="warm-up rounds (not counted)"
    )
    parser.add_argument(
        "--listing-runs",
        type=int,
        default=3,
        help="measured runs of each listing (openstacksdk's 10,000 are slow)",
    )
    parser.add_argument(
        "--abort-runs", type=int, default=3, help="measured abort --all runs"
    )
    parser.add_argument(
        "--abort-count",
        type=int,
        default=200,
        help="migrations off the host for abort --all",
    )
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument(
        "--loop-sample",
        type=int,
        default=10,
        help="aborts the openstack loop really runs per round (then "
        "extrapolated to --abort-count)",
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="load threads (throughput)"
    )
    parser.add_argument(
        "--per-thread",
        type=int,
        default=300,
        help="requests per load thread and mix (throughput)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS + EXTRA_SECTIONS,
        help="run only this section (repeatable); 'instructions' runs "
        "only when named",
    )
    parser.add_argument(
        "--no-profile",
        action="store_true",
        help="skip the -X importtime profile of our shells",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="raw figures (JSON)"
    )
    args = parser.parse_args(argv)
    for name in (
        "runs",
        "listing_runs",
        "abort_runs",
        "abort_count",
        "parallel",
        "loop_sample",
        "threads",
        "per_thread",
    ):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be 1 or more")
    if args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.rst is not None:
        print(render_rst(json.loads(args.rst.read_text())["figures"]))
        return 0

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    sections: dict[str, Callable[..., dict[str, Any]]] = {
        "requests": section_requests,
        "wall": section_wall,
        "listing": section_listing,
        "abort_all": section_abort_all,
        "throughput": section_throughput,
        "instructions": section_instructions,
    }
    chosen = args.only or list(SECTIONS)
    if PY.startswith("/tmp"):
        # stevedore turns its entry-point cache off for interpreters under
        # /tmp: every child (OSC, nova, ours) would then rescan all
        # installed distributions' entry points, about 0.1-0.25 s each.
        log(
            "warning: this Python lives under /tmp, where stevedore "
            "disables its entry-point cache; start-up figures will be "
            "inflated. Run from a checkout outside /tmp."
        )
    results: dict[str, Any] = {}
    load: dict[str, Any] = {}
    started = datetime.datetime.now(datetime.UTC)
    for name in chosen:
        log(f"[{name}] load average {os.getloadavg()[0]:.2f}")
        t0 = time.perf_counter()
        before = os.getloadavg()
        try:
            results[name] = sections[name](args, log)
        except Exception:  # never fail the suite; record why
            results[name] = {"error": traceback.format_exc()[-2000:]}
            log(f"  section {name} failed:\n{results[name]['error']}")
        load[name] = {
            "seconds": time.perf_counter() - t0,
            "loadavg_before": before,
            "loadavg_after": os.getloadavg(),
        }
    if not args.no_profile:
        log("[profile]")
        try:
            results["profile"] = section_profile(args, log)
        except Exception:
            results["profile"] = {"error": traceback.format_exc()[-2000:]}
    rows = figures(results)
    finished = datetime.datetime.now(datetime.UTC)
    report = {
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "machine": machine(),
        "config": {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
        },
        "load": load,
        "figures": rows,
        "results": results,
    }
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2) + "\n")
    except OSError as err:
        log(f"cannot write {args.output}: {err}")
    print(render(rows))
    loads = ", ".join(
        f"{k} {v['loadavg_before'][0]:.2f}->{v['loadavg_after'][0]:.2f}"
        for k, v in load.items()
    )
    print(
        f"\n{report['machine']['cpus']} CPUs, {report['machine']['cpu']}; "
        f"load average per section: {loads}; "
        f"{(finished - started).total_seconds():.0f} s in all; "
        f"raw figures: {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
