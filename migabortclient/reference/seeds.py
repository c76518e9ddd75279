"""Ready-made clouds for the reference Nova."""

from __future__ import annotations

from migabortclient.reference import cloud as cloud_mod

SEEDS = ("demo",)


def apply(cloud: cloud_mod.Cloud, seed: str | None) -> None:
    """Populate ``cloud``; ``None`` keeps it empty (users only)."""
    if seed is None:
        return
    if seed != "demo":
        raise ValueError(f"unknown seed {seed!r}; known: {', '.join(SEEDS)}")
    for name in ("compute1", "compute2", "compute3"):
        cloud.add_host(name, bandwidth_mib_s=1000, max_concurrent=1)
    # Converges: 32 GiB at 1000 MiB/s with 200 MiB/s dirtied.
    web = cloud.add_server(
        "web-1", "compute1", memory_mib=32768, dirty_rate_mib_s=200
    )
    # Never converges: the guest dirties memory faster than the link.
    db = cloud.add_server(
        "db-1", "compute2", memory_mib=16384, dirty_rate_mib_s=1500
    )
    cloud.add_server("app-1", "compute3", memory_mib=4096)
    cloud.add_server("other-1", "compute3", project="other", memory_mib=2048)
    idle = cloud.add_server("cache-1", "compute1", memory_mib=1024)
    cloud.add_migration(
        idle.id, migration_type="resize", status="finished", dest="compute2"
    )
    cloud.start_live_migration(web.id, dest="compute2")
    cloud.start_live_migration(db.id, dest="compute3")
