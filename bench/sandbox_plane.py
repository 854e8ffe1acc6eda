"""The sandbox's data plane: how fast a local task starts, what it costs, what the router adds.

    .venv/bin/python bench/sandbox_plane.py                 # 20 tasks, 400 requests, ~15 s
    .venv/bin/python bench/sandbox_plane.py --tasks 40 --requests 1000

Runs moto in-process with eden's AWS model and the data plane (local tasks on), seeds the
sandbox's reference stack, and measures:

* **task start**: one nginx task at a time, from spawning it to its health path answering
  (what a service waits for before its target is registered); and a scale-out through
  moto, from ``UpdateService(desiredCount=N)`` to N healthy targets in the target group.
* **memory per task**: of the N running tasks, RSS (counts shared pages in full), PSS
  (shared pages split between the processes using them) and USS (pages only that task
  has), from /proc/PID/smaps_rollup.
* **router latency**: the same GET, a new connection each time (like curl), straight to a
  task and through the router, with the listener holding 2 rules and then 100 (the
  router reads the rules on every request); medians and 95th percentiles, and the ratio to
  the direct request in the same run (the machine is shared: compare ratios, not times).

The Markdown table goes to stdout, the numbers to bench/results/sandbox_plane.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from _common import environment, markdown_table, moto_server

from eden.sandbox import aws_model, dataplane, nginx_task, procs
from eden.sandbox.seed import sandbox_clients, seed
from eden.sandbox.tasks import TaskSpec

RESULTS = Path(__file__).resolve().parent / "results" / "sandbox_plane.json"
HOST = "api-bench.dev.example.com"


def task_start_times(nginx: str, root: Path, count: int) -> list[float]:
    """Seconds from spawn to the health path answering, one task after another."""
    spec = TaskSpec("bench", "eden-bench", "api:v1", "td:1", "/healthz")
    times, started = [], []
    try:
        for i in range(count):
            t0 = time.perf_counter()
            task = nginx_task.NginxTask.start(
                nginx, root, f"start{i}", "svc", spec, procs.free_port()
            )
            started.append(task)
            if nginx_task.wait_answering([task], {task.id: "/healthz"}, 10) != {task.id}:
                raise RuntimeError(f"task {i} did not answer: {task.error_log()}")
            times.append(time.perf_counter() - t0)
    finally:
        for task in started:
            task.stop()
    return times


def scale_out(clients: Any, group: str, count: int) -> float:
    """UpdateService(desiredCount=count) on the reference service -> count healthy targets."""
    ecs, elb = clients.client("ecs"), clients.client("elbv2")
    t0 = time.perf_counter()
    ecs.update_service(cluster="sandbox", service="api", desiredCount=count)
    deadline = t0 + 60
    while time.perf_counter() < deadline:
        health = elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        if sum(h["TargetHealth"]["State"] == "healthy" for h in health) >= count:
            return time.perf_counter() - t0
        time.sleep(0.005)
    raise RuntimeError(f"{count} targets were not healthy within 60 s")


def memory_kib(pids: list[int]) -> dict[str, float]:
    """Mean RSS, PSS and USS per process, in KiB."""
    totals = {"rss": 0, "pss": 0, "uss": 0}
    for pid in pids:
        fields = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value = line.split(":", 1)
            fields[name] = int(value.split()[0])
        totals["rss"] += fields["Rss"]
        totals["pss"] += fields["Pss"]
        totals["uss"] += fields["Private_Clean"] + fields["Private_Dirty"]
    return {k: v / len(pids) for k, v in totals.items()}


def request_times(host: str, port: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/", headers={"Host": HOST})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        if resp.status != 200:
            raise RuntimeError(f"GET answered {resp.status}")
        times.append(time.perf_counter() - t0)
    return times


def add_rules(clients: Any, listener: str, group: str, count: int) -> None:
    elb = clients.client("elbv2")
    for i in range(count):
        elb.create_rule(
            ListenerArn=listener,
            Priority=2000 + i,
            Conditions=[{"Field": "host-header", "Values": [f"api-other-{i}.dev.example.com"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": group}],
        )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def router_rows(clients: Any, info: Any, plane: Any, requests: int) -> list[dict[str, Any]]:
    """Straight to a task, then through the router with 2 and with 100 rules."""
    elb = clients.client("elbv2")
    elb.create_rule(
        ListenerArn=info.listener_arn,
        Priority=1,
        Conditions=[{"Field": "host-header", "Values": [HOST]}],
        Actions=[{"Type": "forward", "TargetGroupArn": info.reference_target_group_arn}],
    )
    health = elb.describe_target_health(TargetGroupArn=info.reference_target_group_arn)
    task_port = int(health["TargetHealthDescriptions"][0]["Target"]["Port"])
    rows = []
    direct = request_times("127.0.0.1", task_port, requests)
    rows.append({"path": "straight to the task", "times": direct})
    rows.append(
        {
            "path": "router, 2 rules",
            "times": request_times("127.0.0.1", plane.router.port, requests),
        }
    )
    add_rules(clients, info.listener_arn, info.reference_target_group_arn, 98)
    rows.append(
        {
            "path": "router, 100 rules",
            "times": request_times("127.0.0.1", plane.router.port, requests),
        }
    )
    base = statistics.median(direct)
    for row in rows:
        times = row.pop("times")
        row.update(
            median_ms=statistics.median(times) * 1000,
            p95_ms=percentile(times, 0.95) * 1000,
            ratio=statistics.median(times) / base,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    nginx = nginx_task.find_nginx()
    if nginx is None:
        sys.exit("nginx is not installed (apt-get install nginx-light)")
    model = aws_model.install(aws_model.Model(drain_seconds=0.3, start_seconds=0.0))
    with tempfile.TemporaryDirectory() as tmp, moto_server() as url:
        starts = task_start_times(nginx, Path(tmp) / "direct", args.tasks)
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
        plane = dataplane.start(model, dataplane.PlaneSettings(state_dir=Path(tmp) / "plane"))
        try:
            clients = sandbox_clients(url)
            info = seed(clients)
            scale = scale_out(clients, info.reference_target_group_arn, args.tasks)
            memory = memory_kib(plane.task_pids())
            clients.client("ecs").update_service(cluster="sandbox", service="api", desiredCount=1)
            deadline = time.monotonic() + 30
            while len(plane.task_pids()) > 1:  # the scale-in done before requests are timed
                if time.monotonic() > deadline:
                    raise RuntimeError("the scale-in to 1 task did not finish within 30 s")
                time.sleep(0.01)
            rows = router_rows(clients, info, plane, args.requests)
        finally:
            plane.stop()
    result = {
        "environment": environment(),
        "tasks": args.tasks,
        "task_start_s": {"median": statistics.median(starts), "max": max(starts)},
        "scale_out_s": scale,
        "memory_kib_per_task": memory,
        "router": rows,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"task start (spawn -> health answers), {args.tasks} tasks one by one: "
        f"median {result['task_start_s']['median'] * 1000:.1f} ms, "
        f"max {result['task_start_s']['max'] * 1000:.1f} ms"
    )
    print(
        f"UpdateService(desiredCount={args.tasks}) -> {args.tasks} healthy targets: {scale:.2f} s"
    )
    print(
        f"memory per task: RSS {memory['rss'] / 1024:.1f} MiB, PSS {memory['pss'] / 1024:.2f} "
        f"MiB, USS {memory['uss'] / 1024:.2f} MiB\n"
    )
    header = ["request", "median", "p95", "x straight"]
    body = [
        [r["path"], f"{r['median_ms']:.2f} ms", f"{r['p95_ms']:.2f} ms", f"{r['ratio']:.1f}"]
        for r in rows
    ]
    print(markdown_table(header, body))


if __name__ == "__main__":
    main()
