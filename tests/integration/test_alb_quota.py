"""ALB quotas hold per load balancer, before anything is made, also under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from eden_world import World

from eden.errors import ConfigError

pytestmark = pytest.mark.integration


def _fill(world: World, listener: str, count: int, start: int) -> None:
    elbv2 = world.checker.clients.client("elbv2")
    for i in range(count):
        elbv2.create_rule(
            ListenerArn=listener,
            Priority=start + i,
            Conditions=[
                {"Field": "host-header", "HostHeaderConfig": {"Values": [f"x{start + i}.test"]}}
            ],
            Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )


def _rules_on_alb(world: World) -> int:
    listeners = world.checker.elbv2.listeners_of(world.seed.shared_alb_arn) or []
    return sum(
        1
        for li in listeners
        for r in world.checker.elbv2.rules(li["ListenerArn"])
        if not r["IsDefault"]
    )


def test_rules_on_every_listener_of_the_alb_count(world: World) -> None:
    elbv2 = world.checker.clients.client("elbv2")
    http = elbv2.create_listener(
        LoadBalancerArn=world.seed.shared_alb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    _fill(world, http, 100 - _rules_on_alb(world), 30_000)  # the HTTPS listener has room
    before = world.checker.elbv2.target_groups_of(world.seed.shared_alb_arn)
    with pytest.raises(
        ConfigError, match=r"already has 100 rules \(on all its listeners\); an ALB takes 100"
    ):
        world.engine.create("feature/no-room", world.image)
    assert world.checker.elbv2.target_groups_of(world.seed.shared_alb_arn) == before
    assert world.checker.elbv2.target_group_arn_by_name("eden-feature-no-room") is None
    assert world.store.get("sandbox", "feature-no-room") is None


@pytest.mark.heavy(seconds=28)
def test_concurrent_creates_never_overfill_the_alb(world: World) -> None:
    room = 6
    _fill(world, world.seed.listener_arn, 100 - room - _rules_on_alb(world), 20_000)
    branches = [f"feature/crowd-{i:02d}" for i in range(14)]

    def create(branch: str) -> str:
        try:
            world.engine.create(branch, world.image)
            return "created"
        except ConfigError as exc:
            assert "does not fit" in exc.message
            return "refused"

    with ThreadPoolExecutor(max_workers=len(branches)) as pool:
        results = list(pool.map(create, branches))
    assert results.count("created") == room, results
    assert _rules_on_alb(world) == 100
    refused = [b for b, r in zip(branches, results, strict=True) if r == "refused"]
    for branch in refused:  # nothing of a refused create was made
        name = "eden-" + branch.replace("/", "-")
        assert world.checker.elbv2.target_group_arn_by_name(name) is None
        assert world.checker.ecs.task_definition_arns(name) == []
        assert world.store.get("sandbox", branch.replace("/", "-")) is None
