"""Previews behind sign-in: an authenticate action before the forward on each rule, the
client secret from the environment (never in plans, journal or state), existing previews
following the profile when sign-in is turned on or off."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from eden_world import World

from eden.config.access import access_table
from eden.envs.engine import Engine
from eden.errors import ConfigError
from eden.wiring import open_engine

pytestmark = pytest.mark.integration

SECRET = "s3cret-value-never-stored"
OIDC = {
    "type": "oidc",
    "issuer": "https://login.example.com",
    "authorization_endpoint": "https://login.example.com/authorize",
    "token_endpoint": "https://login.example.com/token",
    "user_info_endpoint": "https://login.example.com/userinfo",
    "client_id": "eden-previews",
    "client_secret_env": "TEST_OIDC_SECRET",
}


@contextmanager
def _engine(world: World, access: dict[str, Any] | None) -> Iterator[Engine]:
    table = access_table(access, where="test") if access else None
    profile = replace(world.engine.profile, access=table)
    with open_engine(profile, store=world.store, clients=world.clients, actor="t") as engine:
        yield engine


@pytest.fixture
def signed_in(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("TEST_OIDC_SECRET", SECRET)
    with _engine(world, OIDC) as engine:
        yield engine


def _rule_actions(world: World, host: str) -> list[dict[str, Any]]:
    elbv2 = world.checker.clients.client("elbv2")
    for rule in elbv2.describe_rules(ListenerArn=world.seed.listener_arn)["Rules"]:
        for cond in rule["Conditions"]:
            if host in cond.get("HostHeaderConfig", {}).get("Values", []):
                return sorted(rule["Actions"], key=lambda a: a.get("Order", 0))
    raise AssertionError(f"no rule for {host}")


def test_each_rule_signs_in_before_it_forwards(world: World, signed_in: Engine) -> None:
    out = signed_in.create("feature/sso", world.image)
    assert out.record is not None
    actions = _rule_actions(world, out.record.host)
    assert [a["Type"] for a in actions] == ["authenticate-oidc", "forward"]
    config = actions[0]["AuthenticateOidcConfig"]
    assert config["Issuer"] == "https://login.example.com"
    assert config["ClientId"] == "eden-previews"
    assert config["OnUnauthenticatedRequest"] == "authenticate"
    assert actions[1]["TargetGroupArn"] == out.record.services[0].target_group_arn
    # The secret went to AWS only: not into the plan, the journal or the record.
    assert SECRET not in repr(out.run.plan.to_dict())
    assert all(SECRET not in repr(e) for e in world.store.journal("sandbox", "feature-sso"))
    assert SECRET not in out.record.to_json()


def test_without_the_client_secret_nothing_is_made(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_OIDC_SECRET", raising=False)
    with (
        _engine(world, OIDC) as engine,
        pytest.raises(ConfigError, match=r"the OIDC client secret is not set: \$TEST_OIDC_SECRET"),
    ):
        engine.create("feature/nosecret", world.image)
    assert world.checker.elbv2.target_group_arn_by_name("eden-feature-nosecret") is None
    assert world.checker.ecs.task_definition_arns("eden-feature-nosecret") == []
    assert world.store.get("sandbox", "feature-nosecret") is None


def test_turning_sign_in_on_and_off_follows_on_the_next_deploy(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_env = world.engine.create("feature/later", world.image)
    assert open_env.record is not None
    host = open_env.record.host
    assert [a["Type"] for a in _rule_actions(world, host)] == ["forward"]
    monkeypatch.setenv("TEST_OIDC_SECRET", SECRET)
    cognito = {
        "type": "cognito",
        "user_pool_arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab",
        "user_pool_client_id": "client",
        "user_pool_domain": "eden-login",
    }
    for access, wanted in ((cognito, "authenticate-cognito"), (OIDC, "authenticate-oidc")):
        with _engine(world, access) as engine:
            out = engine.create("feature/later", world.seed.image_uris[1])
        assert out.operation == "deploy"
        assert [a["Type"] for a in _rule_actions(world, host)] == [wanted, "forward"]
    with _engine(world, {**OIDC, "client_id": "another-client"}) as engine:
        engine.create("feature/later", world.image)  # a changed client follows too
    config = _rule_actions(world, host)[0]["AuthenticateOidcConfig"]
    assert config["ClientId"] == "another-client"
    with _engine(world, {**OIDC, "client_id": "another-client"}) as engine:
        same = engine.create("feature/later", world.image)
    assert not any(s.action == "elbv2.modify_rule" for s in same.run.plan.steps)
    out = world.engine.create("feature/later", world.image)  # the profile without [access]
    assert [a["Type"] for a in _rule_actions(world, host)] == ["forward"]
    assert any("stop requiring sign-in" in s.description for s in out.run.plan.steps)
