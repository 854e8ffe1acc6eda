"""Running a hook: one ECS task, waited for, its CloudWatch Logs streamed as it runs.

Not a resource an environment keeps (a hook's task stops, and ECS forgets it within an
hour), so it has no read, record or orphan check; only the action ``ecs.run_hook``,
which ``eden.envs.hooks`` places in plans.

RunTask is not idempotent, so each run carries a ``clientToken``: when the answer is
lost and botocore sends the call again, AWS returns the task it already started instead
of starting a second migration. The token is new for each run of the step, so running
the command again runs the hook again.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.envs.logs import LogSource, log_sources
from eden.envs.resources.apply import Apply
from eden.errors import AwsError, ExecutionFailed

RUN_HOOK = "ecs.run_hook"
TAIL_LINES = 20  # the last lines a failure shows
POLL_FIRST, POLL_MAX = 0.25, 2.0  # seconds between looks at the task: soon, then calmly


@dataclass(frozen=True)
class HookRun:
    kind: str
    taskArn: str  # AWS's field name, so a Ref reads like the API
    exit_code: int | None
    reason: str  # AWS's stopped reason
    tail: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def summary(self) -> str:
        if self.exit_code is None:
            what = f"the {self.kind} hook did not run to the end: {self.reason or 'no exit code'}"
        else:
            what = f"the {self.kind} hook exited with code {self.exit_code}"
        task = self.taskArn.rsplit("/", 1)[-1]
        tail = "\n".join(f"  | {line}" for line in self.tail)
        return f"{what} (task {task})" + (f"; its last lines:\n{tail}" if tail else "")


def run_hook(ctx: Apply, p: Mapping[str, Any]) -> HookRun:
    """Starts the hook's task, streams its logs to the progress display until it stops,
    and fails the step when it exits non-zero, unless the hook only warns."""
    ecs = ctx.aws.ecs
    run = dict(p["run"])
    cluster, kind = str(run["cluster"]), str(p["kind"])
    found = ecs.describe_task_definition(str(run["taskDefinition"]))
    if found is None:
        raise ExecutionFailed(f"task definition {run['taskDefinition']} is gone: cannot run {kind}")
    td = found[0]
    container = p.get("container") or _essential(td)
    run["overrides"] = {"containerOverrides": [{"name": container, "command": list(p["command"])}]}
    run["clientToken"] = uuid.uuid4().hex
    started = ctx.clock()
    task = ecs.run_task(run)
    arn = str(task["taskArn"])
    ctx.progress(f"{kind}: started task {arn.rsplit('/', 1)[-1]}")
    source = next((s for s in log_sources(td) if s.container == container), None)
    logs = _Tail(ctx, source, arn.rsplit("/", 1)[-1], kind)
    deadline = started + float(p["timeout_seconds"])
    pause = POLL_FIRST
    while True:
        task = ecs.describe_task(cluster, arn) or task
        stopped = task.get("lastStatus") == "STOPPED"
        logs.read()
        if stopped:
            break
        if ctx.clock() >= deadline:
            ecs.stop_task(cluster, arn, f"eden: the {kind} hook ran out of time")
            took = ctx.clock() - started
            return _finish(p, HookRun(kind, arn, None, "timed out", logs.lines(), took))
        ctx.sleep(pause)
        pause = min(pause * 2, POLL_MAX)
    code = _exit_code(task, container)
    reason = str(task.get("stoppedReason") or "")
    return _finish(p, HookRun(kind, arn, code, reason, logs.lines(), ctx.clock() - started))


def _finish(p: Mapping[str, Any], out: HookRun) -> HookRun:
    if not out.ok and p["fails"]:
        raise ExecutionFailed(
            out.summary(),
            hint="fix the hook (or set on_failure = \"warn\" for it)",
        )
    return out


def _essential(td: Mapping[str, Any]) -> str:
    containers = td.get("containerDefinitions") or []
    chosen = next((c for c in containers if c.get("essential", True)), None)
    if chosen is None:
        raise ExecutionFailed("the task definition has no container to run a hook in")
    return str(chosen["name"])


def _exit_code(task: Mapping[str, Any], container: str) -> int | None:
    for c in task.get("containers") or []:
        if c.get("name") == container:
            code = c.get("exitCode")
            return int(code) if code is not None else None
    return None


class _Tail:
    """The hook's log stream, read as it grows: each new line goes to the progress display
    once, and the last ``TAIL_LINES`` are kept for the report."""

    def __init__(self, ctx: Apply, source: LogSource | None, task_id: str, kind: str):
        self.ctx, self.source, self.kind = ctx, source, kind
        self.stream = source.stream(task_id) if source and source.readable else None
        self.seen: set[str] = set()
        self.since_ms = 0
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        if self.stream is None:
            where = source.where() if source else "the container has no log configuration"
            ctx.progress(f"{kind}: its output cannot be shown: {where}")

    def read(self) -> None:
        if self.stream is None or self.source is None or self.source.group is None:
            return
        try:
            events, _more = self.ctx.aws.logs.events(
                self.source.group, [self.stream], self.since_ms, region=self.source.region
            )
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":  # no stream yet: not started
                return
            raise
        for event in events:
            key = str(event.get("eventId") or (event.get("timestamp"), event.get("message")))
            if key in self.seen:
                continue
            self.seen.add(key)
            self.since_ms = max(self.since_ms, int(event.get("timestamp", 0)))
            line = str(event.get("message", "")).rstrip("\n")
            self.tail.append(line)
            self.ctx.progress(f"{self.kind}: {line}")

    def lines(self) -> tuple[str, ...]:
        return tuple(self.tail)


ACTIONS = {RUN_HOOK: run_hook}
