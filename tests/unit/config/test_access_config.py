"""[access]: sign-in before each preview, validated with errors that say what to do."""

from __future__ import annotations

from typing import Any

import pytest
from config_helpers import values

from eden.config import build_profile
from eden.config.access import (
    access_table,
    bypass_secret,
    client_secret,
    require_client_secret,
    secrets,
)
from eden.envs.resources.listener_rule import SECRET_PLACEHOLDER, rule_actions, with_client_secret
from eden.errors import ConfigError

OIDC: dict[str, Any] = {
    "type": "oidc",
    "issuer": "https://idp.example.com",
    "authorization_endpoint": "https://idp.example.com/auth",
    "token_endpoint": "https://idp.example.com/token",
    "user_info_endpoint": "https://idp.example.com/userinfo",
    "client_id": "abc",
}
COGNITO: dict[str, Any] = {
    "type": "cognito",
    "user_pool_arn": "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Ab",
    "user_pool_client_id": "client",
    "user_pool_domain": "login",
}


def test_no_table_means_open_previews() -> None:
    assert access_table(None, where="p") is None


def test_oidc_settings_become_the_albs_config_without_the_secret() -> None:
    access = access_table({**OIDC, "scope": "openid email"}, where="p")
    assert access is not None and access.kind == "oidc"
    assert access.settings == {
        "Issuer": "https://idp.example.com",
        "AuthorizationEndpoint": "https://idp.example.com/auth",
        "TokenEndpoint": "https://idp.example.com/token",
        "UserInfoEndpoint": "https://idp.example.com/userinfo",
        "ClientId": "abc",
        "Scope": "openid email",
        "SessionTimeout": 604_800,
        "OnUnauthenticatedRequest": "authenticate",
    }
    actions = rule_actions(access, "tg-arn")
    assert [a["Type"] for a in actions] == ["authenticate-oidc", "forward"]
    assert [a["Order"] for a in actions] == [1, 2]
    assert actions[0]["AuthenticateOidcConfig"]["ClientSecret"] == SECRET_PLACEHOLDER
    filled = with_client_secret({"Actions": actions}, "real")
    assert filled["Actions"][0]["AuthenticateOidcConfig"]["ClientSecret"] == "real"
    assert actions[0]["AuthenticateOidcConfig"]["ClientSecret"] == SECRET_PLACEHOLDER


def test_cognito_needs_no_secret() -> None:
    access = access_table(COGNITO, where="p")
    assert access is not None
    actions = rule_actions(access, "tg")
    assert actions[0]["Type"] == "authenticate-cognito"
    assert actions[0]["AuthenticateCognitoConfig"]["UserPoolDomain"] == "login"
    assert client_secret(access, {}) is None
    require_client_secret(access, {})  # nothing to require
    assert rule_actions(None, "tg") == [{"Type": "forward", "TargetGroupArn": "tg"}]


def test_the_client_secret_comes_from_the_named_variable() -> None:
    access = access_table({**OIDC, "client_secret_env": "MY_SECRET"}, where="p")
    assert client_secret(access, {"MY_SECRET": "x"}) == "x"
    with pytest.raises(ConfigError, match=r"\$MY_SECRET is empty") as info:
        require_client_secret(access, {"MY_SECRET": ""})
    assert "export MY_SECRET=" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "saml"}, "access.type must be one of oidc, cognito, got 'saml'"),
        ({"issuer": None}, "access.issuer is missing"),
        ({"token_endpoint": "http://idp/token"}, "must be a full https:// URL"),
        ({"session_timeout": 0}, "session_timeout must be 1 to 604800 seconds"),
        ({"session_timeout": 604_801}, "session_timeout must be 1 to 604800 seconds"),
        ({"session_timeout": True}, "session_timeout must be a number of seconds"),
        ({"bypass_header": "X Eden"}, "is not an HTTP header name"),
        ({"bypass_header": "Cookie"}, "is a header the ALB or browsers set themselves"),
        ({"bypass_header": "X-Forwarded-For"}, "is a header the ALB or browsers set"),
        ({"bypass_secret_env": "CI_BYPASS"}, "bypass_secret_env is set but access.bypass_head"),
        ({"client_secret_env": "lower"}, "is not an environment variable name"),
        ({"colour": "blue"}, r"unknown field\(s\) in \[access\]: colour"),
    ],
)
def test_bad_tables_are_refused_saying_which_field(change: dict[str, Any], message: str) -> None:
    table = {k: v for k, v in {**OIDC, **change}.items() if v is not None}
    with pytest.raises(ConfigError, match=message):
        access_table(table, where="p")


def test_a_cognito_pool_must_be_a_user_pool_arn() -> None:
    with pytest.raises(ConfigError, match="is not a Cognito user pool ARN"):
        access_table({**COGNITO, "user_pool_arn": "pool"}, where="p")


GOOD_SECRET = "a" * 23 + "Z"


def test_the_bypass_secret_is_read_checked_and_required() -> None:
    access = access_table(
        {**COGNITO, "bypass_header": "X-Eden-Bypass", "bypass_secret_env": "CI_BYPASS"}, where="p"
    )
    assert access is not None and access.bypass_header == "x-eden-bypass"
    assert bypass_secret(access, {"CI_BYPASS": GOOD_SECRET}) == GOOD_SECRET
    assert bypass_secret(access, {}) is None
    with pytest.raises(ConfigError, match=r"\$CI_BYPASS is empty") as info:
        require_client_secret(access, {})
    assert "openssl rand -hex 32" in (info.value.hint or "")
    require_client_secret(access, {"CI_BYPASS": GOOD_SECRET})
    # An ALB condition treats * and ? as wildcards (a secret "*" would let anything in),
    # takes at most 128 characters, and a short secret is easy to guess.
    for bad in ("*" * 30, "a?" * 15, "x" * 23, "x" * 129, "with space " * 3):
        with pytest.raises(ConfigError, match="is not a usable bypass secret"):
            bypass_secret(access, {"CI_BYPASS": bad})
        assert secrets(access, {"CI_BYPASS": bad})["bypass_secret"] is None  # ls still works
    assert bypass_secret(access_table(COGNITO, where="p"), {"CI_BYPASS": GOOD_SECRET}) is None


def test_a_bypass_needs_a_waker_to_send_ci_through() -> None:
    table = {**COGNITO, "bypass_header": "X-Eden-Bypass"}
    with pytest.raises(ConfigError, match=r"access\.bypass_header needs a waker") as info:
        build_profile("dev", values(access=table))
    assert info.value.where == "profile [sleep] waker"
    profile = build_profile("dev", values(access=table, sleep={"waker": "10.0.3.17:8081"}))
    assert profile.access is not None and profile.access.bypass_header == "x-eden-bypass"
    lambda_waker = {"waker": "arn:aws:lambda:us-east-1:123456789012:function:eden-waker"}
    with pytest.raises(ConfigError, match=r"the Lambda waker of deploy/template.yaml runs "
                                          r"outside the VPC"):
        build_profile("dev", values(access=table, sleep=lambda_waker))
