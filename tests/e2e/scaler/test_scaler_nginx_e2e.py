"""End to end: real nginx tasks, slow requests, the daemon scaling a service in moto.

The "tasks" are nginx processes on loopback addresses with ``stub_status``, registered as
targets of the service's ALB target group in a moto server. A harness follows the service's
desired count: it starts nginx instances (after a start delay, like Fargate) and registers
them, or deregisters and stops them. A load generator keeps requests in flight through
nginx to a slow upstream. The daemon discovers targets, scrapes, decides and calls
UpdateService - the same code ``eden scale run`` runs.

Phases: light load (hold) -> heavy load (scale up) -> load gone *and* every task frozen
(SIGSTOP: scrapes time out) for longer than the stable window (must not scale in) -> tasks
resume and report zero load (now it may scale in, at most halving).

Assertions are on behaviour with generous deadlines, never on tight timings. CI installs
nginx (Debian ``nginx-light``); the test is skipped only when no nginx binary exists.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from scaler_e2e_helpers import NGINX, LoadGenerator, LoopThread, NginxTask, SlowUpstream

from eden.aws.clients import AwsClients, AwsSettings
from eden.sandbox.scratch import scratch_service
from eden.scaler.config import parse_config
from eden.scaler.daemon import Daemon
from eden.scaler.wiring import build_daemon

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NGINX is None, reason="nginx binary not installed (apt nginx-light)"),
]

START_DELAY = 2.0
TARGET = 5


def make_service(clients: AwsClients) -> tuple[str, str]:
    svc = scratch_service(clients, "e2e")
    return svc.cluster, svc.target_group_arn


class Harness:
    """Makes the running nginx set follow the service's desired count, after a delay."""

    def __init__(self, clients: AwsClients, cluster: str, tg: str, workdir: Path,
                 upstream: int, load: LoadGenerator) -> None:
        self.ecs, self.elb = clients.client("ecs"), clients.client("elbv2")
        self.cluster, self.tg, self.workdir = cluster, tg, workdir
        self.upstream, self.load = upstream, load
        self.tasks: list[NginxTask] = []
        self.starting: list[float] = []
        self.history: list[tuple[float, int]] = []
        self._ip = 40

    def desired(self) -> int:
        svc = self.ecs.describe_services(cluster=self.cluster, services=["web"])["services"][0]
        return int(svc["desiredCount"])

    def start_task(self) -> None:
        self._ip += 1
        task = NginxTask(self.workdir, f"127.0.0.{self._ip}", self.upstream)
        self.tasks.append(task)
        self.elb.register_targets(TargetGroupArn=self.tg,
                                  Targets=[{"Id": task.host, "Port": task.port}])
        self.load.targets = [(t.host, t.port) for t in self.tasks]

    def stop_task(self) -> None:
        task = self.tasks.pop()
        self.elb.deregister_targets(TargetGroupArn=self.tg,
                                    Targets=[{"Id": task.host, "Port": task.port}])
        self.load.targets = [(t.host, t.port) for t in self.tasks]
        task.stop()

    def follow(self) -> int:
        now = time.monotonic()
        desired = self.desired()
        self.history.append((now, desired))
        ready = [t for t in self.starting if t <= now]
        for _ in ready:
            self.starting.remove(_)
            self.start_task()
        while len(self.tasks) + len(self.starting) < desired:
            self.starting.append(now + START_DELAY)
        while len(self.tasks) + len(self.starting) > desired:
            if self.starting:
                self.starting.pop()
            else:
                self.stop_task()
        return desired

    def run_until(self, condition: Callable[[int], bool], timeout: float, what: str) -> int:
        deadline = time.monotonic() + timeout
        desired = self.follow()
        while not condition(desired):
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:g} s for {what}; desired count history "
                                     f"{self.history[-5:]}, tasks {len(self.tasks)}")
            time.sleep(0.2)
            desired = self.follow()
        return desired

    def hold(self, seconds: float) -> list[int]:
        seen = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            seen.append(self.follow())
            time.sleep(0.2)
        return seen

    def freeze(self, sig: signal.Signals) -> None:
        for task in self.tasks:
            task.signal(sig)

    def close(self) -> None:
        while self.tasks:
            self.tasks.pop().stop()


def _scale_events(loop: asyncio.AbstractEventLoop, daemon: Daemon) -> list[dict[str, Any]]:
    """The first service's scale events, copied on the daemon's loop (which appends them)."""

    async def copy() -> list[dict[str, Any]]:
        return list(daemon.statuses[0].events)

    return asyncio.run_coroutine_threadsafe(copy(), loop).result(timeout=10)


def start_daemon(daemon: Daemon) -> tuple[threading.Thread, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(daemon.run(),),
                              daemon=True)
    thread.start()
    return thread, loop


@pytest.mark.heavy(seconds=34)
def test_daemon_scales_real_nginx_tasks_and_never_scales_in_blind(
    e2e_moto_url: str, tmp_path: Path
) -> None:
    clients = AwsClients(AwsSettings(region="us-east-1", endpoint_url=e2e_moto_url,
                                     access_key_id="testing", secret_access_key="testing"),
                         role="test")
    cluster, tg = make_service(clients)
    config: dict[str, Any] = {
        "scaler": {"tick": 0.5, "refresh": 1.0, "scrape_timeout": 0.3, "metrics": False},
        "aws": {"region": "us-east-1", "endpoint_url": e2e_moto_url,
                "access_key_id": "testing", "secret_access_key": "testing"},
        "services": [{"cluster": cluster, "service": "web", "min": 1, "max": 10,
                      "target": TARGET, "discovery": "target_group", "target_group_arn": tg,
                      "stable_window": 10, "panic_window": 2, "scale_in_delay": 10,
                      "min_task_age": 5}],
    }
    daemon = build_daemon(parse_config(config))
    io = LoopThread()
    upstream = SlowUpstream(io, delay=1.5)
    load = LoadGenerator(io)
    harness = Harness(clients, cluster, tg, tmp_path, upstream.port, load)
    thread, loop = start_daemon(daemon)
    try:
        harness.start_task()
        load.users = 2  # ~2 in flight against a target of 5 per task: one task is right
        assert max(harness.hold(4.0)) == 1

        load.users = 30  # ~30 in flight: about 6 tasks
        peak = harness.run_until(lambda d: d >= 5, 20, "a desired count of 5 or more")
        harness.run_until(lambda d: len(harness.tasks) >= d, 15, "the tasks to start")
        assert daemon.statuses[0].observed_load is not None
        assert load.completed > 0

        load.users = 0
        harness.hold(2.0)
        peak = max(peak, harness.desired())
        harness.freeze(signal.SIGSTOP)  # every scrape now times out: missing data
        blind = harness.hold(14.0)  # longer than the 10 s stable window
        assert min(blind) == peak, f"scaled in while blind: {blind}"
        assert daemon.statuses[0].scrape_errors_total > 0

        harness.freeze(signal.SIGCONT)  # tasks answer again, and report no load
        harness.run_until(lambda d: d < peak, 25, f"a scale-in from {peak}")
        # The first step halves (the load is gone). Read from the daemon's own events: the
        # next step can follow one tick (0.5 s) later, and under load the harness's
        # sampling of the desired count once saw only the second (5 -> 2).
        events = _scale_events(loop, daemon)
        first_in = next(e for e in events if e["new"] < e["old"])
        assert (first_in["old"], first_in["new"]) == (peak, (peak + 1) // 2), events
    finally:
        loop.call_soon_threadsafe(daemon.stop)
        thread.join(timeout=10)
        stopped = not thread.is_alive()
        if stopped:
            loop.close()
        load.stop()
        harness.close()
        io.close()
    assert stopped, "the daemon did not stop within 10 s of stop()"
