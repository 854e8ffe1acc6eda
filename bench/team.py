"""Team-scale benchmark: N concurrent creates, and gc of many stale environments.

What it measures, against an in-process moto server with a fixed latency injected before
every AWS call (100 ms by default, modelling AWS's control plane; moto itself answers in
about a millisecond):

* throughput of N concurrent creates of different branches (each with its own engine, as
  N CI jobs would), then N concurrent deletes: wall time, environments per second, and
  the slowest single operation; the shared leases (rule priorities, endpoints document)
  are what serialises part of the work, so this shows what they cost;
* ``eden gc`` of M stale environments (made without latency, then aged with a fake clock)
  at several parallelism levels.

Run: ``.venv/bin/python bench/team.py [--latency-ms 100] [--n 10 --n 20] [--stale 100]``.
Results: a Markdown table on stdout, JSON in bench/results/team.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import Clock, environment, markdown_table, moto_process, server_cpu

from eden.aws.clients import AwsClients
from eden.config import build_profile
from eden.envs import gc
from eden.sandbox.seed import sandbox_clients, sandbox_profile_values, seed
from eden.state import SqliteStore
from eden.state.base import open_store
from eden.wiring import aws_settings, open_engine


def open_bench_store(kind: str, db: Path, profile: Any, table: str) -> Any:
    """SQLite in a file, or a DynamoDB table on the moto server with 10 ms per call (what
    DynamoDB answers in from the same region; the 100 ms is AWS's control plane)."""
    if kind == "sqlite":
        return SqliteStore(db)
    url = f"dynamodb://{table}?region={profile.region}&endpoint_url={profile.endpoint_url}"
    store = open_store(url, clients=AwsClients(aws_settings(profile), inject_latency=0.01))
    store.create_table()  # type: ignore[attr-defined]
    return store


def concurrent_round(profile: Any, db: Path, image: str, n: int, latency: float,
                     tag: str, store_kind: str = "sqlite") -> dict[str, Any]:
    branches = [f"feature/{tag}-{i:03d}" for i in range(n)]
    # One process, one engine, N requests at once: what the HTTP API server does. (N
    # separate CLI processes are exercised by tests/integration/test_team.py; on this
    # 2-core machine their cost is dominated by each process building boto3 clients.)
    clients = AwsClients(aws_settings(profile), inject_latency=latency)
    store = open_bench_store(store_kind, db, profile, f"eden-bench-{tag}")
    engine_cm = open_engine(profile, store=store, clients=clients, workers=max(32, 4 * n))
    engine = engine_cm.__enter__()

    def op(kind: str, branch: str) -> float:
        t0 = time.monotonic()
        if kind == "create":
            engine.create(branch, image)
        else:
            engine.delete(branch)
        return time.monotonic() - t0

    out: dict[str, Any] = {"n": n, "store": store_kind}
    # A warm-up create and delete: clients and connections are built once per engine, as in
    # a running API server, not once per measured round.
    engine.create(f"feature/{tag}-warm", image)
    engine.delete(f"feature/{tag}-warm")
    for kind in ("create", "delete"):
        t0, cpu0, aws0 = time.monotonic(), time.process_time(), server_cpu(profile.endpoint_url)
        with ThreadPoolExecutor(max_workers=n) as pool:
            each = list(pool.map(lambda b, k=kind: op(k, b), branches))
        wall = time.monotonic() - t0
        out[kind] = {"wall": wall, "per_second": n / wall, "slowest": max(each),
                     "fastest": min(each), "eden_cpu": time.process_time() - cpu0,
                     "aws_cpu": server_cpu(profile.endpoint_url) - aws0}
    engine_cm.__exit__(None, None, None)
    store.close()
    return out


def gc_round(profile: Any, db: Path, image: str, m: int, parallel: int,
             latency: float) -> dict[str, Any]:
    clock = Clock()
    store = SqliteStore(db)
    with (
        open_engine(profile, store=store, clock=clock) as engine,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        list(pool.map(lambda i: engine.create(f"feature/stale-{parallel}-{i:03d}", image),
                      range(m)))
    clock.offset = 48 * 3600
    clients = AwsClients(aws_settings(profile), inject_latency=latency)
    with open_engine(profile, store=store, clients=clients, clock=clock) as engine:
        candidates = gc.stale(engine.environments(), clock(), 24)
        t0 = time.monotonic()
        results = gc.collect(engine, candidates, parallel=parallel)
        wall = time.monotonic() - t0
    store.close()
    return {"m": m, "parallel": parallel, "wall": wall, "deleted": sum(r.ok for r in results),
            "per_second": m / wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--n", type=int, action="append", help="concurrent creates (repeatable)")
    parser.add_argument("--store", action="append", choices=("sqlite", "dynamodb"),
                        help="state stores to run the concurrent creates with (repeatable)")
    parser.add_argument("--stale", type=int, default=100)
    parser.add_argument("--parallel", type=int, action="append")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "team.json")
    args = parser.parse_args()
    ns = args.n or [1, 20, 50]
    stores = args.store or ["sqlite", "dynamodb"]
    parallels = args.parallel or [4, 16]
    latency = args.latency_ms / 1000
    results: dict[str, Any] = {"latency_ms": args.latency_ms, "environment": environment(),
                               "concurrent": [], "gc": []}
    with moto_process() as url, tempfile.TemporaryDirectory() as tmp:
        info = seed(sandbox_clients(url))
        profile = build_profile("sandbox", sandbox_profile_values(info, url))
        for kind in stores:
            for n in ns:
                print(f"concurrent creates/deletes: n={n}, {kind}", file=sys.stderr)
                results["concurrent"].append(
                    concurrent_round(profile, Path(tmp) / f"c{n}-{kind}.db", info.image_uris[0],
                                     n, latency, f"c{n}-{kind}", kind))
        for p in parallels:
            print(f"gc of {args.stale} stale environments, parallel={p}", file=sys.stderr)
            results["gc"].append(gc_round(profile, Path(tmp) / f"gc{p}.db", info.image_uris[0],
                                          args.stale, p, latency))

    print(f"## Concurrent creates and deletes, {args.latency_ms:.0f} ms per AWS call\n")
    rows = []
    one = {(r["store"], kind): r[kind]["wall"] for r in results["concurrent"] if r["n"] == 1
           for kind in ("create", "delete")}
    for r in results["concurrent"]:
        for kind in ("create", "delete"):
            k = r[kind]
            base = one.get((r["store"], kind))
            ratio = f"{k['wall'] / base:.2f}x" if base else "-"
            rows.append([r["store"], str(r["n"]), kind, f"{k['wall']:.2f}", ratio,
                         f"{k['per_second']:.1f}", f"{k['slowest']:.2f}",
                         f"{k['eden_cpu']:.2f}", f"{k['aws_cpu']:.2f}"])
    print(markdown_table(["store", "N", "op", "wall (s)", "vs one", "envs/s", "slowest (s)",
                          "eden CPU (s)", "moto CPU (s)"], rows))
    print(f"\n## gc of {args.stale} stale environments, {args.latency_ms:.0f} ms per AWS call\n")
    rows = [[str(g["parallel"]), str(g["deleted"]), f"{g['wall']:.2f}", f"{g['per_second']:.1f}"]
            for g in results["gc"]]
    print(markdown_table(["parallel", "deleted", "wall (s)", "envs/s"], rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
