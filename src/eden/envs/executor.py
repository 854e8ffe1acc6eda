"""Runs a plan: each step as soon as what it depends on is done, independent ones at once.

Two executors share one interface: ``Executor`` calls AWS; ``DryRunExecutor`` only
describes (``--dry-run`` is another executor, not flags sprinkled through the code).
When a step fails, nothing new starts, running steps finish, and for a create the
completed steps are undone in reverse order unless the caller asked to keep them.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from eden.envs.plan import Plan, Step, render, resolve, topological
from eden.envs.resources import ACTIONS
from eden.envs.resources.apply import Action, Apply
from eden.errors import AwsError, EdenError, ExecutionFailed


@dataclass(frozen=True)
class StepResult:
    id: str
    action: str
    ok: bool
    seconds: float
    outputs: Any = None  # the action's typed output (see each resource module)
    error: str | None = None
    hint: str | None = None  # what the failure's own error said to do


@dataclass
class RunResult:
    plan: Plan
    results: list[StepResult] = field(default_factory=list)
    undone: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    def outputs(self) -> dict[str, Any]:
        """Step id -> its typed output, for the steps that succeeded."""
        return {r.id: r.outputs for r in self.results if r.ok}

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.as_dict(),
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "steps": [
                {
                    "id": r.id,
                    "action": r.action,
                    "ok": r.ok,
                    "seconds": round(r.seconds, 3),
                    "outputs": render(r.outputs),
                    "error": r.error,
                }
                for r in self.results
            ],
            "undone": [r.id for r in self.undone if r.ok],
        }


# Called with ("start" | "done" | "failed", step, result-or-None), from worker threads.
Listener = Callable[[str, Step, StepResult | None], None]
# Called with a step and what it is waiting for (a draining service...), from workers.
NoteListener = Callable[[Step, str], None]


class Executor:
    """Runs plans with ``context`` (AWS and the shared writes) handed to every action; the
    registry (``eden.envs.resources.ACTIONS``) maps each step's action to its function."""

    def __init__(
        self, context: Apply, pool: ThreadPoolExecutor, actions: Mapping[str, Action] = ACTIONS
    ):
        self.context = context
        self.pool = pool
        self.actions = actions

    def run(
        self,
        plan: Plan,
        *,
        undo_on_failure: bool = False,
        listener: Listener | None = None,
        notes: NoteListener | None = None,
    ) -> RunResult:
        started = time.monotonic()
        result = RunResult(plan=plan)
        outputs: dict[str, Any] = {}
        pending = {s.id: s for s in plan.steps}
        running: dict[Future[StepResult], Step] = {}
        done: set[str] = set()
        failure: StepResult | None = None
        lock = threading.Lock()

        def ready() -> list[Step]:
            return [
                s
                for s in pending.values()
                if all(d in done or d not in _ids(plan) for d in s.depends_on)
            ]

        while pending or running:
            if failure is None:
                for step in ready():
                    del pending[step.id]
                    with lock:
                        params = resolve(step.params, outputs)
                    future = self.pool.submit(self._run_step, step, params, listener, notes)
                    running[future] = step
            if not running:
                break
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in finished:
                step = running.pop(fut)
                res = fut.result()
                result.results.append(res)
                if res.ok:
                    with lock:
                        outputs[step.id] = res.outputs
                    done.add(step.id)
                elif failure is None:
                    failure = res
            if failure is not None:
                pending.clear()
        result.seconds = time.monotonic() - started
        if failure is not None:
            if undo_on_failure:
                result.undone = self._undo(plan, result, listener)
            raise StepFailedError(failure, result)
        return result

    def _run_step(
        self,
        step: Step,
        params: Any,
        listener: Listener | None,
        notes: NoteListener | None = None,
    ) -> StepResult:
        _notify(listener, "start", step, None)
        t0 = time.monotonic()
        context = self.context
        if notes is not None and dataclasses.is_dataclass(context):
            context = dataclasses.replace(context, progress=lambda m: _note(notes, step, m))
        try:
            out = self.actions[step.action](context, params)
            res = StepResult(step.id, step.action, True, time.monotonic() - t0, out)
        except AwsError as exc:
            # AWS's refusal says what AWS thinks; the step's description says what eden did.
            msg = f"{step.description or step.id}: {exc.message}" if exc.code else exc.message
            res = StepResult(step.id, step.action, False, time.monotonic() - t0, error=msg)
        except EdenError as exc:
            took = time.monotonic() - t0
            res = StepResult(step.id, step.action, False, took, error=exc.message, hint=exc.hint)
        except Exception as exc:  # a bug or a network error: still undo, still report
            msg = f"{type(exc).__name__}: {exc}"
            res = StepResult(step.id, step.action, False, time.monotonic() - t0, error=msg)
        _notify(listener, "done" if res.ok else "failed", step, res)
        return res

    def _undo(self, plan: Plan, result: RunResult, listener: Listener | None) -> list[StepResult]:
        """Takes back the completed steps, last made first. Best effort: report, not raise.

        A step that failed may still have made its change (AWS made it, and the answer was
        lost on the way back): its undo runs too when it needs none of the step's outputs
        (undo steps are idempotent, so undoing what was never made is a no-op).
        """
        outputs = result.outputs()
        failed = {r.id for r in result.results if not r.ok}
        undone: list[StepResult] = []
        for step in reversed(topological(plan.steps)):
            if step.undo is None or (step.id not in outputs and step.id not in failed):
                continue
            try:
                params = resolve(step.undo.params, outputs)
            except KeyError:  # it failed before it could say what it made
                continue
            undone.append(self._run_step(step.undo, params, listener))
        return undone


def _note(notes: NoteListener, step: Step, message: str) -> None:
    try:
        notes(step, message)
    except Exception:  # a progress display must never break a step
        logging.getLogger(__name__).exception("note listener failed on %s", step.id)


def _notify(listener: Listener | None, event: str, step: Step, res: StepResult | None) -> None:
    """A listener (progress output) must never break a run or skip an undo."""
    if listener is None:
        return
    try:
        listener(event, step, res)
    except Exception:
        logging.getLogger(__name__).exception("progress listener failed on %s", step.id)


def _ids(plan: Plan) -> set[str]:
    return {s.id for s in plan.steps}


class DryRunExecutor:
    """Runs nothing; returns the plan as the result so callers print one thing."""

    def run(
        self,
        plan: Plan,
        *,
        undo_on_failure: bool = False,
        listener: Listener | None = None,
        notes: NoteListener | None = None,
    ) -> RunResult:
        return RunResult(plan=plan, dry_run=True)


class StepFailedError(ExecutionFailed):
    def __init__(self, failure: StepResult, result: RunResult):
        # What was taken back, by the step that made it (task_definition, not its undo's id).
        undone = [r.id.removeprefix("undo_") for r in result.undone if r.ok]
        not_undone = [r.id.removeprefix("undo_") for r in result.undone if not r.ok]
        hint = f"{failure.hint}; then" if failure.hint else "fix the cause and"
        hint += " run the same command again: every step is idempotent"
        if undone:
            hint = f"undid {', '.join(undone)}; " + hint
        if not_undone:
            hint += f"; could not undo {', '.join(not_undone)} (run `eden delete` to clean up)"
        super().__init__(
            f"step {failure.id} failed: {failure.error}", hint=hint, where=failure.action
        )
        self.failure = failure
        self.result = result
