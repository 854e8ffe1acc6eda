"""`eden sleep`, `eden wake`, `ls` and `show` as a user runs them; `eden sleep --idle`
with CloudWatch request counts the test puts into moto and a fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from eden_world import World

from eden.aws.cloudwatch import arn_suffix
from eden.cli import main
from eden.config import write_profile
from eden.config.sleep import sleep_table
from eden.envs.engine import Engine
from eden.envs.idle import sweep
from eden.envs.sleep import Power
from eden.envs.usage import cost_view
from eden.sandbox.seed import SeedInfo
from eden.state.leases import LockPolicy, env_key, held
from eden.wiring import open_engine

pytestmark = pytest.mark.integration
NOW = 1_900_000_000.0  # the fake clock: an hour after the environments were made
MADE = NOW - 3600


@pytest.fixture
def cli_env(
    tmp_path: Path, profile_values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Path:
    path = tmp_path / "eden.toml"
    write_profile(path, "sandbox", {**profile_values, "sleep": {"waker": "127.0.0.1:18081"}})
    monkeypatch.setenv("EDEN_CONFIG", str(path))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sleep_wake_ls_show_from_the_command_line(
    cli_env: Path, seeded: SeedInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "create", "feature/cli", "--image", seeded.image_uris[0])[0] == 0
    code, out, err = run(capsys, "sleep", "feature/cli")
    assert code == 0, err
    assert "feature-cli is asleep (1 task(s) stopped" in out
    code, out, _ = run(capsys, "ls", "--no-status")
    assert code == 0 and "sleeping" in out.splitlines()[1]
    code, out, _ = run(capsys, "show", "feature-cli", "-o", "json")
    shown = json.loads(out)
    assert shown["power"] == "sleeping"
    assert shown["extra"]["sleep"]["counts"] == {"app": 1}
    # The reference's task: 0.25 vCPU, 0.5 GB, x86, in us-east-1: $0.0123425 an hour.
    assert (shown["cost"]["region"], shown["cost"]["unknown"]) == ("us-east-1", None)
    assert shown["cost"]["hourly"] == pytest.approx(0.0123425, abs=1e-6)
    code, out, err = run(capsys, "sleep", "feature-cli")
    assert code == 2 and "feature-cli is already sleeping" in err
    code, out, err = run(capsys, "wake", "feature-cli", "--timeout", "30", "-o", "json")
    assert code == 0, err
    woken = json.loads(out)
    assert woken["record"]["power"] == "awake"
    assert woken["messages"][-1] == "feature-cli is awake: requests reach its tasks again"
    code, out, err = run(capsys, "wake", "feature-cli")
    assert code == 2 and "feature-cli is awake: there is nothing to wake" in err
    code, _, err = run(capsys, "sleep", "no-such-env")
    assert code == 4 and "no environment 'no-such-env' in profile sandbox" in err
    code, _, err = run(capsys, "sleep")
    assert code == 2 and "give either NAME or --idle" in err


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked(world: World) -> Iterator[Engine]:
    """An engine on a fake clock (an hour before NOW until a test moves it), with
    idle_minutes 30."""
    profile = replace(world.engine.profile,
                      sleep=sleep_table({"waker": "127.0.0.1:18081"}, where="t"))  # fmt: skip
    with open_engine(profile, store=world.store, clients=world.clients, actor="t") as eng:
        eng.clock = eng.history.clock = FakeClock(MADE)
        yield eng


def _made_an_hour_ago(world: World, engine: Engine, branch: str) -> str:
    assert isinstance(engine.clock, FakeClock)
    engine.clock.now = MADE
    name = engine.create(branch, world.image).env
    engine.clock.now = NOW
    return name


def _requests(world: World, name: str, count: float, at: float) -> None:
    record = world.store.get("sandbox", name)
    assert record is not None
    group = str(record.services[0].target_group_arn)
    dims = [
        {"Name": "TargetGroup", "Value": arn_suffix(group, "targetgroup")},
        {"Name": "LoadBalancer", "Value": arn_suffix(record.extra["alb_arn"], "loadbalancer")},
    ]
    world.checker.clients.client("cloudwatch").put_metric_data(
        Namespace="AWS/ApplicationELB",
        MetricData=[{"MetricName": "RequestCount", "Dimensions": dims, "Value": count,
                     "Unit": "Count", "Timestamp": datetime.fromtimestamp(at, UTC)}],
    )  # fmt: skip


def test_idle_sweep_sleeps_only_the_idle_with_one_metrics_call(
    world: World, clocked: Engine
) -> None:
    busy = _made_an_hour_ago(world, clocked, "feature/busy")
    quiet = _made_an_hour_ago(world, clocked, "feature/quiet")
    stale = _made_an_hour_ago(world, clocked, "feature/stale")  # used, but 40 min ago
    pinned = _made_an_hour_ago(world, clocked, "feature/pinned")
    clocked.pin(pinned)
    fresh = clocked.create("feature/fresh", world.image).env  # made "now": not yet idle
    _requests(world, busy, 7, NOW - 5 * 60)
    _requests(world, stale, 3, NOW - 40 * 60)
    world.clients.reset_calls()

    dry = sweep(Power(clocked), now=NOW, dry_run=True)

    calls = [c.operation for c in world.clients.calls() if c.service == "cloudwatch"]
    assert calls == ["GetMetricData"]
    verdicts = {v.name: (v.idle, v.why) for v in dry.verdicts}
    assert verdicts == {
        busy: (False, "7 request(s) in 30 min"),
        quiet: (True, "no request in 30 min"),
        stale: (True, "no request in 30 min"),
        pinned: (False, "pinned"),
        fresh: (False, "awake for 0 min only"),
    }
    assert dry.slept == [] and world.store.get("sandbox", quiet).power == "awake"  # type: ignore[union-attr]

    with held(world.store, env_key("sandbox", stale), "a-deploy", LockPolicy()):
        first = sweep(Power(clocked), now=NOW, dry_run=False)  # never waits for a lease
    assert (first.slept, first.busy, first.failed) == ([quiet], [stale], {})
    done = sweep(Power(clocked), now=NOW, dry_run=False)

    assert done.slept == [stale]
    powers = {r.name: r.power for r in world.store.list_envs("sandbox")}
    assert powers == {busy: "awake", quiet: "sleeping", stale: "sleeping", pinned: "awake",
                      fresh: "awake"}  # fmt: skip
    again = sweep(Power(clocked), now=NOW, dry_run=True)
    assert {v.name: v.why for v in again.verdicts}[quiet] == "already sleeping"


def test_outside_office_hours_the_sweep_sleeps_without_reading_metrics(
    world: World, clocked: Engine
) -> None:
    schedule = {"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"],
                "from": "08:00", "to": "19:00"}  # fmt: skip
    clocked.profile = replace(clocked.profile, sleep=sleep_table(
        {"waker": "127.0.0.1:18081", "schedule": schedule}, where="t"))  # fmt: skip
    used = _made_an_hour_ago(world, clocked, "feature/used")  # NOW is a Sunday evening
    woken = _made_an_hour_ago(world, clocked, "feature/woken")
    _requests(world, used, 50, NOW - 60)  # busy, but office hours are over
    power = Power(clocked)
    power.sleep(woken)
    power.wake(woken)
    assert power.wait_awake(woken, timeout=10)  # by hand: it stays up until Monday 08:00
    world.clients.reset_calls()

    done = sweep(power, now=NOW, dry_run=False)

    assert [c.operation for c in world.clients.calls() if c.service == "cloudwatch"] == []
    assert done.slept == [used]
    assert {v.name: v.why for v in done.verdicts}[woken] == (
        "woken by hand: awake until office hours change")
    assert world.store.get("sandbox", used).power == "sleeping"  # type: ignore[union-attr]


def test_cost_so_far_and_saved_follow_the_task_history(world: World, clocked: Engine) -> None:
    """Created at MADE with 1 task (0.25 vCPU, 0.5 GB: $0.0123425 an hour in us-east-1),
    asleep from NOW (after 1 h) for 3 h, then awake 30 min: 1.5 task-hours ran
    ($0.01851375) and 3 were saved ($0.0370275)."""
    name = _made_an_hour_ago(world, clocked, "feature/priced")
    assert isinstance(clocked.clock, FakeClock)
    power = Power(clocked)
    power.sleep(name)
    clocked.clock.now = NOW + 3 * 3600
    power.wake(name)
    assert power.wait_awake(name, timeout=10)
    record = world.store.get("sandbox", name)
    assert record is not None

    shown = cost_view(record, clocked.profile, NOW + 3.5 * 3600)

    assert shown["task_hours"] == 1.5
    assert shown["dollars"] == pytest.approx(0.01851375, abs=1e-6)
    assert shown["saved_dollars"] == pytest.approx(0.0370275, abs=1e-6)
    assert [p[1]["app"]["n"] for p in record.extra["usage"]["points"]] == [1, 0, 1]


def test_pre_wake_wakes_at_the_start_of_office_hours(world: World, clocked: Engine) -> None:
    """NOW is a Sunday evening in Berlin: the sweep puts the environment to sleep; the
    first sweep after Monday 08:00 wakes it (pre_wake = true) and, its targets healthy,
    points its rule back."""
    schedule = {"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"],
                "from": "08:00", "to": "19:00", "pre_wake": True}  # fmt: skip
    clocked.profile = replace(clocked.profile, sleep=sleep_table(
        {"waker": "127.0.0.1:18081", "schedule": schedule}, where="t"))  # fmt: skip
    name = _made_an_hour_ago(world, clocked, "feature/morning")
    power = Power(clocked)
    assert sweep(power, now=NOW, dry_run=False).slept == [name]
    monday = datetime(2030, 3, 18, 8, 5, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()
    assert isinstance(clocked.clock, FakeClock)
    clocked.clock.now = monday

    assert sweep(power, now=monday, dry_run=True).pre_wake == [name]
    done = sweep(power, now=monday, dry_run=False)

    assert (done.woken, done.finished, done.failed) == ([name], [name], {})
    record = world.store.get("sandbox", name)
    assert record is not None and record.power == "awake"
    assert record.extra["last_woken_by"] == "the schedule (pre_wake)"
    assert sweep(power, now=monday + 60, dry_run=True).pre_wake == []  # once
