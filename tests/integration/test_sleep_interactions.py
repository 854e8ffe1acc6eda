"""Sleep with the rest of eden: sign-in on the rule, a pool of ALBs (a waker group each),
the ALB's target-group quota, and the AWS rule that ModifyRule needs the OIDC secret."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from eden_world import World

from eden.config.access import access_table
from eden.config.sleep import sleep_table
from eden.envs.quota import QuotaFull
from eden.envs.sleep import Power
from eden.envs.sleep_plan import waker_group_name
from eden.errors import AwsError
from eden.sandbox.seed import add_shared_albs, sandbox_clients
from eden.wiring import open_engine

pytestmark = pytest.mark.integration
SLEEP = sleep_table({"waker": "127.0.0.1:18081"}, where="t")
OIDC = {
    "type": "oidc",
    "issuer": "https://login.example.com",
    "authorization_endpoint": "https://login.example.com/authorize",
    "token_endpoint": "https://login.example.com/token",
    "user_info_endpoint": "https://login.example.com/userinfo",
    "client_id": "eden-previews",
    "client_secret_env": "TEST_OIDC_SECRET",
}


def _actions(world: World, rule_arn: str) -> list[dict[str, Any]]:
    rule = world.checker.elbv2.describe_rule(rule_arn)
    assert rule is not None
    return sorted(rule["Actions"], key=lambda a: a.get("Order", 0))


def test_sign_in_stays_on_the_rule_asleep_and_awake(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_OIDC_SECRET", "s3cret")
    profile = replace(world.engine.profile, sleep=SLEEP,
                      access=access_table(OIDC, where="t"))  # fmt: skip
    with open_engine(profile, store=world.store, clients=world.clients, actor="t") as engine:
        made = engine.create("feature/sso", world.image)
        assert made.record is not None
        rule, own = str(made.record.services[0].rule_arn), made.record.services[0].target_group_arn
        power = Power(engine)
        power.sleep("feature/sso")
        asleep = _actions(world, rule)
        assert [a["Type"] for a in asleep] == ["authenticate-oidc", "forward"]
        assert asleep[0]["AuthenticateOidcConfig"]["ClientId"] == "eden-previews"
        groups = asleep[1]["ForwardConfig"]["TargetGroups"]
        weights = [(g["TargetGroupArn"] == own, g["Weight"]) for g in groups]
        assert weights == [(False, 1), (True, 0)]  # the waker's, then its own at weight 0
        power.wake("feature/sso")
        assert power.wait_awake("feature-sso", timeout=10)
        awake = _actions(world, rule)
        assert [a["Type"] for a in awake] == ["authenticate-oidc", "forward"]
        assert awake[0]["AuthenticateOidcConfig"]["Issuer"] == "https://login.example.com"
        assert awake[1]["TargetGroupArn"] == own
    assert not world.rules.violations


def test_the_modify_rule_secret_rule_fires(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_OIDC_SECRET", "s3cret")
    profile = replace(world.engine.profile, access=access_table(OIDC, where="t"))
    with open_engine(profile, store=world.store, clients=world.clients, actor="t") as engine:
        made = engine.create("feature/rule", world.image)
    assert made.record is not None
    rule = str(made.record.services[0].rule_arn)
    actions = _actions(world, rule)
    config = {k: v for k, v in actions[0]["AuthenticateOidcConfig"].items() if k != "ClientSecret"}
    sent = [{**actions[0], "AuthenticateOidcConfig": config}, actions[1]]
    with pytest.raises(AwsError, match="ClientSecret is required unless UseExistingClientSecret"):
        world.clients.client("elbv2").modify_rule(RuleArn=rule, Actions=sent)


def test_each_alb_of_the_pool_gets_its_own_waker_group(world: World, moto_url: str) -> None:
    info = add_shared_albs(sandbox_clients(moto_url), world.seed, 2)
    listeners = info.pool_listener_arns
    records = []
    for order in (listeners, tuple(reversed(listeners))):  # the first with room takes it
        profile = replace(world.engine.profile, listener_arns=order, sleep=SLEEP)
        with open_engine(profile, store=world.store, clients=world.clients) as engine:
            made = engine.create(f"feature/pool-{len(records)}", world.image)
            Power(engine).sleep(made.env)
            records.append(world.store.get("sandbox", made.env))
    albs = [str(r.extra["alb_arn"]) for r in records if r is not None]
    assert len(set(albs)) == 2
    for alb in albs:
        waker = world.checker.elbv2.target_group_arn_by_name(waker_group_name("eden", alb))
        assert waker is not None
        attached = {g["TargetGroupArn"] for g in world.checker.elbv2.target_groups_of(alb)}
        assert waker in attached
        others = {waker_group_name("eden", a) for a in albs if a != alb}
        names = {g["TargetGroupName"] for g in world.checker.elbv2.target_groups_of(alb)}
        assert not others & names


def test_a_sleep_that_would_overfill_the_alb_is_refused_before_any_change(world: World) -> None:
    profile = replace(world.engine.profile, sleep=SLEEP)
    with open_engine(profile, store=world.store, clients=world.clients) as engine:
        made = engine.create("feature/full", world.image)
        assert made.record is not None
        alb = str(made.record.extra["alb_arn"])
        elbv2 = world.checker.clients.client("elbv2")
        used = len(world.checker.elbv2.target_groups_of(alb))

        def fill(i: int) -> None:  # weighted forwards, two groups a rule, up to 100
            pair = [elbv2.create_target_group(Name=f"fill-{i}-{x}", Protocol="HTTP", Port=80,
                                              VpcId=world.seed.vpc_id, TargetType="ip",
                                              )["TargetGroups"][0]["TargetGroupArn"] for x in "ab"]
            forward = {"TargetGroups": [{"TargetGroupArn": a, "Weight": 1} for a in pair]}
            host = {"Field": "host-header", "HostHeaderConfig": {"Values": [f"f{i}.t"]}}
            elbv2.create_rule(ListenerArn=world.seed.listener_arn, Priority=100 + i,
                              Conditions=[host],
                              Actions=[{"Type": "forward", "ForwardConfig": forward}])

        with ThreadPoolExecutor(8) as threads:
            list(threads.map(fill, range((100 - used) // 2)))
        assert len(world.checker.elbv2.target_groups_of(alb)) == 100 - (100 - used) % 2
        if (100 - used) % 2:
            elbv2.create_rule(ListenerArn=world.seed.listener_arn, Priority=99, Conditions=[
                {"Field": "host-header", "HostHeaderConfig": {"Values": ["last.t"]}}],
                Actions=[{"Type": "forward", "TargetGroupArn": elbv2.create_target_group(
                    Name="fill-last", Protocol="HTTP", Port=80, VpcId=world.seed.vpc_id,
                    TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]}])  # fmt: skip
        with pytest.raises(QuotaFull, match=r"already uses 100 target groups"):
            Power(engine).sleep("feature/full")
    record = world.store.get("sandbox", "feature-full")
    assert record is not None and record.power == "awake"
    assert world.checker.elbv2.target_group_arn_by_name(waker_group_name("eden", alb)) is None
    service = world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-full")
    assert service is not None and service["desiredCount"] == 1


def test_a_group_sleeps_and_wakes_every_service(world: World) -> None:
    from test_groups import _reference_services  # the group's reference services

    from eden.config import ServiceTemplate
    from eden.envs.sleep_plan import forwards_to, hosts_of

    _reference_services(world)
    profile = replace(world.engine.profile, sleep=SLEEP, services=(
        ServiceTemplate("api", world.seed.reference_service, domain_prefix="api"),
        ServiceTemplate("web", "web", domain_prefix="web"),
        ServiceTemplate("worker", "worker", domain_prefix="worker"),
    ))  # fmt: skip
    with open_engine(profile, store=world.store, clients=world.clients) as engine:
        engine.create("feature/shop", images={"api": world.image})
        power = Power(engine)
        power.sleep("feature/shop")
        record = world.store.get("sandbox", "feature-shop")
        assert record is not None
        assert record.extra["sleep"]["counts"] == {"api": 1, "web": 1, "worker": 1}
        assert hosts_of(profile, record) == [
            "api-feature-shop.dev.example.com", "api-feature-shop.dev.example.com",
            "web-feature-shop.dev.example.com", "worker-feature-shop.dev.example.com",
        ]  # fmt: skip
        for role in ("api", "web", "worker"):
            found = world.checker.ecs.describe_service(world.seed.cluster,
                                                       f"eden-feature-shop-{role}")
            assert found is not None and found["desiredCount"] == 0, role
        wakers = set()
        for svc in record.services:
            if svc.rule_arn:
                weights = forwards_to(_actions(world, svc.rule_arn))
                assert weights[str(svc.target_group_arn)] == 0
                wakers |= {arn for arn, w in weights.items() if w == 1}
        assert len(wakers) == 1  # one waker group for the ALB, both rules to it
        power.wake("feature/shop")
        assert power.wait_awake("feature-shop", timeout=10)
        for svc in record.services:
            if svc.rule_arn:
                assert forwards_to(_actions(world, svc.rule_arn)) == {str(svc.target_group_arn): 1}
        worker = world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-shop-worker")
        assert worker is not None and worker["desiredCount"] == 1


def test_sleep_and_wake_respect_the_environments_lease(world: World) -> None:
    from eden.errors import LockedError
    from eden.state.leases import LockPolicy, env_key, held

    profile = replace(world.engine.profile, sleep=SLEEP)
    with open_engine(profile, store=world.store, clients=world.clients) as engine:
        engine.create("feature/busy", world.image)
        power = Power(engine)
        fail = LockPolicy(mode="fail")
        key = env_key("sandbox", "feature-busy")
        with (
            held(world.store, key, "a-deploy", LockPolicy()),
            pytest.raises(LockedError, match=r"env:sandbox:feature-busy is held by a-deploy"),
        ):
            power.sleep("feature/busy", policy=fail)
        record = world.store.get("sandbox", "feature-busy")
        assert record is not None and record.power == "awake"
        power.sleep("feature/busy")
        with (
            held(world.store, key, "a-deploy", LockPolicy()),
            pytest.raises(LockedError, match=r"held by a-deploy"),
        ):
            power.wake("feature/busy", policy=fail)
        record = world.store.get("sandbox", "feature-busy")
        assert record is not None and record.power == "sleeping"
