"""Sleep and wake in the sandbox: how long a wake takes, and what an idle sweep costs.

    .venv/bin/python bench/sleep_wake.py                    # 3 wakes, 100 ms a call, 5 s start
    .venv/bin/python bench/sleep_wake.py --runs 5 --latency-ms 50 --start-delay 2

Runs moto in-process with eden's AWS model and the data plane (real nginx tasks, the
router), and `eden serve`'s API and waker in threads, every AWS call of eden (the engine
and the server) delayed by ``--latency-ms``. Each run puts one environment to sleep, then
sends one request through the router and measures:

* **first answer**: the waker's 503 (what the first visitor waits for);
* **rule restored**: until the listener rule forwards to the environment's own group again
  (the service started after ``--start-delay``, its nginx answered, the waker's finisher
  saw a healthy target and ran ModifyRule);
* **page served**: until a request through the router gets the environment's own page.

It also counts the AWS calls of a sleep, of a wake (both phases), and of an idle sweep
(``--dry-run``) over ``--sweep`` environments, whose request counts are one GetMetricData.

The Markdown table goes to stdout, the numbers to bench/results/sleep_wake.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from _common import environment, markdown_table, moto_server

from eden.api import ApiSettings, create_app
from eden.api.serving import ServerThread
from eden.api.waker import create_waker_app
from eden.aws.clients import AwsClients
from eden.config import build_profile, write_profile
from eden.envs.idle import sweep
from eden.envs.records import EnvRecord, ServiceRecord
from eden.envs.sleep import Power
from eden.envs.sleep_plan import forwards_to
from eden.sandbox import aws_model, dataplane, nginx_task
from eden.sandbox.seed import sandbox_clients, sandbox_profile_values, seed
from eden.state import SqliteStore
from eden.wiring import aws_settings, open_engine

RESULTS = Path(__file__).resolve().parent / "results" / "sleep_wake.json"
HOST = "api-feature-bench.dev.example.com"


def get(router: str, host: str) -> tuple[int, dict[str, str]]:
    parts = urllib.parse.urlsplit(router)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("GET", "/", headers={"Host": host, "Accept": "text/html"})
        resp = conn.getresponse()
        resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def until(what: str, probe: Any, timeout: float = 120.0) -> float:
    """Seconds until ``probe()`` is true (polled every 20 ms); fails after ``timeout``."""
    t0 = time.perf_counter()
    while not probe():
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"waited {timeout:.0f}s for {what}")
        time.sleep(0.02)
    return time.perf_counter() - t0


def one_wake(ctx: dict[str, Any], start_delay: float) -> dict[str, Any]:
    engine, clients, model, router = ctx["engine"], ctx["clients"], ctx["model"], ctx["router"]
    checker = sandbox_clients(ctx["url"]).client("elbv2")
    rule_arn = engine.store.get("sandbox", "feature-bench").services[0].rule_arn
    own = engine.store.get("sandbox", "feature-bench").services[0].target_group_arn
    model.start_seconds = 0.0
    clients.reset_calls()
    Power(engine).sleep("feature-bench")
    sleep_calls = Counter(c.operation for c in clients.calls())
    until("the task to stop", lambda: not checker.describe_target_health(
        TargetGroupArn=own)["TargetHealthDescriptions"])  # fmt: skip
    model.start_seconds = start_delay
    clients.reset_calls()
    t0 = time.perf_counter()
    status, _ = get(router, HOST)
    first = time.perf_counter() - t0
    assert status == 503, status

    def restored() -> bool:
        actions = checker.describe_rules(RuleArns=[rule_arn])["Rules"][0]["Actions"]
        return forwards_to(actions) == {own: 1}

    until("the rule to be restored", restored)
    rule = time.perf_counter() - t0
    until("the environment's page", lambda: "x-eden-task" in get(router, HOST)[1])
    page = time.perf_counter() - t0
    until("the record to say awake",
          lambda: engine.store.get("sandbox", "feature-bench").power == "awake")  # fmt: skip
    wake_calls = Counter(c.operation for c in ctx["server_clients"].calls())
    return {"first_answer_s": first, "rule_restored_s": rule, "page_served_s": page,
            "sleep_calls": dict(sleep_calls), "wake_calls": dict(wake_calls)}  # fmt: skip


def sweep_calls(engine: Any, clients: AwsClients, count: int) -> dict[str, int]:
    """An idle --dry-run over ``count`` environments (records only: what the sweep reads)."""
    alb = engine.store.get("sandbox", "feature-bench").extra["alb_arn"]
    for i in range(count):
        svc = ServiceRecord("app", "img", {"target_group": {
            "arn": f"{alb.replace(':loadbalancer/app/', ':targetgroup/')}-{i}"}})  # fmt: skip
        engine.store.put(EnvRecord("sandbox", f"idle-{i}", f"idle/{i}", f"idle-{i}.t", "ready",
                                   0.0, 0.0, services=[svc], extra={"alb_arn": alb}))
    clients.reset_calls()
    result = sweep(Power(engine), now=time.time(), dry_run=True)
    assert sum(1 for v in result.verdicts if v.idle) >= count
    return dict(Counter(c.operation for c in clients.calls()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--start-delay", type=float, default=5.0)
    parser.add_argument("--sweep", type=int, default=100)
    args = parser.parse_args()
    if nginx_task.find_nginx() is None:
        sys.exit("nginx is not installed (apt-get install nginx-light)")
    latency = args.latency_ms / 1000
    model = aws_model.install(aws_model.Model(drain_seconds=0.3, start_seconds=0.0))
    with tempfile.TemporaryDirectory() as tmp, moto_server() as url:
        plane = dataplane.start(model, dataplane.PlaneSettings(state_dir=Path(tmp) / "plane"))
        try:
            runs, calls = run_all(args, url, Path(tmp), model, plane, latency)
        finally:
            plane.stop()
    report(args, runs, calls)


def run_all(args: Any, url: str, tmp: Path, model: Any, plane: Any, latency: float) -> Any:
    info = seed(sandbox_clients(url))
    config = tmp / "eden.toml"
    store = SqliteStore(tmp / "state.db")
    server_clients: dict[str, AwsClients] = {}

    def clients_for(profile: Any) -> AwsClients:
        return server_clients.setdefault(
            "c", AwsClients(aws_settings(profile), inject_latency=latency))

    app = create_app(ApiSettings(config=config, store=store, clients=clients_for))
    with ServerThread(create_waker_app(app.state.eden.waker)) as waker, ServerThread(app):
        values = {**sandbox_profile_values(info, url),
                  "sleep": {"waker": f"127.0.0.1:{waker.port}", "cooldown_seconds": 1}}
        write_profile(config, "sandbox", values, default=True)
        profile = build_profile("sandbox", values)
        clients = AwsClients(aws_settings(profile), inject_latency=latency)
        with open_engine(profile, store=store, clients=clients, actor="bench") as engine:
            engine.create("feature/bench", info.image_uris[0])
            until("the first page", lambda: "x-eden-task" in get(plane.router.url, HOST)[1])
            app.state.eden.registry.engine("sandbox")
            ctx = {"engine": engine, "clients": clients, "model": model, "url": url,
                   "router": plane.router.url, "server_clients": server_clients["c"]}
            runs = []
            for _ in range(args.runs):
                server_clients["c"].reset_calls()
                runs.append(one_wake(ctx, args.start_delay))
                time.sleep(1.1)  # the cool-down (1 s here) before the next wake may start
            calls = sweep_calls(engine, clients, args.sweep)
    store.close()
    return runs, calls


def report(args: Any, runs: list[dict[str, Any]], sweep_ops: dict[str, int]) -> None:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    rows = [[label, f"{med(key):.2f} s", f"{min(r[key] for r in runs):.2f}-"
             f"{max(r[key] for r in runs):.2f} s"]
            for label, key in (("first answer (the waker's 503)", "first_answer_s"),
                               ("rule restored", "rule_restored_s"),
                               ("environment's page served", "page_served_s"))]  # fmt: skip
    print(f"{args.runs} wakes, {args.latency_ms:.0f} ms per AWS call, "
          f"{args.start_delay:.0f} s start delay\n")
    print(markdown_table(["from the first request to", "median", "range"], rows,
                         ["l", "r", "r"]))  # fmt: skip
    print(f"\nAWS calls: sleep {sum(runs[0]['sleep_calls'].values())} "
          f"({runs[0]['sleep_calls']}), wake {sum(runs[0]['wake_calls'].values())} "
          f"({runs[0]['wake_calls']}), idle sweep of {args.sweep} environments (dry run) "
          f"{sum(sweep_ops.values())} ({sweep_ops})")
    RESULTS.write_text(json.dumps({
        "environment": environment(), "runs": args.runs, "latency_ms": args.latency_ms,
        "start_delay_s": args.start_delay, "wakes": runs,
        "sweep": {"environments": args.sweep, "calls": sweep_ops},
    }, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
