"""A pool of ALBs filled to the brim: 500 environments over 5 ALBs, then `ls` and `gc`.

What it measures
    * fill -- creates environments 8 at a time (no injected latency: this part only builds
      the fleet) until the pool refuses one; reports how many each ALB took, and that the
      refusal came before anything was made;
    * ls, records only -- ``store.list_envs``: what ``eden ls --no-status`` reads;
    * ls -- the records plus every environment's health and drift (``Observer.survey``,
      which reads the fleet in batches, ``envs/survey.py``): what ``eden ls`` and the
      API's full list read; with the AWS calls it made;
    * ls, one by one -- the same answer read the way ``eden ls`` read it before the
      batches (``Observer.health`` and ``Observer.drift`` of each environment, in the
      same pool), measured in the same run for the comparison;
    * gc, nothing stale -- ``gc.stale`` plus ``gc.find_orphans``: what ``eden gc
      --orphans --dry-run`` does when the fleet is fresh;
    * gc, all stale -- every environment aged past its TTL with a fake clock and deleted
      by ``gc.collect`` 16 at a time.
    The last three run with ``--latency-ms`` (default 100) injected before every AWS call.

Why
    The teams issue's goal: a pool that takes hundreds of previews, and the commands people
    run every day staying usable at that size.

How to run (from the repository root; several minutes on 2 cores)
    .venv/bin/python bench/pool.py [--albs 5] [--envs 500] [--latency-ms 100] [--no-gc]

The moto server (with eden's AWS model, quotas included) runs in a process of its own.
Markdown on stdout, JSON in bench/results/pool.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import Clock, environment, markdown_table, moto_process, server_cpu

from eden.aws.clients import AwsClients
from eden.config import build_profile
from eden.envs import gc
from eden.envs.observe import Observer
from eden.errors import EdenError
from eden.sandbox.seed import add_shared_albs, sandbox_clients, sandbox_profile_values, seed
from eden.state import SqliteStore
from eden.wiring import aws_settings, open_engine


def fill(profile: Any, store: SqliteStore, image: str, target: int, clock: Clock) -> dict[str, Any]:
    """Creates up to ``target`` environments, 8 at a time, then one more that must be
    refused. A create that fails for another reason (moto's server is not thread-safe and
    answers 500 now and then under this load) is run again, as a user would."""
    refusal: list[str] = []
    retried: list[str] = []
    t0 = time.monotonic()
    with open_engine(profile, store=store, clock=clock, workers=64) as engine:

        def one(i: int) -> bool:
            for _attempt in range(3):
                try:
                    engine.create(f"feature/pool-{i:04d}", image)
                    return True
                except EdenError as exc:
                    full = ("does not fit", "has room for a new environment")
                    if any(words in exc.message for words in full):
                        refusal.append(exc.message)
                        return False
                    retried.append(exc.message)
            return False

        with ThreadPoolExecutor(max_workers=8) as pool:
            made = sum(pool.map(one, range(target)))
        over = one(target)  # the pool should be full now
        by_alb = Counter(str(r.extra.get("alb_arn", "?")).split("/")[-2] for r in
                         engine.environments())
    return {"made": made, "seconds": time.monotonic() - t0, "by_alb": dict(sorted(by_alb.items())),
            "one_more_made": over, "refusal": refusal[-1] if refusal else None,
            "retried": len(retried), "retry_reasons": sorted(set(retried))[:5]}


def one_by_one(engine: Any, records: list[Any]) -> list[Any]:
    """What ``eden ls`` read before ``envs/survey.py``: each environment alone (about ten
    calls each), in the engine's pool; the reference once."""
    observer = Observer(engine)
    ref = observer.reference(records[0])
    futures = [engine.pool.submit(lambda r=r: (observer.health(r), observer.drift(r, ref)))
               for r in records]
    return [f.result() for f in futures]


def per_operation(calls: list[Any]) -> dict[str, dict[str, float]]:
    """Each AWS operation: how many calls, and their mean and longest seconds."""
    seconds: dict[str, list[float]] = {}
    for c in calls:
        seconds.setdefault(c.operation, []).append(c.end - c.start)
    return {op: {"calls": len(s), "mean": sum(s) / len(s), "max": max(s)}
            for op, s in sorted(seconds.items())}


def timed(profile: Any, store: SqliteStore, latency: float, clock: Clock,
          with_gc: bool = True) -> dict[str, Any]:
    url = str(profile.endpoint_url)
    clients = AwsClients(aws_settings(profile), inject_latency=latency)
    out: dict[str, Any] = {}
    with open_engine(profile, store=store, clients=clients, clock=clock, workers=32) as engine:
        t0 = time.monotonic()
        records = store.list_envs(profile.name)
        out["ls_records"] = {"seconds": time.monotonic() - t0, "envs": len(records), "calls": 0}
        runs: list[tuple[str, Any]] = [
            ("ls_one_by_one", lambda: one_by_one(engine, records)),
            ("ls", lambda: Observer(engine).survey(records)),
        ]
        if with_gc:
            runs.append(("gc_fresh", lambda: (gc.stale(records, clock(), profile.ttl_hours),
                                              gc.find_orphans(engine))))
        for what, run in runs:
            clients.reset_calls()
            load, cpu0, moto0 = os.getloadavg()[0], time.process_time(), server_cpu(url)
            t0 = time.monotonic()
            run()
            out[what] = {"seconds": time.monotonic() - t0, "calls": len(clients.calls()),
                         "load_1min": round(load, 1), "eden_cpu": time.process_time() - cpu0,
                         "moto_cpu": server_cpu(url) - moto0,
                         "operations": per_operation(clients.calls())}
        if not with_gc:
            return out
        clock.offset = (profile.ttl_hours + 1) * 3600
        candidates = gc.stale(engine.environments(), clock(), profile.ttl_hours)
        clients.reset_calls()
        t0 = time.monotonic()
        results = gc.collect(engine, candidates, parallel=16)
        out["gc_all"] = {"seconds": time.monotonic() - t0, "calls": len(clients.calls()),
                         "deleted": sum(r.ok for r in results)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--albs", type=int, default=5)
    parser.add_argument("--envs", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--no-gc", action="store_true", help="measure only ls")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "pool.json")
    args = parser.parse_args()
    with moto_process() as url, tempfile.TemporaryDirectory() as tmp:
        aws = sandbox_clients(url)
        info = add_shared_albs(aws, seed(aws), args.albs)
        profile = build_profile("sandbox", sandbox_profile_values(info, url))
        store = SqliteStore(Path(tmp) / "state.db")
        clock = Clock()
        print(f"filling {args.albs} ALBs with up to {args.envs} environments", file=sys.stderr)
        filled = fill(profile, store, info.image_uris[0], args.envs, clock)
        print("ls and gc", file=sys.stderr)
        measured = timed(profile, store, args.latency_ms / 1000, clock, not args.no_gc)
        store.close()
    results = {"albs": args.albs, "latency_ms": args.latency_ms, "fill": filled,
               "measured": measured, "environment": environment()}
    print(f"## {filled['made']} environments over {args.albs} ALBs\n")
    print(markdown_table(["ALB", "environments"], [[k, str(v)] for k, v in
                                                    filled["by_alb"].items()]))
    print(f"\nfill: {filled['seconds']:.0f} s ({filled['retried']} creates run again after "
          f"a moto 500); one more made: {filled['one_more_made']}; refusal: "
          f"{filled['refusal']}\n")
    print(f"## ls and gc at {measured['ls_records']['envs']} environments, "
          f"{args.latency_ms:.0f} ms per AWS call\n")
    rows = [[name, f"{m['seconds']:.2f}", str(m["calls"]), f"{m.get('eden_cpu', 0):.1f}",
             f"{m.get('moto_cpu', 0):.1f}", str(m.get("load_1min", "-"))]
            for name, m in measured.items()]
    print(markdown_table(["what", "wall (s)", "AWS calls", "eden CPU (s)", "moto CPU (s)",
                          "load (1 min)"], rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
