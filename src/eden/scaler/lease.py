"""Leadership for replicas: only the holder of the lease calls UpdateService.

Two daemons watching the same services would otherwise race and double notifications. The
lease is a row (name, owner, expiry) that an owner renews; another owner may take it only
after it expires, so a crashed leader is replaced within one TTL. ``Lease`` is a Protocol so
a DynamoDB conditional-write lease can replace the SQLite file on shared storage.

Expiry uses wall-clock time because it is compared across processes (and hosts).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Protocol

from eden.errors import ConfigError
from eden.state.base import StateStore


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


class SqliteLease:
    """A lease row in an SQLite file; BEGIN IMMEDIATE makes take-or-renew atomic."""

    def __init__(
        self,
        path: Path,
        *,
        name: str = "eden-scaler",
        ttl: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl <= 0:
            raise ValueError("lease ttl must be positive")
        self.path, self.name, self.ttl, self.clock = path, name, ttl, clock
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS lease ("
                    " name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires REAL NOT NULL)"
                )
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open lease file {path}: {exc}",
                              hint="set scaler.lease_path to a writable file") from exc

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=2.0, isolation_level=None)

    def try_acquire(self, owner: str) -> bool:
        now = self.clock()
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT owner, expires FROM lease WHERE name = ?",
                             (self.name,)).fetchone()
            if row is None or row[0] == owner or row[1] <= now:
                db.execute(
                    "INSERT INTO lease (name, owner, expires) VALUES (?, ?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, "
                    "expires = excluded.expires",
                    (self.name, owner, now + self.ttl),
                )
                db.execute("COMMIT")
                return True
            db.execute("ROLLBACK")
            return False
        except sqlite3.Error:
            # A locked or unreadable store means we cannot prove leadership: do not act.
            if db.in_transaction:
                db.execute("ROLLBACK")
            return False
        finally:
            db.close()

    def release(self, owner: str) -> None:
        with closing(self._connect()) as db:
            db.execute("DELETE FROM lease WHERE name = ? AND owner = ?", (self.name, owner))

    def holder(self) -> str | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT owner, expires FROM lease WHERE name = ?",
                             (self.name,)).fetchone()
        if row is None or row[1] <= self.clock():
            return None
        return str(row[0])


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

