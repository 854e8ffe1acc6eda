"""Readiness: an observation of DNS, service and targets in, a verdict with reasons out."""

from __future__ import annotations

from typing import Any

from eden.envs.readiness import Observation, assess


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
