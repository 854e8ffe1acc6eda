"""Benchmark of ``eden ls`` on each state store: 1,000 environments, SQLite vs DynamoDB.

What it measures
    For each store and each of N runs (default 5), on a fresh, empty store:

    * insert -- ``store.put(record)`` for 1,000 environments of one profile, one after
      another (as 1,000 ``eden create`` would write them);
    * ls     -- ``store.list_envs(profile)``, what ``eden ls`` reads, on the store that
      just wrote them (connections open);
    * ls, fresh store -- opening a new store and listing, what a new ``eden ls`` process
      pays (for DynamoDB this includes building the boto3 session and client);
    * all profiles -- ``store.list_envs(None)``.

    It reports the median (and min) over the runs, and for DynamoDB the number of requests
    one ``ls`` makes (DynamoDB returns at most 1 MB per Query page).

Why
    A team shares its state in DynamoDB; the question is what that costs the command
    people run most, against the SQLite file a single user has. The DynamoDB side is moto
    in this process over HTTP on 127.0.0.1, so it measures eden's and botocore's work per
    request plus a local round trip: AWS adds a few milliseconds per request in-region,
    which matters for the 1,000 sequential puts (each its own request) and little for
    ``ls`` (a handful of pages).

How to run (from the repository root; about 50 s with the defaults on 2 cores)
    .venv/bin/python bench/state_ls.py
    .venv/bin/python bench/state_ls.py --runs 10 --envs 5000

The SQLite file lives in a temporary directory (WAL mode, as eden uses it); each run
gets a new file and a new DynamoDB table. The Markdown table goes to stdout, progress to
stderr, and the results with every run's timings to ``bench/results/state_ls.json``
(``--out`` to change).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import environment, markdown_table, median, moto_server

from eden.aws.clients import AwsClients, AwsSettings
from eden.state import DynamoStore, EnvRecord, ServiceRecord, SqliteStore, StateStore

RESULTS = Path(__file__).parent / "results" / "state_ls.json"
DEFAULT_RUNS = 5
DEFAULT_ENVS = 1000
PROFILE = "bench"
OTHER_PROFILE = "other"  # a second, small profile, so "all profiles" has two to read
ACCOUNT = "123456789012"
ARN = "arn:aws"
WHERE = f"eu-west-1:{ACCOUNT}"


def env_record(i: int, profile: str = PROFILE) -> EnvRecord:
    """A record shaped like the ones eden writes (names, one service, DNS extras)."""
    name = f"feature-login-{i:05d}"
    return EnvRecord(
        profile=profile,
        name=name,
        branch=f"feature/login-{i:05d}",
        host=f"api-{name}.dev.example.com",
        status="ready",
        created_at=1_700_000_000.0 + i,
        last_deploy_at=1_700_000_060.0 + i,
        names={
            "name": name,
            "service": f"eden-{name}",
            "target_group": f"eden-{name}"[:32],
            "task_family": f"eden-{name}",
            "log_group": f"/eden/{profile}/{name}",
        },
        services=[
            ServiceRecord(
                role="app",
                image=f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:sha-{i:07x}",
                task_definition_arn=f"{ARN}:ecs:{WHERE}:task-definition/eden-{name}:1",
                service_arn=f"{ARN}:ecs:{WHERE}:service/dev/eden-{name}",
                target_group_arn=(
                    f"{ARN}:elasticloadbalancing:{WHERE}:targetgroup/eden-{i:05d}/0123456789abcdef"
                ),
                rule_arn=(
                    f"{ARN}:elasticloadbalancing:{WHERE}:listener-rule/app/dev/0123/4567/{i:016x}"
                ),
            )
        ],
        extra={"zone_id": "Z0123456789ABC", "rule_priority": i + 1, "record_type": "A"},
    )


@dataclass
class Run:
    insert_s: float
    ls_s: float
    ls_fresh_s: float
    all_s: float
    ls_requests: int | None = None


@dataclass
class StoreResult:
    store: str
    runs: list[Run] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def stats(values: list[float]) -> dict[str, float]:
            return {"median": median(values), "min": min(values)}

        return {
            "store": self.store,
            "insert_s": stats([r.insert_s for r in self.runs]),
            "ls_s": stats([r.ls_s for r in self.runs]),
            "ls_fresh_store_s": stats([r.ls_fresh_s for r in self.runs]),
            "all_profiles_s": stats([r.all_s for r in self.runs]),
            "runs": [asdict(r) for r in self.runs],
        }


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of one call. The heap is collected and frozen first: moto keeps every
    item in this process, and a full collection inside the timed call would be noise a
    real CLI process does not have."""
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.unfreeze()


def measure(store: StateStore, open_fresh: Callable[[], StateStore], n: int,
            count_requests: Callable[[], int] | None) -> Run:
    def insert() -> None:
        for i in range(n):
            store.put(env_record(i))

    insert_s = timed(insert)
    store.put(env_record(0, OTHER_PROFILE))

    listed: list[EnvRecord] = []
    if count_requests:
        count_requests()  # resets the count
    ls_s = timed(lambda: listed.extend(store.list_envs(PROFILE)))
    requests = count_requests() if count_requests else None
    if len(listed) != n or listed[0].name != env_record(0).name:
        raise AssertionError(f"ls returned {len(listed)} environments, expected {n}")

    def fresh() -> None:
        other = open_fresh()
        try:
            if len(other.list_envs(PROFILE)) != n:
                raise AssertionError("a fresh store sees a different list")
        finally:
            other.close()

    ls_fresh_s = timed(fresh)
    all_s = timed(lambda: store.list_envs(None))
    return Run(insert_s, ls_s, ls_fresh_s, all_s, requests)


def run_sqlite(runs: int, n: int) -> StoreResult:
    result = StoreResult("SQLite file")
    with tempfile.TemporaryDirectory(prefix="eden-bench-") as tmp:
        for run in range(runs):
            path = Path(tmp) / f"state-{run}.db"
            store = SqliteStore(path)

            def fresh(p: Path = path) -> StateStore:
                return SqliteStore(p)

            try:
                result.runs.append(measure(store, fresh, n, None))
            finally:
                store.close()
            print(f"sqlite: run {run + 1}/{runs} done", file=sys.stderr, flush=True)
    return result


def run_dynamodb(runs: int, n: int) -> StoreResult:
    result = StoreResult("DynamoDB (moto, HTTP)")
    with moto_server() as url:
        settings = AwsSettings(region="us-east-1", endpoint_url=url,
                               access_key_id="sandbox", secret_access_key="sandbox")
        clients = AwsClients(settings)
        for run in range(runs):
            table = f"eden-bench-{uuid.uuid4().hex[:12]}"
            store = DynamoStore(table, clients)
            store.create_table()

            def count() -> int:
                done = len(clients.calls())
                clients.reset_calls()
                return done

            def fresh(t: str = table) -> StateStore:
                return DynamoStore(t, AwsClients(settings))  # a new process's clients

            result.runs.append(measure(store, fresh, n, count))
            print(f"dynamodb: run {run + 1}/{runs} done", file=sys.stderr, flush=True)
    return result


def render(results: Sequence[StoreResult], n: int, runs: int) -> str:
    header = [
        "store",
        f"insert {n:,} (s)",
        "per put (ms)",
        f"ls {n:,} (ms)",
        "ls, fresh store (ms)",
        "all profiles (ms)",
        "requests per ls",
    ]
    rows = []
    for res in results:
        d = res.as_dict()

        def cell(key: str, scale: float = 1000.0, digits: int = 1, d: dict[str, Any] = d) -> str:
            return f"{d[key]['median'] * scale:.{digits}f} (min {d[key]['min'] * scale:.{digits}f})"

        requests = sorted({run.ls_requests for run in res.runs if run.ls_requests is not None})
        rows.append([
            res.store,
            cell("insert_s", 1.0, 2),
            f"{d['insert_s']['median'] * 1000 / n:.2f}",
            cell("ls_s"),
            cell("ls_fresh_store_s"),
            cell("all_profiles_s"),
            "/".join(str(x) for x in requests) or "–",
        ])
    table = markdown_table(header, rows, ["l", "r", "r", "r", "r", "r", "r"])
    return f"{table}\n\nMedian (min) of {runs} runs, {n:,} environments in one profile."


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time eden ls (list_envs) with many environments on SQLite and DynamoDB.",
    )
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                        help=f"fresh stores per kind (default: {DEFAULT_RUNS})")
    parser.add_argument("--envs", type=int, default=DEFAULT_ENVS,
                        help=f"environments to insert and list (default: {DEFAULT_ENVS})")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="where to write the JSON results (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.envs < 1:
        parser.error("--envs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results = [run_sqlite(args.runs, args.envs), run_dynamodb(args.runs, args.envs)]
    print(render(results, args.envs, args.runs))
    elapsed = time.perf_counter() - started
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "state_ls",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "runs": args.runs,
        "envs": args.envs,
        "record_json_bytes": len(env_record(0).to_json()),
        "elapsed_s": round(elapsed, 1),
        "environment": environment(),
        "results": [r.as_dict() for r in results],
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwrote {out} ({elapsed:.1f} s in all)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
