"""Readiness at its edges: the DNS change, which deployment's rollout counts, the counts'
defaults, what a target's health must say, and what a Watch looks at (pure)."""

from __future__ import annotations

from dataclasses import replace

from test_readiness import crashed, healthy, service

from eden.envs.readiness import Observation, Readiness, Watch, assess
from eden.envs.records import EnvRecord, ServiceRecord


def test_a_dns_change_is_waited_for_until_insync_and_none_means_no_change() -> None:
    assert assess(Observation("INSYNC", service(), healthy(2))).waiting_for == ()
    assert assess(Observation(None, service(), healthy(2))).waiting_for == ()
    assert assess(Observation("PENDING", None, [])) == Readiness(
        False, ("the DNS record (PENDING)", "the service (not found)"), None)


def test_the_rollout_is_the_primary_deployments_and_counts_default_to_zero() -> None:
    failed = [{"status": "PRIMARY", "rolloutState": "FAILED"}]
    assert assess(Observation(None, service(deployments=failed), healthy(2))
                  ).waiting_for == ("the rollout (FAILED)",)
    # Only the PRIMARY deployment's rollout counts: without one there is none to wait for.
    other = [{"status": "ACTIVE", "rolloutState": "IN_PROGRESS"}]
    assert assess(Observation(None, service(deployments=other), healthy(2))).ready
    assert assess(Observation(None, {"runningCount": 1}, [])).ready  # desired 0
    assert assess(Observation(None, {"desiredCount": 1}, healthy(1))).waiting_for == (
        "tasks (0 of 1 running)",)


def test_more_running_or_healthy_than_desired_is_ready() -> None:
    assert assess(Observation(None, service(desired=2, running=3), healthy(3))).ready


def test_only_healthy_targets_count() -> None:
    draining = [{"TargetHealth": {"State": "draining"}}, {"TargetHealth": {}}, {}]
    verdict = assess(Observation(None, service(desired=1, running=1), draining))
    assert verdict.waiting_for == ("healthy targets (0 of 1)",)


def test_a_crash_loop_is_only_looked_for_while_waiting() -> None:
    steady = service(desired=1, running=1, taskDefinition="td:2")
    verdict = assess(Observation(None, steady, healthy(1), [crashed("a"), crashed("b")]))
    assert verdict == Readiness(True, (), None)


def test_watch_a_service_by_its_name_from_its_record() -> None:
    svc = ServiceRecord("app", "img", {"service": {"arn": "arn:aws:ecs:r:1:service/main/eden-x"},
                                       "target_group": {"arn": "arn:tg"}})
    assert Watch.of_service("main", svc, "C1") == Watch("main", "eden-x", "arn:tg", "C1")
    assert Watch.of_service("main", svc) == Watch("main", "eden-x", "arn:tg", None)


def test_watch_an_environment_from_its_stored_names() -> None:
    names = {"task_family": "eden-x", "service": "eden-x-svc", "target_group": "eden-x",
             "host": "x.dev.example.com", "endpoint_name": "dev-x"}
    rec = EnvRecord("dev", "x", "x", "x.dev.example.com", "ready", 1.0, names=names,
                    services=[ServiceRecord("app", "img", {"target_group": {"arn": "arn:tg"}})])
    assert Watch.of("main", rec, "C1") == Watch("main", "eden-x-svc", "arn:tg", "C1")
    assert Watch.of("main", replace(rec, services=[])) == Watch("main", "eden-x-svc", None, None)
