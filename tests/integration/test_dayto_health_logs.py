"""Day two against moto: why an environment fails (show, ls), create --wait failing fast,
and its logs (CloudWatch Logs events written by the test; --since, --grep, follow).

moto starts no tasks and calls every target healthy, so the tests put tasks (with AWS's
stop reasons) and target health into moto's own objects (``moto_tasks``).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from eden_world import World

from eden.cli import main
from eden.config import write_profile
from eden.envs.logs import LogLine
from eden.envs.observe import Observer
from eden.errors import AwsError, NotReady
from eden.sandbox.aws_model import Model
from moto_tasks import add_task, set_target_health, target_health_overrides

pytestmark = pytest.mark.integration

SERVICE = "eden-feature-x"
PULL = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
    "resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:nope: not found"
)
ELB = "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:x)"
OOM = "OutOfMemoryError: Container killed due to memory usage"
EXITED = "Essential container in task exited"


@pytest.fixture
def cli(tmp_path: Path, profile_values: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    path = tmp_path / "eden.toml"
    write_profile(path, "sandbox", profile_values)
    monkeypatch.setenv("EDEN_CONFIG", str(path))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)

    def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_show_and_ls_say_why_tasks_stopped_and_targets_are_unhealthy(
    world: World, cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world.engine.create("feature/x", world.image)
    cluster = world.seed.cluster
    add_task(cluster, SERVICE)  # the one that runs
    causes = [
        (PULL, "TaskFailedToStart", {"app": (None, PULL)}, 50),
        (EXITED, "EssentialContainerExited", {"app": (1, None)}, 40),
        (ELB, "ServiceSchedulerInitiated", {}, 30),
        (EXITED, "EssentialContainerExited", {"app": (137, OOM)}, 20),
    ]
    for reason, code, exits, ago in causes:
        add_task(
            cluster,
            SERVICE,
            status="STOPPED",
            stopped_reason=reason,
            stop_code=code,
            exits=exits,
            ago=ago,
        )
    record = world.store.get("sandbox", "feature-x")
    assert record is not None
    with target_health_overrides():
        ids = set_target_health(
            record.services[0].target_group_arn or "",
            "unhealthy",
            "Target.ResponseCodeMismatch",
            "Health checks failed with these codes: [502]",
        )
        code, out, _ = cli(capsys, "show", "feature/x", "-o", "json")
        assert code == 0
        health = json.loads(out)["health"]
        assert (health["verdict"], health["desired"], health["running"]) == ("unhealthy", 1, 1)
        assert [t["stop"]["kind"] for t in health["stopped_tasks"]] == [
            "out_of_memory",
            "elb_health_check",
            "exit_code",
            "pull_image",
        ]
        assert [t["reason"] for t in health["targets"]] == ["Target.ResponseCodeMismatch"]
        code, text, _ = cli(capsys, "show", "feature/x")
        code_ls, listed, _ = cli(capsys, "ls", "-o", "json")
        code_ls_text, table, _ = cli(capsys, "ls")
    assert code == 0
    target = f"{ids[0]}:8080 unhealthy: the health check got an HTTP status it does not accept"
    assert f"    target:    {target} (Target.ResponseCodeMismatch: Health checks failed" in text
    for words in (
        "container app ran out of memory (OutOfMemoryError, exit code 137)",
        "failed the load balancer's health checks (target-group arn:aws:elasticloadbalancing:x)",
        "essential container app exited with code 1",
        "the image could not be pulled (CannotPullContainerError): pull image manifest",
    ):
        assert words in text
    assert "    tasks:     1 running, 0 pending, 1 desired; rollout COMPLETED" in text
    assert code_ls == 0 and code_ls_text == 0
    listed = json.loads(listed)
    assert listed[0]["health"]["verdict"] == "unhealthy"
    assert listed[0]["drift"] == {"drifted": False, "summary": "matches the reference"}
    assert "HEALTH" in table and "unhealthy 1/1 running: target" in table


def test_create_wait_fails_fast_with_the_reason_when_tasks_cannot_start(
    world: World, aws_model_timings: Model
) -> None:
    aws_model_timings.start_seconds = 3600  # the tasks never come up
    polls: list[str] = []

    def progress(verdict: Any, _waited: float) -> None:
        polls.append(verdict.summary())
        if len(polls) == 1:  # ECS tries twice, and the image is not there either time
            for ago in (5, 1):
                add_task(
                    world.seed.cluster,
                    SERVICE,
                    status="STOPPED",
                    stopped_reason=PULL,
                    stop_code="TaskFailedToStart",
                    exits={"app": (None, PULL)},
                    ago=ago,
                )

    with pytest.raises(
        NotReady,
        match=r"eden-feature-x cannot start: 2 tasks stopped: the "
        r"image could not be pulled \(CannotPullContainerError\)",
    ) as info:
        world.engine.create("feature/x", world.image, ready_timeout=600, on_ready=progress)
    assert len(polls) == 2  # the second look, not ten minutes of them
    assert polls[-1].startswith("failing: 2 tasks stopped")
    assert "eden logs" in (info.value.hint or "")


def _put(world: World, stream: str, lines: list[tuple[float, str]]) -> None:
    logs = world.checker.clients.client("logs")
    try:
        logs.create_log_stream(logGroupName="/ecs/api", logStreamName=stream)
    except AwsError as exc:
        if exc.code != "ResourceAlreadyExistsException":
            raise
    events = [{"timestamp": int(at * 1000), "message": text} for at, text in lines]
    logs.put_log_events(logGroupName="/ecs/api", logStreamName=stream, logEvents=events)


def test_logs_of_the_environments_tasks_with_since_grep_and_bad_input(
    world: World, cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    world.engine.create("feature/x", world.image)
    cluster, now = world.seed.cluster, time.time()
    running = add_task(cluster, SERVICE)
    crashed = add_task(
        cluster,
        SERVICE,
        status="STOPPED",
        stopped_reason=EXITED,
        stop_code="EssentialContainerExited",
        exits={"app": (1, None)},
    )
    _put(world, f"app/app/{running}", [(now - 1200, "old line"), (now - 5, "GET /healthz 200")])
    _put(world, f"app/app/{crashed}", [(now - 60, "ERROR cannot connect to db")])
    _put(world, "app/app/0000aaaa-reference-task", [(now - 3, "ERROR the reference's line")])

    code, out, err = cli(capsys, "logs", "feature/x", "--since", "10m")
    assert code == 0, err
    assert [line.split(" ", 2)[1:] for line in out.splitlines()] == [
        [f"app/{crashed[:8]}", "ERROR cannot connect to db"],
        [f"app/{running[:8]}", "GET /healthz 200"],
    ]
    assert "note: container log-router has no log configuration" in err
    code, out, _ = cli(
        capsys, "logs", "feature/x", "--since", "1h", "--grep", "ERROR", "-o", "json"
    )
    assert code == 0
    assert [(x["task"], x["message"]) for x in json.loads(out)["lines"]] == [
        (crashed, "ERROR cannot connect to db")
    ]
    code, out, _ = cli(capsys, "logs", "feature/x", "--since", "30m")
    assert code == 0 and out.splitlines()[0].endswith("old line")

    for args, fragment in [
        (["--since", "yesterday"], "--since 'yesterday' is neither a duration nor a time"),
        (["--service", "web"], "feature-x has no service 'web'"),
        (["--container", "nope"], "feature-x has no container 'nope'"),
        (
            ["--container", "log-router"],
            "eden cannot read the logs of feature-x: container log-router has no log configuration",
        ),
    ]:
        code, _, err = cli(capsys, "logs", "feature/x", *args)
        assert (code, fragment in err) == (2, True), err
    world.checker.clients.client("logs").delete_log_group(logGroupName="/ecs/api")
    code, _, err = cli(capsys, "logs", "feature/x")
    assert code == 4 and "error: log group /ecs/api does not exist in us-east-1" in err


def test_follow_prints_new_lines_once_and_finds_new_tasks(world: World) -> None:
    world.engine.create("feature/x", world.image)
    cluster, now = world.seed.cluster, time.time()
    first = add_task(cluster, SERVICE)
    _put(world, f"app/app/{first}", [(now - 30, "before")])
    observer = Observer(world.engine)
    reader, _notes, _td = observer.logs(observer.find("feature/x"))
    seen: list[LogLine] = []
    polls = [0]
    clock = [now]

    def sleep(_seconds: float) -> None:  # between polls: the app logs, a task starts
        polls[0] += 1
        clock[0] += 11  # past the look for new tasks
        if polls[0] == 1:
            second = add_task(cluster, SERVICE)
            _put(world, f"app/app/{first}", [(time.time() - 1, "after")])
            _put(world, f"app/app/{second}", [(time.time(), "from the new task")])

    reader.clock = lambda: clock[0]
    reader.sleep = sleep
    reader.follow(now - 600, seen.append, stop=lambda: polls[0] >= 3, grep=None)
    assert [line.message for line in seen] == ["before", "after", "from the new task"]


def test_cli_follow_prints_lines_as_they_come_until_interrupted(
    world: World, tmp_path: Path, profile_values: dict[str, Any]
) -> None:
    world.engine.create("feature/x", world.image)
    task = add_task(world.seed.cluster, SERVICE)
    stream = f"app/app/{task}"
    _put(world, stream, [(time.time() - 5, "first")])
    config = tmp_path / "eden.toml"
    write_profile(config, "sandbox", profile_values)
    env = {**os.environ, "EDEN_CONFIG": str(config)}
    env.pop("EDEN_PROFILE", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from eden.cli import run; run()", "logs", "feature/x", "-f",
         "--grep", "i"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    try:
        assert _next_line(proc).endswith(f"app/{task[:8]} first")
        _put(world, stream, [(time.time(), "no match here"), (time.time(), "third")])
        assert _next_line(proc).endswith(f"app/{task[:8]} third")
        proc.send_signal(signal.SIGINT)
        # Both pipes are drained while it stops: a process blocked writing to a full pipe
        # nobody reads would never exit.
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert err == (  # a quiet stop: no "aborted", no traceback
            "note: container log-router has no log configuration: ECS keeps none of its output\n"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _next_line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The next line the process prints; fails saying what it waited for."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, f"eden logs -f printed no line within {timeout:.0f}s"
    return proc.stdout.readline().rstrip("\n")
