"""A group of services per environment: two behind the ALB (api, web) and a worker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from eden_world import World
from inventory import inventory

from eden.config import ServiceTemplate
from eden.core.envvars import VarsChange
from eden.envs import gc
from eden.envs.engine import Engine
from eden.envs.resources.listener_rule import parse_rule
from eden.envs.vars_ops import VarsEditor
from eden.wiring import open_engine

pytestmark = pytest.mark.integration

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def _reference_services(world: World) -> None:
    """A web front end behind its own target group, and a worker behind none, cloned
    from the seeded api service's task definition and network."""
    ecs = world.checker.clients.client("ecs")
    elbv2 = world.checker.clients.client("elbv2")
    api = world.checker.ecs.describe_service(world.seed.cluster, world.seed.reference_service)
    assert api is not None
    tg = elbv2.create_target_group(
        Name="web", Protocol="HTTP", Port=8080, VpcId=world.seed.vpc_id, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    listener = world.checker.elbv2.listeners_of(world.seed.reference_alb_arn)
    assert listener
    elbv2.create_rule(
        ListenerArn=listener[0]["ListenerArn"],
        Priority=7,
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["web.example.com"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    common: dict[str, Any] = {
        "cluster": world.seed.cluster,
        "taskDefinition": api["taskDefinition"],
        "desiredCount": 1,
        "launchType": "FARGATE",
        "networkConfiguration": api["networkConfiguration"],
    }
    lb = api["loadBalancers"][0]
    ecs.create_service(
        serviceName="web",
        loadBalancers=[{**lb, "targetGroupArn": tg}],
        **common,
    )
    ecs.create_service(serviceName="worker", **common)


@pytest.fixture
def group(world: World) -> Iterator[Engine]:
    _reference_services(world)
    profile = replace(
        world.engine.profile,
        services=(
            ServiceTemplate("api", world.seed.reference_service, domain_prefix="api"),
            ServiceTemplate("web", "web", domain_prefix="web"),
            ServiceTemplate("worker", "worker", domain_prefix="worker"),
        ),
    )
    with open_engine(profile, store=world.store, clients=world.clients, actor="test") as engine:
        yield engine


def _env_vars(world: World, family: str) -> dict[str, str]:
    arns = world.checker.ecs.task_definition_arns(family)
    td = world.checker.ecs.describe_task_definition(arns[-1])
    assert td is not None
    app = next(c for c in td[0]["containerDefinitions"] if c["name"] == "app")
    return {e["name"]: e["value"] for e in app.get("environment", [])}


def test_a_group_is_made_deployed_one_member_at_a_time_and_removed(
    world: World, group: Engine
) -> None:
    before = inventory(world.checker, world.seed)
    api_image, web_image = world.seed.image_uris[0], world.seed.image_uris[1]
    out = group.create("feature/shop", images={"api": api_image})
    assert out.operation == "create" and out.record is not None
    assert [s.role for s in out.record.services] == ["api", "web", "worker"]
    images = {s.role: s.image for s in out.record.services}
    assert images["api"] == api_image
    assert images["web"] == images["worker"] == world.seed.image_uris[0]  # their references'
    # Served members: their own target group, rule and host; the worker: none.
    elbv2 = world.checker.elbv2
    assert elbv2.target_group_arn_by_name("eden-feature-shop-api") is not None
    assert elbv2.target_group_arn_by_name("eden-feature-shop-web") is not None
    assert elbv2.target_group_arn_by_name("eden-feature-shop-worker") is None
    hosts = {h for r in elbv2.rules(world.seed.listener_arn) for h in parse_rule(r).hosts}
    assert {"api-feature-shop.dev.example.com", "web-feature-shop.dev.example.com"} <= hosts
    assert not any(h.startswith("worker-") for h in hosts)
    worker = world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-shop-worker")
    assert worker is not None and worker.get("loadBalancers") in ([], None)
    # Each service knows its siblings' URLs; the endpoints entry lists every served host.
    urls = {
        "EDEN_URL_API": "https://api-feature-shop.dev.example.com",
        "EDEN_URL_WEB": "https://web-feature-shop.dev.example.com",
    }
    for family in ("eden-feature-shop-api", "eden-feature-shop-web", "eden-feature-shop-worker"):
        assert urls.items() <= _env_vars(world, family).items()
    doc = world.checker.s3.get_json(world.seed.bucket, world.seed.key).doc
    entry = next(e for e in doc["environments"] if e["name"] == "dev-feature-shop")
    assert (entry["api"], entry["web"]) == (
        "api-feature-shop.dev.example.com", "web-feature-shop.dev.example.com"
    )
    # Deploy one member: only its steps run, the others keep their images.
    deployed = group.create("feature/shop", images={"web": web_image})
    assert deployed.operation == "deploy"
    assert {s.id.split(":")[0] for s in deployed.plan.steps} == {"web"}
    assert deployed.record is not None
    now = {s.role: s.image for s in deployed.record.services}
    assert now == {"api": api_image, "web": web_image, "worker": world.seed.image_uris[0]}
    # The environment's own variables (`eden vars`): every member is deployed again, each
    # with the image it runs, and each one's container gets them.
    changed = VarsEditor(group).change("feature/shop", VarsChange(env={"FEATURE_X": "on"}))
    assert changed.deployed and changed.outcome is not None
    assert {s.id.split(":")[0] for s in changed.outcome.plan.steps} == {"api", "web", "worker"}
    assert {s.role: s.image for s in changed.record.services} == now
    for family in ("eden-feature-shop-api", "eden-feature-shop-web", "eden-feature-shop-worker"):
        assert _env_vars(world, family)["FEATURE_X"] == "on"
    assert changed.record.extra["vars_pending"] is False
    # Delete removes every member's resources.
    gone = group.delete("feature/shop")
    assert {s.id.split(":")[0] for s in gone.plan.steps} == {"api", "web", "worker"}
    assert inventory(world.checker, world.seed) == before
    assert gc.find_orphans(group).by_env == {}


def test_a_group_refuses_an_image_for_a_service_it_does_not_have(group: Engine) -> None:
    from eden.errors import UsageError

    with pytest.raises(UsageError, match="names service\\(s\\) db, which profile"):
        group.create("feature/x", images={"db": f"{REGISTRY}/api:v1"})
