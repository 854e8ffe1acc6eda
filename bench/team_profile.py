"""Where a create's wall time goes when N run at once in one process.

What it measures, for 1 and N concurrent creates on one engine (as ``eden serve`` runs
them), moto in its own process, ``--latency-ms`` injected before every AWS call:

* each step's time, from the journal (written before and after every step), averaged
  over the creates: the steps that grow with N are where creates wait on each other;
* the time before the first step (leases, the snapshot's reads, planning) and after the
  last one (the record, the event);
* the state store: how many calls, and the time spent in them (SQLite: waiting for the
  store's one connection and its commit, fsync included);
* the leases: time spent waiting to take one, by kind;
* CPU: eden's process and the moto server's, per create.

Run: ``.venv/bin/python bench/team_profile.py [--n 20] [--store sqlite] [--latency-ms 100]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import markdown_table, moto_process, server_cpu
from team import open_bench_store

from eden.aws.clients import AwsClients
from eden.config import build_profile
from eden.envs.records import OPERATION
from eden.sandbox.seed import sandbox_clients, sandbox_profile_values, seed
from eden.state import leases
from eden.wiring import aws_settings, open_engine


class Timings:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)

    def add(self, what: str, seconds: float) -> None:
        with self.lock:
            self.seconds[what] += seconds
            self.count[what] += 1

    def wrap(self, what: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.monotonic()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(what, time.monotonic() - t0)

        return timed


STORE_CALLS = ("get", "put", "add_event", "add_journal", "acquire_lock", "release_lock",
               "lock_info", "list_envs", "list_page")


def instrument(store: Any, timings: Timings) -> Callable[[], None]:
    for name in STORE_CALLS:
        if hasattr(store, name):
            setattr(store, name, timings.wrap(f"store.{name}", getattr(store, name)))
    original = leases.Lease.acquire

    def acquire(self: leases.Lease, *args: Any, **kwargs: Any) -> None:
        t0 = time.monotonic()
        try:
            original(self, *args, **kwargs)
        finally:
            timings.add(f"lease wait {self.key.split(':')[0]}:{self.key.split(':')[1]}",
                        time.monotonic() - t0)

    leases.Lease.acquire = acquire  # type: ignore[method-assign]

    def undo() -> None:
        leases.Lease.acquire = original  # type: ignore[method-assign]

    return undo


def steps_of(store: Any, profile: str, env: str) -> tuple[dict[str, float], float, float, float]:
    """Each step's seconds (start -> done), the time before the first step and after the
    last, and the whole operation, from the journal."""
    entries = sorted(store.journal(profile, env), key=lambda e: e.at)
    op = [e for e in entries if e.step == OPERATION]
    begin, end = op[0].at, op[-1].at
    started: dict[str, float] = {}
    took: dict[str, float] = {}
    for e in entries:
        if e.step == OPERATION:
            continue
        if e.phase == "start":
            started[e.step] = e.at
        elif e.phase in ("done", "failed") and e.step in started:
            took[e.step] = e.at - started[e.step]
    steps = [e.at for e in entries if e.step != OPERATION]
    first, last = (min(steps), max(steps)) if steps else (end, end)
    return took, first - begin, end - last, end - begin


def run(profile: Any, kind: str, db: Path, image: str, n: int, latency: float,
        tag: str) -> dict[str, Any]:
    clients = AwsClients(aws_settings(profile), inject_latency=latency)
    store = open_bench_store(kind, db, profile, f"eden-prof-{tag}")
    timings = Timings()
    with open_engine(profile, store=store, clients=clients, workers=max(32, 4 * n)) as engine:
        engine.create(f"feature/{tag}-warm", image)  # clients and connections built once
        engine.delete(f"feature/{tag}-warm")
        undo = instrument(store, timings)
        clients.reset_calls()
        branches = [f"feature/{tag}-{i:03d}" for i in range(n)]
        cpu0, aws0, t0 = time.process_time(), server_cpu(profile.endpoint_url), time.monotonic()
        with ThreadPoolExecutor(max_workers=n) as pool:
            list(pool.map(lambda b: engine.create(b, image), branches))
        wall = time.monotonic() - t0
        cpu, aws_cpu = time.process_time() - cpu0, server_cpu(profile.endpoint_url) - aws0
        undo()
        calls = clients.calls()
        per_env = [steps_of(store, profile.name, b.replace("/", "-")) for b in branches]
    store.close()
    step_names = sorted({s for took, *_ in per_env for s in took})
    return {
        "n": n, "store": kind, "wall": wall, "eden_cpu": cpu / n, "moto_cpu": aws_cpu / n,
        "calls_per_create": len(calls) / n,
        "aws_seconds_per_create": sum(c.end - c.start for c in calls) / n,
        "before_steps": statistics.mean(p[1] for p in per_env),
        "after_steps": statistics.mean(p[2] for p in per_env),
        "operation": statistics.mean(p[3] for p in per_env),
        "steps": {s: statistics.mean(p[0].get(s, 0.0) for p in per_env) for s in step_names},
        "timings": {k: (timings.count[k] / n, timings.seconds[k] / n) for k in timings.seconds},
        "load_1min": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--store", choices=("sqlite", "dynamodb"), default="sqlite")
    args = parser.parse_args()
    with moto_process() as url, tempfile.TemporaryDirectory() as tmp:
        info = seed(sandbox_clients(url))
        profile = build_profile("sandbox", sandbox_profile_values(info, url))
        results = [run(profile, args.store, Path(tmp) / f"p{n}.db", info.image_uris[0], n,
                       args.latency_ms / 1000, f"p{n}") for n in (1, args.n)]
    one, many = results
    print(f"## One create vs {args.n} at once ({args.store}, {args.latency_ms:.0f} ms per call, "
          f"load {many['load_1min']:.1f})\n")
    rows = [[k, f"{one[k]:.3f}", f"{many[k]:.3f}"] for k in (
        "wall", "operation", "before_steps", "after_steps", "eden_cpu", "moto_cpu",
        "calls_per_create", "aws_seconds_per_create")]
    rows += [[f"step {s}", f"{one['steps'].get(s, 0):.3f}", f"{many['steps'].get(s, 0):.3f}"]
             for s in many["steps"]]
    for k in sorted(set(one["timings"]) | set(many["timings"])):
        a, b = one["timings"].get(k, (0, 0)), many["timings"].get(k, (0, 0))
        rows.append([f"{k} (calls, s per create)", f"{a[0]:.0f}, {a[1]:.3f}",
                     f"{b[0]:.0f}, {b[1]:.3f}"])
    print(markdown_table(["per create", "N=1", f"N={args.n}"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
