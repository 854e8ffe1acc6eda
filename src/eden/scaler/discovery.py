"""Finding a service's tasks, cached between refreshes: the views and the cache.

Discovery costs AWS calls (see ``aws_sources``), so it runs every ``refresh`` seconds, not
every tick: a 1 s tick over 50 services must not become hundreds of describe calls per
second. Between refreshes the daemon scrapes the cached endpoints. A refresh that fails is
logged with what to check, keeps the last good view (stale beats blind) and is retried on
the next tick, so an outage costs no more than its own length.

Sources are synchronous (boto3 is) and run in a worker thread. Tests inject their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from eden.errors import EdenError

log = logging.getLogger("eden.scaler")

REPEAT_LOG_EVERY = 60.0  # an unchanged failure is logged again at most this often


@dataclass(frozen=True)
class Endpoint:
    """Where one task answers metric scrapes; ``key`` is stable for the task's lifetime."""

    host: str
    port: int
    key: str = ""

    @property
    def id(self) -> str:
        return self.key or f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ServiceView:
    """A service as last discovered: its running endpoints and ECS's own counts."""

    endpoints: tuple[Endpoint, ...]
    desired: int
    running: int
    pending: int
    sleeping: bool = False  # tagged eden:sleeping: left alone until eden wakes it


class DiscoverySource(Protocol):
    def discover(self) -> ServiceView: ...

    def note_desired(self, desired: int) -> None:
        """eden has just set the desired count: cached AWS answers must not undo it."""
        ...


class CallableDiscovery:
    """Adapts a plain function; what tests and the e2e harness use."""

    def __init__(self, fn: Callable[[], ServiceView]) -> None:
        self._fn = fn

    def discover(self) -> ServiceView:
        return self._fn()

    def note_desired(self, desired: int) -> None:
        return None


def describe_failure(exc: Exception) -> str:
    """One line for a failed discovery: an eden error's message and hint, else the type."""
    if isinstance(exc, EdenError):
        return f"{exc.message} (check: {exc.hint})" if exc.hint else exc.message
    return f"{type(exc).__name__}: {exc}"


class CachedDiscovery:
    """Refreshes a source every ``refresh`` seconds and remembers our own updates.

    After eden sets a desired count it knows the new value before ECS reports it;
    ``note_desired`` applies it to the cached view so the next tick does not ask again.
    """

    def __init__(self, source: DiscoverySource, refresh: float, name: str = "service") -> None:
        self.source = source
        self.refresh = refresh
        self.name = name
        self._view: ServiceView | None = None
        self._fetched_at = float("-inf")
        self.last_error: str = ""
        self.last_exception: Exception | None = None
        self.failures = 0
        self._logged: tuple[str, float] | None = None
        self.refreshes = 0

    @property
    def failed(self) -> bool:
        """True while the last refresh failed (the view, if any, is stale)."""
        return bool(self.last_error)

    async def view(self, now: float) -> ServiceView | None:
        if self._view is None or self.failed or now - self._fetched_at >= self.refresh:
            await self._refresh(now)
        return self._view

    async def _refresh(self, now: float) -> None:
        try:
            fresh = await asyncio.to_thread(self.source.discover)
        except Exception as exc:  # any AWS or network failure: keep the last good view
            self.failures += 1
            self.last_error, self.last_exception = describe_failure(exc), exc
            self._log_failure(now)
            return  # the next tick tries again
        if self.failed:
            log.info("discovery of %s works again after %d failed attempt(s)",
                     self.name, self.failures)
        self.last_error, self.last_exception, self.failures, self._logged = "", None, 0, None
        self._view = fresh
        self._fetched_at = now
        self.refreshes += 1

    def _log_failure(self, now: float) -> None:
        logged = self._logged
        if logged is not None and logged[0] == self.last_error and \
                now - logged[1] < REPEAT_LOG_EVERY:
            return  # the same outage, already said: one line a minute is enough
        kept = (f"keeping the view from {now - self._fetched_at:.0f} s ago"
                if self._view is not None else "nothing discovered yet")
        log.warning("discovery of %s failed (attempt %d): %s; %s; retrying on the next tick",
                    self.name, self.failures, self.last_error, kept)
        self._logged = (self.last_error, now)

    def note_desired(self, desired: int) -> None:
        self.source.note_desired(desired)
        if self._view is not None:
            self._view = replace(self._view, desired=desired)

    def invalidate(self) -> None:
        self._fetched_at = float("-inf")
