"""Readiness: an observation of DNS, service and targets in, a verdict with reasons out."""

from __future__ import annotations

from typing import Any

import pytest

from eden.envs.readiness import Observation, Watch, assess, wait_until_ready
from eden.errors import NotReady


def service(desired: int = 2, running: int = 2, **extra: Any) -> dict[str, Any]:
    deployments = extra.pop(
        "deployments", [{"status": "PRIMARY", "rolloutState": "COMPLETED"}]
    )
    return {"desiredCount": desired, "runningCount": running, "deployments": deployments, **extra}


def healthy(n: int, unhealthy: int = 0) -> list[dict[str, Any]]:
    ok = [{"TargetHealth": {"State": "healthy"}}] * n
    return ok + [{"TargetHealth": {"State": "unhealthy", "Reason": "Target.Timeout"}}] * unhealthy


def test_ready_when_dns_service_and_targets_are() -> None:
    verdict = assess(Observation("INSYNC", service(), healthy(2)))
    assert verdict.ready and verdict.waiting_for == () and verdict.summary() == "ready"
    assert assess(Observation(None, service(), healthy(2))).ready  # no DNS change to wait for


def test_each_missing_piece_is_named() -> None:
    verdict = assess(
        Observation(
            "PENDING",
            service(running=1, deployments=[{"status": "PRIMARY", "rolloutState": "IN_PROGRESS"}]),
            healthy(1, unhealthy=1),
        )
    )
    assert not verdict.ready
    assert verdict.waiting_for == (
        "the DNS record (PENDING)",
        "tasks (1 of 2 running)",
        "the rollout (IN_PROGRESS)",
        "healthy targets (1 of 2)",
    )
    assert verdict.summary().startswith("waiting for the DNS record (PENDING); tasks")


def test_an_old_deployment_still_draining_is_not_ready() -> None:
    two = [{"status": "PRIMARY", "rolloutState": "COMPLETED"}, {"status": "ACTIVE"}]
    verdict = assess(Observation(None, service(deployments=two), healthy(2)))
    assert verdict.waiting_for == ("the rollout (2 deployments, old tasks draining)",)


def test_exactly_enough_is_enough_and_zero_wanted_is_ready() -> None:
    assert assess(Observation(None, service(desired=3, running=3), healthy(3))).ready
    assert not assess(Observation(None, service(desired=3, running=3), healthy(2))).ready
    assert assess(Observation(None, service(desired=0, running=0), [])).ready
    assert assess(Observation(None, service(deployments=[]), healthy(2))).ready


def test_no_service_is_not_ready() -> None:
    verdict = assess(Observation("INSYNC", None, []))
    assert verdict.waiting_for == ("the service (not found)",)


PULL = "CannotPullContainerError: failed to resolve ref api:nope: not found"


def crashed(task_id: str, td: str = "td:2") -> dict[str, Any]:
    return {
        "taskArn": f"arn:task/{task_id}",
        "taskDefinitionArn": td,
        "lastStatus": "STOPPED",
        "stopCode": "TaskFailedToStart",
        "stoppedReason": PULL,
    }


def starting() -> dict[str, Any]:
    return service(
        desired=1,
        running=0,
        taskDefinition="td:2",
        deployments=[{"status": "PRIMARY", "rolloutState": "IN_PROGRESS"}],
    )


def test_a_crash_loop_fails_with_the_reason_instead_of_waiting() -> None:
    once = assess(Observation(None, starting(), [], [crashed("a")]))
    assert not once.ready and once.failed is None  # one failure may be a fluke
    twice = assess(Observation(None, starting(), [], [crashed("a"), crashed("b")]))
    assert twice.failed == (
        "2 tasks stopped: the image could not be pulled (CannotPullContainerError): "
        "failed to resolve ref api:nope: not found (x2)"
    )
    assert twice.summary() == f"failing: {twice.failed}"
    earlier = [crashed("a", td="td:1"), crashed("b", td="td:1")]
    assert assess(Observation(None, starting(), [], earlier)).failed is None


class _Fake:
    """Just enough of ``Aws`` for ``observe``: one service, its tasks, no targets."""

    def __init__(self, tasks: list[dict[str, Any]]):
        self.calls = 0
        self.ecs = self
        self.elbv2 = self
        self.route53 = self
        self._tasks = tasks

    def describe_service(self, _cluster: str, _name: str) -> dict[str, Any]:
        self.calls += 1
        return starting()

    def service_tasks(self, _cluster: str, _name: str) -> list[dict[str, Any]]:
        return self._tasks[: self.calls]  # one more task stops at each poll

    def target_health(self, _arn: str) -> list[dict[str, Any]]:
        return []


def test_wait_until_ready_stops_at_the_crash_loop_not_the_deadline() -> None:
    fake = _Fake([crashed("a"), crashed("b"), crashed("c")])
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    watch = Watch("c", "eden-x", "tg", None)
    with pytest.raises(NotReady, match=r"eden-x cannot start: 2 tasks stopped: the image could"):
        wait_until_ready(fake, watch, timeout=600, clock=lambda: clock[0], sleep=sleep)  # type: ignore[arg-type]
    assert fake.calls == 2 and clock[0] == 2.0  # the second poll, not 600 s
