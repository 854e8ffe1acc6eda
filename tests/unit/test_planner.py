"""The planner (reference + current state -> Plan) and the Plan data type. Pure: no AWS."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest

from eden.config import Profile, build_profile
from eden.core import naming
from eden.core.limits import MAX_PRIORITY, MAX_TAGS
from eden.core.tags import MANAGED_BY, TAG_ENV, TAG_PROFILE
from eden.envs.plan import Plan, Ref, Step, render, resolve, topological
from eden.envs.planner import plan_create, plan_delete
from eden.envs.reference import container_port
from eden.envs.resources.base import Current as Found
from eden.envs.resources.base import ListenerRule, Reference, Request
from eden.envs.resources.listener_rule import pick_priority
from eden.envs.resources.task_definition import Revisions
from eden.errors import ConfigError, UsageError


def Current(  # named like the dataclass these tests were written against
    task_definition_arn: str | None = None,
    task_definition_arns: tuple[str, ...] = (),
    target_group_arn: str | None = None,
    rule_arn: str | None = None,
    service: dict[str, Any] | None = None,
    record: dict[str, Any] | None = None,
    endpoint_entry: bool = False,
) -> Found:
    """What exists, in the terms of the six resource modules."""
    tds = task_definition_arns or ((task_definition_arn,) if task_definition_arn else ())
    return Found.of(
        task_definition=Revisions(tds) if tds else None,
        target_group=target_group_arn,
        listener_rule=ListenerRule(rule_arn, 7, (), ()) if rule_arn else None,
        service=service,
        dns_record=record,
        endpoint=True if endpoint_entry else None,
    )


ACCOUNT = "123456789012"
REGION = "eu-west-1"
CLUSTER = "main"
LISTENER_ARN = (
    f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/shared/50dc6c495c0c9188/"
    "f2f7dc8efc522ab2"
)
REF_TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/api/73e2d6bc24d8a067"
ZONE_ID = "Z0123456789ABC"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:abc123"
OLD_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:prod-2026"
LOG_ROUTER = {
    "name": "log-router",
    "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
    "essential": True,
    "firelensConfiguration": {"type": "fluentbit"},
    "environment": [{"name": "FLB_LOG_LEVEL", "value": "info"}],
}
NETWORK = {
    "awsvpcConfiguration": {
        "subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
        "securityGroups": ["sg-0123abcd"],
        "assignPublicIp": "DISABLED",
    }
}


def make_profile(**extra: Any) -> Profile:
    values: dict[str, Any] = {
        "region": REGION,
        "cluster": CLUSTER,
        "reference_service": "api",
        "listener_arn": LISTENER_ARN,
        "zone_id": ZONE_ID,
        "name_prefix": "eden",
        "domain_prefix": "api",
        "endpoints": {
            "bucket": "dev-endpoints",
            "key": "endpoints.json",
            "update_key": "api",
            "env_type": "dev",
            "name_prefix": "dev",
        },
        "env": {"FEATURE_X": "on", "LOG_LEVEL": "debug"},
    }
    values.update(extra)
    return build_profile("dev", values)


PROFILE = make_profile()
NAMES = naming.names_for(
    "feature/login",
    name_prefix="eden",
    domain_prefix="api",
    zone_name="dev.example.com",
    endpoint_prefix="dev",
)


def reference_service(**extra: Any) -> dict[str, Any]:
    svc: dict[str, Any] = {
        "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{CLUSTER}/api",
        "serviceName": "api",
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER}",
        "status": "ACTIVE",
        "desiredCount": 3,
        "runningCount": 3,
        "pendingCount": 0,
        "launchType": "FARGATE",
        "platformVersion": "LATEST",
        "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/api:42",
        "loadBalancers": [
            {"targetGroupArn": REF_TG_ARN, "containerName": "app", "containerPort": 8080}
        ],
        "networkConfiguration": NETWORK,
        "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100},
        "schedulingStrategy": "REPLICA",
        "healthCheckGracePeriodSeconds": 60,
        "propagateTags": "SERVICE",
        "enableECSManagedTags": True,
        "events": [{"id": "e1", "message": "service api has reached a steady state."}],
        "tags": [
            {"key": "team", "value": "payments"},
            {"key": "cost-center", "value": "cc-42"},
            {"key": "aws:cloudformation:stack-name", "value": "prod-api"},
        ],
    }
    svc.update(extra)
    return svc


def reference_task_definition() -> dict[str, Any]:
    return {
        "taskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/api:42",
        "family": "api",
        "revision": 42,
        "status": "ACTIVE",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/api-task",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "compatibilities": ["EC2", "FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "volumes": [],
        "placementConstraints": [],
        "registeredAt": 1767225600.0,
        "containerDefinitions": [
            {
                "name": "app",
                "image": OLD_IMAGE,
                "essential": True,
                "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                "environment": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "REGION", "value": REGION},
                ],
            },
            copy.deepcopy(LOG_ROUTER),
        ],
    }


def reference_target_group() -> dict[str, Any]:
    return {
        "TargetGroupArn": REF_TG_ARN,
        "TargetGroupName": "api",
        "Protocol": "HTTP",
        "Port": 8080,
        "VpcId": "vpc-0abc1234",
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPort": "traffic-port",
        "HealthCheckEnabled": True,
        "HealthCheckIntervalSeconds": 15,
        "HealthCheckTimeoutSeconds": 5,
        "HealthyThresholdCount": 3,
        "UnhealthyThresholdCount": 2,
        "HealthCheckPath": "/health",
        "Matcher": {"HttpCode": "200"},
        "LoadBalancerArns": [
            f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/shared/50dc6c495c0c9188"
        ],
        "TargetType": "ip",
        "ProtocolVersion": "HTTP1",
        "IpAddressType": "ipv4",
    }


def rule(priority: int | None, host: str = "") -> ListenerRule:
    suffix = "default" if priority is None else str(priority)
    return ListenerRule(
        arn=f"{LISTENER_ARN.replace(':listener/', ':listener-rule/')}/{suffix}",
        priority=priority,
        hosts=(host,) if host else (),
        target_group_arns=(REF_TG_ARN,),
    )


def make_reference(
    *,
    service: dict[str, Any] | None = None,
    rules: tuple[ListenerRule, ...] | None = None,
    container: str = "app",
    wildcard_record: bool = False,
    td_tags: list[dict[str, str]] | None = None,
    target_group: dict[str, Any] | None = None,
) -> Reference:
    return Reference(
        service=service if service is not None else reference_service(),
        task_definition=reference_task_definition(),
        task_definition_tags=td_tags
        if td_tags is not None
        else [{"key": "team", "value": "payments"}, {"key": "aws:ecs:owner", "value": "x"}],
        target_group=target_group if target_group is not None else reference_target_group(),
        container=container,
        container_port=8080,
        listener_arn=LISTENER_ARN,
        alb_dns_name="shared-1234567890.eu-west-1.elb.amazonaws.com",
        alb_zone_id="Z32O12XQLNTSW2",
        zone_name="dev.example.com",
        rules=rules
        if rules is not None
        else (rule(None), rule(1, "api.example.com"), rule(17, "api-other.dev.example.com")),
        wildcard_record=wildcard_record,
    )


def make_request(**overrides: str) -> Request:
    return Request(names=NAMES, image=IMAGE, env_overrides=dict(overrides))


def create_plan(**kw: Any) -> Plan:
    return plan_create(
        kw.pop("profile", PROFILE),
        kw.pop("request", make_request()),
        kw.pop("reference", make_reference()),
        kw.pop("current", Current()),
    )


def tag_dict(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in tags}


def containers_by_name(plan: Plan) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in plan.step("task_definition").params["containerDefinitions"]}


# --- create ---------------------------------------------------------------------------


def test_create_plan_has_every_step_with_the_right_actions() -> None:
    plan = create_plan()
    assert plan.operation == "create"
    assert plan.profile == "dev"
    assert plan.env == "feature-login"
    assert [s.id for s in plan.steps] == [
        "task_definition",
        "target_group",
        "listener_rule",
        "service",
        "dns_record",
        "endpoint",
    ]
    actions = {s.id: s.action for s in plan.steps}
    assert actions == {
        "task_definition": "ecs.register_task_definition",
        "target_group": "elbv2.create_target_group",
        "listener_rule": "elbv2.create_rule",
        "service": "ecs.create_service",
        "dns_record": "route53.upsert_alias",
        "endpoint": "s3.endpoints_upsert",
    }
    # every create step can be taken back
    assert all(s.undo is not None for s in plan.steps)


def test_create_order_rule_before_service() -> None:
    plan = create_plan()
    assert plan.step("task_definition").depends_on == ()
    assert plan.step("target_group").depends_on == ()
    assert plan.step("listener_rule").depends_on == ("target_group",)
    service_deps = set(plan.step("service").depends_on)
    assert {"task_definition", "listener_rule"} <= service_deps
    assert plan.step("dns_record").depends_on == ()
    assert plan.step("endpoint").depends_on == ()
    order = [s.id for s in topological(plan.steps)]
    assert order.index("listener_rule") < order.index("service")
    assert order.index("target_group") < order.index("listener_rule")


def test_create_critical_path_is_three() -> None:
    assert create_plan().critical_path() == 3


def test_only_the_target_container_image_changes() -> None:
    ref = make_reference()
    before = copy.deepcopy(dict(ref.task_definition))
    plan = create_plan(reference=ref)
    containers = containers_by_name(plan)
    assert containers["app"]["image"] == IMAGE
    assert containers["log-router"] == LOG_ROUTER
    # the reference itself is not modified
    assert ref.task_definition == before
    assert ref.task_definition["containerDefinitions"][0]["image"] == OLD_IMAGE


def test_task_definition_params_copy_registration_fields_only() -> None:
    params = create_plan().step("task_definition").params
    assert params["family"] == NAMES.task_family
    assert params["cpu"] == "512"
    assert params["memory"] == "1024"
    assert params["networkMode"] == "awsvpc"
    assert params["requiresCompatibilities"] == ["FARGATE"]
    assert params["executionRoleArn"].endswith("role/ecsTaskExecutionRole")
    for key in ("taskDefinitionArn", "revision", "status", "compatibilities", "registeredAt",
                "volumes", "placementConstraints"):
        assert key not in params, key


def test_env_overrides_are_merged_into_the_target_container() -> None:
    plan = create_plan(request=make_request(LOG_LEVEL="trace", NEW_VAR="1"))
    env = containers_by_name(plan)["app"]["environment"]
    assert tag_like(env) == {
        "LOG_LEVEL": "trace",  # request beats profile.env beats the reference
        "REGION": REGION,  # the reference's own value stays
        "FEATURE_X": "on",  # from profile.env
        "NEW_VAR": "1",
    }
    assert [e["name"] for e in env] == sorted(e["name"] for e in env)
    assert containers_by_name(plan)["log-router"]["environment"] == LOG_ROUTER["environment"]


def test_profile_env_alone_overrides_the_reference() -> None:
    env = containers_by_name(create_plan())["app"]["environment"]
    assert tag_like(env)["LOG_LEVEL"] == "debug"


def test_no_overrides_keeps_the_reference_environment() -> None:
    profile = make_profile(env={})
    env = containers_by_name(create_plan(profile=profile))["app"]["environment"]
    assert tag_like(env) == {"LOG_LEVEL": "info", "REGION": REGION}


def tag_like(env: list[dict[str, str]]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in env}


def test_tags_mark_the_environment_and_keep_the_reference_tags() -> None:
    plan = create_plan()
    svc_tags = tag_dict(plan.step("service").params["tags"])
    assert svc_tags[MANAGED_BY] == "eden"
    assert svc_tags[TAG_PROFILE] == "dev"
    assert svc_tags[TAG_ENV] == "feature-login"
    assert svc_tags["team"] == "payments"
    assert svc_tags["cost-center"] == "cc-42"
    assert not any(k.startswith("aws:") for k in svc_tags)
    td_tags = tag_dict(plan.step("task_definition").params["tags"])
    assert td_tags == {"team": "payments", MANAGED_BY: "eden", TAG_PROFILE: "dev",
                       TAG_ENV: "feature-login"}
    elb = {t["Key"]: t["Value"] for t in plan.step("target_group").params["Tags"]}
    assert elb == {MANAGED_BY: "eden", TAG_PROFILE: "dev", TAG_ENV: "feature-login"}
    rule_tags = {t["Key"]: t["Value"] for t in plan.step("listener_rule").params["Tags"]}
    assert rule_tags == elb


def test_reference_eden_tags_are_replaced_not_duplicated() -> None:
    svc = reference_service(tags=[{"key": TAG_ENV, "value": "prod"}, {"key": "team", "value": "x"}])
    tags = create_plan(reference=make_reference(service=svc)).step("service").params["tags"]
    keys = [t["key"] for t in tags]
    assert keys.count(TAG_ENV) == 1
    assert tag_dict(tags)[TAG_ENV] == "feature-login"


def test_tags_stay_within_fifty_when_the_reference_has_fifty() -> None:
    fifty = [{"key": f"k{i:02d}", "value": str(i)} for i in range(MAX_TAGS)]
    ref = make_reference(service=reference_service(tags=fifty), td_tags=fifty)
    plan = create_plan(reference=ref)
    for step_id in ("service", "task_definition"):
        tags = plan.step(step_id).params["tags"]
        assert len(tags) == MAX_TAGS
        d = tag_dict(tags)
        assert d[MANAGED_BY] == "eden" and d[TAG_PROFILE] == "dev"
        assert d[TAG_ENV] == "feature-login"
        assert len(d) == MAX_TAGS  # no duplicate keys


def test_service_params_clone_the_reference_and_point_at_the_new_target_group() -> None:
    params = create_plan().step("service").params
    assert params["cluster"] == CLUSTER
    assert params["serviceName"] == NAMES.service
    assert params["launchType"] == "FARGATE"
    assert params["platformVersion"] == "LATEST"
    assert params["networkConfiguration"] == NETWORK
    assert params["deploymentConfiguration"] == {"maximumPercent": 200,
                                                 "minimumHealthyPercent": 100}
    assert params["healthCheckGracePeriodSeconds"] == 60
    assert params["propagateTags"] == "SERVICE"
    assert params["taskDefinition"] == Ref("task_definition", "taskDefinitionArn")
    assert params["loadBalancers"] == [
        {
            "targetGroupArn": Ref("target_group", "TargetGroupArn"),
            "containerName": "app",
            "containerPort": 8080,
        }
    ]
    for key in ("serviceArn", "status", "runningCount", "events", "clusterArn"):
        assert key not in params, key


def test_desired_count_from_the_reference_unless_the_profile_sets_it() -> None:
    assert create_plan().step("service").params["desiredCount"] == 3
    one = make_profile(desired_count=1)
    assert create_plan(profile=one).step("service").params["desiredCount"] == 1
    zero = make_profile(desired_count=0)
    assert create_plan(profile=zero).step("service").params["desiredCount"] == 0


def test_capacity_provider_strategy_replaces_launch_type() -> None:
    strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    svc = reference_service(capacityProviderStrategy=strategy)
    params = create_plan(reference=make_reference(service=svc)).step("service").params
    assert params["capacityProviderStrategy"] == strategy
    assert "launchType" not in params


def test_target_group_params_copy_the_reference() -> None:
    params = create_plan().step("target_group").params
    assert params["Name"] == NAMES.target_group
    assert params["Port"] == 8080
    assert params["VpcId"] == "vpc-0abc1234"
    assert params["HealthCheckPath"] == "/health"
    assert params["TargetType"] == "ip"
    for key in ("TargetGroupArn", "TargetGroupName", "LoadBalancerArns"):
        assert key not in params, key


def test_lambda_target_group_is_refused() -> None:
    tg = {**reference_target_group(), "TargetType": "lambda"}
    with pytest.raises(ConfigError, match="the reference target group targets a Lambda"):
        create_plan(reference=make_reference(target_group=tg))


def test_listener_rule_routes_the_host_to_the_new_target_group() -> None:
    params = create_plan().step("listener_rule").params
    assert params["ListenerArn"] == LISTENER_ARN
    assert params["Conditions"] == [
        {"Field": "host-header", "HostHeaderConfig": {"Values": [NAMES.host]}}
    ]
    assert params["Actions"] == [
        {"Type": "forward", "TargetGroupArn": Ref("target_group", "TargetGroupArn")}
    ]


def test_listener_rule_priority_avoids_taken_ones() -> None:
    natural = pick_priority(NAMES.name, [])
    taken = (rule(None), rule(natural, "a.dev.example.com"), rule(natural + 1, "b.dev.example.com"))
    plan = create_plan(reference=make_reference(rules=taken))
    assert plan.step("listener_rule").params["Priority"] == natural + 2


def test_dns_and_endpoint_steps() -> None:
    plan = create_plan()
    assert plan.step("dns_record").params == {
        "HostedZoneId": ZONE_ID,
        "Name": NAMES.host,
        "AliasDnsName": "shared-1234567890.eu-west-1.elb.amazonaws.com",
        "AliasHostedZoneId": "Z32O12XQLNTSW2",
    }
    assert plan.step("endpoint").params == {
        "Bucket": "dev-endpoints",
        "Key": "endpoints.json",
        "Name": "dev-feature-login",
        "EnvType": "dev",
        "UpdateKey": "api",
        "Host": NAMES.host,
    }


def test_no_endpoint_step_without_an_endpoints_table() -> None:
    profile = replace(PROFILE, endpoints=None)
    assert "endpoint" not in [s.id for s in create_plan(profile=profile).steps]


def test_undo_steps_ref_their_own_outputs() -> None:
    plan = create_plan()
    undo_td = plan.step("task_definition").undo
    assert undo_td is not None
    assert undo_td.action == "ecs.deregister_task_definitions"
    assert undo_td.params == {"arns": [Ref("task_definition", "taskDefinitionArn")]}
    undo_tg = plan.step("target_group").undo
    assert undo_tg is not None
    assert undo_tg.params == {"TargetGroupArn": Ref("target_group", "TargetGroupArn")}
    undo_rule = plan.step("listener_rule").undo
    assert undo_rule is not None
    assert undo_rule.params == {"RuleArn": Ref("listener_rule", "RuleArn")}
    undo_svc = plan.step("service").undo
    assert undo_svc is not None
    assert undo_svc.params == {"cluster": CLUSTER, "service": NAMES.service}


def test_existing_service_means_deploy() -> None:
    cur = Current(
        task_definition_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{NAMES.task_family}:3",
        task_definition_arns=(
            f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{NAMES.task_family}:3",
        ),
        target_group_arn=f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/x/1",
        rule_arn=f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/x/1/2/3",
        service={"serviceArn": "arn:svc", "status": "ACTIVE"},
        record={"Name": NAMES.host + ".", "Type": "A"},
        endpoint_entry=True,
    )
    plan = create_plan(current=cur)
    assert plan.operation == "deploy"
    assert [s.id for s in plan.steps] == ["task_definition", "service"]
    actions = [s.action for s in plan.steps]
    assert "ecs.update_service" in actions
    assert "ecs.create_service" not in actions
    svc = plan.step("service")
    assert svc.params == {
        "cluster": CLUSTER,
        "service": NAMES.service,
        "taskDefinition": Ref("task_definition", "taskDefinitionArn"),
    }
    assert svc.depends_on == ("task_definition",)
    assert any(IMAGE in n for n in plan.notes)


def test_deploy_recreates_a_missing_rule_before_updating_the_service() -> None:
    cur = Current(target_group_arn="arn:tg", service={"serviceArn": "arn:svc"})
    plan = create_plan(current=cur)
    assert plan.operation == "deploy"
    assert [s.id for s in plan.steps][:3] == ["task_definition", "listener_rule", "service"]
    assert plan.step("listener_rule").depends_on == ()
    assert set(plan.step("service").depends_on) == {"task_definition", "listener_rule"}


def test_existing_target_group_and_rule_are_reused() -> None:
    tg_arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/eden-feature-login/1"
    cur = Current(target_group_arn=tg_arn, rule_arn="arn:rule")
    plan = create_plan(current=cur)
    ids = [s.id for s in plan.steps]
    assert "target_group" not in ids
    assert "listener_rule" not in ids
    assert plan.operation == "create"
    svc = plan.step("service")
    assert svc.action == "ecs.create_service"
    assert svc.depends_on == ("task_definition",)
    assert svc.params["loadBalancers"][0]["targetGroupArn"] == tg_arn


def test_existing_target_group_without_rule_creates_only_the_rule() -> None:
    cur = Current(target_group_arn="arn:tg")
    plan = create_plan(current=cur)
    assert "target_group" not in [s.id for s in plan.steps]
    rule_step = plan.step("listener_rule")
    assert rule_step.depends_on == ()
    assert rule_step.params["Actions"][0]["TargetGroupArn"] == "arn:tg"


def test_existing_record_and_endpoint_are_not_redone() -> None:
    cur = Current(record={"Name": NAMES.host}, endpoint_entry=True)
    ids = [s.id for s in create_plan(current=cur).steps]
    assert "dns_record" not in ids
    assert "endpoint" not in ids


def test_wildcard_record_means_no_dns_step() -> None:
    plan = create_plan(reference=make_reference(wildcard_record=True))
    assert "dns_record" not in [s.id for s in plan.steps]
    assert any("wildcard" in n for n in plan.notes)


def test_full_listener_is_refused_before_any_plan() -> None:
    full = (rule(None), *(rule(p, f"h{p}.dev.example.com") for p in range(1, 101)))
    with pytest.raises(ConfigError, match="the shared ALB already has 100 rules") as info:
        create_plan(reference=make_reference(rules=full))
    assert "100" in info.value.message
    assert info.value.where == LISTENER_ARN


def test_listener_with_ninety_nine_rules_still_fits() -> None:
    rules = (rule(None), *(rule(p, f"h{p}.dev.example.com") for p in range(1, 100)))
    plan = create_plan(reference=make_reference(rules=rules))
    assert plan.step("listener_rule").params["Priority"] not in range(1, 100)


def test_full_listener_does_not_matter_when_the_rule_exists() -> None:
    full = (rule(None), *(rule(p, f"h{p}.dev.example.com") for p in range(1, 101)))
    plan = create_plan(reference=make_reference(rules=full), current=Current(rule_arn="arn:r"))
    assert "listener_rule" not in [s.id for s in plan.steps]


def test_missing_container_names_the_available_ones() -> None:
    with pytest.raises(
        ConfigError,
        match="container 'web' is not in the reference task definition",
    ) as info:
        create_plan(reference=make_reference(container="web"))
    assert "'web'" in info.value.message
    assert info.value.hint is not None
    assert "app" in info.value.hint and "log-router" in info.value.hint


# --- delete ---------------------------------------------------------------------------


def full_current() -> Current:
    return Current(
        task_definition_arn="arn:td:2",
        task_definition_arns=("arn:td:1", "arn:td:2"),
        target_group_arn="arn:tg",
        rule_arn="arn:rule",
        service={"serviceArn": "arn:svc"},
        record={"Name": NAMES.host},
        endpoint_entry=True,
    )


def test_delete_everything_in_reverse_create_order() -> None:
    plan = plan_delete(PROFILE, NAMES, full_current())
    assert plan.operation == "delete"
    assert {s.id for s in plan.steps} == {
        "endpoint", "dns_record", "service", "listener_rule", "target_group", "task_definition"
    }
    assert plan.step("service").depends_on == ()
    assert plan.step("endpoint").depends_on == ()
    assert plan.step("dns_record").depends_on == ()
    assert plan.step("listener_rule").depends_on == ("service",)
    assert set(plan.step("target_group").depends_on) == {"service", "listener_rule"}
    assert plan.step("task_definition").depends_on == ("service",)
    order = [s.id for s in topological(plan.steps)]
    assert order.index("service") < order.index("listener_rule") < order.index("target_group")
    assert order.index("service") < order.index("task_definition")
    assert plan.critical_path() == 3


def test_delete_step_params() -> None:
    plan = plan_delete(PROFILE, NAMES, full_current())
    assert plan.step("service").params == {"cluster": CLUSTER, "service": NAMES.service}
    assert plan.step("service").action == "ecs.delete_service"
    assert plan.step("listener_rule").params == {"RuleArn": "arn:rule"}
    assert plan.step("target_group").params == {"TargetGroupArn": "arn:tg"}
    assert plan.step("task_definition").params == {"arns": ["arn:td:1", "arn:td:2"]}
    assert plan.step("dns_record").params == {"HostedZoneId": ZONE_ID, "Name": NAMES.host}
    assert plan.step("endpoint").action == "s3.endpoints_remove"
    assert plan.step("endpoint").params["Name"] == "dev-feature-login"
    assert all(s.undo is None for s in plan.steps)


def test_delete_without_service_has_no_service_dependency() -> None:
    cur = full_current().without("service")
    plan = plan_delete(PROFILE, NAMES, cur)
    assert "service" not in [s.id for s in plan.steps]
    assert plan.step("listener_rule").depends_on == ()
    assert plan.step("target_group").depends_on == ("listener_rule",)
    assert plan.step("task_definition").depends_on == ()


def test_delete_of_nothing_has_no_steps() -> None:
    assert Current().empty
    plan = plan_delete(PROFILE, NAMES, Current())
    assert plan.steps == ()
    assert plan.critical_path() == 0


def test_current_empty() -> None:
    assert not Current(endpoint_entry=True).empty
    assert not Current(task_definition_arns=("arn:td:1",)).empty


# --- rule priority --------------------------------------------------------------------


def test_pick_priority_is_deterministic_and_salted() -> None:
    a = pick_priority("feature-login", [])
    assert a == pick_priority("feature-login", [])
    salted = {pick_priority("feature-login", [], salt=s) for s in range(1, 6)}
    assert salted - {a}  # at least one other salt starts elsewhere
    assert pick_priority("feature-login", [], salt=3) == pick_priority("feature-login", [], salt=3)
    # different names spread out
    assert len({pick_priority(f"env-{i}", []) for i in range(50)}) > 40


def test_pick_priority_never_returns_a_taken_one() -> None:
    for i in range(200):
        name = f"env-{i}"
        start = pick_priority(name, [])
        taken = [None, start, start + 1, start + 3]
        p = pick_priority(name, taken)
        assert p not in taken
        assert p == start + 2
        assert 1 <= p <= MAX_PRIORITY


def test_pick_priority_skips_a_full_low_range() -> None:
    assert pick_priority("feature-login", list(range(1, 1001))) == 1001


def test_pick_priority_wraps_around_within_range() -> None:
    name = next(n for n in (f"wrap-{i}" for i in range(100)) if pick_priority(n, []) > 1)
    start = pick_priority(name, [])
    # 1 is kept for the ALB's CI bypass rule (bypass_rule): the wrap lands on 2.
    assert pick_priority(name, list(range(start, MAX_PRIORITY + 1))) == 2


def test_pick_priority_starts_in_1_to_1000_never_at_0() -> None:
    # ALB refuses priority 0. These names hash to the two ends of the start range (the
    # digest mod 1000 is 0 and 999): the first free slot is 2 (1 is kept for the ALB's
    # CI bypass rule, which must come before every environment's) and 1000.
    assert pick_priority("feature-793", []) == 2
    assert pick_priority("feature-2040", []) == 1000
    assert pick_priority("feature-2040", [1000]) == 1001
    assert pick_priority("feature-2040", [None, *range(1000, MAX_PRIORITY + 1)]) == 2


def test_pick_priority_refuses_when_every_priority_is_taken() -> None:
    with pytest.raises(ConfigError, match=r"^every listener rule priority is taken$"):
        pick_priority("x", list(range(1, MAX_PRIORITY + 1)))


# --- container_port ---------------------------------------------------------------------


def test_container_port_picks_the_load_balancer_container() -> None:
    svc = reference_service()
    assert container_port(svc, None) == ("app", 8080)
    assert container_port(svc, "app") == ("app", 8080)
    two = reference_service(loadBalancers=[
        {"targetGroupArn": "a", "containerName": "app", "containerPort": 8080},
        {"targetGroupArn": "b", "containerName": "admin", "containerPort": 9000},
    ])
    assert container_port(two, "admin") == ("admin", 9000)
    assert container_port(two, None) == ("app", 8080)


def test_container_port_errors() -> None:
    with pytest.raises(
        UsageError,
        match="container 'log-router' is not in the reference service's load balancer",
    ) as info:
        container_port(reference_service(), "log-router")
    assert info.value.hint is not None and "app" in info.value.hint
    with pytest.raises(ConfigError, match="reference service api has no load balancer"):
        container_port(reference_service(loadBalancers=[]), None)


# --- plan.py ----------------------------------------------------------------------------


def test_ref_renders_as_step_and_key() -> None:
    ref = Ref("target_group", "TargetGroupArn")
    assert str(ref) == "<target_group.TargetGroupArn>"
    assert render({"a": [ref, {"b": ref}], "c": 1, "d": (ref,)}) == {
        "a": ["<target_group.TargetGroupArn>", {"b": "<target_group.TargetGroupArn>"}],
        "c": 1,
        "d": ["<target_group.TargetGroupArn>"],
    }


def test_resolve_replaces_refs_with_outputs() -> None:
    outputs = {"tg": {"TargetGroupArn": "arn:tg"}, "td": {"taskDefinitionArn": "arn:td:1"}}
    params = {
        "loadBalancers": [{"targetGroupArn": Ref("tg", "TargetGroupArn"), "port": 80}],
        "taskDefinition": Ref("td", "taskDefinitionArn"),
        "name": "x",
    }
    assert resolve(params, outputs) == {
        "loadBalancers": [{"targetGroupArn": "arn:tg", "port": 80}],
        "taskDefinition": "arn:td:1",
        "name": "x",
    }
    with pytest.raises(KeyError, match="missing"):
        resolve(Ref("missing", "X"), outputs)


def test_topological_orders_dependencies_first() -> None:
    steps = [
        Step("d", "x", {}, depends_on=("b", "c")),
        Step("c", "x", {}, depends_on=("a",)),
        Step("b", "x", {}, depends_on=("a",)),
        Step("a", "x", {}),
    ]
    order = [s.id for s in topological(steps)]
    assert sorted(order) == ["a", "b", "c", "d"]
    for s in steps:
        for d in s.depends_on:
            assert order.index(d) < order.index(s.id)


def test_topological_ignores_unknown_dependencies() -> None:
    order = topological([Step("a", "x", {}, depends_on=("gone",))])
    assert [s.id for s in order] == ["a"]


def test_topological_detects_cycles() -> None:
    steps = [
        Step("a", "x", {}, depends_on=("c",)),
        Step("b", "x", {}, depends_on=("a",)),
        Step("c", "x", {}, depends_on=("b",)),
    ]
    with pytest.raises(ValueError, match="cycle"):
        topological(steps)
    with pytest.raises(ValueError, match="cycle"):
        topological([Step("self", "x", {}, depends_on=("self",))])


def test_plan_as_dict_is_json_ready() -> None:
    plan = create_plan()
    d = plan.as_dict()
    text = json.dumps(d)
    back = json.loads(text)
    assert back["operation"] == "create"
    assert back["critical_path"] == 3
    assert [s["id"] for s in back["steps"]] == [s.id for s in plan.steps]
    svc = next(s for s in back["steps"] if s["id"] == "service")
    assert svc["params"]["taskDefinition"] == "<task_definition.taskDefinitionArn>"
    assert svc["params"]["loadBalancers"][0]["targetGroupArn"] == "<target_group.TargetGroupArn>"
    assert set(svc["depends_on"]) >= {"task_definition", "listener_rule"}


def test_plan_step_lookup() -> None:
    plan = create_plan()
    assert plan.step("service").id == "service"
    with pytest.raises(KeyError, match="nope"):
        plan.step("nope")


def test_a_host_longer_than_an_alb_rule_takes_is_refused_before_any_step() -> None:
    zone = "previews." + "z" * 63 + ".example.com"  # a long zone: 84 characters
    names = naming.names_for(
        "feature/" + "x" * 60, name_prefix="eden", domain_prefix="api", zone_name=zone
    )
    assert len(names.host) > 128
    too_long = r"is 1\d\d characters; an ALB host rule takes at most 128"
    with pytest.raises(UsageError, match=too_long):
        create_plan(request=Request(names=names, image=IMAGE))


def test_a_blue_green_reference_is_cloned_as_a_rolling_update() -> None:
    svc = reference_service(
        deploymentConfiguration={
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "strategy": "BLUE_GREEN",
            "bakeTimeInMinutes": 15,
            "lifecycleHooks": [
                {"hookTargetArn": "arn:lambda", "lifecycleStages": ["PRE_SCALE_UP"]}
            ],
        },
        deploymentController={"type": "ECS"},
    )
    plan = create_plan(reference=make_reference(service=svc))
    params = plan.step("service").params
    assert params["deploymentController"] == {"type": "ECS"}
    rolling = {"maximumPercent": 200, "minimumHealthyPercent": 100}
    assert params["deploymentConfiguration"] == rolling
    assert (
        "the reference deploys with ECS blue/green; the preview is a rolling-update ECS service"
        in plan.notes
    )
    plain = create_plan()
    assert not any("rolling-update" in n for n in plain.notes)


def test_volumes_configured_at_launch_are_configured_like_the_reference() -> None:
    ref = make_reference()
    td = dict(ref.task_definition)
    td["volumes"] = [{"name": "data", "configuredAtLaunch": True}, {"name": "scratch"}]
    ebs = {"roleArn": "arn:aws:iam::1:role/ebs", "sizeInGiB": 20, "volumeType": "gp3",
           "tagSpecifications": [{"resourceType": "volume", "tags": []}]}
    svc = reference_service(deployments=[
        {"status": "PRIMARY", "volumeConfigurations": [{"name": "data", "managedEBSVolume": ebs}]}
    ])
    plan = create_plan(reference=replace(ref, task_definition=td, service=svc))
    assert plan.step("service").params["volumeConfigurations"] == [
        {
            "name": "data",
            "managedEBSVolume": {
                "roleArn": "arn:aws:iam::1:role/ebs", "sizeInGiB": 20, "volumeType": "gp3"
            },
        }
    ]
    with pytest.raises(ConfigError, match=r"leaves volume\(s\) data to be configured at launch"):
        create_plan(reference=replace(ref, task_definition=td))


# --- create --refresh --------------------------------------------------------------------


def _existing() -> Any:
    return Current(
        task_definition_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{NAMES.task_family}:3",
        target_group_arn="arn:tg",
        rule_arn="arn:rule",
        service={"serviceArn": "arn:svc", "status": "ACTIVE", "desiredCount": 5},
        record={"Name": NAMES.host + ".", "Type": "A"},
        endpoint_entry=True,
    )


def test_refresh_updates_the_service_settings_and_the_health_check_in_place() -> None:
    request = replace(make_request(FOO="bar"), refresh=True)
    plan = create_plan(current=_existing(), request=request)
    assert plan.operation == "deploy"
    assert [(s.id, s.action) for s in plan.steps] == [
        ("task_definition", "ecs.register_task_definition"),
        ("target_group", "elbv2.refresh_target_group"),
        ("service", "ecs.update_service"),
    ]
    assert all(s.undo is None for s in plan.steps[1:])  # nothing is made, nothing to undo
    svc = plan.step("service").params
    assert "desiredCount" not in svc and "tags" not in svc  # the environment's own
    assert svc["healthCheckGracePeriodSeconds"] == 60
    assert svc["networkConfiguration"] == NETWORK
    assert svc["enableExecuteCommand"] is False  # the profile's, not the reference's
    assert svc["forceNewDeployment"] is True  # new tasks get the new settings
    assert svc["loadBalancers"] == [
        {
            "targetGroupArn": Ref("target_group", "TargetGroupArn"),
            "containerName": "app",
            "containerPort": 8080,
        }
    ]
    assert set(plan.step("service").depends_on) == {"task_definition", "target_group"}
    tg = plan.step("target_group").params
    assert tg == {
        "TargetGroupArn": "arn:tg",
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPort": "traffic-port",
        "HealthCheckEnabled": True,
        "HealthCheckPath": "/health",
        "HealthCheckIntervalSeconds": 15,
        "HealthCheckTimeoutSeconds": 5,
        "HealthyThresholdCount": 3,
        "UnhealthyThresholdCount": 2,
        "Matcher": {"HttpCode": "200"},
    }
    env = {e["name"]: e["value"] for e in containers_by_name(plan)["app"]["environment"]}
    assert env["FOO"] == "bar"


def test_a_plain_deploy_leaves_settings_alone_and_exec_follows_the_profile() -> None:
    plan = create_plan(current=_existing())
    assert [s.id for s in plan.steps] == ["task_definition", "service"]
    assert set(plan.step("service").params) == {"cluster", "service", "taskDefinition"}
    allowed = create_plan(profile=make_profile(allow_exec=True))
    assert allowed.step("service").params["enableExecuteCommand"] is True
    refused = create_plan(
        reference=make_reference(service=reference_service(enableExecuteCommand=True))
    )
    assert "enableExecuteCommand" not in refused.step("service").params
