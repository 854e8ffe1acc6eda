"""Reaction time: load onset -> UpdateService call, over repeated runs at a 1 s tick.

    .venv/bin/python bench/scaler/reaction_time.py [--runs 20] [--tick 1.0] [--task nginx]

Each run builds a fresh daemon (``build_daemon``, the code ``eden scale run`` uses) against
a moto server on loopback; its one task is registered in the service's ALB target group:

* ``--task stub`` (default): a stub stub_status server whose in-flight count is set;
* ``--task nginx``: a real nginx (Debian package) with ``stub_status``, proxying to an
  upstream that answers after 3 s, and a load generator keeping N requests in flight
  through it (the e2e test's helpers). The onset is the moment the generator is told to
  go from 5 to 50 users: the clients' own connect time is inside the figure.

After a warm-up of 3 s plus a random fraction of a tick (so onsets land at every phase of
the tick), the load jumps from 5 to 50 in flight (target 10 per task). The UpdateService
start time comes from eden's AWS call recorder.

Reported: onset -> first UpdateService (the reaction), and onset -> the UpdateService that
reaches the full count (5). Task start-up (20-90 s on Fargate) comes after both and is not
included; see the simulator for its effect.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench_support import LoopThread, StubTasks, percentile
from moto.server import ThreadedMotoServer

from eden.aws.clients import AwsClients, AwsSettings
from eden.sandbox.scratch import scratch_service
from eden.scaler.config import parse_config
from eden.scaler.wiring import build_daemon


def make_service(clients: AwsClients) -> tuple[str, str]:
    svc = scratch_service(clients, "bench")
    return svc.cluster, svc.target_group_arn


E2E = Path(__file__).resolve().parents[2] / "tests" / "e2e" / "scaler"


@contextmanager
def stub_task(io: LoopThread) -> Iterator[tuple[int, Any]]:
    stub = io.run(StubTasks(in_flight=5).start(1))

    def set_load(n: int) -> None:
        stub.in_flight = n

    try:
        yield stub.ports[0], set_load
    finally:
        io.run(stub.stop())


@contextmanager
def nginx_task(io: LoopThread) -> Iterator[tuple[int, Any]]:
    sys.path.insert(0, str(E2E))
    from scaler_e2e_helpers import NGINX, LoadGenerator, NginxTask, SlowUpstream
    from scaler_e2e_helpers import LoopThread as E2eLoop

    if NGINX is None:
        raise SystemExit("--task nginx needs the nginx binary (Debian: nginx-light)")
    e2e_io = E2eLoop()
    upstream = SlowUpstream(e2e_io, delay=3.0)
    load = LoadGenerator(e2e_io, max_users=64)
    with TemporaryDirectory(prefix="eden-bench-nginx-") as workdir:
        task = NginxTask(Path(workdir), "127.0.0.1", upstream.port)
        load.targets = [(task.host, task.port)]
        load.users = 5

        def set_load(n: int) -> None:
            load.users = n

        try:
            yield task.port, set_load
        finally:
            load.stop()
            task.stop()
            e2e_io.close()


def one_run(url: str, io: LoopThread, tick: float, rng: random.Random,
            kind: str) -> tuple[float, float]:
    clients = AwsClients(AwsSettings(region="us-east-1", endpoint_url=url,
                                     access_key_id="testing", secret_access_key="testing",
                                     max_attempts=2))
    cluster, tg = make_service(clients)
    with (nginx_task(io) if kind == "nginx" else stub_task(io)) as (port, set_load):
        clients.client("elbv2").register_targets(
            TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": port}])
        return measure(clients, url, cluster, tg, tick, rng, set_load)


def measure(clients: AwsClients, url: str, cluster: str, tg: str, tick: float,
            rng: random.Random, set_load: Any) -> tuple[float, float]:
    doc: dict[str, Any] = {
        "scaler": {"tick": tick, "refresh": 5.0, "metrics": False},
        "aws": {"region": "us-east-1", "endpoint_url": url,
                "access_key_id": "testing", "secret_access_key": "testing"},
        "services": [{"cluster": cluster, "service": "web", "max": 20, "target": 10,
                      "discovery": "target_group", "target_group_arn": tg}],
    }
    daemon = build_daemon(parse_config(doc), clients=clients)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(daemon.run(),),
                              daemon=True)
    thread.start()
    try:
        time.sleep(3.0 + rng.uniform(0, tick))
        clients.reset_calls()
        onset = time.monotonic()
        set_load(50)
        first = full = None
        deadline = onset + 30
        while full is None and time.monotonic() < deadline:
            time.sleep(0.05)
            updates = [c for c in clients.calls() if c.operation == "UpdateService"]
            if updates and first is None:
                first = updates[0].start - onset
            if updates and daemon.statuses[0].ecs_desired >= 5:
                full = max(c.start for c in updates) - onset
        if first is None or full is None:
            raise RuntimeError("the daemon did not react within 30 s")
        return first, full
    finally:
        loop.call_soon_threadsafe(daemon.stop)
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tick", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--task", choices=("stub", "nginx"), default="stub")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    io, rng = LoopThread(), random.Random(args.seed)
    firsts, fulls = [], []
    try:
        for i in range(args.runs):
            first, full = one_run(f"http://{host}:{port}", io, args.tick, rng, args.task)
            firsts.append(first)
            fulls.append(full)
            print(f"run {i + 1:2d}: first UpdateService {first:.3f} s, full count {full:.3f} s",
                  flush=True)
    finally:
        io.close()
        server.stop()
    print(f"\ntask {args.task}, tick {args.tick:g} s, {args.runs} runs")
    print("| measure | p50 s | p95 s | max s |")
    print("|---|---:|---:|---:|")
    for label, values in (("onset -> first UpdateService", firsts),
                          ("onset -> UpdateService at full count", fulls)):
        print(f"| {label} | {percentile(values, 50):.3f} | {percentile(values, 95):.3f} | "
              f"{max(values):.3f} |")
    goal = percentile(firsts, 95)
    print(f"\ngoal p95 <= 2.5 s: {goal:.3f} s -> {'MET' if goal <= 2.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
