"""API overhead over the direct engine path, 50 concurrent creates/deletes over HTTP, and
reading a fleet of 500 environments (list, page, 304, get; ``eden ls`` and ``gc``).

    .venv/bin/python bench/api_bench.py                 # every part, ~4 minutes
    .venv/bin/python bench/api_bench.py listing         # the read path only, ~2 minutes
    .venv/bin/python bench/api_bench.py overhead concurrent --runs 5 --latency-ms 100

Starts moto in-process on 127.0.0.1, seeds the sandbox stack, then:

1. one create and one delete, timed inside ``Engine.create`` / ``Engine.delete`` (the
   CLI's path minus process start-up) and as a ``PUT``/``DELETE`` through the real server
   (uvicorn on 127.0.0.1, httpx): the difference is what the API layer adds;
2. N concurrent ``PUT`` creates, then N concurrent ``DELETE`` s, against a server whose
   AWS clients sleep ``--latency-ms`` before every call (``AwsClients(inject_latency=)``),
   so the run looks like AWS's control plane rather than moto's one-millisecond answers.

3. ``listing``: 500 environment records written straight into a SQLite state store (copies
   of one environment really created against moto, with its events and journal), the real
   ``eden serve`` process started on that store, and httpx (one thread and keep-alive
   connection per client) driving it at ``--list-concurrency`` (16) in a closed loop, per
   scenario: the whole list, a lean page, the dashboard's request, 304 revalidations, one
   environment. Each reports req/s, p50, p99, bytes per answer and the server's CPU (from
   /proc), with ``/healthz`` as the floor (what any request costs this server and
   machine). Then ``eden ls`` and ``eden gc --dry-run`` as whole processes on the same
   500, and what one list answer costs in-process (``listing.answer``, no HTTP): a 304, a
   kept answer, and answers built from the store. Results: ``bench/results/api_list.json``.

   ``--before-src DIR`` also serves (and runs the CLI) from another checkout's ``src``,
   e.g. the code before pages and ETags, on the same fleet, each scenario measured on it
   right after this checkout's so that both see the same load of the moment:

       mkdir /tmp/before && git archive 25e3073 src | tar -x -C /tmp/before
       .venv/bin/python bench/api_bench.py listing --before-src /tmp/before/src

   Scenarios the older code cannot answer (no pages, no ETag) are left out of its table.

Prints Markdown tables; docs/api.md and docs/api-performance.md quote them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from _api_load import (
    Scenario,
    build_costs,
    eden_serve,
    measure,
    seed_records,
    timed_process,
)
from _common import environment, markdown_table, moto_server

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


RESULTS = Path(__file__).parent / "results" / "api_list.json"
BRANCH = "feature/JIRA-1100-make-the-page-faster"  # one of the 500 (see _api_load.variant)


def _fleet(moto_url: str, tmp: Path, n: int) -> tuple[Path, dict[str, str], str]:
    """A profiles file whose state holds ``n`` environments, and a read key for them."""
    profile, config, store = _setup(moto_url, tmp, 0.0)
    with open_engine(profile, store=store, actor="bench") as engine:
        image = seed(sandbox_clients(moto_url)).image_uris[0]
        template = engine.create("template/real-one", image).record
        assert template is not None
        events = store.events(profile.name, template.name)
        journal = store.journal(profile.name, template.name)
    store.delete(profile.name, template.name)  # its copies stand in for it
    seed_records(store, template, events, journal, n)
    _, secret = issue_key(store, "bench", "read")
    store.close()
    env = {"XDG_CONFIG_HOME": str(tmp / "xdg-config"), "XDG_DATA_HOME": str(tmp / "xdg-data"),
           "EDEN_CONFIG": str(config), "EDEN_PROFILE": "sandbox"}
    return config, env, secret


def _scenarios(url: str, key: str, page: int) -> list[Scenario]:
    """What to send; only what the served code answers (the code before pages ignores
    view and limit, and sends no ETag: those rows would measure something else)."""
    head = {"x-api-key": key}
    lean = f"/api/v1/environments?view=summary&limit={page}"
    dashboard = "/api/v1/environments?view=summary&limit=500"
    full = "/api/v1/environments"
    one = f"/api/v1/environments/{BRANCH}"
    first = {p: httpx.get(url + p, headers=head, timeout=60) for p in (lean, full, one)}
    tags = {p: r.headers.get("etag") for p, r in first.items()}
    pages = "next_cursor" in first[lean].json()
    rows = [
        (True, Scenario("/healthz (no key, no work: the floor)", "/healthz", {})),
        (True, Scenario("full list (every field, all)", full, head)),
        (pages, Scenario(f"lean page (view=summary, limit={page})", lean, head)),
        (pages, Scenario("lean, all 500 (the dashboard's poll)", dashboard, head)),
        (bool(tags[lean]), Scenario("lean page, 304 revalidation", lean,
                                    {**head, "if-none-match": tags[lean] or ""}, 304)),
        (bool(tags[full]), Scenario("full list, 304 revalidation", full,
                                    {**head, "if-none-match": tags[full] or ""}, 304)),
        (True, Scenario("get one (by branch)", one, head)),
        (bool(tags[one]), Scenario("get one, 304 revalidation", one,
                                   {**head, "if-none-match": tags[one] or ""}, 304)),
    ]
    return [scenario for served, scenario in rows if served]


def listing(moto_url: str, tmp: Path, n: int, concurrency: int, requests: int,
            page: int, before_src: Path | None = None) -> dict[str, Any]:
    """The read path on ``n`` environments. With ``before_src``, a second ``eden serve``
    runs that code on the same store, and each scenario it can answer is measured on it
    right after this checkout's: the two rows of a pair share the load of the moment (the
    machine is shared and noisy), so compare within a pair."""
    config, env, key = _fleet(moto_url, tmp, n)
    envs = {"after": env}
    if before_src is not None:
        envs["before"] = {**env, "PYTHONPATH": str(before_src.resolve())}
    rows: dict[str, list[dict[str, Any]]] = {side: [] for side in envs}
    with ExitStack() as stack:
        servers = {side: stack.enter_context(eden_serve(config, e, tmp / f"{side}.log"))
                   for side, e in envs.items()}
        plans = {side: {s.label: s for s in _scenarios(server.url, key, page)}
                 for side, server in servers.items()}
        for label in plans["after"]:
            for side, server in servers.items():
                if label in plans[side]:
                    rows[side].append(measure(server, plans[side][label], concurrency,
                                              requests))
            print(f"listing: {label} done", file=sys.stderr, flush=True)
    cli: dict[str, list[dict[str, Any]]] = {side: [] for side in envs}
    for args, runs in ((["ls", "--no-status"], 3), (["ls", "--no-status", "-o", "json"], 3),
                       (["gc", "--dry-run"], 3), (["ls"], 1)):  # ls: health from moto
        for side, e in envs.items():
            cli[side].append(timed_process(args, e, runs))
    return {"environments": n, "concurrency": concurrency, "requests": requests,
            "before_src": str(before_src) if before_src else None,
            "scenarios": rows, "builds": build_costs(config, 20), "cli": cli,
            "environment": environment()}


def _print_listing(res: dict[str, Any]) -> None:
    head = ["request", "req/s", "p50 ms", "p99 ms", "bytes", "server cores",
            "server CPU ms/req", "load (1 min)"]
    for side, rows in res["scenarios"].items():
        code = "this checkout" if side == "after" else res["before_src"]
        print(f"\n## {side}: {res['environments']} environments, concurrency "
              f"{res['concurrency']}, {res['requests']} requests per row ({code})\n")
        table = [[r["label"], f"{r['req_per_s']:,.0f}", f"{r['p50_ms']:.1f}",
                  f"{r['p99_ms']:.1f}", f"{r['bytes']:,}", f"{r['server_cores']:.2f}",
                  f"{r['server_cpu_ms_per_request']:.2f}", f"{r['load_average_1m']:.1f}"]
                 for r in rows]
        print(markdown_table(head, table, ["l"] + ["r"] * 7))
    print()
    sides = list(res["cli"])
    cli = [[f"eden {' '.join(c['args'])}", *(f"{res['cli'][side][i]['median_s']:.2f}"
                                           for side in sides), str(c["runs"])]
           for i, c in enumerate(res["cli"]["after"])]
    print(markdown_table(["command (500 environments)", *(f"{s}: wall s (median)" for s in sides),
                          "runs"], cli, ["l"] + ["r"] * (len(sides) + 1)))
    builds = [[b["label"], f"{b['median_ms']:.2f}", str(b["runs"])] for b in res["builds"]]
    print()
    print(markdown_table(["one list answer, in-process (no HTTP)", "median ms", "runs"],
                         builds, ["l", "r", "r"]))


PARTS = ("overhead", "concurrent", "listing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", choices=PARTS, default=[],
                        help="which parts to run (default: all)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--envs", type=int, default=500, help="listing: environments")
    parser.add_argument("--list-concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=800, help="listing: per scenario")
    parser.add_argument("--page", type=int, default=50, help="listing: the lean page's limit")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--before-src", type=Path, default=None,
                        help="listing: also serve eden from this src directory, alongside")
    args = parser.parse_args(argv)
    parts = args.parts or list(PARTS)
    latency = args.latency_ms / 1000
    with moto_server() as url, tempfile.TemporaryDirectory() as tmp:
        if "listing" in parts:
            (Path(tmp) / "c").mkdir()
            res = listing(url, Path(tmp) / "c", args.envs, args.list_concurrency,
                          args.requests, args.page, args.before_src)
            args.out.write_text(json.dumps(res, indent=2) + "\n")
            _print_listing(res)
        if "overhead" in parts or "concurrent" in parts:
            _create_parts(url, Path(tmp), parts, args, latency)
    return 0


def _create_parts(url: str, tmp: Path, parts: list[str], args: Any, latency: float) -> None:
    image = seed(sandbox_clients(url)).image_uris[0]
    if "overhead" not in parts:
        _concurrent_part(url, tmp, args, latency, image)
        return
    rows = overhead(url, tmp / "a", args.runs, image)
    print(f"## API overhead (moto, no injected latency, median of {args.runs})\n")
    print("| operation | engine direct | through the API | API overhead |")
    print("|---|---|---|---|")
    for name, direct, api in rows:
        print(f"| {name} | {_ms(direct)} | {_ms(api)} | {_ms(api - direct)} |")
    if "concurrent" in parts:
        _concurrent_part(url, tmp, args, latency, image)


def _concurrent_part(url: str, tmp: Path, args: Any, latency: float, image: str) -> None:
    (tmp / "b").mkdir()
    res = concurrent(url, tmp / "b", args.concurrency, latency, image)
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


if __name__ == "__main__":
    sys.exit(main())
