"""The daemon against stub tasks, a fake actuator and a manual clock (no sleeps)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import pytest
from scaler_unit_helpers import StubStatusServer

import eden.scaler.daemon as daemon_module
from eden.errors import AwsError
from eden.scaler.actuator import DryRunActuator
from eden.scaler.config import ScalerConfig, parse_config
from eden.scaler.daemon import Daemon
from eden.scaler.discovery import CallableDiscovery, Endpoint, ServiceView
from eden.scaler.lease import AlwaysLeader
from eden.scaler.notify import FanOut, ScaleEvent


@dataclass
class FakeEcs:
    """Stands in for ECS: a desired count, and UpdateService that can be made to throttle."""

    desired: int
    throttle_next: int = 0
    calls: list[int] = field(default_factory=list)
    dry_run: bool = False

    async def set_desired(self, cluster: str, service: str, count: int) -> None:
        if self.throttle_next:
            self.throttle_next -= 1
            raise AwsError("Rate exceeded", code="ThrottlingException")
        self.calls.append(count)
        self.desired = count


@dataclass
class RecordingNotifier:
    events: list[ScaleEvent] = field(default_factory=list)

    async def notify(self, event: ScaleEvent) -> None:
        self.events.append(event)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class OtherOwnerLease:
    def try_acquire(self, owner: str) -> bool:
        return False

    def release(self, owner: str) -> None:
        return None

    def holder(self) -> str | None:
        return "someone-else"


def config(**service: object) -> ScalerConfig:
    svc = {"cluster": "c", "service": "web", "min": 1, "max": 50, "target": 10, **service}
    return parse_config({"services": [svc], "scaler": {"refresh": 5.0}})


async def run_ticks(daemon: Daemon, clock: Clock, seconds: int) -> None:
    for _ in range(seconds):
        await daemon.tick()
        clock.now += 1.0


def harness(servers: list[StubStatusServer], ecs: FakeEcs) -> CallableDiscovery:
    def view() -> ServiceView:
        eps = tuple(Endpoint("127.0.0.1", s.port) for s in servers)
        return ServiceView(eps, ecs.desired, len(servers), max(ecs.desired - len(servers), 0))

    return CallableDiscovery(view)


def test_scales_up_once_on_a_spike_and_notifies() -> None:
    async def scenario() -> None:
        servers = [await StubStatusServer(10).start() for _ in range(2)]
        ecs, notes, clock = FakeEcs(2), RecordingNotifier(), Clock()
        daemon = Daemon(config(), sources={"c/web": harness(servers, ecs)}, actuator=ecs,
                        notifier=notes, lease=AlwaysLeader(), clock=clock)
        await daemon.refresh_lease()
        await run_ticks(daemon, clock, 10)
        assert ecs.calls == []  # 20 in flight on 2 tasks at target 10: at target
        for s in servers:
            s.in_flight = 60  # 120 in flight: 12 tasks wanted, panic (6x)
        await run_ticks(daemon, clock, 3)
        assert ecs.calls and ecs.calls[-1] >= 6
        first = len(ecs.calls)
        await run_ticks(daemon, clock, 10)
        assert ecs.calls[-1] == 12
        assert len(ecs.calls) <= first + 3  # no UpdateService on every tick
        await daemon.drain()
        assert notes.events and notes.events[-1].new == 12
        status = daemon.statuses[0]
        assert status.desired == 12 and status.observed_load == 120.0
        for s in servers:
            await s.stop()

    asyncio.run(scenario())


def test_failed_scrapes_never_scale_in() -> None:
    async def scenario() -> None:
        servers = [await StubStatusServer(50).start() for _ in range(4)]
        ecs, clock = FakeEcs(20), Clock()
        daemon = Daemon(config(), sources={"c/web": harness(servers, ecs)}, actuator=ecs,
                        notifier=FanOut([]), lease=AlwaysLeader(), clock=clock)
        await daemon.refresh_lease()
        await run_ticks(daemon, clock, 70)
        for s in servers:
            s.broken = True
        await run_ticks(daemon, clock, 200)
        assert all(c >= 20 for c in ecs.calls)
        assert ecs.desired == 20
        assert daemon.statuses[0].scrape_errors_total >= 800
        for s in servers:
            await s.stop()

    asyncio.run(scenario())


def test_survives_throttling_and_retries() -> None:
    async def scenario() -> None:
        servers = [await StubStatusServer(100).start()]
        ecs, clock = FakeEcs(1, throttle_next=2), Clock()
        daemon = Daemon(config(), sources={"c/web": harness(servers, ecs)}, actuator=ecs,
                        notifier=FanOut([]), lease=AlwaysLeader(), clock=clock)
        await daemon.refresh_lease()
        await run_ticks(daemon, clock, 8)
        assert ecs.calls and ecs.calls[0] == 10
        assert daemon.statuses[0].update_errors_total == 2
        await servers[0].stop()

    asyncio.run(scenario())


def test_discovery_failure_keeps_the_last_view_logs_once_and_retries_each_tick(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="eden.scaler")

    async def scenario() -> None:
        server = await StubStatusServer(10).start()
        ecs, clock = FakeEcs(1), Clock()
        calls = {"n": 0, "broken": True}

        def flaky() -> ServiceView:
            calls["n"] += 1
            if calls["n"] > 1 and calls["broken"]:
                raise AwsError("cannot reach AWS at http://127.0.0.1:9 (region r)",
                               hint="check the network path")
            return ServiceView((Endpoint("127.0.0.1", server.port),), 1, 1, 0)

        daemon = Daemon(config(), sources={"c/web": CallableDiscovery(flaky)}, actuator=ecs,
                        notifier=FanOut([]), lease=AlwaysLeader(), clock=clock)
        await daemon.refresh_lease()
        await run_ticks(daemon, clock, 20)
        # One good refresh at t=0; it fails from t=5 on and is retried on every tick.
        assert calls["n"] == 1 + 15
        status = daemon.statuses[0]
        assert status.ticks_total == 20  # the last good view is still scraped
        assert status.observed_load == 10.0
        assert status.discovery_error == ("cannot reach AWS at http://127.0.0.1:9 (region r) "
                                          "(check: check the network path)")
        assert [name for name, _ in daemon.discovery_failures()] == ["c/web"]
        calls["broken"] = False
        await run_ticks(daemon, clock, 1)
        assert calls["n"] == 17
        assert daemon.statuses[0].discovery_error == ""
        assert daemon.discovery_failures() == []
        await server.stop()

    asyncio.run(scenario())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # The same outage is said once (then at most once a minute), not on every tick.
    assert warnings == [
        "discovery of c/web failed (attempt 1): cannot reach AWS at http://127.0.0.1:9 "
        "(region r) (check: check the network path); keeping the view from 5 s ago; "
        "retrying on the next tick"
    ]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert "discovery of c/web works again after 15 failed attempt(s)" in infos


def test_standby_replica_decides_but_never_acts() -> None:
    async def scenario() -> None:
        server = await StubStatusServer(100).start()
        ecs, clock = FakeEcs(1), Clock()
        daemon = Daemon(config(), sources={"c/web": harness([server], ecs)}, actuator=ecs,
                        notifier=FanOut([]), lease=OtherOwnerLease(), clock=clock)
        assert not await daemon.refresh_lease()
        await run_ticks(daemon, clock, 5)
        assert ecs.calls == []
        assert "standby" in daemon.statuses[0].reason
        await server.stop()

    asyncio.run(scenario())


def test_dry_run_logs_each_new_decision_once() -> None:
    async def scenario() -> None:
        server = await StubStatusServer(100).start()
        ecs, clock, dry = FakeEcs(1), Clock(), DryRunActuator()
        daemon = Daemon(config(), sources={"c/web": harness([server], ecs)}, actuator=dry,
                        notifier=FanOut([]), lease=AlwaysLeader(), clock=clock)
        await daemon.refresh_lease()
        await run_ticks(daemon, clock, 10)
        assert dry.calls == [("c", "web", 10)]
        assert ecs.desired == 1
        await server.stop()

    asyncio.run(scenario())


def test_run_loop_ticks_until_stopped() -> None:
    async def scenario() -> None:
        server = await StubStatusServer(5).start()
        ecs = FakeEcs(1)
        cfg = parse_config({"services": [{"cluster": "c", "service": "web", "max": 5,
                                          "target": 10}],
                            "scaler": {"tick": 0.02, "lease_ttl": 0.1}})
        daemon = Daemon(cfg, sources={"c/web": harness([server], ecs)}, actuator=ecs,
                        notifier=FanOut([]), lease=AlwaysLeader())
        runner = asyncio.create_task(daemon.run())
        while daemon.statuses[0].ticks_total < 5:
            await asyncio.sleep(0.01)
        daemon.stop()
        await asyncio.wait_for(runner, timeout=5)
        assert daemon.statuses[0].ticks_total >= 5
        await server.stop()

    asyncio.run(scenario())


def test_housekeeping_runs_periodically(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daemon_module, "HOUSEKEEPING_EVERY", 0.01)
    chores: list[int] = []

    async def scenario() -> None:
        cfg = parse_config({"services": [{"cluster": "c", "service": "web", "max": 5,
                                          "target": 10}], "scaler": {"tick": 0.05}})
        ecs = FakeEcs(1)
        daemon = Daemon(cfg, sources={"c/web": CallableDiscovery(
            lambda: ServiceView((), 1, 0, 0))}, actuator=ecs, notifier=FanOut([]),
            lease=AlwaysLeader(), housekeeping=lambda: chores.append(1))
        runner = asyncio.create_task(daemon.run())
        while len(chores) < 3:
            await asyncio.sleep(0.01)
        daemon.stop()
        await asyncio.wait_for(runner, timeout=5)

    asyncio.run(scenario())
    assert len(chores) >= 3
