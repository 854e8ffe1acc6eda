"""Group commit for the endpoints document: many edits, one lease, one read, one write.

(The same batching serves the ALB quota ledger's claims: many creates, one lease, one
read of the environments, one check for all of them; ``GroupCommit`` is the general form.)

Every environment's create and delete edits the same S3 object, and those edits must not
be lost, so they run one at a time under a shared lease. One at a time costs a read and a
write each (two round trips), which caps a process at a few edits per second. Within one
process (the API server, ``eden gc``) the edits that arrive while a write is in flight
are queued and applied together by whichever thread writes next: the leader. The lease
still orders writers across processes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from eden.core.endpoints_doc import Edit

T = TypeVar("T")  # what is submitted
R = TypeVar("R")  # what each submitter gets back
ApplyEdits = Callable[[list[Edit]], list[bool]]  # reads, runs the edits, writes once


@dataclass
class _Pending(Generic[T, R]):
    edit: T
    done: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """Items submitted for one key while another batch of that key is in flight are run
    together, under one lease, by one thread; each submitter gets its own result."""

    def __init__(self, lease: Callable[[str], AbstractContextManager[Any]]):
        self._lease = lease
        self._lock = threading.Lock()
        self._queues: dict[str, list[_Pending[T, R]]] = {}
        self._leading: set[str] = set()

    def submit(self, key: str, edit: T, apply: Callable[[list[T]], list[R]]) -> R:
        """Runs ``edit`` for ``key`` (alone or in a batch); returns its result."""
        me: _Pending[T, R] = _Pending(edit)
        with self._lock:
            self._queues.setdefault(key, []).append(me)
            lead = key not in self._leading
            if lead:
                self._leading.add(key)
        if lead:
            self._lead(key, apply)
        me.done.wait()
        if me.error is not None:
            raise me.error
        return me.result  # type: ignore[return-value]  # set with done, before it

    def _lead(self, key: str, apply: Callable[[list[T]], list[R]]) -> None:
        for batch in self._batches(key):
            try:
                with self._lease(key):
                    results = apply([p.edit for p in batch])
                for p, r in zip(batch, results, strict=True):
                    p.result = r
            except BaseException as exc:  # every waiter learns the batch failed
                for p in batch:
                    p.error = exc
            for p in batch:
                p.done.set()

    def _batches(self, key: str) -> Iterator[list[_Pending[T, R]]]:
        while True:
            with self._lock:
                batch = self._queues.pop(key, [])
                if not batch:
                    self._leading.discard(key)
                    return
            yield batch


class DocumentWriter(GroupCommit[Edit, bool]):
    """Edits of one endpoints document: True for each edit that changed it."""
