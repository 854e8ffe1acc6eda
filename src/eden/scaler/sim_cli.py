"""``eden scale simulate``: replay a trace through policies and say what each would cost.

Every run also replays the clairvoyant ``oracle`` (unless asked for explicitly), so each
policy's cost comes with its ratio to the best possible schedule.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import click

from eden.errors import UsageError
from eden.scaler.governor import Bounds
from eden.scaler.policy_registry import SIMULATOR_POLICY_NAMES, make_sim_policy
from eden.scaler.sim_model import SimSettings
from eden.scaler.simulate import SimResult, simulate
from eden.scaler.target_tracking import TargetSettings
from eden.scaler.traces import Trace, load_trace

_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*$")


def parse_delay(text: str) -> tuple[float, float]:
    """``30`` (fixed) or ``20-90`` (uniform jitter) seconds."""
    match = _DELAY.match(text)
    if match is None:
        raise UsageError(f"--start-delay {text!r} is not SECONDS or MIN-MAX",
                         hint="e.g. --start-delay 30 or --start-delay 20-90")
    low = float(match.group(1))
    high = float(match.group(2)) if match.group(2) else low
    if high < low:
        raise UsageError(f"--start-delay {text}: the maximum is below the minimum",
                         hint="write MIN-MAX, e.g. 20-90")
    return low, high


def policy_names(given: tuple[str, ...]) -> list[str]:
    names = [n.strip() for item in given for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in SIMULATOR_POLICY_NAMES]
    if unknown:
        raise UsageError(f"unknown policy {unknown[0]!r}",
                         hint=f"use one or more of: {', '.join(SIMULATOR_POLICY_NAMES)}")
    return list(dict.fromkeys(names)) or ["target"]


def run_policies(trace: Trace, names: list[str], settings: TargetSettings, bounds: Bounds,
                 sim: SimSettings) -> tuple[list[SimResult], SimResult]:
    """The asked-for policies' results, and the oracle's (run once either way)."""
    results = {name: simulate(trace, make_sim_policy(name, settings, bounds, trace, sim), sim)
               for name in names}
    oracle = results.get("oracle") or simulate(
        trace, make_sim_policy("oracle", settings, bounds, trace, sim), sim)
    return [results[n] for n in names], oracle


def react_text(r: SimResult) -> str:
    if r.onset is None:
        return "n/a (the load never rose above 1.25x its start)"
    if r.time_to_react is None:
        return f"never (the load rose at t={r.onset:g} s; no scale-up followed)"
    if r.time_to_react == 0:
        return (f"0 s: on the tick that first saw the rise at t={r.onset:g} s (the model "
                "has no scrape or API latency; see the reaction-time benchmark)")
    return f"{r.time_to_react:g} s after the load rose at t={r.onset:g} s"


def _ratio(value: float, oracle: float) -> str:
    return f" ({value / oracle:.2f}x the oracle's)" if oracle > 0 else ""


def describe(r: SimResult, oracle: SimResult) -> list[str]:
    over_ratio = _ratio(r.over_task_seconds, oracle.over_task_seconds)
    return [
        f"policy {r.policy}",
        f"  time to react            {react_text(r)}",
        f"  under-provisioned        {r.under_task_seconds:.0f} task-s "
        "(running tasks short of the load at full capacity)",
        f"  over-provisioned         {r.over_task_seconds:.0f} task-s "
        f"(running beyond the load at the target){over_ratio}",
        f"  cost                     {r.cost_task_seconds:.0f} task-s billed"
        f"{_ratio(r.cost_task_seconds, oracle.cost_task_seconds)}",
        f"  scale changes            {r.scale_changes} ({r.scale_ins} scale-ins)"
        f"{_ratio(r.scale_changes, oracle.scale_changes)}",
        f"  peak tasks               {r.peak_tasks}",
        f"  queueing p95 / p99       {r.wait_p95:.2f} s / {r.wait_p99:.2f} s, "
        f"{100 * r.refused_share:.2f} % of requests refused",
    ]


def header(trace: Trace, sim: SimSettings) -> str:
    low, high = sim.start_delay_min, sim.start_delay_max
    delay = f"{low:g} s" if low == high else f"{low:g}-{high:g} s (uniform, seed {sim.seed})"
    return (f"trace {trace.name} ({math.ceil(trace.duration)} s), capacity "
            f"{sim.capacity:g}/task, target {sim.target:g}/task, start delay {delay}, "
            f"drain {sim.drain:g} s, 1-minute minimum billing")


@click.command(name="simulate")
@click.option("--trace", "trace_ref", required=True,
              help="Trace JSON file, or a shipped name (step, spike, ramp, steady, diurnal, "
                   "sawtooth, nasa-jul95, nasa-aug95).")
@click.option("--policy", "policies", multiple=True,
              help="target (default), threshold, seed, oracle; repeat or comma-separate "
                   "to compare them side by side.")
@click.option("--start-delay", default="20-90", show_default=True,
              help="Seconds from asking for a task to it serving: fixed (30) or MIN-MAX.")
@click.option("--drain", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Seconds a stopped task stays billed while it drains.")
@click.option("--capacity", type=float, default=200.0, show_default=True,
              help="Requests in flight one task can serve.")
@click.option("--target", type=float, default=None,
              help="Target load per task [default: 0.7 x capacity, as Knative].")
@click.option("--min", "min_tasks", type=int, default=1, show_default=True)
@click.option("--max", "max_tasks", type=int, default=100, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the start-delay jitter.")
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a PNG: load, capacity and tasks per policy (needs matplotlib).")
@click.option("--output", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def simulate_cmd(trace_ref: str, policies: tuple[str, ...], start_delay: str, drain: float,
                 capacity: float, target: float | None, min_tasks: int, max_tasks: int,
                 seed: int, plot: Path | None, output: str) -> None:
    """Replay a load trace through policies, and score each against the oracle."""
    names = policy_names(policies)
    trace = load_trace(trace_ref)
    low, high = parse_delay(start_delay)
    target = target if target is not None else 0.7 * capacity
    if min_tasks < 1:
        raise UsageError("--min must be at least 1: eden has no waker to scale from zero")
    if capacity <= 0 or target <= 0:
        raise UsageError("--capacity and --target must be positive",
                         hint="e.g. --capacity 200 (requests one task serves at once)")
    if target > capacity:
        raise UsageError(f"--target {target:g} is above --capacity {capacity:g}",
                         hint="a target above what a task serves runs it overloaded")
    try:
        sim = SimSettings(capacity=capacity, target_utilisation=target / capacity,
                          start_delay_min=low, start_delay_max=high, drain=drain,
                          preroll=max(180.0, high), seed=seed)
        settings = TargetSettings(target=target)
        bounds = Bounds(min_tasks=min_tasks, max_tasks=max_tasks)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    results, oracle = run_policies(trace, names, settings, bounds, sim)
    if plot is not None:
        from eden.scaler.plot import write_plot

        write_plot(results, sim, plot)
    if output == "json":
        doc = {"trace": trace.name, "oracle": oracle.summary(),
               "results": [r.summary() for r in results], "plot": str(plot) if plot else None}
        click.echo(json.dumps(doc))
        return
    lines = [header(trace, sim)]
    for r in results:
        lines += describe(r, oracle)
    if plot is not None:
        lines.append(f"plot: {plot}")
    click.echo("\n".join(lines))
