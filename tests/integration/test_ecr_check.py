"""The image check: strict where ECR can say, and never in the way where it cannot."""

from __future__ import annotations

from typing import Any

import pytest
from eden_world import World

from eden.aws.errors import refused
from eden.errors import UsageError

pytestmark = pytest.mark.integration

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


class _Http:
    """Just enough of an HTTP response for botocore to take a short-circuited answer."""

    status_code = 200


def _describe_calls(world: World) -> int:
    return sum(1 for c in world.clients.calls() if c.operation == "DescribeImages")


def test_an_untagged_ecr_image_is_checked_as_latest(world: World) -> None:
    with pytest.raises(UsageError, match=f"image {REGISTRY}/api does not exist in ECR"):
        world.engine.create("feature/untagged", f"{REGISTRY}/api")
    ecr = world.checker.clients.client("ecr")
    manifest = ecr.batch_get_image(repositoryName="api", imageIds=[{"imageTag": "v1"}])
    ecr.put_image(
        repositoryName="api",
        imageManifest=manifest["images"][0]["imageManifest"],
        imageTag="latest",
    )
    out = world.engine.create("feature/untagged", f"{REGISTRY}/api")
    assert out.record is not None and out.record.image == f"{REGISTRY}/api"


def test_access_denied_warns_and_goes_on(world: World) -> None:
    def deny(**_: Any) -> None:
        raise refused("AccessDeniedException", "not authorized: ecr:DescribeImages", "Describe")

    world.clients.on("before-call.ecr.DescribeImages", deny)
    out = world.engine.create("feature/cross-account", world.image)
    assert out.record is not None
    assert out.messages[0] == (
        f"warning: cannot check {world.image}: ECR denied DescribeImages on api (a "
        "cross-account repository may allow pulls only); going on"
    )


def test_a_pull_through_cache_repository_warns_and_goes_on(world: World) -> None:
    def no_repository(**_: Any) -> None:
        raise refused("RepositoryNotFoundException", "no such repository", "DescribeImages")

    def cache_rules(**_: Any) -> tuple[Any, dict[str, Any]]:
        return _Http(), {"pullThroughCacheRules": [{"ecrRepositoryPrefix": "docker-hub"}]}

    world.clients.on("before-call.ecr.DescribeImages", no_repository)
    world.clients.on("before-call.ecr.DescribePullThroughCacheRules", cache_rules)
    image = f"{REGISTRY}/docker-hub/library/nginx:1.27"
    out = world.engine.create("feature/cached", image)
    assert out.record is not None and out.record.image == image
    assert out.messages[0] == (
        "warning: docker-hub/library/nginx is a pull-through cache: not checked, going on"
    )


def test_an_image_outside_ecr_is_not_looked_up_in_ecr(world: World) -> None:
    world.clients.reset_calls()
    out = world.engine.create("feature/public", "public.ecr.aws/nginx/nginx:1.27")
    assert out.record is not None
    assert _describe_calls(world) == 0
