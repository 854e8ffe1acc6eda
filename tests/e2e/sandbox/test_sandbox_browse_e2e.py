"""``eden sandbox up``, then browse an environment through the router, then ``down``.

A real ``eden sandbox up`` (the CLI, which starts moto with its data plane in the
background), eden's engine in-process for the environment, boto3 for the scale-out, and
``eden sandbox down``. All files live under tmp_path (XDG dirs and the config).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_e2e_helpers import HOST, NGINX, get, page_showing, running, task_pids, wait_for

from eden import config
from eden.sandbox import lifecycle, plane_files, procs
from eden.sandbox.seed import sandbox_clients
from eden.wiring import open_engine

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NGINX is None, reason="nginx binary not installed (apt nginx-light)"),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A private data dir and config for the CLI and this process; the sandbox (and any
    task it left) is stopped after the test whatever happened."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("EDEN_CONFIG", str(tmp_path / "eden.toml"))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    try:
        yield dict(os.environ)
    finally:
        lifecycle.down()


def eden(env: dict[str, str], *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "eden", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"eden {' '.join(args)}: {done.stdout}{done.stderr}"
    return json.loads(done.stdout) if "json" in args else done.stdout


def test_browse_deploy_scale_and_delete_an_environment(home: dict[str, str]) -> None:
    eden(home, "sandbox", "up", "-o", "json")
    status = eden(home, "sandbox", "status", "-o", "json")
    router, image, new_image = (
        status["router"]["url"],
        status["seed"]["image_uris"][0],
        status["seed"]["image_uris"][1],
    )
    assert router.startswith("http://127.0.0.1:")
    assert status["local_tasks"]["on"] is True
    profile = config.load_profile("sandbox")
    ecs = sandbox_clients(status["endpoint_url"]).client("ecs")
    seen: set[int] = set()

    with open_engine(profile, actor="test") as engine:
        engine.create("feature/login", image, ready_timeout=30)
        page = wait_for("feature-login's page", page_showing(router, HOST))
        assert (page.field("environment"), page.field("image")) == ("feature-login", image)
        seen |= task_pids(plane_files.tasks_dir())

        engine.create("feature/login", new_image, ready_timeout=30)  # a deploy
        wait_for("the new image's page", page_showing(router, HOST, image=new_image))
        seen |= task_pids(plane_files.tasks_dir())

        ecs.update_service(cluster="sandbox", service="eden-feature-login", desiredCount=2)

        def two_tasks_in_turn() -> list[str] | None:
            ids = [get(router, HOST).field("task") or "" for _ in range(4)]
            alternating = ids[0] != ids[1] and ids[0] == ids[2] and ids[1] == ids[3]
            return ids if alternating else None

        wait_for("two tasks answering in turn", two_tasks_in_turn)
        seen |= task_pids(plane_files.tasks_dir())

        engine.delete("feature/login")
        gone = get(router, HOST)
        assert (gone.status, gone.body) == (404, "no environment here")

    server_pid = status["pid"]
    assert len(seen) == 4  # the reference's task, v1's, v2's two
    eden(home, "sandbox", "down")
    assert running(seen) == set()
    assert not procs.alive(server_pid)
    assert not plane_files.plane_path().exists()


def test_down_stops_the_tasks_of_a_sandbox_that_crashed(home: dict[str, str]) -> None:
    info, _seed = lifecycle.up(Path(home["EDEN_CONFIG"]))
    tasks = wait_for("the reference service's task", lambda: task_pids(plane_files.tasks_dir()))

    os.kill(info.pid, signal.SIGKILL)  # no chance to stop its tasks
    assert procs.wait_gone(info.pid, 10), "the sandbox server did not die"
    assert running(tasks) == tasks  # orphaned, still serving

    lifecycle.down()
    assert running(tasks) == set()
    assert list(plane_files.tasks_dir().iterdir()) == []
