"""`eden sandbox up | down`: start the local AWS stand-in, seed it once, write its profile.

The server process lives in ``eden.sandbox.server``, the stack in ``eden.sandbox.stack``
and the calls that make it in ``eden.sandbox.seed``; this module puts them in order.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eden import config
from eden.sandbox import plane_files, server
from eden.sandbox.seed import add_shared_albs, sandbox_clients, seed
from eden.sandbox.stack import PROFILE_NAME, SeedInfo, sandbox_profile_values, sandbox_state_path


def load_seed() -> SeedInfo | None:
    """What the running sandbox was seeded with, or None (not running, or not seeded yet).

    A seed recorded for a server that has died describes nothing any more, so the
    server is checked first (which also clears its stale record).
    """
    if server.status() is None:
        return None
    raw = server.read_seed()
    return SeedInfo.from_dict(raw) if raw is not None else None


def up(
    config_path: Path,
    port: int | None = None,
    albs: int = 1,
    settings: Mapping[str, str] | None = None,
    waker_port: int | None = None,
) -> tuple[server.ServerInfo, SeedInfo]:
    """Start (or reuse) the sandbox, seed it once, and write the ``sandbox`` profile.

    Seeding happens only when the running server has no recorded seed, so a second
    ``up`` keeps the environments eden created in the first one. ``albs``: how many
    shared ALBs the profile's pool has (a second ``up`` can grow it, never shrink it).
    ``settings`` are the new server's environment variables (see ``moto_server``); a
    running one keeps its own. ``waker_port``: where `eden serve` runs the waker, written
    as the profile's ``[sleep] waker`` (default: the port the profile has, else a free one).
    """
    info = server.start(port, env=settings)
    seeded = load_seed()
    if seeded is None:
        seeded = seed(sandbox_clients(info.endpoint_url))
        server.save_seed(seeded.as_dict())
    if albs > max(1, len(seeded.pool_listener_arns)):
        seeded = add_shared_albs(sandbox_clients(info.endpoint_url), seeded, albs)
        server.save_seed(seeded.as_dict())
    values = sandbox_profile_values(seeded, info.endpoint_url)
    values["sleep"] = {"waker": f"127.0.0.1:{waker_port or _waker_port(config_path)}"}
    config.build_profile(PROFILE_NAME, values, where=f"{config_path} [profiles.{PROFILE_NAME}]")
    make_default = "default_profile" not in config.read_file(config_path)
    config.write_profile(config_path, PROFILE_NAME, values, default=make_default)
    return info, seeded


def _waker_port(config_path: Path) -> int:
    """The sandbox profile's waker port, kept across `up`s; a free port the first time."""
    profiles = config.read_file(config_path).get("profiles", {})
    waker = str((profiles.get(PROFILE_NAME, {}).get("sleep") or {}).get("waker", ""))
    if waker.startswith("127.0.0.1:") and waker.rsplit(":", 1)[1].isdigit():
        return int(waker.rsplit(":", 1)[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def plane(info: server.ServerInfo | None = None) -> dict[str, Any] | None:
    """The running sandbox's router and local tasks (None when it is not running)."""
    info = info or server.status()
    return plane_files.read(info.pid) if info is not None else None


def down() -> bool:
    """Stop the sandbox; everything it held is gone with it, its local tasks too (also
    those a crashed sandbox left behind). False when no server was running."""
    stopped = server.stop()
    plane_files.sweep()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sandbox_state_path()}{suffix}").unlink(missing_ok=True)
    return stopped
