"""The daemon against stub tasks, a fake actuator and a manual clock (no sleeps)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
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
from eden.scaler.model import Observation
from eden.scaler.notify import FanOut, ScaleEvent
from eden.scaler.target_tracking import TargetSettings, TargetTrackingPolicy


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


def test_scales_up_on_a_spike_waits_for_the_tasks_and_notifies() -> None:
    async def scenario() -> None:
        servers = [await StubStatusServer(10).start() for _ in range(2)]
        ecs, notes, clock = FakeEcs(2), RecordingNotifier(), Clock()
        daemon = Daemon(config(), sources={"c/web": harness(servers, ecs)}, actuator=ecs,
                        notifier=notes, lease=AlwaysLeader(), clock=clock)
        try:
            await daemon.refresh_lease()
            await run_ticks(daemon, clock, 10)
            assert ecs.calls == []  # 20 in flight on 2 tasks at target 10: at target
            for s in servers:
                s.in_flight = 60  # 120 in flight: 12 tasks wanted
            await run_ticks(daemon, clock, 6)
            # Panic on the first tick (the 6 s mean wants 4 = 2x the 2 ready), then the
            # count follows the window as it fills with the new level: 120 / 10 = 12.
            assert ecs.calls == [4, 6, 7, 9, 11, 12]
            await run_ticks(daemon, clock, 4)
            assert ecs.calls == [4, 6, 7, 9, 11, 12]  # 10 still start: nothing more
            assert daemon.statuses[0].reason == "panic: at target"
            # The 9 tasks start and share the load: 13 each, 117 in flight.
            for s in servers:
                s.in_flight = 13
            servers += [await StubStatusServer(13).start() for _ in range(7)]
            # Discovery sees them at its next refresh (t=1020): 117 in flight on 9 of the
            # 12, 13 per serving task (it was 60): no reason to ask for more.
            await run_ticks(daemon, clock, 12)
            assert ecs.calls == [4, 6, 7, 9, 11, 12]
            await daemon.drain()
            assert [(e.old, e.new) for e in notes.events] == [
                (2, 4), (4, 6), (6, 7), (7, 9), (9, 11), (11, 12)]
            status = daemon.statuses[0]
            assert status.desired == 12 and status.observed_load == 117.0
            assert status.updates_total == 6
        finally:
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
        assert ecs.calls == []  # 200 in flight at target 10: 20, then blind: never fewer
        assert ecs.desired == 20
        assert daemon.statuses[0].scrape_errors_total == 200 * 4
        assert daemon.statuses[0].reason == "no data yet: hold"
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
        await run_ticks(daemon, clock, 1)
        assert ecs.calls == [] and daemon.statuses[0].update_errors_total == 1
        await run_ticks(daemon, clock, 1)  # retried 1 s later: throttled again
        assert ecs.calls == [] and daemon.statuses[0].update_errors_total == 2
        await run_ticks(daemon, clock, 1)  # backing off 2 s now
        assert ecs.calls == []
        assert daemon.statuses[0].reason.endswith("(backing off after an UpdateService error)")
        await run_ticks(daemon, clock, 5)
        assert ecs.calls == [10]
        assert daemon.statuses[0].update_errors_total == 2
        assert daemon.statuses[0].last_error == "Rate exceeded"
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
        assert daemon.statuses[0].reason == ("panic: scale up (standby: another replica "
                                             "holds the lease)")
        await server.stop()

    asyncio.run(scenario())


def test_dry_run_logs_each_new_decision_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="eden.scaler")

    async def scenario() -> None:
        server = await StubStatusServer(100).start()
        ecs, clock, dry = FakeEcs(1), Clock(), DryRunActuator()
        daemon = Daemon(config(), sources={"c/web": harness([server], ecs)}, actuator=dry,
                        notifier=FanOut([]), lease=AlwaysLeader(), clock=clock)
        try:
            await daemon.refresh_lease()
            await run_ticks(daemon, clock, 10)
            assert dry.calls == [("c", "web", 10)]
            assert ecs.desired == 1
            assert (daemon.statuses[0].desired, daemon.statuses[0].ecs_desired) == (10, 1)
        finally:
            await server.stop()

    asyncio.run(scenario())
    lines = [r.getMessage() for r in caplog.records if "DRY RUN" in r.getMessage()]
    assert lines == ["DRY RUN: c/web: eden would set desiredCount 1 -> 10 "
                     "(panic: scale up); the service has 1"]


def test_dry_run_follows_its_own_count_down_when_the_load_falls() -> None:
    async def scenario() -> None:
        server = await StubStatusServer(100).start()
        ecs, clock, dry = FakeEcs(1), Clock(), DryRunActuator()
        daemon = Daemon(config(), sources={"c/web": harness([server], ecs)}, actuator=dry,
                        notifier=FanOut([]), lease=AlwaysLeader(), clock=clock)
        try:
            await daemon.refresh_lease()
            await run_ticks(daemon, clock, 10)
            server.in_flight = 5  # the load falls away; the real service never changed
            await run_ticks(daemon, clock, 400)
            counts = [c for _, _, c in dry.calls]
            # Up once, then down: never a ratchet on the service's unchanged count of 1.
            assert counts[0] == 10 and counts[-1] == 1
            assert all(a > b for a, b in itertools.pairwise(counts))
            assert daemon.statuses[0].desired == 1 and not daemon.statuses[0].panic
            assert ecs.desired == 1
        finally:
            await server.stop()

    asyncio.run(scenario())


def noisy(t: int) -> float:
    """Per-task load falling from 1.2 to 0.6 over 300 s, +-10 % deterministic noise."""
    base = 1.2 - 0.6 * min(t, 300) / 300
    return base * (1 + ((t * 7919) % 21 - 10) / 100)


def test_a_dry_run_on_its_own_count_does_not_ratchet() -> None:
    # The 5-minute run of the issue: 200 endpoints, a service at 20, load falling.
    bounds = config().services[0].bounds.__class__(min_tasks=1, max_tasks=500)
    before = TargetTrackingPolicy(TargetSettings(target=1, panic_basis="desired"), bounds)
    after = TargetTrackingPolicy(TargetSettings(target=1), bounds)
    would_be, peak_before = 20, 0
    for t in range(400):
        values = (noisy(t),) * 200
        # Before: the policy saw the service's count, 20, on every tick of a dry run.
        old = before.decide(Observation(float(t), values, ready=200, desired=20))
        peak_before = max(peak_before, old.desired)
        # Now: it sees its own would-be count, and panics against the 200 ready.
        would_be = after.decide(Observation(float(t), values, ready=200,
                                            desired=would_be)).desired
    assert old.panic and old.desired == peak_before  # panic for ever, held at its peak
    assert old.desired >= 240  # the noisy maximum, while the load fell to 120
    # It followed the load down in 10 % steps, 120 s behind (the scale-in window): 217 at
    # first, 141 at the end, where the last window still wants 132 (within the band).
    assert would_be == 141
    assert not after.panicking


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` on the loop until true, or fail saying what never happened."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.01)


def daemon_loops_left() -> list[str]:
    """The daemon's coroutines still pending on this loop (its lease, service,
    housekeeping and shadow loops are methods of Daemon)."""
    return [t.get_coro().__qualname__ for t in asyncio.all_tasks()  # type: ignore[union-attr]
            if not t.done() and t.get_coro().__qualname__.startswith("Daemon.")]  # type: ignore[union-attr]


def test_run_loop_ticks_until_stopped() -> None:
    async def scenario() -> None:
        server = await StubStatusServer(5).start()
        ecs = FakeEcs(1)
        cfg = parse_config({"services": [{"cluster": "c", "service": "web", "max": 5,
                                          "target": 10, "panic_window": 0.1}],
                            "scaler": {"tick": 0.02, "lease_ttl": 0.1}})
        daemon = Daemon(cfg, sources={"c/web": harness([server], ecs)}, actuator=ecs,
                        notifier=FanOut([]), lease=AlwaysLeader())
        runner = asyncio.create_task(daemon.run())
        try:
            await wait_until(lambda: daemon.statuses[0].ticks_total >= 5, 10,
                             "5 ticks of the service loop")
            assert daemon.leader
            assert "Daemon._service_loop" in daemon_loops_left()  # the check below sees them
            daemon.stop()
            await asyncio.wait_for(runner, timeout=5)
            # No loop of the daemon is left that could tick again: run() cancelled and
            # awaited every one before it returned.
            assert daemon_loops_left() == []
            assert not daemon.leader  # released on the way out
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await server.stop()

    asyncio.run(scenario())


def test_housekeeping_runs_periodically(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daemon_module, "HOUSEKEEPING_EVERY", 0.01)
    chores: list[int] = []

    async def scenario() -> None:
        cfg = parse_config({"services": [{"cluster": "c", "service": "web", "max": 5,
                                          "target": 10, "panic_window": 0.1}],
                            "scaler": {"tick": 0.05}})
        ecs = FakeEcs(1)
        daemon = Daemon(cfg, sources={"c/web": CallableDiscovery(
            lambda: ServiceView((), 1, 0, 0))}, actuator=ecs, notifier=FanOut([]),
            lease=AlwaysLeader(), housekeeping=lambda: chores.append(1))
        runner = asyncio.create_task(daemon.run())
        try:
            await wait_until(lambda: len(chores) >= 3, 10, "3 housekeeping runs")
            assert "Daemon._housekeeping_loop" in daemon_loops_left()
            daemon.stop()
            await asyncio.wait_for(runner, timeout=5)
            assert daemon_loops_left() == []  # no housekeeping loop left to run a chore
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)

    asyncio.run(scenario())


class FakeActivities:
    """Stands in for ScalingActivities: counts polls, fails the first."""

    def __init__(self) -> None:
        self.cfg = config().services[0]
        self.polls = 0

    def poll(self) -> list[object]:
        self.polls += 1
        if self.polls == 1:
            raise AwsError("AccessDeniedException: not allowed")
        return []


def test_shadow_reads_aws_scaling_and_survives_a_failed_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="eden.scaler")
    watch = FakeActivities()

    async def scenario() -> None:
        server = await StubStatusServer(100).start()
        cfg = parse_config({"services": [{"cluster": "c", "service": "web", "max": 50,
                                          "target": 10, "panic_window": 0.1}],
                            "scaler": {"tick": 0.02, "refresh": 0.05}})
        ecs, dry = FakeEcs(1), DryRunActuator()
        daemon = Daemon(cfg, sources={"c/web": harness([server], ecs)}, actuator=dry,
                        notifier=FanOut([]), lease=AlwaysLeader(), shadow=[watch])
        runner = asyncio.create_task(daemon.run())
        try:
            await wait_until(lambda: watch.polls >= 3 and dry.calls != [], 10,
                             "3 polls of AWS's scaling activities and a would-be change")
            daemon.stop()
            await asyncio.wait_for(runner, timeout=5)
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await server.stop()
        assert ecs.calls == [] and ecs.desired == 1

    asyncio.run(scenario())
    lines = [r.getMessage() for r in caplog.records]
    assert "shadow c/web: cannot read AWS's scaling activities: AccessDeniedException: " \
        "not allowed" in lines
    assert any(line.startswith("SHADOW: c/web: eden would set desiredCount 1 -> ")
               and line.endswith("the service has 1") for line in lines)
