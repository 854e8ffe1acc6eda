"""Sleep and wake against moto: what a sleeping environment is in AWS and in state, waking
it back, and what the other operations do with a sleeping environment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from eden_world import World

from eden.config.sleep import sleep_table
from eden.envs.engine import Engine
from eden.envs.records import EnvRecord
from eden.envs.sleep import Power
from eden.envs.sleep_plan import TAG_SLEEPING, forwards_to, waker_group_name
from eden.errors import ConfigError, NotFound, UsageError
from eden.wiring import open_engine

pytestmark = pytest.mark.integration
WAKER = "127.0.0.1:18081"


@pytest.fixture
def engine(world: World) -> Iterator[Engine]:
    profile = replace(world.engine.profile, sleep=sleep_table({"waker": WAKER}, where="t"))
    with open_engine(profile, store=world.store, clients=world.clients, actor="t") as eng:
        yield eng


def _service(world: World, record: EnvRecord) -> dict[str, Any]:
    name = str(record.services[0].service_arn).rsplit("/", 1)[-1]
    found = world.checker.ecs.describe_service(world.seed.cluster, name)
    assert found is not None
    return found


def _forward(world: World, record: EnvRecord) -> dict[str, int]:
    rule = world.checker.elbv2.describe_rule(str(record.services[0].rule_arn))
    assert rule is not None
    return forwards_to(rule["Actions"])


def _tags(world: World, arn: str) -> dict[str, str]:
    out = world.checker.clients.client("ecs").list_tags_for_resource(resourceArn=arn)
    return {t["key"]: t["value"] for t in out.get("tags", [])}


def test_sleep_keeps_everything_and_wake_brings_it_back(world: World, engine: Engine) -> None:
    made = engine.create("feature/nap", world.image)
    assert made.record is not None
    own_group = str(made.record.services[0].target_group_arn)
    power = Power(engine)

    out = power.sleep("feature/nap")

    record = world.store.get("sandbox", "feature-nap")
    assert record is not None and record.power == "sleeping"
    assert record.extra["sleep"]["counts"] == {"app": 1}
    service = _service(world, record)
    assert service["desiredCount"] == 0
    assert _tags(world, service["serviceArn"])[TAG_SLEEPING] == "true"
    waker = world.checker.elbv2.target_group_arn_by_name(
        waker_group_name("eden", str(record.extra["alb_arn"]))
    )
    assert waker is not None
    assert _forward(world, record) == {waker: 1, own_group: 0}
    targets = world.checker.elbv2.target_health(waker)
    assert [(t["Target"]["Id"], t["Target"]["Port"]) for t in targets] == [("127.0.0.1", 18081)]
    # The waker group is attached to the ALB: it counts toward the ALB's target groups.
    alb = str(record.extra["alb_arn"])
    attached = {g["TargetGroupArn"] for g in world.checker.elbv2.target_groups_of(alb)}
    assert {waker, own_group} <= attached
    assert [s.action for s in out.run.plan.steps] == [
        "elbv2.ensure_waker_group", "elbv2.modify_rule", "ecs.update_service", "ecs.tag_sleeping",
    ]  # fmt: skip

    power.wake("feature-nap")
    waking = world.store.get("sandbox", "feature-nap")
    assert waking is not None and waking.power == "waking"
    assert _service(world, waking)["desiredCount"] == 1
    assert _forward(world, waking) == {waker: 1, own_group: 0}  # until the targets are healthy
    assert power.wait_awake("feature-nap", timeout=10) is True

    awake = world.store.get("sandbox", "feature-nap")
    assert awake is not None and awake.power == "awake" and "sleep" not in awake.extra
    assert _forward(world, awake) == {own_group: 1}
    assert TAG_SLEEPING not in _tags(world, service["serviceArn"])
    actions = [e.action for e in world.store.events("sandbox", "feature-nap")]
    assert actions.count("sleep") == 1 and actions.count("wake") == 2


def test_bad_requests_leave_nothing_half_asleep(world: World, engine: Engine) -> None:
    power = Power(engine)
    with pytest.raises(NotFound, match=r"no environment 'feature/ghost' in profile sandbox"):
        power.sleep("feature/ghost")
    engine.create("feature/up", world.image)
    with pytest.raises(UsageError, match=r"feature-up is awake: there is nothing to wake"):
        power.wake("feature/up")
    power.sleep("feature/up")
    with pytest.raises(UsageError, match=r"feature-up is already sleeping"):
        power.sleep("feature/up")
    no_waker = replace(engine.profile, sleep=sleep_table({}, where="t"))
    with open_engine(no_waker, store=world.store, clients=world.clients) as other:
        other.create("feature/other", world.image)
        with pytest.raises(ConfigError, match=r"the profile has no waker"):
            Power(other).sleep("feature/other")
    record = world.store.get("sandbox", "feature-other")
    assert record is not None and record.power == "awake"
    assert _service(world, record)["desiredCount"] == 1


def test_deploy_keeps_a_sleeping_environment_asleep(world: World, engine: Engine) -> None:
    engine.create("feature/deploy", world.image)
    Power(engine).sleep("feature/deploy")
    new_image = world.seed.image_uris[1]

    out = engine.create("feature/deploy", new_image)

    assert out.operation == "deploy"
    record = world.store.get("sandbox", "feature-deploy")
    assert record is not None and record.power == "sleeping" and record.image == new_image
    service = _service(world, record)
    assert service["desiredCount"] == 0
    assert service["taskDefinition"] == out.run.outputs()["task_definition"].taskDefinitionArn
    assert record.extra["sleep"]["counts"] == {"app": 1}


def test_pin_and_delete_work_on_a_sleeping_environment(world: World, engine: Engine) -> None:
    engine.create("feature/gone", world.image)
    Power(engine).sleep("feature/gone")
    assert engine.pin("feature/gone").pinned is True
    record = world.store.get("sandbox", "feature-gone")
    assert record is not None and record.power == "sleeping"

    engine.delete("feature/gone")

    assert world.store.get("sandbox", "feature-gone") is None
    assert world.checker.elbv2.describe_rule(str(record.services[0].rule_arn)) is None
    assert world.checker.elbv2.target_group_arn_by_name("eden-feature-gone") is None
