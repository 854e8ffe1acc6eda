"""How an environment is doing and why: tasks, targets and rollout in, a verdict out. Pure.

``eden show``, ``eden ls``, the API and the dashboard print the same ``Health``: running,
pending and desired task counts, the rollout's state, each target's health with AWS's
reason code, and the tasks that stopped recently with the reason in plain words
(``eden.envs.stops``). ``crash_loop`` is the rule ``create --wait`` fails fast on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eden.envs.stops import StopReason, explain_stop, target_words

CRASH_LOOP_STOPS = 2  # failed tasks of the current revision that make a crash loop
RECENT_STOPS = 5  # stopped tasks shown, newest first
RECENT_WINDOW = 3600.0  # seconds; ECS itself forgets stopped tasks after about an hour


@dataclass(frozen=True)
class TaskView:
    id: str
    status: str  # lastStatus: PROVISIONING ... RUNNING ... STOPPED
    revision: str  # family:revision of its task definition
    started_at: float | None = None
    stopped_at: float | None = None
    stop: StopReason | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "revision": self.revision,
            "started_at": self.started_at,
            "stopped_at": self.stopped_at,
            "stop": self.stop.as_dict() if self.stop else None,
        }


@dataclass(frozen=True)
class TargetView:
    id: str
    port: int | None
    state: str  # initial | healthy | unhealthy | unused | draining | unavailable
    reason: str | None  # AWS's code, e.g. Target.ResponseCodeMismatch
    text: str  # in words, with the code and AWS's description

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "port": self.port,
            "state": self.state,
            "reason": self.reason,
            "text": self.text,
        }


@dataclass(frozen=True)
class Health:
    """``verdict``: healthy, starting, unhealthy, failing, stopped (desired 0), missing."""

    verdict: str
    desired: int = 0
    running: int = 0
    pending: int = 0
    rollout: str | None = None  # the primary deployment's rolloutState
    rollout_reason: str | None = None
    deployments: int = 0
    targets: tuple[TargetView, ...] = ()
    stopped: tuple[TaskView, ...] = ()
    problems: tuple[str, ...] = field(default=())  # what is wrong, in words, worst first

    def summary(self) -> str:
        """One line: ``failing 0/1 running: the image could not be pulled ...``."""
        counts = f"{self.running}/{self.desired} running"
        if self.verdict == "missing":
            return "missing: the ECS service does not exist"
        head = f"{self.verdict} {counts}"
        return f"{head}: {self.problems[0]}" if self.problems else head

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary(),
            "desired": self.desired,
            "running": self.running,
            "pending": self.pending,
            "rollout": self.rollout,
            "rollout_reason": self.rollout_reason,
            "deployments": self.deployments,
            "targets": [t.as_dict() for t in self.targets],
            "stopped_tasks": [t.as_dict() for t in self.stopped],
            "problems": list(self.problems),
        }


def seconds(value: Any) -> float | None:
    """A time as AWS gives it (datetime from boto3, or epoch seconds) as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return None


def task_view(task: Mapping[str, Any]) -> TaskView:
    status = str(task.get("lastStatus") or "?")
    return TaskView(
        id=str(task.get("taskArn", "?")).rsplit("/", 1)[-1],
        status=status,
        revision=str(task.get("taskDefinitionArn", "?")).rsplit("/", 1)[-1],
        started_at=seconds(task.get("startedAt")),
        stopped_at=seconds(task.get("stoppedAt")),
        stop=explain_stop(task) if status == "STOPPED" else None,
    )


def target_view(description: Mapping[str, Any]) -> TargetView:
    target = description.get("Target") or {}
    health = description.get("TargetHealth") or {}
    port = target.get("Port")
    return TargetView(
        id=str(target.get("Id", "?")),
        port=int(port) if port is not None else None,
        state=str(health.get("State") or "unknown"),
        reason=health.get("Reason"),
        text=target_words(description),
    )


def recent_stops(
    tasks: Sequence[Mapping[str, Any]], now: float, window: float = RECENT_WINDOW
) -> list[TaskView]:
    """Tasks that stopped within ``window`` seconds of ``now``, newest first."""
    views = [task_view(t) for t in tasks if t.get("lastStatus") == "STOPPED"]
    recent = [v for v in views if v.stopped_at is None or now - v.stopped_at <= window]
    return sorted(recent, key=lambda v: -(v.stopped_at or now))


def crash_loop(service: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the service's tasks cannot stay up, or None while they still may.

    A failed rollout (the deployment circuit breaker gave up) fails at once. Otherwise
    ``CRASH_LOOP_STOPS`` failed tasks of the current task definition, with fewer tasks
    running than wanted, are a crash loop: ECS keeps replacing them, and waiting longer
    only repeats the failure.
    """
    primary = _primary(service)
    current = service.get("taskDefinition")
    mine = [
        t
        for t in tasks
        if t.get("lastStatus") == "STOPPED" and t.get("taskDefinitionArn") == current
    ]
    mine.sort(key=lambda t: -(seconds(t.get("stoppedAt")) or 0.0))  # newest first
    failures = [f for f in map(explain_stop, mine) if f.failure]
    last = f"; last task: {failures[0].text}" if failures else ""
    if primary.get("rolloutState") == "FAILED":
        why = primary.get("rolloutStateReason") or "the deployment failed"
        return f"the rollout failed ({why}){last}"
    running = int(service.get("runningCount", 0))
    if len(failures) >= CRASH_LOOP_STOPS and running < int(service.get("desiredCount", 0)):
        return f"{len(failures)} tasks stopped: {_distinct(failures)}"
    return None


def assess_health(
    service: Mapping[str, Any] | None,
    tasks: Sequence[Mapping[str, Any]],
    targets: Sequence[Mapping[str, Any]],
    now: float,
) -> Health:
    if service is None:
        return Health("missing", problems=("the ECS service does not exist",))
    primary = _primary(service)
    desired = int(service.get("desiredCount", 0))
    running = int(service.get("runningCount", 0))
    views = tuple(target_view(t) for t in targets)
    stopped = recent_stops(tasks, now)
    problems = _problems(service, tasks, views, stopped)
    return Health(
        verdict=_verdict(service, tasks, views),
        desired=desired,
        running=running,
        pending=int(service.get("pendingCount", 0)),
        rollout=primary.get("rolloutState"),
        rollout_reason=primary.get("rolloutStateReason"),
        deployments=len(service.get("deployments") or []),
        targets=views,
        stopped=tuple(stopped[:RECENT_STOPS]),
        problems=tuple(problems),
    )


def _verdict(
    service: Mapping[str, Any],
    tasks: Sequence[Mapping[str, Any]],
    targets: Sequence[TargetView],
) -> str:
    desired = int(service.get("desiredCount", 0))
    if desired == 0:
        return "stopped"
    if crash_loop(service, tasks):
        return "failing"
    healthy = sum(1 for t in targets if t.state == "healthy")
    rolling = len(service.get("deployments") or []) > 1 or _primary(service).get(
        "rolloutState"
    ) not in (None, "COMPLETED")
    if int(service.get("runningCount", 0)) < desired or rolling:
        return "starting"
    if healthy < desired:
        starting = any(t.state == "initial" for t in targets)
        return "starting" if starting else "unhealthy"
    return "healthy"


def _problems(
    service: Mapping[str, Any],
    tasks: Sequence[Mapping[str, Any]],
    targets: Sequence[TargetView],
    stopped: Sequence[TaskView],
) -> list[str]:
    """What is wrong, worst first: a crash loop, unhealthy targets, other failed stops."""
    problems: list[str] = []
    loop = crash_loop(service, tasks)
    if loop:
        problems.append(loop)
    for target in targets:
        if target.state in ("unhealthy", "unavailable"):
            problems.append(f"target {target.text}")
    failed = [v.stop for v in stopped if v.stop is not None and v.stop.failure]
    if failed and not loop:
        problems.append(f"recently stopped: {_distinct(failed)}")
    return problems


def _distinct(reasons: Sequence[StopReason]) -> str:
    """Distinct reasons in order of first appearance, with how often each occurred."""
    counts: dict[str, int] = {}
    for r in reasons:
        counts[r.text] = counts.get(r.text, 0) + 1
    return "; ".join(f"{text} (x{n})" if n > 1 else text for text, n in counts.items())


def _primary(service: Mapping[str, Any]) -> Mapping[str, Any]:
    deployments = service.get("deployments") or []
    return next((d for d in deployments if d.get("status") == "PRIMARY"), {})
