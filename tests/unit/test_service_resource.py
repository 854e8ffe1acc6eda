"""The service resource on its own: what is cloned of the reference service (and what is
left out), the deploy and --refresh steps, rolling deployments, volumes configured at
launch, removal, the record, orphans, and create's wait while a deleted service of the
same name drains (a stub ECS and clock). Pure: no AWS."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from test_planner import NAMES, make_profile, make_reference, make_request, reference_service

from eden.envs.plan import Ref
from eden.envs.resources import service as svc_mod
from eden.envs.resources.base import Current, PlanInput, RemoveInput
from eden.errors import AwsError, ConfigError

ARN = "arn:aws:ecs:eu-west-1:123456789012:service/main/eden-x"
TG_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/eden-x/1"


def plan_input(service: dict[str, Any] | None = None, current: Current | None = None,
               refresh: bool = False, planned: frozenset[str] = frozenset(),
               worker: bool = False, **profile: Any) -> PlanInput:
    ref = make_reference(service=service if service is not None else reference_service())
    if worker:
        ref = replace(ref, target_group=None)
    request = replace(make_request(), refresh=refresh)
    return PlanInput(make_profile(**profile), request, ref, current or Current(), planned)


def params(**service: Any) -> dict[str, Any]:
    return svc_mod.params(plan_input(reference_service(**service)))


# --- what is cloned ------------------------------------------------------------------


def test_desired_count_defaults_to_one_without_the_references() -> None:
    svc = reference_service()
    del svc["desiredCount"]
    assert svc_mod.params(plan_input(svc))["desiredCount"] == 1
    assert params(desiredCount=4)["desiredCount"] == 4


def test_a_worker_gets_no_load_balancer_and_a_served_one_its_target_group() -> None:
    assert "loadBalancers" not in svc_mod.params(plan_input(worker=True))
    existing = Current.of(target_group=TG_ARN)
    (lb,) = svc_mod.params(plan_input(current=existing))["loadBalancers"]
    assert lb == {"targetGroupArn": TG_ARN, "containerName": "app", "containerPort": 8080}
    made = plan_input(current=existing, planned=frozenset({"target_group"}))
    (lb,) = svc_mod.params(made)["loadBalancers"]
    assert lb["targetGroupArn"] == Ref("target_group", "TargetGroupArn")


def test_empty_fields_of_the_reference_are_left_out() -> None:
    got = params(placementConstraints=[], placementStrategy={}, platformVersion=None)
    assert "placementConstraints" not in got
    assert "placementStrategy" not in got
    assert "platformVersion" not in got
    kept = params(placementConstraints=[{"type": "distinctInstance"}])
    assert kept["placementConstraints"] == [{"type": "distinctInstance"}]


def test_no_volumes_no_grace_period_and_no_tag_propagation_unless_the_reference_has_them(
) -> None:
    svc = reference_service(propagateTags="NONE")
    del svc["healthCheckGracePeriodSeconds"]
    got = svc_mod.params(plan_input(svc))
    assert "volumeConfigurations" not in got
    assert "healthCheckGracePeriodSeconds" not in got
    assert "propagateTags" not in got
    assert params(healthCheckGracePeriodSeconds=0)["healthCheckGracePeriodSeconds"] == 0
    assert params(propagateTags="TASK_DEFINITION")["propagateTags"] == "TASK_DEFINITION"


def test_the_launch_type_stays_without_a_capacity_provider_strategy() -> None:
    assert params()["launchType"] == "FARGATE"
    assert "capacityProviderStrategy" not in params()


# --- rolling deployments ---------------------------------------------------------------


def test_rolling_deployment_keeps_only_the_rolling_keys() -> None:
    cfg = {"maximumPercent": 150, "minimumHealthyPercent": 50,
           "deploymentCircuitBreaker": {"enable": True, "rollback": True},
           "alarms": {"alarmNames": ["a"], "enable": True, "rollback": False},
           "strategy": "CANARY", "bakeTimeInMinutes": 5}
    out = svc_mod.rolling_deployment({"deploymentConfiguration": cfg})
    assert out == {"deploymentController": {"type": "ECS"},
                   "deploymentConfiguration": {k: cfg[k] for k in svc_mod._ROLLING_KEYS}}
    ecs = {"deploymentController": {"type": "ECS"}}
    assert svc_mod.rolling_deployment({}) == ecs
    assert svc_mod.rolling_deployment({"deploymentConfiguration": None}) == ecs
    assert svc_mod.rolling_deployment({"deploymentConfiguration": {"strategy": "LINEAR"}}) == ecs


def test_deployment_note_names_what_the_reference_uses() -> None:
    note = svc_mod.deployment_note
    assert note({}) is None
    assert note({"deploymentController": None, "deploymentConfiguration": None}) is None
    assert note({"deploymentController": {"type": "ECS"},
                 "deploymentConfiguration": {"strategy": "ROLLING"}}) is None
    tail = "; the preview is a rolling-update ECS service"
    assert note({"deploymentController": {"type": "CODE_DEPLOY"}}) == (
        "the reference deploys with CODE_DEPLOY" + tail)
    assert note({"deploymentController": {"type": "EXTERNAL"},
                 "deploymentConfiguration": {"strategy": "BLUE_GREEN"}}) == (
        "the reference deploys with EXTERNAL" + tail)
    assert note({"deploymentConfiguration": {"strategy": "LINEAR"}}) == (
        "the reference deploys with ECS linear" + tail)
    assert note({"deploymentConfiguration": {"strategy": "BLUE_GREEN"}}) == (
        "the reference deploys with ECS blue/green" + tail)


# --- volumes configured at launch ------------------------------------------------------


def test_no_volume_left_to_launch_means_none_configured() -> None:
    td = {"volumes": [{"name": "scratch"}, {"name": "cache", "configuredAtLaunch": False}]}
    assert svc_mod.volume_configurations(td, {}) == []
    assert svc_mod.volume_configurations({}, {}) == []


def test_volumes_come_from_the_primary_deployment_in_the_task_definitions_order() -> None:
    td = {"volumes": [{"name": "b", "configuredAtLaunch": True},
                      {"name": "a", "configuredAtLaunch": True}]}
    old = {"status": "ACTIVE", "volumeConfigurations": [
        {"name": "a", "managedEBSVolume": {"sizeInGiB": 1}},
        {"name": "b", "managedEBSVolume": {"sizeInGiB": 1}}]}
    primary = {"status": "PRIMARY", "volumeConfigurations": [
        {"name": "a", "managedEBSVolume": {"sizeInGiB": 30, "tagSpecifications": []}},
        {"name": "b"}]}
    got = svc_mod.volume_configurations(td, {"deployments": [old, primary]})
    assert got == [{"name": "b", "managedEBSVolume": {}},
                   {"name": "a", "managedEBSVolume": {"sizeInGiB": 30}}]


def test_volumes_the_reference_does_not_configure_are_named_in_the_error() -> None:
    td = {"volumes": [{"name": "a", "configuredAtLaunch": True},
                      {"name": "b", "configuredAtLaunch": True},
                      {"name": "c", "configuredAtLaunch": True}]}
    svc = {"deployments": [{"status": "PRIMARY", "volumeConfigurations": [{"name": "b"}]}]}
    with pytest.raises(ConfigError, match=r"leaves volume\(s\) a, c to be configured"):
        svc_mod.volume_configurations(td, svc)
    with pytest.raises(ConfigError, match=r"leaves volume\(s\) a, b, c to be configured"):
        svc_mod.volume_configurations(td, {"deployments": None})


# --- deploy and --refresh --------------------------------------------------------------


def test_a_deploy_updates_the_service_to_the_new_revision() -> None:
    planned = svc_mod.plan(plan_input(current=Current.of(service={"serviceArn": ARN})))
    (step,) = planned.steps
    assert planned.deploying is True
    assert planned.notes == (f"{NAMES.name} exists: deploying {make_request().image}",)
    assert step.action == "ecs.update_service"
    assert step.description == f"deploy the new revision to service {NAMES.service}"
    assert step.undo is None


def test_a_refresh_says_so_and_sets_the_references_settings() -> None:
    current = Current.of(service={"serviceArn": ARN}, target_group=TG_ARN)
    (step,) = svc_mod.plan(plan_input(current=current, refresh=True)).steps
    assert step.description == (f"deploy the new revision to service {NAMES.service}, "
                                "with the reference's service settings")
    assert step.params["platformVersion"] == "LATEST"
    assert "launchType" not in step.params  # UpdateService cannot change it
    assert step.params["enableExecuteCommand"] is False
    allowed = svc_mod.refreshed(plan_input(current=current, refresh=True, allow_exec=True))
    assert allowed["enableExecuteCommand"] is True
    assert allowed["forceNewDeployment"] is True


def test_a_create_is_undone_by_deleting_the_service() -> None:
    planned = svc_mod.plan(plan_input())
    (step,) = planned.steps
    assert planned.deploying is False
    assert planned.notes == ()
    assert step.action == "ecs.create_service"
    assert step.description == f"create service {NAMES.service} in cluster main"
    assert step.depends_on == ("task_definition",)
    assert step.undo is not None
    assert (step.undo.id, step.undo.action) == ("undo_service", "ecs.delete_service")
    assert step.undo.params == {"cluster": "main", "service": NAMES.service}
    assert step.undo.depends_on == ()
    blue_green = reference_service(deploymentConfiguration={"strategy": "BLUE_GREEN"})
    assert svc_mod.plan(plan_input(blue_green)).notes == (
        "the reference deploys with ECS blue/green; the preview is a rolling-update ECS "
        "service",)


# --- removal, the record, orphans ------------------------------------------------------


def test_remove_deletes_an_existing_service_after_the_given_steps() -> None:
    profile = make_profile()
    gone = RemoveInput(profile, NAMES, Current(), ("dns_record",))
    assert svc_mod.remove(gone) is None
    there = RemoveInput(profile, NAMES, Current.of(service={"serviceArn": ARN}), ("dns_record",))
    step = svc_mod.remove(there)
    assert step is not None
    assert (step.id, step.action, step.depends_on) == ("service", "ecs.delete_service",
                                                       ("dns_record",))
    assert step.params == {"cluster": "main", "service": NAMES.service}
    assert step.description == f"delete service {NAMES.service}"


def test_the_record_and_orphans() -> None:
    assert svc_mod.record(svc_mod.Deployed(ARN), {"serviceArn": "arn:other"}) == {"arn": ARN}
    assert svc_mod.record(None, {"serviceArn": ARN}) == {"arn": ARN}
    assert svc_mod.record(None, {}) is None
    assert svc_mod.record(None, None) is None
    assert svc_mod.RESOURCE.owns_arn(ARN) is True
    assert svc_mod.RESOURCE.owns_arn(TG_ARN) is False
    assert svc_mod.RESOURCE.after == ("task_definition", "target_group", "listener_rule")


# --- create's wait while a deleted service of the same name drains -------------------


class Ecs:
    """Refuses CreateService while the old service drains, for ``draining`` describes."""

    def __init__(self, draining: int, then: str | None = None) -> None:
        self.draining, self.then, self.creates = draining, then, 0

    def create_service(self, p: Any) -> dict[str, str]:
        self.creates += 1
        if self.draining > 0:
            raise AwsError("Creation of service was not idempotent.", code="InvalidParameter")
        return {"serviceArn": ARN}

    def service_any_status(self, cluster: str, name: str) -> dict[str, str] | None:
        self.draining -= 1
        status = "DRAINING" if self.draining > 0 else self.then
        return {"status": status} if status else None

    def update_service(self, **p: Any) -> dict[str, str]:
        return {"serviceArn": ARN + ":updated"}


def _create(ecs: Ecs, times: list[float]) -> tuple[Any, list[float]]:
    naps: list[float] = []
    clock = iter(times)
    ctx: Any = SimpleNamespace(aws=SimpleNamespace(ecs=ecs), sleep=naps.append,
                               clock=lambda: next(clock), progress=lambda _m: None)
    p = {"cluster": "main", "serviceName": "eden-x", "taskDefinition": "td:1"}
    return svc_mod.create(ctx, p), naps


def test_create_waits_out_a_draining_service_with_growing_pauses() -> None:
    deployed, naps = _create(Ecs(draining=7), [0.0, 1, 2, 3, 4, 5, 6, 7])
    assert deployed == svc_mod.Deployed(ARN)
    assert naps == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_create_gives_up_after_ten_minutes_of_draining() -> None:
    deployed, _ = _create(Ecs(draining=1), [0.0, 599.9])
    assert deployed == svc_mod.Deployed(ARN)  # the last look before the deadline
    with pytest.raises(AwsError, match=r"eden-x of an earlier environment is still draining "
                       r"after 600s"):
        _create(Ecs(draining=5), [0.0, 599.9, 600.0])


def test_create_brings_an_active_service_of_its_own_to_the_new_revision() -> None:
    deployed, naps = _create(Ecs(draining=1, then="ACTIVE"), [0.0])
    assert deployed == svc_mod.Deployed(ARN + ":updated")
    assert naps == []
