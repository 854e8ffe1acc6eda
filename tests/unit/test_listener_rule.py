"""The listener rule resource on its own: AWS-shaped rules read back (``parse_rule``), the
create and sign-in plans, the actions with and without ``[access]``, the record, orphans,
and the PriorityInUse retry against a stub ELB (pure: no AWS)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from test_planner import (
    LISTENER_ARN,
    NAMES,
    REF_TG_ARN,
    make_profile,
    make_reference,
    make_request,
    rule,
)

from eden.config import Profile
from eden.core.limits import HOST_HEADER_MAX, MAX_PRIORITY
from eden.envs.plan import Ref, Step
from eden.envs.resources import listener_rule as lr
from eden.envs.resources.base import AlbUsage, Current, ListenerRule, PlanInput, RemoveInput
from eden.errors import AwsError, ConfigError, UsageError

RULE_ARN = LISTENER_ARN.replace(":listener/", ":listener-rule/") + "/9f0e"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/eden-feature-login/1"
OIDC = {
    "type": "oidc",
    "issuer": "https://idp.example.com",
    "authorization_endpoint": "https://idp.example.com/auth",
    "token_endpoint": "https://idp.example.com/token",
    "user_info_endpoint": "https://idp.example.com/userinfo",
    "client_id": "abc",
}
COGNITO = {
    "type": "cognito",
    "user_pool_arn": "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Ab",
    "user_pool_client_id": "client",
    "user_pool_domain": "login",
}
OIDC_PROFILE = make_profile(access=OIDC)
COGNITO_PROFILE = make_profile(access=COGNITO)
OIDC_SETTINGS = dict(OIDC_PROFILE.access.settings) if OIDC_PROFILE.access else {}


def aws_rule(**extra: Any) -> dict[str, Any]:
    """A rule as DescribeRules shows it: host-header condition, a forward."""
    raw: dict[str, Any] = {
        "RuleArn": RULE_ARN,
        "Priority": "12",
        "Conditions": [
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["A.Dev.Example.com"]}}
        ],
        "Actions": [{"Type": "forward", "TargetGroupArn": TG}],
        "IsDefault": False,
    }
    raw.update(extra)
    return raw


# --- parse_rule: what DescribeRules shows, as eden reads it ----------------------------


def test_parse_reads_hosts_lower_case_priority_and_target_group() -> None:
    assert lr.parse_rule(aws_rule()) == ListenerRule(
        arn=RULE_ARN, priority=12, hosts=("a.dev.example.com",), target_group_arns=(TG,),
        sign_in=None, sign_in_config={},
    )


def test_parse_reads_the_old_values_field_and_every_host_condition() -> None:
    conditions = [
        {"Field": "path-pattern", "Values": ["/api/*"]},
        {"Field": "host-header", "Values": ["One.example.com"]},
        {"Field": "host-header", "HostHeaderConfig": {"Values": []}, "Values": ["two.example.com"]},
        {"Field": "host-header"},
    ]
    assert lr.parse_rule(aws_rule(Conditions=conditions)).hosts == (
        "one.example.com", "two.example.com")


def test_parse_keeps_only_forwards_with_a_target_group() -> None:
    actions = [
        {"Type": "fixed-response", "TargetGroupArn": "not-a-forward"},
        {"Type": "forward", "ForwardConfig": {"TargetGroups": []}},
        {"Type": "forward", "TargetGroupArn": TG},
    ]
    assert lr.parse_rule(aws_rule(Actions=actions)).target_group_arns == (TG,)


@pytest.mark.parametrize(("priority", "parsed"), [("default", None), ("1", 1), (7, 7)])
def test_parse_priority_default_is_none(priority: Any, parsed: int | None) -> None:
    assert lr.parse_rule(aws_rule(Priority=priority)).priority == parsed


def test_parse_without_conditions_actions_or_priority() -> None:
    parsed = lr.parse_rule({"RuleArn": RULE_ARN})
    assert parsed == ListenerRule(RULE_ARN, None, (), (), None, {})


@pytest.mark.parametrize(
    ("action", "config"),
    [
        ({"Type": "authenticate-oidc", "AuthenticateOidcConfig": {"Issuer": "i"}}, {"Issuer": "i"}),
        ({"Type": "authenticate-cognito", "AuthenticateCognitoConfig": {"UserPoolDomain": "d"}},
         {"UserPoolDomain": "d"}),
        ({"Type": "authenticate-oidc"}, {}),
    ],
)
def test_parse_reads_the_sign_in_action_and_its_config(
    action: dict[str, Any], config: dict[str, Any]
) -> None:
    forward = {"Type": "forward", "TargetGroupArn": TG, "Order": 2}
    parsed = lr.parse_rule(aws_rule(Actions=[{**action, "Order": 1}, forward]))
    assert (parsed.sign_in, dict(parsed.sign_in_config)) == (action["Type"], config)
    assert parsed.target_group_arns == (TG,)


def test_parse_takes_the_first_sign_in_action() -> None:
    actions = [
        {"Type": "authenticate-cognito", "AuthenticateCognitoConfig": {"UserPoolDomain": "d"}},
        {"Type": "authenticate-oidc", "AuthenticateOidcConfig": {"Issuer": "i"}},
    ]
    parsed = lr.parse_rule(aws_rule(Actions=actions))
    assert (parsed.sign_in, dict(parsed.sign_in_config)) == (
        "authenticate-cognito", {"UserPoolDomain": "d"})


# --- the create plan -------------------------------------------------------------------


def plan_input(profile: Profile | None = None, *, current: Current | None = None,
               planned: frozenset[str] = frozenset({"target_group"}), **reference: Any
               ) -> PlanInput:
    return PlanInput(profile or make_profile(), make_request(), make_reference(**reference),
                     current or Current(), planned)


def test_a_service_behind_no_load_balancer_gets_no_rule() -> None:
    ref = replace(make_reference(), target_group=None)
    p = PlanInput(make_profile(), make_request(), ref, Current(), frozenset())
    assert lr.plan(p) == lr.Planned()


def test_create_step_in_full() -> None:
    (step,) = lr.plan(plan_input()).steps
    priority = lr.pick_priority(NAMES.name, [1, 17])
    assert step == Step(
        id="listener_rule",
        action="elbv2.create_rule",
        params={
            "ListenerArn": LISTENER_ARN,
            "Priority": priority,
            "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": [NAMES.host]}}],
            "Actions": [
                {"Type": "forward", "TargetGroupArn": Ref("target_group", "TargetGroupArn")}
            ],
            "Tags": step.params["Tags"],
        },
        depends_on=("target_group",),
        description=f"route https://{NAMES.host} to the target group (priority {priority})",
        undo=Step("undo_listener_rule", "elbv2.delete_rule",
                  {"RuleArn": Ref("listener_rule", "RuleArn")}, (),
                  f"delete the listener rule for {NAMES.host}"),
        decided_at_apply={"Priority": f"a free slot when the rule is made (near {priority})"},
    )


def test_create_step_with_sign_in_says_so_and_signs_in_first() -> None:
    (step,) = lr.plan(plan_input(COGNITO_PROFILE)).steps
    assert step.description.endswith(", after COGNITO sign-in")
    assert [a["Type"] for a in step.params["Actions"]] == ["authenticate-cognito", "forward"]


def test_create_ignores_the_default_rule_when_it_picks_a_priority() -> None:
    # The default rule (priority None) takes no slot: the pick is the name's own start.
    (step,) = lr.plan(plan_input(rules=(rule(None),))).steps
    assert step.params["Priority"] == lr.pick_priority(NAMES.name, [])


def test_create_uses_the_existing_target_group_when_none_is_planned() -> None:
    p = plan_input(current=Current.of(target_group=TG), planned=frozenset())
    (step,) = lr.plan(p).steps
    assert step.params["Actions"] == [{"Type": "forward", "TargetGroupArn": TG}]
    assert step.depends_on == ()


def test_the_listener_counts_its_non_default_rules_when_the_alb_was_not_read() -> None:
    hosts = tuple(rule(n, f"h{n}.dev.example.com") for n in range(1, 100))
    assert lr.plan(plan_input(rules=(rule(None), *hosts))).steps  # 99 rules + the new one
    with pytest.raises(ConfigError, match="already has 100 rules"):
        lr.plan(plan_input(rules=(rule(None), *hosts, rule(100, "h100.dev.example.com"))))


def test_the_albs_usage_wins_over_the_listeners_rules() -> None:
    ref = replace(make_reference(), alb_usage=AlbUsage(99, 100), alb_arn="arn:alb")
    p = PlanInput(make_profile(), make_request(), ref, Current(), frozenset())
    with pytest.raises(ConfigError, match="already uses 100 target groups") as info:
        lr.plan(p)
    assert info.value.where == "arn:alb"


def _on_alb(usage: AlbUsage) -> PlanInput:
    ref = replace(make_reference(), alb_usage=usage)
    return PlanInput(make_profile(), make_request(), ref, Current(), frozenset())


def test_an_alb_with_99_rules_and_99_target_groups_takes_one_more() -> None:
    assert lr.plan(_on_alb(AlbUsage(99, 99))).steps[0].action == "elbv2.create_rule"


@pytest.mark.parametrize(
    ("usage", "refusal"),
    [(AlbUsage(100, 0), "already has 100 rules"), (AlbUsage(0, 100), "already uses 100 target")],
)
def test_a_new_rule_needs_room_for_a_rule_and_a_target_group(usage: AlbUsage, refusal: str) -> None:
    with pytest.raises(ConfigError, match=refusal):
        lr.plan(_on_alb(usage))


def _with_host(length: int) -> PlanInput:
    host = "a" * (length - len(".dev.example.com")) + ".dev.example.com"
    request = replace(make_request(), names=replace(NAMES, host=host))
    return PlanInput(make_profile(), request, make_reference(), Current(), frozenset())


def test_a_host_of_128_characters_fits_129_is_refused() -> None:
    assert lr.plan(_with_host(HOST_HEADER_MAX)).steps
    with pytest.raises(UsageError, match=r"is 129 characters; an ALB host rule takes at most 128"):
        lr.plan(_with_host(HOST_HEADER_MAX + 1))


# --- an existing rule follows [access] -------------------------------------------------


def existing(sign_in: str | None = None, config: dict[str, Any] | None = None,
             tgs: tuple[str, ...] = (TG,)) -> Current:
    return Current.of(listener_rule=ListenerRule(RULE_ARN, 12, (NAMES.host,), tgs, sign_in,
                                                 config or {}))


def test_an_open_rule_under_an_open_profile_is_left_alone() -> None:
    assert lr.plan(plan_input(current=existing())) == lr.Planned()


def test_an_open_rule_gets_sign_in_when_the_profile_asks() -> None:
    (step,) = lr.plan(plan_input(OIDC_PROFILE, current=existing())).steps
    assert step == Step(
        id="listener_rule",
        action="elbv2.modify_rule",
        params={"RuleArn": RULE_ARN, "Actions": lr.rule_actions(OIDC_PROFILE.access, TG)},
        depends_on=(),
        description=f"require sign-in for https://{NAMES.host} (OIDC, as the profile's "
        "[access] says)",
    )


def test_sign_in_stops_when_the_profile_drops_access() -> None:
    (step,) = lr.plan(plan_input(current=existing("authenticate-oidc", OIDC_SETTINGS))).steps
    assert step.params == {"RuleArn": RULE_ARN, "Actions": [{"Type": "forward",
                                                             "TargetGroupArn": TG}]}
    assert step.description == f"stop requiring sign-in for https://{NAMES.host}"


def test_the_same_sign_in_with_aws_defaults_added_is_left_alone() -> None:
    shown = {**OIDC_SETTINGS, "SessionCookieName": "AWSELBAuthSessionCookie"}
    assert lr.plan(plan_input(OIDC_PROFILE, current=existing("authenticate-oidc", shown))
                   ) == lr.Planned()


def test_one_changed_setting_or_another_kind_is_modified() -> None:
    changed = {**OIDC_SETTINGS, "Scope": "openid email"}
    assert lr.plan(plan_input(OIDC_PROFILE, current=existing("authenticate-oidc", changed))
                   ).steps[0].action == "elbv2.modify_rule"
    assert lr.plan(plan_input(COGNITO_PROFILE, current=existing("authenticate-oidc",
                                                                OIDC_SETTINGS))).steps
    # The kind alone differs (the settings eden sets all match): still modified.
    assert lr.plan(plan_input(OIDC_PROFILE, current=existing("authenticate-cognito",
                                                             OIDC_SETTINGS))).steps


def test_a_rule_without_a_target_group_is_not_modified() -> None:
    assert lr.plan(plan_input(OIDC_PROFILE, current=existing(tgs=()))) == lr.Planned()


def test_the_modify_forwards_to_the_rules_first_target_group() -> None:
    (step,) = lr.plan(plan_input(COGNITO_PROFILE, current=existing(tgs=(TG, REF_TG_ARN)))).steps
    assert step.params["Actions"][1] == {"Type": "forward", "TargetGroupArn": TG, "Order": 2}


# --- the actions and the secret --------------------------------------------------------


def test_oidc_actions_in_full() -> None:
    assert lr.rule_actions(OIDC_PROFILE.access, TG) == [
        {"Type": "authenticate-oidc", "Order": 1,
         "AuthenticateOidcConfig": {**OIDC_SETTINGS, "ClientSecret": lr.SECRET_PLACEHOLDER}},
        {"Type": "forward", "TargetGroupArn": TG, "Order": 2},
    ]


def test_cognito_actions_in_full() -> None:
    access = COGNITO_PROFILE.access
    assert access is not None
    assert lr.rule_actions(access, TG) == [
        {"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": access.settings},
        {"Type": "forward", "TargetGroupArn": TG, "Order": 2},
    ]


def test_the_secret_replaces_only_the_placeholder() -> None:
    params = {
        "Priority": 5,
        "Actions": [
            {"Type": "authenticate-oidc",
             "AuthenticateOidcConfig": {"Issuer": "i", "ClientSecret": lr.SECRET_PLACEHOLDER}},
            {"Type": "authenticate-oidc",
             "AuthenticateOidcConfig": {"Issuer": "j", "ClientSecret": "set-by-hand"}},
            {"Type": "forward", "TargetGroupArn": TG},
        ],
    }
    assert lr.with_client_secret(params, "s3cret") == {
        "Priority": 5,
        "Actions": [
            {"Type": "authenticate-oidc",
             "AuthenticateOidcConfig": {"Issuer": "i", "ClientSecret": "s3cret"}},
            {"Type": "authenticate-oidc",
             "AuthenticateOidcConfig": {"Issuer": "j", "ClientSecret": "set-by-hand"}},
            {"Type": "forward", "TargetGroupArn": TG},
        ],
    }
    assert params["Actions"][0]["AuthenticateOidcConfig"]["ClientSecret"] == lr.SECRET_PLACEHOLDER


# --- removal, the record, orphans ------------------------------------------------------


def test_remove_deletes_the_found_rule_after_the_given_steps() -> None:
    r = RemoveInput(make_profile(), NAMES, existing(), after=("service",))
    assert lr.remove(r) == Step("listener_rule", "elbv2.delete_rule", {"RuleArn": RULE_ARN},
                                ("service",), f"delete the listener rule for {NAMES.host}")
    assert lr.remove(RemoveInput(make_profile(), NAMES, Current())) is None


def test_the_record_keeps_the_new_rule_else_the_found_one() -> None:
    found = ListenerRule(RULE_ARN, 12, (), ())
    assert lr.record(lr.Placed("arn:new", 40), found) == {"arn": "arn:new", "priority": 40}
    assert lr.record(None, found) == {"arn": RULE_ARN, "priority": 12}
    assert lr.record(None, None) is None


def test_only_listener_rule_arns_are_its_orphans() -> None:
    assert lr.RESOURCE.owns_arn(RULE_ARN)
    assert not lr.RESOURCE.owns_arn(LISTENER_ARN)
    assert not lr.RESOURCE.owns_arn(TG)


# --- create: PriorityInUse picks again (a stub ELB) ------------------------------------


class StubElb:
    """create_rule refuses ``refusals`` times with PriorityInUse; rules() lists ``rules``."""

    def __init__(self, refusals: int, rules: list[dict[str, Any]] | None = None) -> None:
        self.refusals, self.listed = refusals, rules or []
        self.priorities: list[int] = []

    def create_rule(self, params: dict[str, Any]) -> str:
        self.priorities.append(params["Priority"])
        if len(self.priorities) <= self.refusals:
            raise AwsError("priority in use", code="PriorityInUse")
        return "arn:made"

    def rules(self, listener: str) -> list[dict[str, Any]]:
        return self.listed


def _create(elb: StubElb) -> lr.Placed:
    (step,) = lr.plan(plan_input()).steps
    params = {**step.params, "Actions": [{"Type": "forward", "TargetGroupArn": TG}]}
    ctx: Any = SimpleNamespace(aws=SimpleNamespace(elbv2=elb), client_secret=None)
    return lr.create(ctx, params)


def test_create_tries_eight_priorities_then_gives_up() -> None:
    elb = StubElb(refusals=7)
    assert _create(elb) == lr.Placed("arn:made", elb.priorities[-1])
    assert len(elb.priorities) == 8
    refused = StubElb(refusals=8)
    with pytest.raises(AwsError, match="priority in use"):
        _create(refused)
    assert len(refused.priorities) == 8


def test_create_takes_the_rule_a_concurrent_run_made() -> None:
    mine = aws_rule(Conditions=[{"Field": "host-header", "Values": [NAMES.host]}], Priority="33")
    assert _create(StubElb(refusals=1, rules=[mine])) == lr.Placed(RULE_ARN, 33)


def test_parse_keeps_a_header_conditions_values_only_as_a_digest() -> None:
    conditions = [
        {"Field": "host-header", "Values": ["a.example.com"]},
        {"Field": "http-header",
         "HttpHeaderConfig": {"HttpHeaderName": "X-Eden-Bypass", "Values": ["s2", "s1"]}},
        {"Field": "http-header"},
    ]
    parsed = lr.parse_rule(aws_rule(Conditions=conditions))
    assert parsed.hosts == ("a.example.com",)
    assert parsed.header_digests == {
        "x-eden-bypass": lr.value_digest(["s1", "s2"]),
        "": lr.value_digest([]),
    }
    assert lr.value_digest(["s2", "s1"]) == hashlib.sha256(b"s1\ns2").hexdigest()


def test_no_environment_takes_the_bypass_rules_priority() -> None:
    # Every priority but 1 taken: 1 is kept for the ALB's bypass rule, so the listener is full.
    with pytest.raises(ConfigError, match="every listener rule priority is taken"):
        lr.pick_priority("any", range(2, MAX_PRIORITY + 1))
    assert lr.pick_priority("any", range(3, MAX_PRIORITY + 1)) == 2
