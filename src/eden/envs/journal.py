"""The step journal: written before and after every step, read to show and resume.

Each operation writes an entry for itself when it begins and when it ends (step
``OPERATION``), and one for each step as it starts and as it ends. ``last_operation``
reads them back: what the last operation on an environment was, which of its steps
finished, and whether it ended at all. A process killed mid-create leaves an operation
that began and never ended; ``eden show`` prints it, and the next run says it resumes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from eden.envs.executor import Listener
from eden.envs.plan import Step
from eden.envs.records import OPERATION, EnvRecord, JournalEntry
from eden.state.base import StateStore


@dataclass(frozen=True)
class StepLog:
    step: str
    phase: str  # the last phase seen: start (never ended) | done | failed
    at: float
    detail: str = ""


@dataclass(frozen=True)
class OperationLog:
    id: str
    kind: str  # create | deploy | delete
    started_at: float
    ended: str | None  # done | failed; None: it never ended (the process died)
    steps: tuple[StepLog, ...] = field(default=())

    @property
    def interrupted(self) -> bool:
        return self.ended is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "started_at": self.started_at,
            "ended": self.ended,
            "interrupted": self.interrupted,
            "steps": [s.__dict__ for s in self.steps],
        }


def last_operation(entries: Iterable[JournalEntry]) -> OperationLog | None:
    """The newest operation in ``entries`` (any order), or None when there is none."""
    ordered = sorted(entries, key=lambda e: e.at)
    begins = [e for e in ordered if e.step == OPERATION and e.phase == "start"]
    if begins:
        op_id = begins[-1].operation_id
    elif ordered:  # journals from before operations wrote their own entries
        op_id = ordered[-1].operation_id
    else:
        return None
    mine = [e for e in ordered if e.operation_id == op_id]
    begin = next((e for e in mine if e.step == OPERATION and e.phase == "start"), None)
    end = next((e for e in mine if e.step == OPERATION and e.phase != "start"), None)
    steps: dict[str, StepLog] = {}
    for e in mine:
        if e.step != OPERATION:
            steps[e.step] = StepLog(e.step, e.phase, e.at, e.detail)
    return OperationLog(
        id=op_id,
        kind=begin.detail if begin else "?",
        started_at=(begin or mine[0]).at,
        ended=end.phase if end else ("done" if begin is None else None),
        steps=tuple(steps.values()),
    )


class Journal:
    """Writes one operation's entries; ``listener`` chains the progress display."""

    def __init__(self, store: StateStore, profile: str, env: str, clock: Callable[[], float]):
        self.store = store
        self.profile = profile
        self.env = env
        self.clock = clock
        self.id = uuid.uuid4().hex[:12]

    def _write(self, step: str, phase: str, detail: str = "") -> None:
        self.store.add_journal(
            JournalEntry(self.profile, self.env, self.id, step, phase, self.clock(), detail)
        )

    def begin(self, kind: str) -> None:
        self._write(OPERATION, "start", kind)

    def end(self, ok: bool, detail: str = "") -> None:
        self._write(OPERATION, "done" if ok else "failed", detail)

    def listener(self, then: Listener | None) -> Listener:
        def record(event: str, step: Step, result: Any) -> None:
            detail = (result.error or "") if result is not None else step.description
            self._write(step.id, event, detail)
            if then is not None:
                then(event, step, result)

        return record


def resume_note(
    taken: EnvRecord | None, last_of: Callable[[str], OperationLog | None]
) -> list[str]:
    """What a create that picks up an unfinished environment says about how it was left."""
    if taken is None or taken.status not in ("creating", "deleting", "failed"):
        return []
    last = last_of(taken.name)
    if last is not None and last.interrupted:
        finished = [s.step for s in last.steps if s.phase == "done"]
        return [
            f"resuming: the last {last.kind} of {taken.name} was interrupted after "
            f"{', '.join(finished) or 'no step'}"
        ]
    return [f"resuming: the last operation on {taken.name} ended as {taken.status!r}"]
