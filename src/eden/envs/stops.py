"""Why an ECS task stopped, and why a target is unhealthy, in plain words. Pure.

ECS says why a task stopped in three places: ``stopCode`` (a category), ``stoppedReason``
(a sentence, often with the error's name first) and each container's ``exitCode`` and
``reason``. A developer wants one line that names the cause and what to look at:
"the image could not be pulled", "essential container app exited with code 1", "ran out
of memory". ``explain_stop`` reads all three, in an order where the most specific cause
wins (an out-of-memory kill also shows as an exited essential container).

Whether a stop is a *failure* matters for ``create --wait``: tasks replaced by a
deployment or stopped by a user are normal, a task that could not start or crashed is
not, and several of those in a row is a crash loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

# stopCode values that mean "it did not stay up on its own".
_FAILED_CODES = ("TaskFailedToStart", "EssentialContainerExited")

# Error names AWS puts first in stoppedReason or a container's reason -> (kind, words).
_START_ERRORS = (
    ("CannotPullContainerError", "pull_image", "the image could not be pulled"),
    (
        "ResourceInitializationError",
        "task_setup",
        "the task could not be set up (secrets, registry credentials, log group or network)",
    ),
    ("CannotStartContainerError", "container_start", "a container could not start"),
    ("CannotCreateContainerError", "container_start", "a container could not be created"),
    ("CannotInspectContainerError", "container_start", "a container could not be inspected"),
    ("CannotCreateVolumeError", "task_setup", "a volume could not be created"),
    ("ContainerRuntimeError", "container_start", "the container runtime failed"),
    ("ContainerRuntimeTimeoutError", "container_start", "the container runtime timed out"),
    ("InternalError", "task_setup", "ECS could not start the task (InternalError)"),
)

# DescribeTargetHealth's reason codes, in words.
TARGET_REASONS = {
    "Target.ResponseCodeMismatch": "the health check got an HTTP status it does not accept",
    "Target.Timeout": "the health check timed out",
    "Target.FailedHealthChecks": "the health check could not connect (refused or reset)",
    "Target.NotRegistered": "the target is not registered",
    "Target.NotInUse": "the target group is not used by any load balancer",
    "Target.DeregistrationInProgress": "the target is being deregistered",
    "Target.InvalidState": "the target is stopped or terminated",
    "Target.IpUnusable": "the target's IP address is in use by a load balancer",
    "Target.HealthCheckDisabled": "health checks are disabled",
    "Elb.InitialHealthChecking": "the first health checks are running",
    "Elb.RegistrationInProgress": "the target is being registered",
    "Elb.InternalError": "the load balancer failed internally",
}


@dataclass(frozen=True)
class StopReason:
    """``kind``: pull_image, task_setup, container_start, out_of_memory, exit_code,
    elb_health_check, container_health_check, scaled_in, stopped_by_user, maintenance,
    spot_interruption, unknown. ``failure``: counts toward a crash loop."""

    kind: str
    text: str
    failure: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def explain_stop(task: Mapping[str, Any]) -> StopReason:
    """The cause of one stopped task, most specific first."""
    reason = str(task.get("stoppedReason") or "")
    code = str(task.get("stopCode") or "")
    containers: Sequence[Mapping[str, Any]] = task.get("containers") or []
    for check in (_out_of_memory, _start_error, _health_check, _exited, _normal_stop):
        found = check(reason, code, containers)
        if found is not None:
            return found
    text = reason or code or "no reason given"
    return StopReason("unknown", f"stopped: {text}", code in _FAILED_CODES)


def _out_of_memory(
    reason: str, code: str, containers: Sequence[Mapping[str, Any]]
) -> StopReason | None:
    for c in containers:
        why = str(c.get("reason") or "")
        if why.startswith("OutOfMemoryError") or "OutOfMemory" in reason:
            exit_code = c.get("exitCode")
            tail = f", exit code {exit_code}" if exit_code is not None else ""
            return StopReason(
                "out_of_memory",
                f"container {c.get('name')} ran out of memory (OutOfMemoryError{tail}): "
                "raise the task's or the container's memory",
                True,
            )
    return None


def _start_error(
    reason: str, code: str, containers: Sequence[Mapping[str, Any]]
) -> StopReason | None:
    texts = [reason] + [str(c.get("reason") or "") for c in containers]
    for name, kind, words in _START_ERRORS:
        for text in texts:
            if name in text:
                detail = text.split(name, 1)[1].lstrip(": ").strip()
                return StopReason(
                    kind, f"{words} ({name})" + (f": {detail}" if detail else ""), True
                )
    return None


def _health_check(
    reason: str, code: str, containers: Sequence[Mapping[str, Any]]
) -> StopReason | None:
    if "failed ELB health checks" in reason:
        where = reason.split("(", 1)[1].rstrip(")") if "(" in reason else ""
        return StopReason(
            "elb_health_check",
            "failed the load balancer's health checks"
            + (f" ({where})" if where else "")
            + ": check the health check path and port, and that the app answers in time",
            True,
        )
    if "failed container health checks" in reason:
        return StopReason(
            "container_health_check", "failed its container health check (healthCheck)", True
        )
    return None


def _exited(reason: str, code: str, containers: Sequence[Mapping[str, Any]]) -> StopReason | None:
    if code != "EssentialContainerExited" and "Essential container in task exited" not in reason:
        return None
    exited = [c for c in containers if c.get("exitCode") not in (None, 0)]
    known = [c for c in containers if c.get("exitCode") is not None]
    culprit = (exited or known or list(containers) or [{}])[0]
    name = culprit.get("name", "?")
    exit_code = culprit.get("exitCode")
    if exit_code is None:
        text = f"essential container {name} exited"
    else:
        text = f"essential container {name} exited with code {exit_code}"
    if exit_code == 137:
        text += " (killed: SIGKILL, often memory or a stop that timed out)"
    why = str(culprit.get("reason") or "")
    return StopReason("exit_code", text + (f": {why}" if why else ""), True)


def _normal_stop(
    reason: str, code: str, containers: Sequence[Mapping[str, Any]]
) -> StopReason | None:
    if reason.startswith("Scaling activity initiated by"):
        return StopReason("scaled_in", "replaced by a deployment or scaled in", False)
    if code == "UserInitiated" or reason.startswith("Task stopped by user"):
        return StopReason("stopped_by_user", f"stopped by a user: {reason or code}", False)
    if code in ("SpotInterruption", "TerminationNotice"):
        return StopReason("spot_interruption", f"capacity was reclaimed ({code})", False)
    if "maintenance" in reason.lower():
        return StopReason("maintenance", f"stopped for AWS maintenance: {reason}", False)
    return None


def target_words(description: Mapping[str, Any]) -> str:
    """One target's health in words: ``10.0.1.5:8080 unhealthy: the health check timed
    out (Target.Timeout: Request timed out)``."""
    target = description.get("Target") or {}
    health = description.get("TargetHealth") or {}
    where = f"{target.get('Id', '?')}:{target.get('Port', '?')}"
    state = str(health.get("State") or "unknown")
    code = health.get("Reason")
    if not code:
        return f"{where} {state}"
    words = TARGET_REASONS.get(str(code), str(code))
    detail = health.get("Description")
    return f"{where} {state}: {words} ({code}" + (f": {detail})" if detail else ")")
