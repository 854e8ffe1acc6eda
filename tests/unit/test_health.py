"""Health: why tasks stopped and targets are unhealthy, in words; the verdict; crash loops."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from eden.envs.health import CRASH_LOOP_STOPS, assess_health, crash_loop, recent_stops
from eden.envs.stops import explain_stop, target_words

TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/eden-x:2"
OLD_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/eden-x:1"
NOW = 1_800_000_000.0


def stopped(
    reason: str = "",
    code: str = "",
    containers: list[dict[str, Any]] | None = None,
    *,
    td: str = TD,
    ago: float = 60.0,
    task_id: str = "t1",
) -> dict[str, Any]:
    return {
        "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/sandbox/{task_id}",
        "taskDefinitionArn": td,
        "lastStatus": "STOPPED",
        "stoppedReason": reason,
        "stopCode": code,
        "stoppedAt": datetime.fromtimestamp(NOW - ago, UTC),
        "containers": containers or [],
    }


def app(exit_code: int | None = None, reason: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "app"}
    if exit_code is not None:
        c["exitCode"] = exit_code
    if reason is not None:
        c["reason"] = reason
    return c


PULL = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
    "resolve ref 1234.dkr.ecr.us-east-1.amazonaws.com/api:nope: not found"
)


@pytest.mark.parametrize(
    "task, kind, text",
    [
        (
            stopped(PULL, "TaskFailedToStart", [app(reason=PULL)]),
            "pull_image",
            "the image could not be pulled (CannotPullContainerError): pull image manifest "
            "has been retried 5 time(s): failed to resolve ref "
            "1234.dkr.ecr.us-east-1.amazonaws.com/api:nope: not found",
        ),
        (
            stopped(
                "Essential container in task exited",
                "EssentialContainerExited",
                [app(exit_code=1), {"name": "log-router", "exitCode": 0}],
            ),
            "exit_code",
            "essential container app exited with code 1",
        ),
        (
            stopped(
                "Essential container in task exited",
                "EssentialContainerExited",
                [{"name": "log-router", "exitCode": 0}, app(exit_code=3, reason="bad")],
            ),
            "exit_code",
            "essential container app exited with code 3: bad",
        ),
        (
            stopped(
                "Essential container in task exited",
                "EssentialContainerExited",
                [app(137, "OutOfMemoryError: Container killed due to memory usage")],
            ),
            "out_of_memory",
            "container app ran out of memory (OutOfMemoryError, exit code 137): raise the "
            "task's or the container's memory",
        ),
        (
            stopped(
                "Essential container in task exited",
                "EssentialContainerExited",
                [app(exit_code=137)],
            ),
            "exit_code",
            "essential container app exited with code 137 (killed: SIGKILL, often memory or "
            "a stop that timed out)",
        ),
        (
            stopped(
                "Task failed ELB health checks in (target-group arn:aws:elasticloadbal"
                "ancing:us-east-1:123456789012:targetgroup/eden-x/abc)",
                "ServiceSchedulerInitiated",
            ),
            "elb_health_check",
            "failed the load balancer's health checks (target-group arn:aws:elasticloadbalan"
            "cing:us-east-1:123456789012:targetgroup/eden-x/abc): check the health check "
            "path and port, and that the app answers in time",
        ),
        (
            stopped("Task failed container health checks", "ServiceSchedulerInitiated"),
            "container_health_check",
            "failed its container health check (healthCheck)",
        ),
        (
            stopped(
                "ResourceInitializationError: unable to pull secrets or registry auth: "
                "execution resource retrieval failed",
                "TaskFailedToStart",
            ),
            "task_setup",
            "the task could not be set up (secrets, registry credentials, log group or "
            "network) (ResourceInitializationError): unable to pull secrets or registry "
            "auth: execution resource retrieval failed",
        ),
        (
            stopped(
                "Scaling activity initiated by (deployment ecs-svc/123)",
                "ServiceSchedulerInitiated",
            ),
            "scaled_in",
            "replaced by a deployment or scaled in",
        ),
        (
            stopped("Task stopped by user", "UserInitiated"),
            "stopped_by_user",
            "stopped by a user: Task stopped by user",
        ),
        (
            stopped("", "SpotInterruption"),
            "spot_interruption",
            "capacity was reclaimed (SpotInterruption)",
        ),
        (stopped("something new", "TaskFailedToStart"), "unknown", "stopped: something new"),
    ],
)
def test_each_stop_reason_in_plain_words(task: dict[str, Any], kind: str, text: str) -> None:
    reason = explain_stop(task)
    assert (reason.kind, reason.text) == (kind, text)


def test_which_stops_are_failures() -> None:
    failures = {
        explain_stop(stopped(PULL)).failure,
        explain_stop(
            stopped("Essential container in task exited", "EssentialContainerExited", [app(1)])
        ).failure,
        explain_stop(stopped("x", "TaskFailedToStart")).failure,
    }
    normal = {
        explain_stop(stopped("Scaling activity initiated by (deployment ecs-svc/1)")).failure,
        explain_stop(stopped("Task stopped by user", "UserInitiated")).failure,
        explain_stop(stopped("whatever", "ServiceSchedulerInitiated")).failure,
    }
    assert failures == {True} and normal == {False}


def test_target_reasons_in_words() -> None:
    unhealthy = {
        "Target": {"Id": "10.0.1.5", "Port": 8080},
        "TargetHealth": {
            "State": "unhealthy",
            "Reason": "Target.ResponseCodeMismatch",
            "Description": "Health checks failed with these codes: [502]",
        },
    }
    assert target_words(unhealthy) == (
        "10.0.1.5:8080 unhealthy: the health check got an HTTP status it does not accept "
        "(Target.ResponseCodeMismatch: Health checks failed with these codes: [502])"
    )
    healthy = {"Target": {"Id": "10.0.1.6", "Port": 8080}, "TargetHealth": {"State": "healthy"}}
    assert target_words(healthy) == "10.0.1.6:8080 healthy"
    odd = {"Target": {"Id": "a", "Port": 1}, "TargetHealth": {"State": "x", "Reason": "New.Code"}}
    assert target_words(odd) == "a:1 x: New.Code (New.Code)"


def service(
    desired: int = 1, running: int = 0, rollout: str = "IN_PROGRESS", **extra: Any
) -> dict[str, Any]:
    primary = {"status": "PRIMARY", "rolloutState": rollout, **extra.pop("primary", {})}
    return {
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": desired - running,
        "taskDefinition": TD,
        "deployments": [primary],
        **extra,
    }


def test_a_crash_loop_needs_repeated_failures_of_the_current_revision() -> None:
    one = [stopped(PULL, task_id="a")]
    assert crash_loop(service(), one) is None
    old = [stopped(PULL, td=OLD_TD, task_id=str(i)) for i in range(CRASH_LOOP_STOPS)]
    assert crash_loop(service(), old) is None  # an earlier deploy's failures
    normal = [
        stopped("Scaling activity initiated by (deployment x)", task_id=str(i)) for i in range(3)
    ]
    assert crash_loop(service(), normal) is None
    two = [
        stopped(PULL, task_id="a", ago=30),
        stopped(
            "Essential container in task exited",
            "EssentialContainerExited",
            [app(1)],
            task_id="b",
            ago=10,
        ),
    ]
    assert crash_loop(service(), two) == (
        "2 tasks stopped: essential container app exited with code 1; the image could not be "
        "pulled (CannotPullContainerError): " + PULL.split(": ", 1)[1]
    )
    assert crash_loop(service(running=1, rollout="COMPLETED"), two) is None  # it serves


def test_a_failed_rollout_fails_at_once_with_its_reason() -> None:
    svc = service(rollout="FAILED", primary={"rolloutStateReason": "circuit breaker tripped"})
    assert crash_loop(svc, []) == "the rollout failed (circuit breaker tripped)"
    exited = [stopped("Essential container in task exited", "EssentialContainerExited", [app(2)])]
    assert crash_loop(svc, exited) == (
        "the rollout failed (circuit breaker tripped); last task: essential container app "
        "exited with code 2"
    )


def test_verdicts() -> None:
    healthy_target = {"Target": {"Id": "a", "Port": 80}, "TargetHealth": {"State": "healthy"}}
    bad_target = {
        "Target": {"Id": "b", "Port": 80},
        "TargetHealth": {"State": "unhealthy", "Reason": "Target.Timeout"},
    }
    initial = {
        "Target": {"Id": "c", "Port": 80},
        "TargetHealth": {"State": "initial", "Reason": "Elb.InitialHealthChecking"},
    }
    steady = service(running=1, rollout="COMPLETED")
    assert assess_health(None, [], [], NOW).verdict == "missing"
    assert assess_health(service(desired=0), [], [], NOW).verdict == "stopped"
    assert assess_health(service(), [], [], NOW).verdict == "starting"
    assert assess_health(steady, [], [healthy_target], NOW).verdict == "healthy"
    assert assess_health(steady, [], [initial], NOW).verdict == "starting"
    unhealthy = assess_health(steady, [], [bad_target], NOW)
    assert unhealthy.verdict == "unhealthy"
    assert unhealthy.summary() == (
        "unhealthy 1/1 running: target b:80 unhealthy: the health check timed out (Target.Timeout)"
    )
    loop = [stopped(PULL, task_id=str(i)) for i in range(2)]
    failing = assess_health(service(), loop, [], NOW)
    assert failing.verdict == "failing"
    assert failing.problems[0].startswith("2 tasks stopped: the image could not be pulled")
    assert "(x2)" in failing.problems[0]


def test_recent_stops_are_newest_first_within_the_window() -> None:
    tasks = [
        stopped(PULL, task_id="old", ago=7200),
        stopped(PULL, task_id="a", ago=100),
        stopped(PULL, task_id="b", ago=5),
        {"lastStatus": "RUNNING", "taskArn": "x/r"},
    ]
    assert [v.id for v in recent_stops(tasks, NOW)] == ["b", "a"]
    health = assess_health(service(running=1, rollout="COMPLETED"), tasks, [], NOW)
    assert [t.id for t in health.stopped] == ["b", "a"]
    assert health.as_dict()["stopped_tasks"][0]["stop"]["kind"] == "pull_image"
    assert health.problems == (
        "recently stopped: the image could not be pulled (CannotPullContainerError): "
        + PULL.split(": ", 1)[1]
        + " (x2)",
    )
