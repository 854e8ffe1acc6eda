"""What the sandbox's data plane leaves on disk: its address, and its tasks' pids.

The data plane runs inside the background moto server (``moto_server``), so the CLI
learns the router's address from ``plane.json``, written by that process once the router
listens and stamped with its pid (a file left by a server that died describes nothing).
Each local task has a ``tasks/<id>/task.json`` with its pid: ``sweep`` stops the tasks a
crashed sandbox left behind. Nothing here imports moto, so ``eden sandbox status`` and
``down`` stay quick.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eden import paths
from eden.sandbox import nginx_task

PLANE_FILE = "plane.json"


def state_dir() -> Path:
    """The data plane's directory (its tasks live in ``tasks/`` under it)."""
    return paths.sandbox_dir()


def plane_path() -> Path:
    return state_dir() / PLANE_FILE


def tasks_dir() -> Path:
    return state_dir() / "tasks"


def write(info: Mapping[str, Any]) -> None:
    """Atomically, so a concurrent reader never sees half a file."""
    path = plane_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def read(server_pid: int) -> dict[str, Any] | None:
    """What the data plane of the server ``server_pid`` wrote; None for another's."""
    try:
        data = json.loads(plane_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("pid") != server_pid:
        return None
    data["local_tasks"] = dict(data.get("local_tasks") or {})
    data["local_tasks"]["running"] = len(nginx_task.live_pids(tasks_dir()))
    return data


def sweep() -> list[int]:
    """Stop every local task still running (a crashed sandbox's) and forget the plane."""
    stopped = nginx_task.sweep(tasks_dir())
    with contextlib.suppress(FileNotFoundError):
        plane_path().unlink()
    return stopped
