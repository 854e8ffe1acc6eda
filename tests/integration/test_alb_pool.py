"""A pool of shared ALBs: new environments go to the first with room, counting every rule
and target group already on each ALB; a full pool is refused before anything is made."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pytest
from eden_world import World

from eden.config import Profile
from eden.envs.engine import Engine
from eden.envs.resources.listener_rule import parse_rule
from eden.errors import ConfigError
from eden.sandbox.seed import add_shared_albs, sandbox_clients
from eden.wiring import open_engine

pytestmark = pytest.mark.integration

ALB_NAMES = ("eden-shared", "eden-shared-2", "eden-shared-3")
_404 = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]


@dataclass
class Pool:
    engine: Engine
    profile: Profile
    listeners: tuple[str, ...]
    albs: tuple[str, ...]


@pytest.fixture
def pool(world: World, moto_url: str) -> Iterator[Pool]:
    info = add_shared_albs(sandbox_clients(moto_url), world.seed, 3)
    profile = replace(world.engine.profile, listener_arns=info.pool_listener_arns)
    albs = tuple(
        world.checker.elbv2.describe_listener(li)["LoadBalancerArn"]  # type: ignore[index]
        for li in info.pool_listener_arns
    )
    with open_engine(profile, store=world.store, clients=world.clients, actor="test") as engine:
        yield Pool(engine, profile, info.pool_listener_arns, albs)


def _rule(world: World, listener: str, priority: int, actions: list[dict]) -> None:
    world.checker.clients.client("elbv2").create_rule(
        ListenerArn=listener,
        Priority=priority,
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [f"x{priority}.t"]}}],
        Actions=actions,
    )


def _group(world: World, name: str) -> str:
    return world.checker.clients.client("elbv2").create_target_group(
        Name=name, Protocol="HTTP", Port=80, VpcId=world.seed.vpc_id, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]


def _usage(world: World, alb: str) -> tuple[int, int]:
    elbv2 = world.checker.elbv2
    rules = sum(
        1
        for li in elbv2.listeners_of(alb) or []
        for r in elbv2.rules(li["ListenerArn"])
        if not r["IsDefault"]
    )
    return rules, len(elbv2.target_groups_of(alb))


def _fill_to_two_rooms_each(world: World, pool: Pool) -> None:
    """ALB 1: full of rules, part of them on a second (HTTP) listener. ALB 2: few rules,
    but full of target groups (weighted forwards to two each). ALB 3: a waker-style rule
    and target group, then rules. Each is left with room for exactly two environments."""
    elbv2 = world.checker.clients.client("elbv2")
    http = elbv2.create_listener(
        LoadBalancerArn=pool.albs[0], Protocol="HTTP", Port=80, DefaultActions=_404
    )["Listeners"][0]["ListenerArn"]
    waker = _group(world, "eden-waker")
    with ThreadPoolExecutor(max_workers=8) as threads:  # moto answers in parallel
        pairs = list(
            threads.map(lambda i: [_group(world, f"fill-{i}-{x}") for x in "ab"], range(49))
        )
        rules = [(http, 100 + i, _404) for i in range(30)]
        rules += [(pool.listeners[0], 200 + i, _404) for i in range(98 - 30)]
        for i, pair in enumerate(pairs):
            forward = {"TargetGroups": [{"TargetGroupArn": a, "Weight": 1} for a in pair]}
            rules.append(
                (pool.listeners[1], 300 + i, [{"Type": "forward", "ForwardConfig": forward}])
            )
        rules.append((pool.listeners[2], 49_000, [{"Type": "forward", "TargetGroupArn": waker}]))
        rules += [(pool.listeners[2], 400 + i, _404) for i in range(97)]
        list(threads.map(lambda r: _rule(world, *r), rules))
    assert _usage(world, pool.albs[0]) == (98, 0)
    assert _usage(world, pool.albs[1]) == (49, 98)
    assert _usage(world, pool.albs[2]) == (98, 1)


def _alb_dns(world: World, alb: str) -> str:
    lb = world.checker.elbv2.describe_load_balancer(alb)
    assert lb is not None
    return str(lb["DNSName"]).lower()


@pytest.mark.heavy(seconds=75)
def test_concurrent_creates_fill_the_pool_and_a_full_pool_is_refused(
    world: World, pool: Pool
) -> None:
    """Nine creates at once for six rooms (two on each ALB): six placed, two per ALB, none
    overfilled, three refused with nothing made."""
    _fill_to_two_rooms_each(world, pool)
    branches = [f"feature/p{i}" for i in range(9)]

    def create(branch: str) -> str:
        try:
            out = pool.engine.create(branch, world.image)
        except ConfigError as exc:
            assert "room" in exc.message or "does not fit" in exc.message, exc.message
            return "refused"
        assert out.record is not None
        return out.record.alb

    with ThreadPoolExecutor(max_workers=len(branches)) as threads:
        results = list(threads.map(create, branches))
    placed = sorted(r for r in results if r != "refused")
    assert placed == [name for name in ALB_NAMES for _ in range(2)], results
    for alb in pool.albs:
        rules, groups = _usage(world, alb)
        assert max(rules, groups) == 100, (alb, rules, groups)
    for branch, result in zip(branches, results, strict=True):
        name = branch.replace("/", "-")
        if result == "refused":
            assert world.checker.elbv2.target_group_arn_by_name(f"eden-{name}") is None
            assert world.checker.ecs.task_definition_arns(f"eden-{name}") == []
            assert world.store.get("sandbox", name) is None

    # Each environment's rule is on its own ALB's listener, and its name points at that ALB.
    on_second = [b for b, r in zip(branches, results, strict=True) if r == ALB_NAMES[1]]
    record = world.store.get("sandbox", on_second[0].replace("/", "-"))
    assert record is not None
    hosts = {h for r in world.checker.elbv2.rules(pool.listeners[1]) for h in parse_rule(r).hosts}
    assert record.host in hosts
    alias = world.checker.route53.record(world.seed.zone_id, record.host)
    assert alias is not None
    assert (
        alias["AliasTarget"]["DNSName"].rstrip(".").lower().endswith(_alb_dns(world, pool.albs[1]))
    )

    # The next one is refused before anything is made, saying what each ALB holds.
    with pytest.raises(ConfigError, match=r"^no shared ALB of profile sandbox has room") as refused:
        pool.engine.create("feature/one-too-many", world.image)
    err = refused.value
    assert "no shared ALB of profile sandbox has room" in err.message
    assert "eden-shared already has 100 rules" in err.message
    assert "eden-shared-2 already uses 100 target groups" in err.message
    assert "listener_arns" in (err.hint or "")
    assert world.checker.elbv2.target_group_arn_by_name("eden-feature-one-too-many") is None
    assert world.store.get("sandbox", "feature-one-too-many") is None

    # A deploy stays on its ALB, even though that ALB is full.
    again = pool.engine.create(on_second[0], world.seed.image_uris[1])
    assert again.operation == "deploy"
    assert again.record is not None and again.record.alb == ALB_NAMES[1]

    # Deleting frees room on ALB 3; the next environment goes there.
    on_third = [b for b, r in zip(branches, results, strict=True) if r == ALB_NAMES[2]]
    pool.engine.delete(on_third[0])
    moved = pool.engine.create("feature/next", world.image)
    assert moved.record is not None and moved.record.alb == ALB_NAMES[2]


def test_delete_without_state_finds_the_rule_on_any_alb_of_the_pool(
    world: World, pool: Pool
) -> None:
    _rule(world, pool.listeners[0], 1, _404)  # ALB 1 holds something: irrelevant
    for i in range(99):
        _rule(world, pool.listeners[0], 10 + i, _404)  # ALB 1 full: new ones go to ALB 2
    made = pool.engine.create("feature/lost", world.image)
    assert made.record is not None and made.record.alb == "eden-shared-2"
    world.store.delete("sandbox", "feature-lost")  # state lost
    pool.engine.delete("feature/lost")
    hosts = {h for r in world.checker.elbv2.rules(pool.listeners[1]) for h in parse_rule(r).hosts}
    assert made.record.host not in hosts
    assert world.checker.elbv2.target_group_arn_by_name("eden-feature-lost") is None
