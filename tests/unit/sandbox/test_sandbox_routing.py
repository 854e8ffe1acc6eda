"""The local router's rule matching (pure): a listener's rules and a request -> an action."""

from __future__ import annotations

import pytest

from eden.sandbox.routing import (
    Action,
    Request,
    choose,
    final_action,
    host_of,
    pick,
    pick_group,
    redirect_location,
    rule_from,
    sign_in_location,
    wildcard_match,
)

TG_A = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/eden-a/1"
TG_B = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/eden-b/2"
NOT_FOUND = {
    "Type": "fixed-response",
    "FixedResponseConfig": {
        "StatusCode": "404",
        "ContentType": "text/plain",
        "MessageBody": "no environment here",
    },
}


def host_rule(priority: int, host: str, group: str = TG_A) -> object:
    return rule_from(
        priority,
        [{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
        [{"Type": "forward", "TargetGroupArn": group}],
    )


def listener(*rules: object) -> list[object]:
    return [*rules, rule_from("default", [], [NOT_FOUND])]


def forward(group: str) -> Action:
    return Action("forward", target_groups=((group, 1),))


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("api-feature-login.dev.example.com", "api-feature-login.dev.example.com"),
        ("API-Feature-Login.Dev.Example.com:443", "api-feature-login.dev.example.com"),
        ("  a.dev.example.com  ", "a.dev.example.com"),
        (None, ""),
        ("", ""),
        ("a.dev.example.com:https", ""),  # a port that is no number
        ("[::1]:8080", ""),  # an IPv6 literal names no host rule
        ("a b.dev.example.com", ""),
        ("\xff\xfe.dev.example.com", ""),
        ("bad\x00host.dev.example.com", ""),
        ("*.dev.example.com", ""),  # a wildcard is a pattern, never a host
        ("a" * 254, ""),  # longer than any DNS name
        ("x" * 10_000 + ".dev.example.com", ""),
    ],
)
def test_host_of_keeps_only_a_host_name(header: str | None, host: str) -> None:
    assert host_of(header) == host


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("a.dev.example.com", "a.dev.example.com", True),
        ("a.dev.example.com", "b.dev.example.com", False),
        ("*.dev.example.com", "api-x.dev.example.com", True),
        ("*.dev.example.com", "dev.example.com", False),
        ("*.dev.example.com", "a.b.dev.example.com", True),
        ("api-?.dev.example.com", "api-1.dev.example.com", True),
        ("api-?.dev.example.com", "api-12.dev.example.com", False),
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("/api/*", "/api/v1/users", True),
        ("/api/*", "/apiv1", False),
        ("*a*b*c", "xxaxxbxxc", True),
        ("*a*b*c", "xxaxxcxxb", False),
    ],
)
def test_wildcard_match(pattern: str, text: str, matches: bool) -> None:
    assert wildcard_match(pattern, text) is matches


def test_wildcard_match_ends_on_a_hostile_pattern_and_long_text() -> None:
    assert wildcard_match("*a*a*a*a*a*a*a*b", "a" * 20_000) is False


def test_the_matching_host_rule_forwards_to_its_target_group() -> None:
    rules = listener(
        host_rule(10, "api-a.dev.example.com", TG_A), host_rule(20, "api-b.dev.example.com", TG_B)
    )
    assert choose(rules, Request("api-b.dev.example.com")) == forward(TG_B)
    assert choose(rules, Request("api-a.dev.example.com")) == forward(TG_A)


def test_no_match_gets_the_default_action() -> None:
    rules = listener(host_rule(10, "api-a.dev.example.com"))
    action = choose(rules, Request("api-zzz.dev.example.com"))
    assert action == Action(
        "fixed-response", status=404, content_type="text/plain", body="no environment here"
    )
    assert choose(rules, Request("")) == action  # no Host, or garbage: the default too


def test_rules_are_taken_by_priority_not_by_order() -> None:
    rules = listener(
        host_rule(50, "*.dev.example.com", TG_B), host_rule(7, "api-a.dev.example.com", TG_A)
    )
    assert choose(rules, Request("api-a.dev.example.com")) == forward(TG_A)
    assert choose(rules, Request("api-c.dev.example.com")) == forward(TG_B)


def test_host_patterns_match_case_insensitively() -> None:
    rules = listener(host_rule(1, "API-A.Dev.Example.COM"))
    assert choose(rules, Request(host_of("api-a.DEV.example.com"))) == forward(TG_A)


def test_conditions_are_anded_and_values_ored() -> None:
    rule = rule_from(
        1,
        [
            {"Field": "host-header", "Values": ["a.dev.example.com", "b.dev.example.com"]},
            {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}},
            {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
        ],
        [{"Type": "forward", "TargetGroupArn": TG_A}],
    )
    rules = listener(rule)
    assert choose(rules, Request("b.dev.example.com", "/api/x", "GET")) == forward(TG_A)
    assert choose(rules, Request("b.dev.example.com", "/web", "GET")).kind == "fixed-response"
    assert choose(rules, Request("b.dev.example.com", "/api/x", "POST")).kind == "fixed-response"
    assert choose(rules, Request("c.dev.example.com", "/api/x", "GET")).kind == "fixed-response"


def test_a_condition_the_router_cannot_evaluate_skips_its_rule() -> None:
    source_ip = rule_from(
        1,
        [{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}],
        [{"Type": "forward", "TargetGroupArn": TG_B}],
    )
    rules = listener(source_ip, host_rule(2, "a.dev.example.com"))
    assert choose(rules, Request("a.dev.example.com")) == forward(TG_A)


OIDC_SIGN_IN = {
    "Type": "authenticate-oidc",
    "Order": 1,
    "AuthenticateOidcConfig": {"AuthorizationEndpoint": "https://idp.example.com/auth",
                               "ClientId": "eden", "Scope": "openid"},
}  # fmt: skip


def test_a_request_meets_the_sign_in_before_the_forward() -> None:
    """No session can be valid in the sandbox: the ALB would send it to sign in."""
    action = final_action([{"Type": "forward", "TargetGroupArn": TG_A, "Order": 2}, OIDC_SIGN_IN])
    assert (action.kind, action.status) == ("sign-in", 302)
    assert sign_in_location(action, Request("a.dev.example.com")) == (
        "https://idp.example.com/auth?client_id=eden&response_type=code&scope=openid"
        "&redirect_uri=https%3A%2F%2Fa.dev.example.com%2Foauth2%2Fidpresponse"
    )
    cognito = {"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": {
        "UserPoolArn": "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Ab",
        "UserPoolClientId": "c", "UserPoolDomain": "login"}}  # fmt: skip
    to = final_action([cognito, {"Type": "forward", "TargetGroupArn": TG_A, "Order": 2}])
    assert to.redirect["Location"] == (
        "https://login.auth.eu-west-1.amazoncognito.com/oauth2/authorize"
    )
    deny = {**OIDC_SIGN_IN, "AuthenticateOidcConfig": {"OnUnauthenticatedRequest": "deny"}}
    then = {"Type": "forward", "TargetGroupArn": TG_A, "Order": 2}
    assert final_action([deny, then]).status == 401
    allow = {**OIDC_SIGN_IN, "AuthenticateOidcConfig": {"OnUnauthenticatedRequest": "allow"}}
    assert final_action([allow, then]) == forward(TG_A)


def test_an_http_header_condition_matches_its_header_case_insensitively() -> None:
    bypass = rule_from(
        1,
        [{"Field": "http-header",
          "HttpHeaderConfig": {"HttpHeaderName": "X-Eden-Bypass", "Values": ["s3cret"]}},
         {"Field": "host-header", "HostHeaderConfig": {"Values": ["*.dev.example.com"]}}],
        [{"Type": "forward", "TargetGroupArn": TG_B}],
    )  # fmt: skip
    rules = listener(bypass, host_rule(2, "a.dev.example.com"))
    with_it = Request("a.dev.example.com", headers={"x-eden-bypass": "S3CRET"})
    assert choose(rules, with_it) == forward(TG_B)
    for headers in ({}, {"x-eden-bypass": "wrong"}, {"x-other": "s3cret"}):
        assert choose(rules, Request("a.dev.example.com", headers=headers)) == forward(TG_A)
    elsewhere = Request("a.example.org", headers={"x-eden-bypass": "s3cret"})
    assert choose(rules, elsewhere).kind == "fixed-response"


def test_weighted_forward_and_fixed_and_redirect_actions() -> None:
    weighted = final_action(
        [
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": TG_A, "Weight": 3},
                        {"TargetGroupArn": TG_B, "Weight": 1},
                    ]
                },
            }
        ]
    )
    assert weighted.target_groups == ((TG_A, 3), (TG_B, 1))
    fixed = final_action([{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}])
    assert (fixed.status, fixed.body, fixed.content_type) == (503, "", "text/plain")
    bad_code = final_action(
        [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "9999"}}]
    )
    assert bad_code.status == 503
    moved = final_action(
        [
            {
                "Type": "redirect",
                "RedirectConfig": {"StatusCode": "HTTP_301", "Host": "x.example.com"},
            }
        ]
    )
    assert (moved.kind, moved.status, moved.redirect["Host"]) == ("redirect", 301, "x.example.com")
    assert final_action([]).kind == "unsupported"
    assert final_action([{"Type": "forward-to-lambda"}]).kind == "unsupported"


def test_moto_actions_are_read_from_their_data() -> None:
    class FakeAction:
        def __init__(self) -> None:
            self.data = {"Type": "forward", "TargetGroupArn": TG_B}

    assert final_action([FakeAction()]) == forward(TG_B)


def test_round_robin_takes_each_target_in_turn() -> None:
    targets = [("127.0.0.1", 4002), ("127.0.0.1", 4001)]
    picked = [pick(targets, turn) for turn in range(4)]
    assert picked == [("127.0.0.1", 4001), ("127.0.0.1", 4002)] * 2
    assert pick([], 0) is None


def test_weighted_groups_get_their_share_of_turns() -> None:
    picked = [pick_group(((TG_A, 3), (TG_B, 1)), turn) for turn in range(8)]
    assert picked.count(TG_A) == 6 and picked.count(TG_B) == 2
    assert pick_group(((TG_A, 0),), 0) is None
    assert pick_group((), 0) is None


def test_redirect_location_fills_the_request_in() -> None:
    config = {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    where = redirect_location(config, Request("a.dev.example.com", "/x/y?q=1"), ("HTTP", 80))
    assert where == "https://a.dev.example.com:443/x/y?q=1"
    moved = redirect_location(
        {"Host": "new.example.com", "Path": "/z"}, Request("a.dev.example.com", "/"), ("HTTPS", 443)
    )
    assert moved == "https://new.example.com:443/z"
