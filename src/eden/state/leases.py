"""Leases in the state store: two operations on one environment never interleave, and shared things
(listener-rule priorities, the endpoints document) are changed by one writer at a time.

A lease is a row in the state store with an owner and an expiry. The holder renews it in
the background while it works; a process that dies (even by SIGKILL) stops renewing, and
the lease expires after ``ttl`` seconds so the next operation can take over and resume.
What a second operation does when the lease is taken is the user's choice: wait (bounded,
reporting who holds it) or fail at once with a message that says who.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from eden.errors import EdenError, LockedError
from eden.state.base import LockInfo, StateStore

DEFAULT_TTL = 30.0


@dataclass(frozen=True)
class LockPolicy:
    """``wait`` up to ``timeout`` seconds, or ``fail`` at once."""

    mode: str = "wait"
    timeout: float = 600.0
    ttl: float = DEFAULT_TTL
    # Longest pause between tries. Short for leases held for one AWS call or two (shared
    # pieces), so waiters do not sleep through the moment the lease comes free.
    max_delay: float = 1.0

    @classmethod
    def from_env(cls, mode: str | None = None, timeout: float | None = None) -> LockPolicy:
        ttl = float(os.environ.get("EDEN_LOCK_TTL", DEFAULT_TTL))
        mode = mode or os.environ.get("EDEN_ON_LOCKED", "wait")
        if mode not in ("wait", "fail"):
            raise EdenError(f"on-locked policy must be wait or fail, got {mode!r}")
        return cls(mode=mode, timeout=600.0 if timeout is None else timeout, ttl=ttl)


def new_owner() -> str:
    """Unique per operation, readable in messages: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(
        self,
        store: StateStore,
        key: str,
        owner: str,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.store = store
        self.key = key
        self.owner = owner
        self.ttl = ttl
        self.clock = clock
        self.sleep = sleep
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = False  # set if a renewal found the lease taken (we were too slow)

    def try_acquire(self) -> bool:
        return self.store.acquire_lock(self.key, self.owner, self.ttl, self.clock())

    def acquire(
        self, policy: LockPolicy, on_wait: Callable[[LockInfo | None, float], None] | None = None
    ) -> None:
        """Takes the lease by the policy; starts renewing it in the background."""
        started = self.clock()
        delay = min(0.02, policy.max_delay)
        while not self.try_acquire():
            holder = self.store.lock_info(self.key)
            waited = self.clock() - started
            if policy.mode == "fail" or waited >= policy.timeout:
                raise LockedError(
                    f"{self.key} is held by {holder.owner if holder else 'another operation'}"
                    + (
                        f" (lease expires in {max(0.0, holder.expires_at - self.clock()):.0f}s)"
                        if holder
                        else ""
                    ),
                    hint="wait for it to finish (--on-locked wait --lock-timeout SECONDS), "
                    "or run again later",
                )
            if on_wait:
                on_wait(holder, waited)
            # Jitter keeps a crowd of waiters from retrying in lockstep.
            self.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, policy.max_delay)
        self._start_renewing()

    def _start_renewing(self) -> None:
        self._stop.clear()

        def renew() -> None:
            while not self._stop.wait(self.ttl / 3):
                if not self.try_acquire():
                    self.lost = True
                    return

        self._renewer = threading.Thread(target=renew, name=f"lease:{self.key}", daemon=True)
        self._renewer.start()

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        self.store.release_lock(self.key, self.owner)


@contextmanager
def held(
    store: StateStore,
    key: str,
    owner: str,
    policy: LockPolicy,
    on_wait: Callable[[LockInfo | None, float], None] | None = None,
) -> Iterator[Lease]:
    lease = Lease(store, key, owner, ttl=policy.ttl)
    lease.acquire(policy, on_wait)
    try:
        yield lease
    finally:
        lease.release()


def env_key(profile: str, name: str) -> str:
    return f"env:{profile}:{name}"


def shared_key(what: str) -> str:
    return f"shared:{what}"
