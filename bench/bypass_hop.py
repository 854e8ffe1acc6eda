"""The CI bypass's extra hop: what going through the waker's proxy adds to a request.

    .venv/bin/python bench/bypass_hop.py                 # 300 requests a path, 100 ms a call
    .venv/bin/python bench/bypass_hop.py --requests 1000 --latency-ms 0

Runs moto in-process with eden's AWS model and the data plane (a real nginx task, the
router standing in for the ALB), `eden serve`'s waker in a thread, and one environment
behind OIDC with a bypass header. Every AWS call of the waker is delayed by
``--latency-ms`` (the proxy reads DescribeTargetHealth at most every 5 s per target
group, so this shows only in the slowest requests). It sends ``--requests`` GETs on each
path, interleaved (one new connection each, as a CI job's curl would), and reports the
median, p95 and max:

* **direct**: straight to the nginx task (what an ALB's forward reaches);
* **waker**: to the waker with the Host and the bypass header (the added hop alone);
* **router + waker**: through the router's bypass rule, then the waker (what CI takes).

The Markdown table goes to stdout, the numbers to bench/results/bypass_hop.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import environment, markdown_table, moto_server

from eden.api import ApiSettings, create_app
from eden.api.serving import ServerThread
from eden.api.waker import create_waker_app
from eden.aws.clients import AwsClients
from eden.config import build_profile, write_profile
from eden.sandbox import aws_model, dataplane, nginx_task
from eden.sandbox.seed import sandbox_clients, sandbox_profile_values, seed
from eden.state import SqliteStore
from eden.wiring import aws_settings, open_engine

RESULTS = Path(__file__).resolve().parent / "results" / "bypass_hop.json"
HOST = "api-feature-bench.dev.example.com"
SECRET = "bench-bypass-0123456789abcdef0123456789"
ACCESS = {
    "type": "oidc", "issuer": "https://login.example.com",
    "authorization_endpoint": "https://login.example.com/authorize",
    "token_endpoint": "https://login.example.com/token",
    "user_info_endpoint": "https://login.example.com/userinfo",
    "client_id": "eden-previews", "bypass_header": "X-Eden-Bypass",
}  # fmt: skip


def timed_get(address: tuple[str, int], headers: dict[str, str]) -> float:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(*address, timeout=30)
    try:
        conn.request("GET", "/", headers={"Host": HOST, **headers})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{address}: {resp.status}")
    finally:
        conn.close()
    return time.perf_counter() - t0


def measure(paths: dict[str, tuple[tuple[str, int], dict[str, str]]], count: int) -> Any:
    took: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(count):
        for name, (address, headers) in paths.items():
            took[name].append(timed_get(address, headers))
    return took


def run(args: Any, url: str, tmp: Path, plane: Any) -> dict[str, list[float]]:
    info = seed(sandbox_clients(url))
    config = tmp / "eden.toml"
    store = SqliteStore(tmp / "state.db")
    latency = args.latency_ms / 1000

    def clients_for(profile: Any) -> AwsClients:
        return AwsClients(aws_settings(profile), inject_latency=latency)

    app = create_app(ApiSettings(config=config, store=store, clients=clients_for))
    with ServerThread(create_waker_app(app.state.eden.waker)) as waker:
        values = {**sandbox_profile_values(info, url), "access": ACCESS,
                  "sleep": {"waker": f"127.0.0.1:{waker.port}"}}  # fmt: skip
        write_profile(config, "sandbox", values, default=True)
        with open_engine(build_profile("sandbox", values), store=store, actor="bench") as eng:
            out = eng.create("feature/bench", info.image_uris[0])
            group = out.record.services[0].target_group_arn
            elbv2 = sandbox_clients(url).client("elbv2")
            task = None
            deadline = time.monotonic() + 60
            while task is None and time.monotonic() < deadline:
                found = elbv2.describe_target_health(TargetGroupArn=group)
                task = next((t["Target"] for t in found["TargetHealthDescriptions"]
                             if t["Target"]["Id"] == "127.0.0.1"), None)  # fmt: skip
                time.sleep(0.05)
            if task is None:
                raise RuntimeError("the environment's nginx task did not start in 60 s")
            router = (plane.router.host, plane.router.port)
            bypass = {"X-Eden-Bypass": SECRET}
            paths = {"direct": (("127.0.0.1", int(task["Port"])), {}),
                     "waker": (("127.0.0.1", waker.port), bypass),
                     "router + waker": (router, bypass)}  # fmt: skip
            measure(paths, 5)  # warm up: connections, the waker's host map and targets
            took = measure(paths, args.requests)
    store.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    if nginx_task.find_nginx() is None:
        sys.exit("nginx is not installed (apt-get install nginx-light)")
    os.environ["EDEN_OIDC_CLIENT_SECRET"] = "bench-oidc-client-secret"
    os.environ["EDEN_BYPASS_SECRET"] = SECRET
    model = aws_model.install(aws_model.Model(drain_seconds=0.3, start_seconds=0.0))
    with tempfile.TemporaryDirectory() as tmp, moto_server() as url:
        plane = dataplane.start(model, dataplane.PlaneSettings(state_dir=Path(tmp) / "plane"))
        try:
            took = run(args, url, Path(tmp), plane)
        finally:
            plane.stop()
    report(args, took)


def report(args: Any, took: dict[str, list[float]]) -> None:
    def ms(values: list[float], q: float) -> float:
        return 1000 * statistics.quantiles(values, n=100)[int(q) - 1] if q < 100 else \
            1000 * max(values)

    rows = [[name, f"{ms(v, 50):.1f}", f"{ms(v, 95):.1f}", f"{ms(v, 100):.1f}"]
            for name, v in took.items()]  # fmt: skip
    base = statistics.median(took["direct"])
    print(f"{args.requests} GETs a path, interleaved, a new connection each; "
          f"{args.latency_ms:.0f} ms per AWS call\n")
    print(markdown_table(["path", "median ms", "p95 ms", "max ms"], rows, ["l", "r", "r", "r"]))
    added = statistics.median(took["waker"]) - base
    print(f"\nthe waker's hop adds {1000 * added:.1f} ms at the median "
          f"({statistics.median(took['waker']) / base:.1f}x the direct request)")
    RESULTS.write_text(json.dumps({
        "environment": environment(), "requests": args.requests,
        "latency_ms": args.latency_ms, "seconds": took,
    }, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
