"""The embedded state store: one SQLite file, safe for threads and processes.

WAL mode and a busy timeout let a CLI, an API server and a scheduler share one file.
Commits are ``synchronous = NORMAL``: a committed write is in the WAL file before the
commit returns, so it survives the process's death (SIGKILL, OOM: what the journal and the
leases are for); only a crash of the machine itself may lose the last commits, which the
next operation's fresh read of AWS recovers from (every step is idempotent). FULL, the
default, waits for an fsync at each commit: 4-5 ms here, under the store's one lock, so
20 concurrent creates (16 journal entries each) queued a second or more behind the disk.
Records are stored as JSON next to the columns that are queried, so the schema stays
small while the record grows.

Triggers count the writes to each profile's environments (``env_changes``), so whichever
process writes (a CLI, a server, an older eden that knows nothing of the count) the count
moves in the same transaction as the write; with the file's random ``epoch`` it makes
``changes``, from which the API builds its list ETags without reading any record.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from dataclasses import astuple, fields
from pathlib import Path
from typing import Any, TypeVar

from eden.state.base import (
    ApiKey,
    EnvQuery,
    EnvRecord,
    EnvSummary,
    Event,
    JournalEntry,
    LockInfo,
)
from eden.state.retention import DEFAULT_RETENTION_DAYS, cutoff

SCHEMA = """
CREATE TABLE IF NOT EXISTS environments (
    profile TEXT NOT NULL,
    name TEXT NOT NULL,
    branch TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_deploy_at REAL,
    record TEXT NOT NULL,
    PRIMARY KEY (profile, name)
);
-- Not INSERT OR IGNORE in the triggers: the upsert in put() would override its IGNORE.
CREATE TABLE IF NOT EXISTS env_changes (
    profile TEXT PRIMARY KEY,
    counter INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS env_inserted AFTER INSERT ON environments BEGIN
    INSERT INTO env_changes (profile, counter) SELECT NEW.profile, 0
        WHERE NOT EXISTS (SELECT 1 FROM env_changes WHERE profile = NEW.profile);
    UPDATE env_changes SET counter = counter + 1 WHERE profile = NEW.profile;
END;
CREATE TRIGGER IF NOT EXISTS env_updated AFTER UPDATE ON environments BEGIN
    INSERT INTO env_changes (profile, counter) SELECT NEW.profile, 0
        WHERE NOT EXISTS (SELECT 1 FROM env_changes WHERE profile = NEW.profile);
    INSERT INTO env_changes (profile, counter) SELECT OLD.profile, 0
        WHERE NOT EXISTS (SELECT 1 FROM env_changes WHERE profile = OLD.profile);
    UPDATE env_changes SET counter = counter + 1 WHERE profile IN (NEW.profile, OLD.profile);
END;
CREATE TRIGGER IF NOT EXISTS env_deleted AFTER DELETE ON environments BEGIN
    INSERT INTO env_changes (profile, counter) SELECT OLD.profile, 0
        WHERE NOT EXISTS (SELECT 1 FROM env_changes WHERE profile = OLD.profile);
    UPDATE env_changes SET counter = counter + 1 WHERE profile = OLD.profile;
END;
CREATE TABLE IF NOT EXISTS store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile TEXT NOT NULL,
    env TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    started_at REAL NOT NULL,
    seconds REAL NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL,
    image TEXT
);
CREATE INDEX IF NOT EXISTS events_env ON events (profile, env, started_at);
CREATE TABLE IF NOT EXISTS locks (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile TEXT NOT NULL,
    env TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    step TEXT NOT NULL,
    phase TEXT NOT NULL,
    at REAL NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_env ON journal (profile, env, at);
CREATE TABLE IF NOT EXISTS profiles (
    name TEXT PRIMARY KEY,
    profile TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    created_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
"""

# Events and journal entries, stored alike: their table and the column whose time sorts
# them (and ages them out). The columns are the dataclass's fields, in order.
_TIMED: dict[type, tuple[str, str]] = {
    Event: ("events", "started_at"),
    JournalEntry: ("journal", "at"),
}
T = TypeVar("T", Event, JournalEntry)

# A lean row's fields, in EnvSummary's order after the profile. The columns are the
# record's values (put() writes both, and keeps the first put's created_at in both).
_SUMMARY_COLUMNS = (
    "name, branch, json_extract(record, '$.host'), status,"
    " json_extract(record, '$.services[0].image'), created_at, last_deploy_at,"
    " json_extract(record, '$.pinned'), json_extract(record, '$.extra.sleep.state')"
)


class SqliteStore:
    def __init__(self, path: Path | str, *, retention_days: int = DEFAULT_RETENTION_DAYS):
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=30, check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA busy_timeout = 30000")
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")  # see the module's docstring
        with self._lock:
            self._db.executescript(SCHEMA)
            # The first process to open a new file picks its epoch; the others read it.
            self._db.execute(
                "INSERT OR IGNORE INTO store_meta (key, value) VALUES ('epoch', ?)",
                (secrets.token_hex(8),),
            )
            row = self._db.execute("SELECT value FROM store_meta WHERE key = 'epoch'").fetchone()
        self._epoch = str(row[0])

    def get(self, profile: str, name: str) -> EnvRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT record FROM environments WHERE profile = ? AND name = ?", (profile, name)
            ).fetchone()
        return EnvRecord.from_json(row[0]) if row else None

    def put(self, record: EnvRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO environments (profile, name, branch, status, created_at,"
                " last_deploy_at, record) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (profile, name) DO UPDATE SET branch = excluded.branch,"
                " status = excluded.status, last_deploy_at = excluded.last_deploy_at,"
                # created_at stays the first put's, in the column and in the record alike
                " record = json_set(excluded.record, '$.created_at', environments.created_at)",
                (
                    record.profile,
                    record.name,
                    record.branch,
                    record.status,
                    record.created_at,
                    record.last_deploy_at,
                    record.to_json(),
                ),
            )

    def delete(self, profile: str, name: str) -> None:
        with self._lock:
            self._db.execute(
                "DELETE FROM environments WHERE profile = ? AND name = ?", (profile, name)
            )

    def list_envs(self, profile: str | None = None) -> list[EnvRecord]:
        with self._lock:
            if profile is None:
                rows = self._db.execute(
                    "SELECT record FROM environments ORDER BY profile, created_at"
                ).fetchall()
            else:
                rows = self._db.execute(
                    "SELECT record FROM environments WHERE profile = ? ORDER BY created_at",
                    (profile,),
                ).fetchall()
        return [EnvRecord.from_json(r[0]) for r in rows]

    def list_page(self, profile: str, query: EnvQuery) -> list[EnvRecord]:
        rows = self._page(profile, query, "record")
        return [EnvRecord.from_json(r[0]) for r in rows]

    def list_summaries(self, profile: str, query: EnvQuery) -> list[EnvSummary]:
        # From the columns, and the record's JSON only where a lean row needs a field the
        # columns lack: SQLite's json_extract costs a fraction of rebuilding the record.
        rows = self._page(profile, query, _SUMMARY_COLUMNS)
        return [
            EnvSummary(profile, name, branch, str(host), status, str(image or ""),
                       float(created_at), last_deploy_at, bool(pinned), str(power or "awake"))
            for name, branch, host, status, image, created_at, last_deploy_at, pinned, power
            in rows
        ]

    def _page(self, profile: str, query: EnvQuery, columns: str) -> list[Any]:
        sql = [f"SELECT {columns} FROM environments WHERE profile = ?"]
        args: list[object] = [profile]
        if query.after is not None:
            sql.append("AND name > ?")
            args.append(query.after)
        if query.statuses:
            sql.append(f"AND status IN ({', '.join('?' * len(query.statuses))})")
            args.extend(query.statuses)
        if query.branch_prefix:
            sql.append("AND substr(branch, 1, ?) = ?")  # not LIKE: it ignores ASCII case
            args.extend((len(query.branch_prefix), query.branch_prefix))
        sql.append("ORDER BY name")  # the primary key's order: LIMIT stops the index walk
        if query.limit is not None:
            sql.append("LIMIT ?")
            args.append(query.limit)
        with self._lock:
            return self._db.execute(" ".join(sql), args).fetchall()

    def changes(self, profile: str) -> str:
        with self._lock:
            row = self._db.execute(
                "SELECT counter FROM env_changes WHERE profile = ?", (profile,)
            ).fetchone()
        return f"{self._epoch}.{row[0] if row else 0}"

    def add_event(self, event: Event) -> None:
        self._add_timed(event)

    def events(self, profile: str, name: str, limit: int = 50) -> list[Event]:
        return self._read_timed(Event, profile, name, limit)

    def put_api_key(self, key: ApiKey) -> None:
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO api_keys (id, name, secret_hash, scope, created_at, revoked)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (key.id, key.name, key.secret_hash, key.scope, key.created_at,
                     int(key.revoked)),
                )
            except sqlite3.IntegrityError:  # the same answer as the DynamoDB store's
                raise ValueError(
                    f"an API key with id {key.id!r} or the same secret already exists"
                ) from None

    def find_api_key(self, secret_hash: str) -> ApiKey | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, name, secret_hash, scope, created_at, revoked FROM api_keys"
                " WHERE secret_hash = ?",
                (secret_hash,),
            ).fetchone()
        return _api_key(row) if row else None

    def list_api_keys(self) -> list[ApiKey]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, name, secret_hash, scope, created_at, revoked FROM api_keys"
                " ORDER BY created_at"
            ).fetchall()
        return [_api_key(r) for r in rows]

    def revoke_api_key(self, key_id: str) -> bool:
        with self._lock:
            cur = self._db.execute(
                "UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0", (key_id,)
            )
        return cur.rowcount > 0

    def acquire_lock(self, key: str, owner: str, ttl: float, now: float) -> bool:
        # One statement, so atomic across threads and processes: insert, or take over
        # a lock that has expired or that we already hold (renewal).
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET owner = excluded.owner,"
                " expires_at = excluded.expires_at"
                " WHERE locks.expires_at < ? OR locks.owner = excluded.owner",
                (key, owner, now + ttl, now),
            )
        return cur.rowcount > 0

    def release_lock(self, key: str, owner: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM locks WHERE key = ? AND owner = ?", (key, owner))
        return cur.rowcount > 0

    def lock_info(self, key: str) -> LockInfo | None:
        with self._lock:
            row = self._db.execute(
                "SELECT key, owner, expires_at FROM locks WHERE key = ?", (key,)
            ).fetchone()
        return LockInfo(row[0], row[1], row[2]) if row else None

    def add_journal(self, entry: JournalEntry) -> None:
        self._add_timed(entry)

    def journal(self, profile: str, env: str, limit: int = 200) -> list[JournalEntry]:
        return self._read_timed(JournalEntry, profile, env, limit)

    def _add_timed(self, entry: Event | JournalEntry) -> None:
        table = _TIMED[type(entry)][0]
        columns = [f.name for f in fields(entry)]
        with self._lock:
            self._db.execute(
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})",
                astuple(entry),
            )

    def _read_timed(self, cls: type[T], profile: str, env: str, limit: int) -> list[T]:
        """Newest first; entries written at the same time, the later write first."""
        table, time_column = _TIMED[cls]
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(f.name for f in fields(cls))} FROM {table}"
                f" WHERE profile = ? AND env = ? ORDER BY {time_column} DESC, id DESC LIMIT ?",
                (profile, env, limit),
            ).fetchall()
        return [cls(*row) for row in rows]

    def prune(self, now: float) -> int:
        """Deletes the events and journal entries older than the retention and returns how
        many; then checkpoints the WAL and truncates it, so that the file shrinks (a WAL
        only shrinks at a checkpoint that no reader blocks)."""
        before = cutoff(now, self.retention_days)
        deleted = 0
        with self._lock:
            for table, time_column in _TIMED.values():
                cur = self._db.execute(f"DELETE FROM {table} WHERE {time_column} < ?", (before,))
                deleted += cur.rowcount
            if self.path != ":memory:":
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return deleted

    def put_profile(self, name: str, values: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO profiles (name, profile) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET profile = excluded.profile",
                (name, json.dumps(values, sort_keys=True)),
            )

    def get_profile(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT profile FROM profiles WHERE name = ?", (name,)
            ).fetchone()
        return dict(json.loads(row[0])) if row else None

    def list_profiles(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT name FROM profiles ORDER BY name").fetchall()
        return [r[0] for r in rows]

    def delete_profile(self, name: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM profiles WHERE name = ?", (name,))
        return cur.rowcount > 0

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _api_key(row: tuple[object, ...]) -> ApiKey:
    key_id, name, secret_hash, scope, created_at, revoked = row
    return ApiKey(
        str(key_id), str(name), str(secret_hash), str(scope), float(str(created_at)), bool(revoked)
    )
