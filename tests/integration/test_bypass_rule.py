"""The CI bypass of sign-in on a real (moto) ALB: one rule per ALB, made with the first
environment, counted in the ALB's quota, its secret changed when the variable changes (by
a deploy, or `eden gc`), gone with the last environment; the secret in no plan, journal
or record. (Which environment is the last, and a concurrent create's rule: unit tests.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from eden_world import World

from eden.config.access import access_table
from eden.config.sleep import SleepSettings, Waker
from eden.envs import bypass_gc
from eden.envs.engine import Engine
from eden.errors import ConfigError
from eden.wiring import open_engine

pytestmark = pytest.mark.integration

SECRET = "ci-bypass-0123456789abcdef0123456789"
ROTATED = "ci-bypass-rotated-fedcba9876543210fedcba"
BY_GC = "ci-bypass-by-gc-00112233445566778899aabb"
ACCESS = {
    "type": "cognito",
    "user_pool_arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab",
    "user_pool_client_id": "client",
    "user_pool_domain": "eden-login",
    "bypass_header": "X-Eden-Bypass",
    "bypass_secret_env": "TEST_BYPASS_SECRET",
}


@contextmanager
def _engine(world: World) -> Iterator[Engine]:
    profile = replace(
        world.engine.profile,
        access=access_table(ACCESS, where="test"),
        sleep=SleepSettings(waker=Waker("127.0.0.1", 8081)),
    )
    with open_engine(profile, store=world.store, clients=world.clients, actor="t") as engine:
        yield engine


def _fill(world: World, count: int) -> None:
    elbv2 = world.checker.clients.client("elbv2")
    for i in range(count):
        elbv2.create_rule(
            ListenerArn=world.seed.listener_arn, Priority=20_000 + i,
            Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [f"x{i}.test"]}}],
            Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )  # fmt: skip


def _bypass_rules(world: World) -> list[dict[str, Any]]:
    rules = world.checker.elbv2.rules(world.seed.listener_arn)
    return [r for r in rules if any(c["Field"] == "http-header" for c in r["Conditions"])]


@pytest.mark.heavy(seconds=20)
def test_one_bypass_rule_per_alb_counted_rotated_and_removed_with_the_last(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    non_default = [r for r in world.checker.elbv2.rules(world.seed.listener_arn)
                   if not r["IsDefault"]]  # fmt: skip
    _fill(world, 98 - len(non_default))  # room for two rules: the environment's and the ALB's
    monkeypatch.setenv("TEST_BYPASS_SECRET", SECRET)
    with _engine(world) as engine:
        out = engine.create("feature/ci", world.image)
        assert out.record is not None
        (rule,) = _bypass_rules(world)
        # moto keeps the http-header condition as AWS does (the sandbox router reads it).
        assert rule["Priority"] == "1"
        conditions = {c["Field"]: c for c in rule["Conditions"]}
        assert conditions["http-header"]["HttpHeaderConfig"] == {
            "HttpHeaderName": "x-eden-bypass", "Values": [SECRET]
        }
        assert conditions["host-header"]["HostHeaderConfig"]["Values"] == ["*.dev.example.com"]
        (forward,) = rule["Actions"]
        waker = world.checker.elbv2.describe_target_group(forward["TargetGroupArn"]) or {}
        assert waker["TargetGroupName"].startswith("eden-waker-")
        assert SECRET not in repr(out.run.plan.to_dict()) and SECRET not in out.record.to_json()
        assert all(SECRET not in repr(e) for e in world.store.journal("sandbox", "feature-ci"))

        # The ALB is full now (98 + the environment's rule + the bypass rule).
        with pytest.raises(ConfigError, match=r"already has 100 rules"):
            engine.create("feature/no-room", world.image)

    monkeypatch.setenv("TEST_BYPASS_SECRET", ROTATED)
    with _engine(world) as engine:
        deployed = engine.create("feature/ci", world.image)
        assert [s.action for s in deployed.run.plan.steps if "bypass" in s.action] == [
            "elbv2.modify_bypass_rule"
        ]
        assert _secret(world) == ROTATED

    # `eden gc` rotates too, and removes the rule when the profile has no bypass any more.
    monkeypatch.setenv("TEST_BYPASS_SECRET", BY_GC)
    with _engine(world) as engine:
        changes = bypass_gc.sweep(engine.aws, engine.profile, BY_GC, dry_run=False)
        assert [(c.action, c.why) for c in changes] == [
            ("set the secret of", "$TEST_BYPASS_SECRET changed")
        ]
        assert _secret(world) == BY_GC
    changes = bypass_gc.sweep(world.engine.aws, world.engine.profile, None, dry_run=False)
    assert [c.why for c in changes] == ["the profile has no such bypass now"]
    assert _bypass_rules(world) == []
    with _engine(world) as engine:
        engine.create("feature/ci", world.image)  # the next deploy makes it again
        assert _secret(world) == BY_GC
        engine.delete("feature/ci")
    assert _bypass_rules(world) == []  # gone with the ALB's last environment


def _secret(world: World) -> str:
    (rule,) = _bypass_rules(world)
    header = next(c for c in rule["Conditions"] if c["Field"] == "http-header")
    return str(header["HttpHeaderConfig"]["Values"][0])
