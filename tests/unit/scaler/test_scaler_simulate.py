"""The simulator's model and scores, and the shipped traces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eden.errors import UsageError
from eden.scaler.governor import Bounds
from eden.scaler.policy_registry import make_policy
from eden.scaler.simulate import SimResult, SimSettings, simulate
from eden.scaler.target_tracking import TargetSettings
from eden.scaler.traces import BUILTIN, Trace, builtin_trace, load_trace

SHIPPED = Path(__file__).resolve().parents[3] / "traces"


def run(trace: Trace, policy: str, **sim: float) -> SimResult:
    return simulate(trace, make_policy(policy, TargetSettings(target=140), Bounds(1, 100)),
                    SimSettings(**sim))


@pytest.mark.parametrize("name", list(BUILTIN))
def test_shipped_traces_match_the_generator(name: str) -> None:
    shipped = load_trace(str(SHIPPED / f"{name}.json"))
    generated = builtin_trace(name)
    assert shipped.interval == generated.interval
    assert shipped.load == pytest.approx(generated.load, abs=0.01)


def test_steady_noise_is_within_ten_percent() -> None:
    load = builtin_trace("steady").load
    assert min(load) >= 1800 and max(load) <= 2200


def test_flat_trace_scores_zero_changes_and_no_reaction() -> None:
    flat = Trace("flat", 1.0, (1400.0,) * 300)
    r = simulate(flat, make_policy("target", TargetSettings(target=140), Bounds(1, 100)))
    assert r.scale_changes == 0 and r.time_to_react is None
    assert r.under_task_seconds == 0  # 10 tasks at 140 each, capacity 200: none missing
    assert r.over_task_seconds == 3 * 300  # 10 running, 7 needed


def test_start_delay_shapes_under_provisioning() -> None:
    step = Trace("s", 1.0, (1000.0,) * 30 + (3000.0,) * 200)
    slow = run(step, "target", start_delay=60.0)
    fast = run(step, "target", start_delay=5.0)
    assert slow.time_to_react == fast.time_to_react  # the decision does not wait for tasks
    assert slow.under_task_seconds > fast.under_task_seconds > 0


def test_eden_beats_the_seed_on_the_spike_and_holds_on_steady() -> None:
    spike, steady = builtin_trace("spike"), builtin_trace("steady")
    eden, seed = run(spike, "target"), run(spike, "seed")
    assert eden.under_task_seconds <= 0.5 * seed.under_task_seconds
    assert run(steady, "target").scale_changes == 0


def test_interpolation_and_ends() -> None:
    t = Trace("t", 10.0, (0.0, 100.0))
    assert t.at(-5) == 0 and t.at(5) == 50 and t.at(1000) == 100


def test_bad_traces_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        load_trace(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"load": [1, -2]}))
    with pytest.raises(UsageError):
        load_trace(str(bad))
    bad.write_text("{not json")
    with pytest.raises(UsageError):
        load_trace(str(bad))
    with pytest.raises(UsageError):
        builtin_trace("nope")
