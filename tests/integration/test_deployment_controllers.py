"""References with CODE_DEPLOY or EXTERNAL deployment controllers are cloned as plain
rolling-update ECS services, and deploys to them work (the AWS model refuses what AWS
refuses: a CODE_DEPLOY service cannot change its task definition with UpdateService)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from eden_world import World

from eden.wiring import open_engine

pytestmark = pytest.mark.integration


def _reference(world: World, name: str, controller: str) -> None:
    ecs = world.checker.clients.client("ecs")
    ref = world.checker.ecs.describe_service(world.seed.cluster, world.seed.reference_service)
    assert ref is not None
    common: dict[str, Any] = {
        "cluster": world.seed.cluster,
        "serviceName": name,
        "desiredCount": 1,
        "launchType": "FARGATE",
        "networkConfiguration": ref["networkConfiguration"],
        "deploymentController": {"type": controller},
    }
    if controller == "EXTERNAL":
        ecs.create_service(**common)
        ecs.create_task_set(
            cluster=world.seed.cluster,
            service=name,
            taskDefinition=ref["taskDefinition"],
            loadBalancers=ref["loadBalancers"],
            networkConfiguration=ref["networkConfiguration"],
            launchType="FARGATE",
        )
    else:
        ecs.create_service(
            **common, taskDefinition=ref["taskDefinition"], loadBalancers=ref["loadBalancers"]
        )


@pytest.mark.parametrize("controller", ["CODE_DEPLOY", "EXTERNAL"])
def test_a_preview_of_a_non_rolling_reference_is_a_rolling_service(
    world: World, controller: str
) -> None:
    name = f"api-{controller.lower().replace('_', '')}"
    _reference(world, name, controller)
    profile = world.engine.profile
    template = replace(profile.service, reference_service=name)
    cloned = replace(profile, services=(template,))
    with open_engine(cloned, store=world.store, clients=world.clients) as engine:
        out = engine.create("feature/controller", world.image)
        assert (
            f"the reference deploys with {controller}; the preview is a rolling-update ECS service"
        ) in out.messages
        created = out.plan.step("service").params
        assert created["deploymentController"] == {"type": "ECS"}
        deployed = engine.create("feature/controller", world.seed.image_uris[1])
        assert deployed.operation == "deploy"
    svc = world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-controller")
    assert svc is not None and svc["deploymentController"] == {"type": "ECS"}
