"""Sleep and wake as data (envs/sleep_plan.py), the [sleep] table, the waker's host
check and the idle verdicts. Pure: no AWS."""

from __future__ import annotations

from typing import Any

import pytest

from eden.api.waker import clean_host, page
from eden.aws.cloudwatch import GroupQuery
from eden.config import Profile, build_profile
from eden.config.sleep import sleep_table
from eden.envs.idle import candidates, choose
from eden.envs.plan import Plan, Ref
from eden.envs.records import EnvRecord, ServiceRecord
from eden.envs.sleep_plan import (
    Member,
    WakerGroup,
    awake_actions,
    forwards_to,
    plan_sleep,
    plan_wake_finish,
    plan_wake_start,
    sleeping_actions,
    waker_group_name,
    waker_params,
)
from eden.errors import ConfigError

ALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shared/abc"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/eden-x/1"
RULE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/shared/abc/l/r"
OIDC_ACTION = {
    "Type": "authenticate-oidc",
    "Order": 1,
    "AuthenticateOidcConfig": {"Issuer": "https://login", "ClientId": "c", "ClientSecret": "x"},
}


def profile(**extra: Any) -> Profile:
    return build_profile("dev", {
        "region": "us-east-1", "cluster": "dev", "reference_service": "api",
        "listener_arn": ALB.replace(":loadbalancer/", ":listener/") + "/l",
        "zone_id": "Z1", "sleep": {"waker": "10.0.3.17:8081"}, **extra,
    })  # fmt: skip


def member(actions: tuple[dict[str, Any], ...] = ()) -> Member:
    forward = {"Type": "forward", "TargetGroupArn": TG, "Order": 2 if actions else 1}
    return Member("app", "eden-x", "arn:svc", 3, RULE, (*actions, forward), TG)


def test_sleeping_keeps_sign_in_and_weights_its_own_group_zero() -> None:
    actions = sleeping_actions(member((OIDC_ACTION,)).rule_actions, "waker-arn", TG)
    assert actions == [
        {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {
            "Issuer": "https://login", "ClientId": "c", "UseExistingClientSecret": True}},
        {"Type": "forward", "Order": 2, "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": "waker-arn", "Weight": 1}, {"TargetGroupArn": TG, "Weight": 0}]}},
    ]  # fmt: skip
    assert forwards_to(actions) == {"waker-arn": 1, TG: 0}
    back = awake_actions(actions, TG)
    assert back[1] == {"Type": "forward", "TargetGroupArn": TG, "Order": 2}
    assert back[0]["AuthenticateOidcConfig"]["UseExistingClientSecret"] is True
    assert awake_actions(member().rule_actions, TG) == [{"Type": "forward", "TargetGroupArn": TG}]


def test_the_sleep_plan_orders_rule_before_count_and_undoes_both() -> None:
    p = profile()
    waker = WakerGroup(None, {"Name": "eden-waker-1", "Targets": []})
    steps = plan_sleep(p, [member()], waker)
    assert [(s.id, s.action, s.depends_on) for s in steps] == [
        ("waker_group", "elbv2.ensure_waker_group", ()),
        ("listener_rule", "elbv2.modify_rule", ("waker_group",)),
        ("service", "ecs.update_service", ("listener_rule",)),
        ("sleep_tag", "ecs.tag_sleeping", ("service",)),
    ]
    rule = steps[1]
    assert rule.params["Actions"][0]["ForwardConfig"]["TargetGroups"][0]["TargetGroupArn"] == Ref(
        "waker_group", "TargetGroupArn")
    assert rule.undo is not None and rule.undo.params["Actions"] == [
        {"Type": "forward", "TargetGroupArn": TG}]
    assert steps[2].params == {"cluster": "dev", "service": "eden-x", "desiredCount": 0}
    assert steps[2].undo is not None and steps[2].undo.params["desiredCount"] == 3
    plan = Plan("sleep", "dev", "x", tuple(steps))
    assert Plan.from_dict(plan.to_dict()) == plan  # stored, sent and run later like any plan


def test_wake_restores_the_saved_count_then_the_rule() -> None:
    p = profile()
    start = plan_wake_start(p, [member()], {"app": 3})
    assert [(s.action, s.params.get("desiredCount")) for s in start] == [
        ("ecs.update_service", 3), ("ecs.untag_sleeping", None)]
    assert plan_wake_start(p, [member()], {})[0].params["desiredCount"] == 1  # never 0
    worker = Member("worker", "eden-x-worker", "arn:w", 0)
    finish = plan_wake_finish(p, [member(), worker])
    assert [s.params["RuleArn"] for s in finish] == [RULE]


def test_the_waker_group_name_fits_aws_and_eden_policy() -> None:
    name = waker_group_name("preview-team-16c", ALB)
    assert len(name) <= 32 and name.startswith("preview-team-16c-waker-")
    assert waker_group_name("eden", ALB) != waker_group_name("eden", ALB + "2")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"waker": "10.0.0.1"}, "waker '10.0.0.1' is not IP:PORT"),
        ({"waker": "host.example:80"}, "is not IP:PORT"),
        ({"waker": "10.0.0.1:0"}, "waker port 0 is not 1-65535"),
        ({"idle_minutes": 0}, "idle_minutes must be a whole number 1-10080, got 0"),
        ({"cooldown_seconds": True}, "cooldown_seconds must be a whole number 1-3600"),
        ({"idle": 5}, r"unknown field\(s\) in \[sleep\]: idle"),
        ("30", r"\[sleep\] must be a table"),
    ],
)
def test_bad_sleep_tables_say_what_to_fix(raw: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        sleep_table(raw, where="profile dev")


def test_the_sleep_table_round_trips() -> None:
    settings = sleep_table({"waker": "10.0.3.17:8081", "idle_minutes": 45}, where="t")
    assert settings.as_table() == {"waker": "10.0.3.17:8081", "idle_minutes": 45}
    assert profile().sleep.waker is not None and str(profile().sleep.waker) == "10.0.3.17:8081"


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("API-Feature-X.dev.example.com", "api-feature-x.dev.example.com"),
        ("api-feature-x.dev.example.com:443", "api-feature-x.dev.example.com"),
        ("api-feature-x.dev.example.com.", "api-feature-x.dev.example.com"),
        (None, None), ("", None), ("a" * 254, None), ("evil host", None), ("x:y", None),
        ("-bad.example.com", None), ("a.." + "b", None), ("[::1]:80", None),
        ("<script>.example.com", None), (("a" * 63 + ".") * 4 + "a", None),
    ],
)  # fmt: skip
def test_only_dns_names_pass_the_host_check(raw: str | None, host: str | None) -> None:
    assert clean_host(raw) == host


def test_the_waking_page_escapes_and_refreshes() -> None:
    shown = page("a<b>.example.com")
    assert "a&lt;b&gt;.example.com" in shown and "<b>" not in shown
    assert '<meta http-equiv="refresh" content="2">' in shown


def record(name: str, **extra: Any) -> EnvRecord:
    svc = ServiceRecord("app", "img", {"target_group": {"arn": f"tg-{name}"}})
    base = {"status": "ready", "created_at": 0.0, "last_deploy_at": 0.0}
    fields = {**base, **{k: v for k, v in extra.items() if k in base or k == "pinned"}}
    rec = EnvRecord("dev", name, name, f"{name}.t", services=[svc],
                    extra={"alb_arn": ALB, **extra.get("extra", {})}, **fields)  # fmt: skip
    return rec


def test_idle_verdicts_from_the_counts() -> None:
    now = 10_000.0
    records = [
        record("quiet"), record("busy"), record("new", created_at=now - 60),
        record("woken", extra={"last_woken_at": now - 600}), record("kept", pinned=True),
        record("asleep", extra={"sleep": {"state": "sleeping"}}),
        record("broken", status="failed"),
    ]  # fmt: skip
    first = candidates(records, now, 30)
    assert [v.name for v in first if v.idle] == ["quiet", "busy"]
    asked = [GroupQuery("q0", "tg-quiet", ALB), GroupQuery("q1", "tg-busy", ALB)]
    verdicts = {v.name: v.why for v in choose(first, records, asked, {"q1": 4.0}, 30)}
    assert verdicts == {
        "quiet": "no request in 30 min", "busy": "4 request(s) in 30 min",
        "new": "awake for 1 min only", "woken": "awake for 10 min only", "kept": "pinned",
        "asleep": "already sleeping", "broken": "failed, not ready",
    }  # fmt: skip


def test_a_lambda_waker_gets_a_lambda_target_group() -> None:
    fn = "arn:aws:lambda:us-east-1:123456789012:function:eden-WakerFunction-1"
    params = waker_params(profile(sleep={"waker": fn}), ALB, "vpc-1")
    assert params == {"Name": waker_group_name("eden", ALB), "TargetType": "lambda",
                      "Targets": [{"Id": fn}]}  # fmt: skip


@pytest.mark.parametrize("bad", [
    "arn:aws:lambda:us-east-1:123456789012:function:eden-waker:live",  # an alias
    "arn:aws:s3:::bucket",
])  # fmt: skip
def test_a_waker_arn_must_be_a_lambda_function(bad: str) -> None:
    with pytest.raises(ConfigError, match="is not the ARN of a Lambda function"):
        profile(sleep={"waker": bad})
