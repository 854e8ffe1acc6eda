"""Every shipped trace through target, threshold, seed and oracle, with the issue's goals.

    .venv/bin/python bench/scaler/simulate_table.py [--start-delay 20-90] [--changes]
        [--traces step,spike] [--plots DIR] [--json out.json]

The model: capacity 200 in flight per task, target 140 (70 %), start delay uniform in
``--start-delay`` (seeded), 30 s drain, Fargate's one-minute minimum, requests queueing up
to 1x capacity per task and refused beyond; min 1, max 100 tasks.

``--changes`` adds one row per policy change of the target policy, cumulatively, from
eden 0.1's policy ("before") to today's default ("after"), on every trace.

Goals checked per trace (the seed is the corrected seed model):
under-provisioned task-s <= 0.25x the seed's; over-provisioned task-s (against the target
utilisation) <= the seed's; cost (billed task-s) <= 1.5x the oracle's; 0 changes on
steady, <= 10 on sawtooth.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from eden.scaler.governor import Bounds
from eden.scaler.policy_registry import make_sim_policy
from eden.scaler.sim_cli import parse_delay
from eden.scaler.sim_model import SimSettings
from eden.scaler.simulate import SimResult, simulate
from eden.scaler.target_tracking import TargetSettings
from eden.scaler.traces import load_trace

TRACES = ("step", "spike", "ramp", "steady", "diurnal", "sawtooth", "nasa-jul95",
          "nasa-aug95")
POLICIES = ("target", "threshold", "seed", "oracle")
# Each change of the target policy, cumulatively: (row name, settings, bounds).
CHANGES: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    ("before (0.1)", {"panic_basis": "desired"},
     {"scale_in_delay": 60, "scale_in_cooldown": 60, "scale_in_band": 0, "min_task_age": 0}),
    ("+ no wait after a change", {"panic_basis": "desired"},
     {"scale_in_delay": 60, "scale_in_band": 0, "min_task_age": 0}),
    ("+ churn guard", {"panic_basis": "desired"}, {"scale_in_delay": 60}),
    ("+ panic vs ready", {}, {"scale_in_delay": 60}),
    ("+ 120 s scale-in window = after", {}, {}),
)
Results = dict[tuple[str, str], SimResult]


def run(sim: SimSettings, traces: list[str], changes: bool) -> Results:
    results: Results = {}
    for name in traces:
        trace = load_trace(name)
        for policy in POLICIES:
            p = make_sim_policy(policy, TargetSettings(sim.target), Bounds(1, 100), trace, sim)
            results[(name, policy)] = simulate(trace, p, sim)
        for row, ts, bs in CHANGES if changes else ():
            p = make_sim_policy("target", TargetSettings(sim.target, **ts),
                                Bounds(1, 100, **bs), trace, sim)
            results[(name, row)] = simulate(trace, p, sim)
        print(f"  simulated {name}", flush=True)
    return results


def ratio(value: float, base: float) -> str:
    if base == 0:
        return "-" if value == 0 else "inf"
    return f"{value / base:.2f}"


def row(trace: str, policy: str, r: SimResult, oracle: SimResult) -> str:
    react = "-" if r.time_to_react is None else f"{r.time_to_react:g}"
    return (f"| {trace} | {policy} | {react} | {r.under_task_seconds:,.0f} | "
            f"{r.over_task_seconds:,.0f} | {r.cost_task_seconds:,.0f} | "
            f"{ratio(r.cost_task_seconds, oracle.cost_task_seconds)} | {r.scale_changes} "
            f"({r.scale_ins}) | {r.wait_p99:.2f} | {100 * r.refused_share:.2f} | "
            f"{r.peak_tasks} |")


def goals(results: Results, traces: list[str]) -> list[str]:
    out = []
    for name in traces:
        t, s, o = (results[(name, p)] for p in ("target", "seed", "oracle"))
        checks = [
            ("under <= 0.25x seed", t.under_task_seconds, 0.25 * s.under_task_seconds,
             f"{t.under_task_seconds:,.0f} vs {s.under_task_seconds:,.0f} "
             f"({ratio(t.under_task_seconds, s.under_task_seconds)}x)"),
            ("over <= seed", t.over_task_seconds, s.over_task_seconds,
             f"{t.over_task_seconds:,.0f} vs {s.over_task_seconds:,.0f}"),
            ("cost <= 1.5x oracle", t.cost_task_seconds, 1.5 * o.cost_task_seconds,
             f"{ratio(t.cost_task_seconds, o.cost_task_seconds)}x"),
        ]
        if name == "steady":
            checks.append(("0 changes", t.scale_changes, 0, str(t.scale_changes)))
        if name == "sawtooth":
            checks.append(("<= 10 changes", t.scale_changes, 10, str(t.scale_changes)))
        for label, value, limit, shown in checks:
            verdict = "met" if value <= limit else "MISSED"
            out.append(f"| {name} | {label} | {shown} | {verdict} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start-delay", default="20-90")
    parser.add_argument("--traces", default=",".join(TRACES))
    parser.add_argument("--changes", action="store_true")
    parser.add_argument("--plots", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    low, high = parse_delay(args.start_delay)
    sim = SimSettings(start_delay_min=low, start_delay_max=high, preroll=max(180.0, high))
    traces = [t for t in args.traces.split(",") if t]
    results = run(sim, traces, args.changes)
    print(f"\ncapacity {sim.capacity:g}/task, target {sim.target:g}/task, start delay "
          f"{low:g}-{high:g} s (seed {sim.seed}), drain {sim.drain:g} s, tick 1 s, min 1 max 100")
    print("| trace | policy | react s | under task-s | over task-s | cost task-s | "
          "cost / oracle | changes (ins) | wait p99 s | refused % | peak |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (trace, policy), r in results.items():
        print(row(trace, policy, r, results[(trace, "oracle")]))
    print("\n| trace | goal | measured | |\n|---|---|---|---|")
    print("\n".join(goals(results, traces)))
    if args.plots is not None:
        from eden.scaler.plot import write_plot

        args.plots.mkdir(parents=True, exist_ok=True)
        for name in traces:
            write_plot([results[(name, p)] for p in ("target", "seed", "oracle")], sim,
                       args.plots / f"{name}.png")
    if args.json is not None:
        args.json.write_text(json.dumps(
            {f"{t}/{p}": r.summary() for (t, p), r in results.items()}, indent=1))


if __name__ == "__main__":
    main()
