"""API overhead over the direct engine path, and 50 concurrent creates/deletes over HTTP.

    .venv/bin/python bench/api_bench.py                 # ~1 minute
    .venv/bin/python bench/api_bench.py --runs 5 --concurrency 50 --latency-ms 100

Starts moto in-process on 127.0.0.1, seeds the sandbox stack, then:

1. one create and one delete, timed inside ``Engine.create`` / ``Engine.delete`` (the
   CLI's path minus process start-up) and as a ``PUT``/``DELETE`` through the real server
   (uvicorn on 127.0.0.1, httpx): the difference is what the API layer adds;
2. N concurrent ``PUT`` creates, then N concurrent ``DELETE`` s, against a server whose
   AWS clients sleep ``--latency-ms`` before every call (``AwsClients(inject_latency=)``),
   so the run looks like AWS's control plane rather than moto's one-millisecond answers.

Prints Markdown tables; docs/api.md quotes them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from _common import moto_server

from eden.api import ApiSettings, create_app
from eden.api.auth import issue_key
from eden.api.serving import ServerThread
from eden.aws.clients import AwsClients
from eden.config import Profile, build_profile, write_profile
from eden.sandbox.seed import sandbox_clients, sandbox_profile_values, seed
from eden.state import SqliteStore
from eden.wiring import aws_settings, open_engine


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _setup(moto_url: str, tmp: Path, latency: float) -> tuple[Profile, Path, SqliteStore]:
    info = seed(sandbox_clients(moto_url))
    values = sandbox_profile_values(info, moto_url)
    values["state"] = f"sqlite:///{tmp / 'state.db'}"
    config = tmp / "eden.toml"
    write_profile(config, "sandbox", values, default=True)
    return build_profile("sandbox", values), config, SqliteStore(tmp / "state.db")


def overhead(moto_url: str, tmp: Path, runs: int, image: str) -> list[tuple[str, float, float]]:
    profile, config, store = _setup(moto_url, tmp, 0.0)
    direct_c: list[float] = []
    direct_d: list[float] = []
    api_c: list[float] = []
    api_d: list[float] = []
    _, secret = issue_key(store, "bench", "write")
    app = create_app(ApiSettings(config=config, store=store))
    head = {"x-api-key": secret}
    with (
        open_engine(profile, store=store, actor="bench") as engine,
        ServerThread(app) as server,
        httpx.Client(base_url=server.url, timeout=120) as http,
    ):
        engine.environments()
        http.get("/api/v1/environments", headers=head)  # the server opens its engine once
        # Interleaved, so both paths see the same moto (it slows as it fills up).
        for i in range(runs):
            direct_c.append(_timed(lambda i=i: engine.create(f"direct/run-{i}", image)))
            direct_d.append(_timed(lambda i=i: engine.delete(f"direct/run-{i}")))
            put = lambda i=i: http.put(  # noqa: E731
                f"/api/v1/environments/api/run-{i}", json={"image": image}, headers=head
            ).raise_for_status()
            api_c.append(_timed(put))
            delete = lambda i=i: http.delete(  # noqa: E731
                f"/api/v1/environments/api/run-{i}", headers=head
            ).raise_for_status()
            api_d.append(_timed(delete))
    store.close()
    med = statistics.median
    return [
        ("create", med(direct_c), med(api_c)),
        ("delete", med(direct_d), med(api_d)),
    ]


def concurrent(
    moto_url: str, tmp: Path, n: int, latency: float, image: str
) -> dict[str, dict[str, float]]:
    _, config, store = _setup(moto_url, tmp, latency)
    _, secret = issue_key(store, "bench", "write")

    def clients(p: Profile) -> AwsClients:
        return AwsClients(aws_settings(p), inject_latency=latency)

    app = create_app(ApiSettings(config=config, store=store, clients=clients, workers=n))
    results: dict[str, dict[str, float]] = {}
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    with (
        ServerThread(app) as server,
        httpx.Client(base_url=server.url, timeout=300, limits=limits) as http,
    ):
        head = {"x-api-key": secret}
        http.get("/api/v1/environments", headers=head)

        def one(method: str, i: int) -> float:
            path = f"/api/v1/environments/load/env-{i:03d}"
            body = {"image": image} if method == "PUT" else None
            start = time.perf_counter()
            r = http.request(method, path, json=body, headers=head)
            r.raise_for_status()
            return time.perf_counter() - start

        alone = {"PUT": one("PUT", 999), "DELETE": one("DELETE", 999)}
        for method in ("PUT", "DELETE"):
            with ThreadPoolExecutor(max_workers=n) as pool:
                start = time.perf_counter()
                times = list(pool.map(lambda i, m=method: one(m, i), range(n)))
                wall = time.perf_counter() - start
            times.sort()
            results[method] = {
                "wall": wall,
                "p50": times[len(times) // 2],
                "p95": times[int(len(times) * 0.95) - 1],
                "max": times[-1],
                "per_s": n / wall,
                "alone": alone[method],
            }
        left = http.get("/api/v1/environments", headers=head).json()["environments"]
        assert left == [], f"{len(left)} environments left after the deletes"
    store.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args(argv)
    latency = args.latency_ms / 1000
    with moto_server() as url, tempfile.TemporaryDirectory() as tmp:
        image = seed(sandbox_clients(url)).image_uris[0]
        rows = overhead(url, Path(tmp) / "a", args.runs, image)
        print(f"## API overhead (moto, no injected latency, median of {args.runs})\n")
        print("| operation | engine direct | through the API | API overhead |")
        print("|---|---|---|---|")
        for name, direct, api in rows:
            print(f"| {name} | {_ms(direct)} | {_ms(api)} | {_ms(api - direct)} |")
        (Path(tmp) / "b").mkdir()
        res = concurrent(url, Path(tmp) / "b", args.concurrency, latency, image)
        print(
            f"\n## {args.concurrency} concurrent API calls, {args.latency_ms:.0f} ms injected "
            "per AWS call\n"
        )
        print("| phase | one alone | wall | per request p50 | p95 | max | throughput |")
        print("|---|---|---|---|---|---|---|")
        for method, label in (("PUT", "create"), ("DELETE", "delete")):
            r = res[method]
            print(
                f"| {label} x{args.concurrency} | {r['alone']:.2f} s | {r['wall']:.2f} s | "
                f"{r['p50']:.2f} s | "
                f"{r['p95']:.2f} s | {r['max']:.2f} s | {r['per_s']:.1f}/s |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
