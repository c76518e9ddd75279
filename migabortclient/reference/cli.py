"""``migabort-reference-nova``: run the reference Nova standalone."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from migabortclient.reference import app as app_mod
from migabortclient.reference import cloud as cloud_mod
from migabortclient.reference import faults as faults_mod
from migabortclient.reference import seeds
from migabortclient.reference import server as server_mod

LOG = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migabort-reference-nova",
        description=(
            "Run the bundled reference Nova (compute API 2.1-2.104 and a "
            "Keystone v3 front) on 127.0.0.1, with a clock that follows "
            "real time."
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port on 127.0.0.1 (default: a free port)",
    )
    parser.add_argument(
        "--seed",
        choices=seeds.SEEDS,
        default=None,
        help="populate the cloud (demo: 3 hosts, servers, 2 live migrations)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="clock speed-up factor (default 1.0: real time)",
    )
    parser.add_argument(
        "--policy-file",
        default=None,
        help="YAML policy file overriding Nova 34's defaults",
    )
    parser.add_argument(
        "--user",
        default="admin",
        help="user whose credentials are printed (default: admin)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="log every request"
    )
    return parser


def banner(url: str, cloud: cloud_mod.Cloud, user: str) -> str:
    """How to point ``openstack``/``migabort`` at the server."""
    record = cloud.users[user]
    project = cloud.projects[record.project_id].name
    auth_url = f"{url}/identity/v3"
    lines = [
        f"Reference Nova listening on {url} (compute {url}/v2.1)",
        "",
        "# Shell:",
        f"export OS_AUTH_URL={auth_url}",
        f"export OS_USERNAME={record.name}",
        f"export OS_PASSWORD={record.password}",
        f"export OS_PROJECT_NAME={project}",
        "export OS_USER_DOMAIN_NAME=Default",
        "export OS_PROJECT_DOMAIN_NAME=Default",
        "export OS_AUTH_TYPE=password",
        "export OS_IDENTITY_API_VERSION=3",
        f"export OS_REGION_NAME={app_mod.REGION}",
        "",
        "# or clouds.yaml (then: export OS_CLOUD=reference):",
        "clouds:",
        "  reference:",
        "    auth:",
        f"      auth_url: {auth_url}",
        f"      username: {record.name}",
        f"      password: {record.password}",
        f"      project_name: {project}",
        "      user_domain_name: Default",
        "      project_domain_name: Default",
        f"    region_name: {app_mod.REGION}",
        "    identity_api_version: 3",
        "",
        "Users: " + ", ".join(sorted(cloud.users)) + " (password: "
        "<user>-password). Test credentials only: loopback, in memory.",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    if args.speed <= 0:
        print("--speed must be positive", file=sys.stderr)
        return 2
    cloud = cloud_mod.Cloud(clock=cloud_mod.RealTimeClock(args.speed))
    seeds.apply(cloud, args.seed)
    if args.user not in cloud.users:
        print(f"unknown user {args.user}", file=sys.stderr)
        return 2
    nova = app_mod.NovaApp(
        cloud, faults=faults_mod.Faults(), policy_file=args.policy_file
    )
    try:
        server = server_mod.ReferenceServer(nova, port=args.port)
    except OSError as err:
        print(
            f"cannot listen on 127.0.0.1:{args.port}: {err}", file=sys.stderr
        )
        return 1
    nova.base_url = server.url
    print(banner(server.url, cloud, args.user), flush=True)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    server.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
