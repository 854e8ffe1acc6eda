"""eden's target tracking vs the seed's sampler on every shipped trace, as a table.

    .venv/bin/python bench/scaler/simulate_table.py [--start-delay 30] [--capacity 200]
        [--plots DIR]

Goals checked at the end: eden's under-provisioned task-seconds on the spike trace at most
half the seed's, and zero scale changes on the steady trace.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eden.scaler.governor import Bounds
from eden.scaler.policy_registry import make_policy
from eden.scaler.simulate import SimResult, SimSettings, simulate
from eden.scaler.target_tracking import TargetSettings
from eden.scaler.traces import load_trace

TRACES = ("step", "spike", "ramp", "steady", "diurnal")
POLICIES = ("target", "threshold", "seed")
SHIPPED = Path(__file__).resolve().parents[2] / "traces"


Results = dict[tuple[str, str], SimResult]


def run(start_delay: float, capacity: float, plots: Path | None) -> Results:
    sim = SimSettings(capacity=capacity, start_delay=start_delay)
    settings = TargetSettings(target=0.7 * capacity)
    bounds = Bounds(min_tasks=1, max_tasks=100)
    results: Results = {}
    for name in TRACES:
        shipped = SHIPPED / f"{name}.json"
        trace = load_trace(str(shipped) if shipped.exists() else name)
        per_trace = []
        for policy in POLICIES:
            r = simulate(trace, make_policy(policy, settings, bounds), sim)
            results[(name, policy)] = r
            per_trace.append(r)
        if plots is not None:
            from eden.scaler.plot import write_plot

            plots.mkdir(parents=True, exist_ok=True)
            write_plot([per_trace[0], per_trace[2]], capacity, plots / f"{name}.png")
    return results


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start-delay", type=float, default=30.0)
    parser.add_argument("--capacity", type=float, default=200.0)
    parser.add_argument("--plots", type=Path, default=None)
    args = parser.parse_args()
    results = run(args.start_delay, args.capacity, args.plots)
    print(f"capacity {args.capacity:g}/task, eden target {0.7 * args.capacity:g}/task, "
          f"start delay {args.start_delay:g} s, tick 1 s, min 1 max 100")
    print("| trace | policy | react s | under task-s | over task-s | changes | peak |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (trace, policy), r in results.items():
        print(f"| {trace} | {policy} | {fmt(r.time_to_react)} | {r.under_task_seconds:.0f} | "
              f"{r.over_task_seconds:.0f} | {r.scale_changes} | {r.peak_tasks} |")
    spike_eden = results[("spike", "target")].under_task_seconds
    spike_seed = results[("spike", "seed")].under_task_seconds
    ratio = spike_eden / spike_seed if spike_seed else float("inf")
    steady = results[("steady", "target")].scale_changes
    print()
    print(f"goal spike under-provisioning <= 0.5 x seed: {ratio:.2f} x "
          f"-> {'MET' if ratio <= 0.5 else 'MISSED'}")
    print(f"goal steady scale changes == 0: {steady} -> {'MET' if steady == 0 else 'MISSED'}")


if __name__ == "__main__":
    main()
