"""Operations: every create, deploy and delete the server runs, waited on or polled.

A synchronous request and a background one (``wait=false``, webhooks) go through the same
runner, so both are recorded, measured and serialised per environment: two pushes to one
branch deploy one after the other instead of racing each other's steps. Operations are
kept in memory (the last ``KEEP``); what happened for good is in the state store's events.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from eden.api.metrics import Metrics
from eden.api.problems import body, status_for
from eden.core import naming
from eden.envs.engine import Outcome
from eden.errors import EdenError, UsageError

log = logging.getLogger("eden.api")

KEEP = 1000


@dataclass
class Operation:
    id: str
    kind: str  # create | delete (create becomes deploy when the environment exists)
    profile: str
    target: str  # the branch or name as the caller gave it
    source: str  # api | webhook | legacy
    status: str = "queued"  # queued | running | succeeded | failed
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    http_status: int | None = None  # what a synchronous call would have answered
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. the pull request

    @property
    def done(self) -> bool:
        return self.status in ("succeeded", "failed")

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "href": f"/api/v1/operations/{self.id}",
            "kind": self.kind,
            "profile": self.profile,
            "target": self.target,
            "source": self.source,
            "status": self.status,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": (
                round(self.finished_at - self.started_at, 3)
                if self.finished_at and self.started_at
                else None
            ),
            "result": self.result,
            "error": self.error,
            "http_status": self.http_status,
            "detail": self.detail,
        }


def lock_key(profile: str, target: str) -> tuple[str, str]:
    """Branch and name of one environment map to one key (its slug)."""
    try:
        return profile, naming.env_name(target)
    except UsageError:
        return profile, target


class Operations:
    def __init__(self, metrics: Metrics, workers: int = 8):
        self.metrics = metrics
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eden-op")
        self._lock = threading.Lock()
        self._ops: OrderedDict[str, Operation] = OrderedDict()
        self._env_locks: dict[tuple[str, str], threading.Lock] = {}

    def new(self, kind: str, profile: str, target: str, source: str) -> Operation:
        op = Operation(secrets.token_hex(8), kind, profile, target, source)
        with self._lock:
            self._ops[op.id] = op
            while len(self._ops) > KEEP:
                self._ops.popitem(last=False)
        return op

    def get(self, op_id: str) -> Operation | None:
        with self._lock:
            return self._ops.get(op_id)

    def recent(self, limit: int = 50) -> list[Operation]:
        with self._lock:
            return list(reversed(self._ops.values()))[:limit]

    def submit(self, op: Operation, work: Callable[[], Outcome]) -> Operation:
        """Run ``work`` in the background; poll ``op`` for the result."""
        self._pool.submit(self._guarded, op, work)
        return op

    def run(self, op: Operation, work: Callable[[], Outcome]) -> Outcome:
        """Run ``work`` now, in the caller's thread; errors propagate after being recorded."""
        return self._execute(op, work)

    def _guarded(self, op: Operation, work: Callable[[], Outcome]) -> None:
        try:
            self._execute(op, work)
        except Exception:  # recorded on the operation already; the pool must not eat it
            return

    def _execute(self, op: Operation, work: Callable[[], Outcome]) -> Outcome:
        with self._lock:
            env_lock = self._env_locks.setdefault(lock_key(op.profile, op.target), threading.Lock())
        self.metrics.started()
        outcome: Outcome | None = None
        try:
            with env_lock:
                op.status = "running"
                op.started_at = time.time()
                outcome = work()
            op.result = outcome.as_dict()
            op.http_status = (
                201 if outcome.operation == "create" and not outcome.run.dry_run else 200
            )
        except EdenError as exc:
            op.error = exc.as_dict()
            op.http_status = status_for(exc)
            raise
        except Exception as exc:
            log.error("operation %s (%s %s) failed", op.id, op.kind, op.target, exc_info=exc)
            op.error = body("InternalError", "internal error; the server log has the details")
            op.http_status = 500
            raise
        finally:
            op.finished_at = time.time()
            op.status = "succeeded" if outcome is not None else "failed"
            kind = outcome.operation if outcome is not None else op.kind
            seconds = op.finished_at - (op.started_at or op.finished_at)
            self.metrics.finished(kind, "ok" if outcome else "failed", op.source, seconds)
        return outcome

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class Deliveries:
    """Delivery id -> operation, so GitHub's redeliveries do not run twice."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, Operation] = OrderedDict()

    def get(self, delivery: str | None) -> Operation | None:
        if not delivery:
            return None
        with self._lock:
            return self._seen.get(delivery)

    def add(self, delivery: str | None, op: Operation) -> None:
        if not delivery:
            return
        with self._lock:
            self._seen[delivery] = op
            while len(self._seen) > KEEP:
                self._seen.popitem(last=False)
