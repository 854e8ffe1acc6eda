"""The simulator's scores, traces (shipped, generated, with failed scrapes) and policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eden.errors import UsageError
from eden.scaler.governor import Bounds
from eden.scaler.model import Decision, Observation
from eden.scaler.policy_registry import make_policy, make_sim_policy
from eden.scaler.sim_model import SimSettings
from eden.scaler.simulate import SimResult, simulate, weighted_percentile
from eden.scaler.target_tracking import TargetSettings
from eden.scaler.traces import BUILTIN, Trace, builtin_trace, fill_gaps, load_trace

SHIPPED = Path(__file__).resolve().parents[3] / "traces"
FIXED = SimSettings(start_delay_min=30.0, start_delay_max=30.0)


def run(trace: Trace, policy: str, sim: SimSettings = FIXED) -> SimResult:
    settings, bounds = TargetSettings(target=sim.target), Bounds(1, 100)
    return simulate(trace, make_sim_policy(policy, settings, bounds, trace, sim), sim)


@pytest.mark.parametrize("name", list(BUILTIN))
def test_shipped_traces_match_the_generator(name: str) -> None:
    shipped = load_trace(str(SHIPPED / f"{name}.json"))
    generated = builtin_trace(name)
    assert shipped.interval == generated.interval
    assert shipped.load == pytest.approx(generated.load, abs=0.01)


@pytest.mark.parametrize(("name", "peak"), [("nasa-jul95", 6750.0), ("nasa-aug95", 6083.3)])
def test_real_traces_carry_their_source_and_licence(name: str, peak: float) -> None:
    trace = load_trace(name)  # by name, from traces/
    assert trace.interval == 60.0 and len(trace.load) == 72 * 60
    assert max(trace.load) == pytest.approx(peak, abs=0.1)
    assert "ita.ee.lbl.gov" in trace.source
    assert trace.licence == "Internet Traffic Archive: 'The traces may be freely redistributed.'"
    assert "README" not in trace.name and not trace.blind


def test_steady_noise_is_within_ten_percent() -> None:
    load = builtin_trace("steady").load
    assert min(load) >= 1800 and max(load) <= 2200


def test_sawtooth_ramps_from_2000_to_6000_every_90_s_for_30_minutes() -> None:
    t = builtin_trace("sawtooth")
    assert t.duration == 1800
    assert (t.load[0], t.load[89], t.load[90], t.load[179]) == (2000.0, 6000.0, 2000.0, 6000.0)
    assert min(t.load) == 2000.0 and max(t.load) == 6000.0


def test_flat_trace_scores_zero_changes_and_no_reaction() -> None:
    r = run(Trace("flat", 1.0, (1400.0,) * 300), "target")
    assert r.scale_changes == 0 and r.time_to_react is None and r.onset is None
    assert r.under_task_seconds == 0  # 10 tasks of 200 for 1,400 in flight
    assert r.over_task_seconds == 0  # and exactly the 10 the 70 % target asks for
    assert r.cost_task_seconds == 10 * 300
    assert r.wait_p99 == 0 and r.refused_share == 0


def test_start_delay_shapes_under_provisioning_not_the_reaction() -> None:
    step = Trace("s", 1.0, (1000.0,) * 30 + (3000.0,) * 200)
    slow = run(step, "target", SimSettings(start_delay_min=60.0, start_delay_max=60.0))
    fast = run(step, "target", SimSettings(start_delay_min=5.0, start_delay_max=5.0))
    # The 6 s panic window reaches 2x the 8 ready tasks' worth on the 4th tick of the rise.
    assert slow.time_to_react == fast.time_to_react == 3.0
    assert slow.under_task_seconds > fast.under_task_seconds > 0


def test_overload_queues_and_refuses_until_capacity_arrives() -> None:
    step = Trace("s", 1.0, (1000.0,) * 30 + (3000.0,) * 200)
    r = run(step, "target")
    assert r.refused_share > 0 and r.wait_p99 == pytest.approx(1.0)
    calm = run(Trace("flat", 1.0, (1000.0,) * 230), "target")
    assert calm.refused_share == 0 and calm.wait_p95 == 0


class Recorder:
    """Holds the count and remembers what it saw."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[Observation] = []

    def decide(self, obs: Observation) -> Decision:
        self.seen.append(obs)
        return Decision(obs.desired, obs.desired, "hold")


def test_failed_scrapes_in_a_trace_are_missing_data_for_the_policy(tmp_path: Path) -> None:
    f = tmp_path / "gappy.json"
    f.write_text(json.dumps({"interval": 10, "load": [1000, None, None, 1600, 1600]}))
    trace = load_trace(str(f))
    assert trace.load == (1000.0, 1200.0, 1400.0, 1600.0, 1600.0)  # the demand goes on
    assert trace.blind == frozenset({1, 2})
    policy = Recorder()
    simulate(trace, policy, FIXED)
    scored = [o for o in policy.seen if o.at >= 0]
    blind = [o.at for o in scored if all(v is None for v in o.values)]
    assert blind == [float(t) for t in range(10, 30)]
    assert all(o.total_load is not None for o in scored if o.at < 10 or o.at >= 30)
    out = tmp_path / "again.json"
    out.write_text(trace.to_json())
    assert json.loads(out.read_text())["load"] == [1000.0, None, None, 1600.0, 1600.0]


def test_fill_gaps_interpolates_and_holds_the_ends() -> None:
    assert fill_gaps([None, 1.0, None, None, 4.0, None]) == (
        (1.0, 1.0, 2.0, 3.0, 4.0, 4.0), frozenset({0, 2, 3, 5}))
    with pytest.raises(ValueError, match="every point is null"):
        fill_gaps([None, None])


def test_reaction_is_measured_from_the_onset() -> None:
    step = Trace("s", 1.0, (1000.0,) * 30 + (1300.0,) * 30 + (3000.0,) * 100)
    r = run(step, "target")
    assert r.onset == 30.0  # 1,300 > 1.25 x 1,000
    assert r.time_to_react == 32.0  # the rise to 3,000 at t=60 is what it scales for


def test_weighted_percentile() -> None:
    samples = [(0.0, 90.0), (1.0, 5.0), (2.0, 5.0)]
    assert weighted_percentile(samples, 50) == 0.0
    assert weighted_percentile(samples, 95) == 1.0
    assert weighted_percentile(samples, 99) == 2.0
    assert weighted_percentile([], 99) == 0.0


def test_eden_beats_the_seed_on_the_spike_and_holds_on_steady() -> None:
    spike, steady = builtin_trace("spike"), builtin_trace("steady")
    eden, seed = run(spike, "target"), run(spike, "seed")
    assert eden.under_task_seconds <= 0.5 * seed.under_task_seconds
    assert run(steady, "target").scale_changes == 0


def test_the_oracle_is_only_for_the_simulator() -> None:
    with pytest.raises(UsageError, match="the oracle knows the future"):
        make_policy("oracle", TargetSettings(target=1), Bounds())


def test_interpolation_and_ends() -> None:
    t = Trace("t", 10.0, (0.0, 100.0))
    assert t.at(-5) == 0 and t.at(5) == 50 and t.at(1000) == 100


def test_bad_traces_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"trace file .*missing\.json does not exist"):
        load_trace(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"load": [1, -2]}))
    with pytest.raises(UsageError, match="negative value"):
        load_trace(str(bad))
    bad.write_text(json.dumps({"load": [None, None]}))
    with pytest.raises(UsageError, match="every point is null"):
        load_trace(str(bad))
    bad.write_text("{not json")
    with pytest.raises(UsageError, match=r"cannot read trace .*bad\.json"):
        load_trace(str(bad))
    with pytest.raises(UsageError, match="no built-in trace 'nope'"):
        builtin_trace("nope")
