"""Benchmark of eden's core lifecycle: create, deploy and delete of a per-branch environment.

What it measures
    For each injected latency L (default 0 ms and 100 ms) and each of N runs (default 5),
    with fresh branch names every run, the three operations eden exists for, each on a
    short branch (``feature/login-<i>``) and on a long one (over 40 characters, with '/',
    so every AWS name is cut and hashed):

    * create  -- ``Engine.create(branch, image v1)`` on a branch with no environment;
    * deploy  -- ``Engine.create(branch, image v2)`` again: a new image to the running env;
    * delete  -- ``Engine.delete(name)``.

    Per phase it reports the wall time (median and min over the runs), the time to the
    first AWS request, the number of AWS API calls, and the number of sequential round
    trips on the critical path: the longest chain of recorded calls in which each starts
    after the previous one ended (see ``_common.critical_path``), with the operations on
    it. For L > 0 it also prints wall / L, which should come out a little above the
    round-trip count (the rest is eden's and botocore's own CPU time, including building
    boto3 clients, which every CLI invocation pays), and compares with the 2019 tool,
    which made 19 sequential calls per create and per delete.

Why inject latency
    moto answers in about a millisecond; AWS's control plane (ECS, ELBv2, Route 53, S3,
    ECR) answers in tens to hundreds of milliseconds per call, and that, not CPU, is what
    a create or a delete waits on. ``AwsClients(inject_latency=L)`` sleeps L before every
    logical API call (once per call, not per retry), so wall time becomes
    roughly "round trips on the critical path x L": the number that decides how long a
    developer waits, and the one that parallel reads and a dependency-ordered plan cut.
    At 0 ms the same run shows eden's own overhead; its round-trip count is only an upper
    bound there (calls that merely happened to run one after another chain too).

How to run (from the repository root; about 30 s with the defaults on 2 cores)
    .venv/bin/python bench/lifecycle.py
    .venv/bin/python bench/lifecycle.py --runs 10 --latency-ms 0 --latency-ms 50 --latency-ms 200
    .venv/bin/python bench/lifecycle.py --warm-clients   # round trips without client set-up

It starts moto in-process on 127.0.0.1 (a free port), seeds the reference stack with
``eden.sandbox.seed.seed`` through a latency-free client, runs one untimed warm-up
lifecycle, and then measures. Each phase gets a fresh ``AwsClients`` (so its calls are
counted alone, and its boto3 clients are built cold, as in every CLI invocation) and a
fresh engine over one shared in-memory ``SqliteStore``. Before each phase the garbage
collector is run and the surviving heap frozen (``gc.freeze``): moto's large in-process
heap would otherwise make an occasional full collection inside the timed region cost
~0.2 s, noise a real CLI process does not have. It prints a Markdown table (stdout;
progress goes to stderr) and writes the same results, with every run's calls, trace and
critical path, to ``bench/results/lifecycle.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    critical_levels,
    critical_path,
    environment,
    fmt_ms,
    fmt_s,
    int_range,
    markdown_table,
    median,
    moto_server,
    op_name,
)

from eden.aws.clients import AwsClients, AwsSettings, CallRecord
from eden.config import Profile, build_profile
from eden.envs.engine import Engine, Outcome
from eden.sandbox.seed import SeedInfo, sandbox_clients, sandbox_profile_values, seed
from eden.state import SqliteStore
from eden.wiring import aws_settings, open_engine

DEFAULT_LATENCIES_MS = (0.0, 100.0)
DEFAULT_RUNS = 5
PHASES = ("create", "deploy", "delete")
KINDS = ("short", "long")
SERVICES = ("ecs", "elbv2", "route53", "s3", "ecr")  # every service a lifecycle calls
RESULTS = Path(__file__).resolve().parent / "results" / "lifecycle.json"

# The 2019 tool: every call one after another, 19 per create and 19 per delete.
LEGACY_SEQUENTIAL_CALLS = 19
LEGACY_PHASES = ("create", "delete")


def short_branch(i: int) -> str:
    return f"feature/login-{i}"


def long_branch(i: int) -> str:
    branch = f"feature/JIRA-{4000 + i}/remember-the-user-across-browser-sessions"
    assert len(branch) > 40 and "/" in branch
    return branch


@dataclass(frozen=True)
class Sample:
    """One phase of one run: how long it took and every AWS call it made."""

    latency_ms: float
    phase: str
    kind: str
    run: int
    branch: str
    env: str
    wall_s: float
    head_s: float  # from the call into eden to its first AWS request
    calls: tuple[CallRecord, ...]
    plan_steps: tuple[str, ...]
    plan_depth: int
    chain: tuple[CallRecord, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "chain", tuple(critical_path(self.calls)))

    @property
    def round_trips(self) -> int:
        return len(self.chain)

    def levels(self) -> tuple[tuple[str, ...], ...]:
        """The operations that can stand at each place of a longest chain."""
        return tuple(
            tuple(sorted({op_name(c) for c in level})) for level in critical_levels(self.calls)
        )

    def as_dict(self) -> dict[str, Any]:
        t0 = min((c.start for c in self.calls), default=0.0)

        def call(c: CallRecord) -> dict[str, Any]:
            return {
                "op": op_name(c),
                "start_ms": round((c.start - t0) * 1000, 1),
                "end_ms": round((c.end - t0) * 1000, 1),
            }

        return {
            "run": self.run,
            "branch": self.branch,
            "env": self.env,
            "wall_s": round(self.wall_s, 4),
            "to_first_call_s": round(self.head_s, 4),
            "calls": len(self.calls),
            "round_trips": self.round_trips,
            "plan_steps": list(self.plan_steps),
            "plan_depth": self.plan_depth,
            "calls_by_op": dict(Counter(op_name(c) for c in self.calls).most_common()),
            "critical_path": [call(c) for c in self.chain],
            "critical_levels": [list(level) for level in self.levels()],
            "trace": [call(c) for c in sorted(self.calls, key=lambda c: c.start)],
        }


class Lifecycle:
    """Runs create / deploy / delete against the seeded sandbox and records each phase."""

    def __init__(self, profile: Profile, settings: AwsSettings, info: SeedInfo, *,
                 warm_clients: bool = False):
        self.profile = profile
        self.settings = settings
        self.info = info
        self.warm_clients = warm_clients
        self.store = SqliteStore(":memory:")

    def _phase(self, latency_ms: float, op: Callable[[Engine], Outcome],
               ) -> tuple[Outcome, float, float, list[CallRecord]]:
        """Runs ``op`` on a fresh engine and fresh clients: outcome, wall, head, calls."""
        clients = AwsClients(self.settings, inject_latency=latency_ms / 1000)
        if self.warm_clients:
            for service in SERVICES:
                clients.client(service)
        # moto runs in this process and its heap is large: a full collection triggered
        # by eden's allocations would scan it too, which a real CLI process never does.
        gc.collect()
        gc.freeze()
        with open_engine(self.profile, store=self.store, clients=clients) as engine:
            t0 = time.monotonic()  # the clock CallRecord uses
            outcome = op(engine)
            wall = time.monotonic() - t0
        calls = clients.calls()
        head = min((c.start for c in calls), default=t0 + wall) - t0
        return outcome, wall, head, calls

    def run_once(self, latency_ms: float, run: int, index: int) -> list[Sample]:
        """One lifecycle of a short and a long branch; ``index`` makes the names fresh."""
        v1, v2 = self.info.image_uris[0], self.info.image_uris[1]
        branches = {"short": short_branch(index), "long": long_branch(index)}
        ops: list[tuple[str, str, Callable[[Engine], Outcome]]] = []
        for phase in PHASES:
            for kind, branch in branches.items():
                ops.append((phase, kind, _operation(phase, branch, v1, v2)))

        samples: list[Sample] = []
        for phase, kind, op in ops:
            outcome, wall, head, calls = self._phase(latency_ms, op)
            _check(phase, branches[kind], outcome)
            samples.append(
                Sample(
                    latency_ms=latency_ms,
                    phase=phase,
                    kind=kind,
                    run=run,
                    branch=branches[kind],
                    env=outcome.env,
                    wall_s=wall,
                    head_s=head,
                    calls=tuple(calls),
                    plan_steps=tuple(s.id for s in outcome.plan.steps),
                    plan_depth=outcome.plan.critical_path(),
                )
            )
        return samples

    def warm_up(self) -> None:
        """One untimed lifecycle: imports, botocore's model loading, moto's first requests."""
        v1, v2 = self.info.image_uris[0], self.info.image_uris[1]
        for phase in PHASES:
            self._phase(0.0, _operation(phase, "bench/warm-up", v1, v2))


def _operation(phase: str, branch: str, v1: str, v2: str) -> Callable[[Engine], Outcome]:
    """What ``phase`` calls on the engine: create with v1, deploy v2 over it, delete."""
    if phase == "create":
        return lambda engine: engine.create(branch, v1)
    if phase == "deploy":
        return lambda engine: engine.create(branch, v2)
    return lambda engine: engine.delete(branch)


def _check(phase: str, branch: str, outcome: Outcome) -> None:
    """Fail loudly if a phase did not do what it is timed as doing."""
    if outcome.operation != phase or not outcome.plan.steps:
        raise RuntimeError(
            f"{phase} of {branch!r} ran as {outcome.operation!r} with "
            f"{len(outcome.plan.steps)} steps: the sandbox is not in the expected state"
        )


# --- summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    latency_ms: float
    phase: str
    kind: str
    samples: tuple[Sample, ...]

    @property
    def walls(self) -> list[float]:
        return [s.wall_s for s in self.samples]

    @property
    def heads(self) -> list[float]:
        return [s.head_s for s in self.samples]

    @property
    def calls(self) -> list[int]:
        return [len(s.calls) for s in self.samples]

    @property
    def round_trips(self) -> list[int]:
        return [s.round_trips for s in self.samples]

    @property
    def wall_over_latency(self) -> float | None:
        return median(self.walls) / (self.latency_ms / 1000) if self.latency_ms else None

    @property
    def legacy_s(self) -> float | None:
        """The 2019 tool's lower bound for this phase at this latency, if it applies."""
        if not self.latency_ms or self.phase not in LEGACY_PHASES:
            return None
        return LEGACY_SEQUENTIAL_CALLS * self.latency_ms / 1000

    def median_sample(self) -> Sample:
        """The run with the median wall time (the lower one for an even count)."""
        ordered = sorted(self.samples, key=lambda s: s.wall_s)
        return ordered[(len(ordered) - 1) // 2]

    def as_dict(self) -> dict[str, Any]:
        legacy = self.legacy_s
        return {
            "latency_ms": self.latency_ms,
            "phase": self.phase,
            "branch": self.kind,
            "runs": len(self.samples),
            "wall_median_s": round(median(self.walls), 4),
            "wall_min_s": round(min(self.walls), 4),
            "to_first_call_median_s": round(median(self.heads), 4),
            "calls_median": median(self.calls),
            "calls_min": min(self.calls),
            "calls_max": max(self.calls),
            "round_trips_median": median(self.round_trips),
            "round_trips_min": min(self.round_trips),
            "round_trips_max": max(self.round_trips),
            "wall_over_latency": (
                round(self.wall_over_latency, 2) if self.wall_over_latency is not None else None
            ),
            "legacy_2019_min_s": legacy,
            "legacy_2019_over_eden_wall": (
                round(legacy / median(self.walls), 2) if legacy is not None else None
            ),
            "legacy_2019_over_eden_round_trips": (
                round(LEGACY_SEQUENTIAL_CALLS / median(self.round_trips), 2)
                if legacy is not None
                else None
            ),
            "median_run": self.median_sample().run,
            "samples": [s.as_dict() for s in self.samples],
        }


def summarize(samples: Sequence[Sample], latencies: Sequence[float]) -> list[Row]:
    rows: list[Row] = []
    for latency in latencies:
        for phase in PHASES:
            for kind in KINDS:
                mine = tuple(
                    s for s in samples
                    if s.latency_ms == latency and s.phase == phase and s.kind == kind
                )
                rows.append(Row(latency, phase, kind, mine))
    return rows


def legacy_line(latency_ms: float) -> str:
    total = LEGACY_SEQUENTIAL_CALLS * latency_ms / 1000
    return (
        f"2019 tool at {fmt_ms(latency_ms)} ms/call: >= {fmt_s(total)} s per create and per "
        f"delete ({LEGACY_SEQUENTIAL_CALLS} sequential calls)"
    )


def _levels_text(levels: Sequence[Sequence[str]]) -> str:
    return " -> ".join(
        level[0] if len(level) == 1 else "{" + " | ".join(level) + "}" for level in levels
    )


def render(rows: Sequence[Row], runs: int, warm_clients: bool) -> str:
    header = [
        "latency", "phase", "branch", "wall median (s)", "wall min (s)", "to 1st call (ms)",
        "AWS calls", "round trips", "wall / L", "2019 tool (s)", "2019 / eden",
    ]
    align = ["r", "l", "l", "r", "r", "r", "r", "r", "r", "r", "l"]
    body: list[list[str]] = []
    for r in rows:
        wl = r.wall_over_latency
        legacy = r.legacy_s
        rt = median(r.round_trips)
        body.append([
            f"{fmt_ms(r.latency_ms)} ms",
            r.phase,
            r.kind,
            f"{median(r.walls):.3f}",
            f"{min(r.walls):.3f}",
            f"{median(r.heads) * 1000:.0f}",
            int_range(r.calls),
            int_range(r.round_trips),
            f"{wl:.2f}" if wl is not None else "—",
            f">= {fmt_s(legacy)}" if legacy is not None else "—",
            (
                f">= {legacy / median(r.walls):.1f}x time, "
                f"{LEGACY_SEQUENTIAL_CALLS / rt:.1f}x round trips "
                f"({LEGACY_SEQUENTIAL_CALLS} vs {rt:g})"
                if legacy is not None
                else "—"
            ),
        ])
    clients = "pre-built (--warm-clients)" if warm_clients else "fresh and cold, as in a CLI run"
    lines = [
        f"## eden lifecycle: {runs} runs per latency; boto3 clients {clients}",
        "",
        markdown_table(header, body, align),
        "",
        "- wall: time inside Engine.create / Engine.delete, median and min over the runs.",
        "- to 1st call: median time from entering eden to its first AWS request (building",
        "  the boto3 session and clients, reading state).",
        "- AWS calls, round trips: the value in every run, or the range when runs differed.",
        "  Round trips: the longest chain of calls each starting after the previous one",
        "  ended. At 0 ms it is an upper bound (calls that merely ran one after another count).",
        "- wall / L: median wall over the injected latency per call; round trips plus eden's",
        "  own time. The 2019 figures cover create and delete only.",
    ]
    for latency in sorted({r.latency_ms for r in rows if r.latency_ms}):
        lines.append("")
        lines.append(legacy_line(latency))
        for r in rows:
            if r.latency_ms != latency or r.legacy_s is None:
                continue
            rt = median(r.round_trips)
            lines.append(
                f"- eden {r.phase}, {r.kind} branch: {median(r.walls):.2f} s median, "
                f"{rt:g} round trips: {r.legacy_s / median(r.walls):.1f}x less time, "
                f"{LEGACY_SEQUENTIAL_CALLS / rt:.1f}x fewer round trips"
            )
    top = max((r.latency_ms for r in rows), default=0.0)
    lines += [
        "",
        f"Critical path at {fmt_ms(top)} ms, in the run with the median wall time; {{a | b}}:",
        "calls running side by side at that point, any of which completes a longest chain:",
    ]
    for r in rows:
        if r.latency_ms == top:
            levels = r.median_sample().levels()
            lines.append(
                f"- {r.phase} / {r.kind}, {len(levels)} round trips: {_levels_text(levels)}"
            )
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark eden's create / deploy / delete against an in-process moto.",
    )
    parser.add_argument(
        "--latency-ms", type=float, action="append", metavar="MS",
        help="latency injected before every AWS call; repeat for several "
        f"(default: {', '.join(fmt_ms(x) for x in DEFAULT_LATENCIES_MS)})",
    )
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                        help=f"lifecycles per latency (default: {DEFAULT_RUNS})")
    parser.add_argument(
        "--warm-clients", action="store_true",
        help="build the boto3 clients before timing each phase (default: fresh and cold, "
        "as every CLI invocation has them), to see the round trips alone",
    )
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="where to write the JSON results (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if any(x < 0 for x in args.latency_ms or ()):
        parser.error("--latency-ms cannot be negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    latencies: list[float] = list(dict.fromkeys(args.latency_ms or DEFAULT_LATENCIES_MS))
    started = time.perf_counter()
    samples: list[Sample] = []
    with moto_server() as url:
        info = seed(sandbox_clients(url))  # latency-free: seeding is not what is measured
        profile = build_profile("sandbox", sandbox_profile_values(info, url))
        # The profile's settings as the CLI builds them, but never the user's credentials.
        settings = dataclasses.replace(
            aws_settings(profile), access_key_id="sandbox", secret_access_key="sandbox"
        )
        bench = Lifecycle(profile, settings, info, warm_clients=args.warm_clients)
        bench.warm_up()
        index = 0
        for latency in latencies:
            for run in range(args.runs):
                index += 1
                samples.extend(bench.run_once(latency, run, index))
                print(f"latency {fmt_ms(latency)} ms: run {run + 1}/{args.runs} done",
                      file=sys.stderr, flush=True)
    rows = summarize(samples, latencies)
    print(render(rows, args.runs, args.warm_clients))

    elapsed = time.perf_counter() - started
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "lifecycle",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "runs": args.runs,
        "latencies_ms": latencies,
        "warm_clients": args.warm_clients,
        "elapsed_s": round(elapsed, 1),
        "environment": environment(),
        "legacy_2019": {
            "sequential_calls_per_create": LEGACY_SEQUENTIAL_CALLS,
            "sequential_calls_per_delete": LEGACY_SEQUENTIAL_CALLS,
            "min_s_by_latency_ms": {
                fmt_ms(x): LEGACY_SEQUENTIAL_CALLS * x / 1000 for x in latencies if x
            },
        },
        "results": [r.as_dict() for r in rows],
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwrote {out} ({elapsed:.1f} s in all)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
