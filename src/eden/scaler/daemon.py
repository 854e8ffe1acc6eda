"""The scaling loop: discover, scrape, decide, act - every tick, for every service.

Each service runs its own loop so a slow UpdateService for one never delays another. The
daemon holds no AWS client itself; discovery sources, the actuator, the notifier and the
lease are injected (see ``wiring.py``), which is what lets tests drive it against fakes or a
moto server, and the clock is injected so tests never sleep on wall time.

Failure handling: a failed discovery is logged with what to check, keeps the last view and
is retried on the next tick; a failed scrape is missing data;
a failed UpdateService is logged and retried on a later tick (with a short backoff so a
throttled API is not hammered). Nothing here has a lifetime limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from eden.errors import EdenError
from eden.scaler.actuator import Actuator
from eden.scaler.aws_scaling import ScalingActivities
from eden.scaler.config import ScalerConfig, ServiceConfig
from eden.scaler.discovery import CachedDiscovery, DiscoverySource
from eden.scaler.lease import Lease
from eden.scaler.model import Decision, Observation, Policy
from eden.scaler.notify import Notifier, ScaleEvent
from eden.scaler.policy_registry import make_policy
from eden.scaler.scrape import Scraper
from eden.scaler.status import ServiceStatus

log = logging.getLogger("eden.scaler")

MAX_BACKOFF = 8.0
HOUSEKEEPING_EVERY = 600.0


@dataclass
class _Service:
    config: ServiceConfig
    policy: Policy
    discovery: CachedDiscovery
    scraper: Scraper
    status: ServiceStatus
    retry_at: float = float("-inf")
    failures: int = 0
    would_be: int | None = None  # dry run and shadow: the count eden would have set


class Daemon:
    def __init__(
        self,
        config: ScalerConfig,
        *,
        sources: Mapping[str, DiscoverySource],
        actuator: Actuator,
        notifier: Notifier,
        lease: Lease,
        clock: Callable[[], float] = time.monotonic,
        housekeeping: Callable[[], None] | None = None,
        shadow: Sequence[ScalingActivities] = (),
    ) -> None:
        self.config = config
        self.housekeeping = housekeeping
        self.shadow = list(shadow)
        self.actuator = actuator
        self.notifier = notifier
        self.lease = lease
        self.clock = clock
        self.leader = False
        self._limit = asyncio.Semaphore(config.scrape_concurrency)
        self._services = [self._make_service(c, sources[c.key]) for c in config.services]
        self._stop = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()

    def _make_service(self, cfg: ServiceConfig, source: DiscoverySource) -> _Service:
        return _Service(
            config=cfg,
            policy=make_policy(cfg.policy, cfg.settings, cfg.bounds),
            discovery=CachedDiscovery(source, self.config.refresh, name=cfg.key),
            scraper=Scraper(cfg.metric, timeout=self.config.scrape_timeout,
                            limit=self._limit, sample=cfg.sample),
            status=ServiceStatus(cfg.key, cfg.policy),
        )

    @property
    def statuses(self) -> list[ServiceStatus]:
        return [s.status for s in self._services]

    def discovery_failures(self) -> list[tuple[str, Exception]]:
        """Services whose last discovery failed, with the error (what ``--once`` reports)."""
        return [(s.config.key, exc) for s in self._services
                if (exc := s.discovery.last_exception) is not None]

    def stop(self) -> None:
        self._stop.set()

    async def refresh_lease(self) -> bool:
        was = self.leader
        self.leader = await asyncio.to_thread(self.lease.try_acquire, self.config.owner)
        if self.leader != was:
            log.info("lease %s by %s", "acquired" if self.leader else "lost", self.config.owner)
        return self.leader

    async def tick(self) -> list[Decision | None]:
        """One decision for every service (what ``--once`` runs)."""
        return list(await asyncio.gather(*(self._tick(s) for s in self._services)))

    async def run(self) -> None:
        """Until ``stop()``: a lease loop and one loop per service."""
        await self.refresh_lease()
        tasks = [asyncio.create_task(self._lease_loop())]
        if self.housekeeping is not None:
            tasks.append(asyncio.create_task(self._housekeeping_loop(self.housekeeping)))
        if self.shadow:
            tasks.append(asyncio.create_task(self._shadow_loop()))
        tasks += [asyncio.create_task(self._service_loop(s)) for s in self._services]
        try:
            await self._stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.drain()
            if self.leader:
                await asyncio.to_thread(self.lease.release, self.config.owner)
                self.leader = False

    async def _lease_loop(self) -> None:
        period = max(min(self.config.lease_ttl / 3, self.config.tick), 0.05)
        while not self._stop.is_set():
            await self._sleep(period)
            await self.refresh_lease()

    async def _housekeeping_loop(self, chore: Callable[[], None]) -> None:
        """Periodic trimming of state owned elsewhere (e.g. the AWS call recorder)."""
        while not self._stop.is_set():
            await self._sleep(HOUSEKEEPING_EVERY)
            chore()

    async def _shadow_loop(self) -> None:
        """--shadow: report what AWS's own scaling did, next to eden's would-be counts."""
        while not self._stop.is_set():
            for watch in self.shadow:
                try:
                    await asyncio.to_thread(watch.poll)
                except EdenError as exc:
                    log.warning("shadow %s: cannot read AWS's scaling activities: %s",
                                watch.cfg.key, exc.message)
            await self._sleep(self.config.refresh)

    async def _service_loop(self, svc: _Service) -> None:
        tick = self.config.tick
        next_at = self.clock()
        while not self._stop.is_set():
            try:
                await self._tick(svc)
            except Exception:  # a bug in one tick must not end the daemon
                log.exception("tick for %s failed", svc.config.key)
            next_at += tick
            now = self.clock()
            if now > next_at:
                next_at = now  # overran: skip the missed ticks rather than burst
            await self._sleep(next_at - now)

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def _tick(self, svc: _Service) -> Decision | None:
        now = self.clock()
        st = svc.status
        view = await svc.discovery.view(now)
        st.discovery_error = svc.discovery.last_error
        if view is None:
            st.reason = f"no discovery yet: {svc.discovery.last_error or 'pending'}"
            return None
        if view.sleeping:  # `eden sleep` stopped it; only a wake may start it again
            st.reason = "asleep (eden sleep): not scaled until it is woken"
            st.ecs_desired, st.running = view.desired, view.running
            return None
        result = await svc.scraper.scrape(view.endpoints, now)
        # A dry run or shadow changes nothing, so it follows its own would-be count: the
        # service's real count would keep a panic (2x the count) armed for ever.
        current = view.desired if svc.would_be is None else svc.would_be
        obs = Observation(now, result.values, ready=len(view.endpoints),
                          desired=current, pending=view.pending)
        decision = svc.policy.decide(obs)
        st.ticks_total += 1
        st.scrape_errors_total += result.errors
        st.observed_load = obs.total_load
        st.stable_load, st.panic_load = decision.stable_load, decision.panic_load
        st.desired, st.ecs_desired, st.panic = decision.desired, view.desired, decision.panic
        st.running, st.pending = view.running, view.pending
        st.endpoints, st.scraped = len(view.endpoints), result.attempted
        st.reason = decision.reason
        st.last_tick_unix = time.time()
        log.debug("%s: load %s on %d endpoints (%d scraped, %d failed); %d -> %d (%s)",
                  svc.config.key, _fmt_load(obs.total_load), len(view.endpoints),
                  result.attempted, result.errors, decision.current, decision.desired,
                  decision.reason)
        if decision.changed:
            await self._act(svc, decision, now, view.desired)
        return decision

    async def _act(self, svc: _Service, decision: Decision, now: float, real: int) -> None:
        st, cfg = svc.status, svc.config
        if not self.leader:
            st.reason += " (standby: another replica holds the lease)"
            return
        if now < svc.retry_at:
            st.reason += " (backing off after an UpdateService error)"
            return
        try:
            await self.actuator.set_desired(cfg.cluster, cfg.service, decision.desired)
        except EdenError as exc:
            svc.failures += 1
            svc.retry_at = now + min(2.0 ** (svc.failures - 1), MAX_BACKOFF)
            st.update_errors_total += 1
            st.last_error = exc.message
            log.warning("%s: %s (retrying)", cfg.key, exc.message)
            return
        svc.failures, svc.retry_at = 0, float("-inf")
        if self.actuator.dry_run:
            svc.would_be = decision.desired
            mode = "SHADOW" if self.shadow else "DRY RUN"
            log.info("%s: %s: eden would set desiredCount %d -> %d (%s); the service has %d",
                     mode, cfg.key, decision.current, decision.desired, decision.reason, real)
        else:
            svc.discovery.note_desired(decision.desired)
        st.updates_total += 1
        event = ScaleEvent(cfg.key, decision.current, decision.desired, decision.reason,
                           dry_run=self.actuator.dry_run)
        st.events.append({"at_unix": time.time(), "old": event.old, "new": event.new,
                          "reason": event.reason, "dry_run": event.dry_run,
                          "service_desired": real})
        if not self.actuator.dry_run:
            log.info("%s", event.text)
        # Notifying must never hold up the next tick; keep a reference until it is done.
        task = asyncio.get_running_loop().create_task(self.notifier.notify(event))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for notifications still in flight (used on shutdown and by --once)."""
        if self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)


def _fmt_load(load: float | None) -> str:
    return "unknown" if load is None else f"{load:.1f}"

