"""Leadership for replicas: only the holder of the lease calls UpdateService.

Two daemons watching the same services would otherwise race and double notifications. The
lease is a row (name, owner, expiry) in eden's state store that an owner renews; another
owner may take it only after it expires, so a crashed leader is replaced within one TTL.
There is one implementation, ``StoreLease``, over either store: a DynamoDB table shared by
replicas on several machines, or an SQLite file (``lease_path``) for replicas on one machine.

Expiry uses wall-clock time because it is compared across processes (and hosts).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from eden.errors import ConfigError
from eden.state.base import StateStore, open_store


class Lease(Protocol):
    def try_acquire(self, owner: str) -> bool:
        """Take or renew the lease; True when ``owner`` holds it afterwards."""
        ...

    def release(self, owner: str) -> None: ...

    def holder(self) -> str | None: ...


class AlwaysLeader:
    """For a single replica: no state store, always acts."""

    def try_acquire(self, owner: str) -> bool:
        return True

    def release(self, owner: str) -> None:
        return None

    def holder(self) -> str | None:
        return None


class StoreLease:
    """The lease in eden's state store (SQLite or a DynamoDB table shared by replicas).

    The store's ``acquire_lock`` is one atomic conditional write: take the lease if it is
    free, expired, or already ours (a renewal).
    """

    def __init__(
        self,
        store: StateStore,
        *,
        name: str = "eden-scaler",
        ttl: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl <= 0:
            raise ValueError("lease ttl must be positive")
        self.store, self.key, self.ttl, self.clock = store, f"scaler:{name}", ttl, clock

    def try_acquire(self, owner: str) -> bool:
        return self.store.acquire_lock(self.key, owner, self.ttl, self.clock())

    def release(self, owner: str) -> None:
        self.store.release_lock(self.key, owner)

    def holder(self) -> str | None:
        info = self.store.lock_info(self.key)
        return info.owner if info is not None and info.expires_at >= self.clock() else None


def file_lease(path: Path, *, ttl: float = 10.0,
               clock: Callable[[], float] = time.time) -> StoreLease:
    """A StoreLease over eden's SQLite store in ``path``: replicas on one machine.

    The SQLite store runs in WAL mode, which needs shared memory between the processes:
    replicas on several machines must share a DynamoDB table instead (``lease_state``).
    """
    try:
        store = open_store(f"sqlite:///{path.expanduser().resolve()}")
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError(f"cannot open lease file {path}: {exc}",
                          hint="set scaler.lease_path to a writable file") from exc
    return StoreLease(store, ttl=ttl, clock=clock)

