"""The ALB's CI bypass rule, as data: its conditions, its priority before every
environment's rule, when a create makes or changes it, and that the secret never enters
a plan."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from eden.config import Profile, build_profile
from eden.core.limits import MAX_PRIORITY
from eden.envs.albs import need_of
from eden.envs.bypass_gc import decide
from eden.envs.plan import Plan, Ref, Step
from eden.envs.quota import Need, shortfall
from eden.envs.resources import bypass_rule as br
from eden.envs.resources.apply import Apply, Removed
from eden.envs.resources.base import AlbUsage, ListenerRule, Reference
from eden.envs.resources.listener_rule import Placed, parse_rule
from eden.envs.sleep_plan import waker_group_name
from eden.errors import AwsError, ConfigError

ALB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/50dc6c49"
LISTENER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/50dc6c49/f2f7"
ZONE = "dev.example.com"
SECRET = "0123456789abcdef0123456789abcdef"
COGNITO = {
    "type": "cognito",
    "user_pool_arn": "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Ab",
    "user_pool_client_id": "client",
    "user_pool_domain": "login",
}


def profile(**access: Any) -> Profile:
    return build_profile("dev", {
        "cluster": "main", "reference_service": "api", "listener_arn": LISTENER,
        "zone_id": "Z0123456789ABC", "name_prefix": "eden",
        "access": {**COGNITO, **access}, "sleep": {"waker": "10.0.3.17:8081"},
    })  # fmt: skip


BYPASS = profile(bypass_header="X-Eden-Bypass")


def rule(priority: int | None, *hosts: str, headers: dict[str, str] | None = None) -> ListenerRule:
    arn = f"arn:rule/{priority}"
    return ListenerRule(arn, priority, hosts, ("tg",), header_digests=headers or {})


def reference(rules: tuple[ListenerRule, ...]) -> Reference:
    return Reference(
        service={}, task_definition={}, task_definition_tags=[],
        target_group={"VpcId": "vpc-1"}, container="app", container_port=8080,
        listener_arn=LISTENER, alb_dns_name="shared.elb", alb_zone_id="Z", zone_name=ZONE + ".",
        rules=rules, alb_arn=ALB,
    )  # fmt: skip


def added(rules: tuple[ListenerRule, ...], secret: str | None = SECRET) -> tuple[Step, ...]:
    plan = br.add_to_create(BYPASS, Plan("create", "dev", "x"), [reference(rules)], secret)
    return plan.steps


def test_the_conditions_are_the_header_with_the_secret_and_any_host_of_the_zone() -> None:
    assert br.conditions("x-eden-bypass", ZONE, "s") == [
        {"Field": "http-header",
         "HttpHeaderConfig": {"HttpHeaderName": "x-eden-bypass", "Values": ["s"]}},
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["*.dev.example.com"]}},
    ]  # fmt: skip


def test_a_create_on_an_alb_without_the_rule_makes_it_and_the_waker_group() -> None:
    waker, made = added((rule(2, "api-a.dev.example.com"), rule(None)))
    assert (waker.id, waker.action) == (br.WAKER_KEY, "elbv2.ensure_waker_group")
    assert waker.params["Targets"] == [{"Id": "10.0.3.17", "Port": 8081}]
    assert waker.params["VpcId"] == "vpc-1"
    assert (made.id, made.action, made.depends_on) == (
        "bypass_rule", "elbv2.create_bypass_rule", (br.WAKER_KEY,)
    )
    assert made.params["Priority"] == 1
    assert made.params["Actions"] == [
        {"Type": "forward", "TargetGroupArn": Ref(br.WAKER_KEY, "TargetGroupArn")}
    ]
    assert {"Key": br.TAG_SHARED, "Value": "bypass"} in made.params["Tags"]
    assert made.params["Conditions"] == br.conditions("x-eden-bypass", ZONE, br.SECRET_PLACEHOLDER)
    # The secret is in no step: the plan, the journal and a dry run show the placeholder.
    assert SECRET not in repr([s.to_dict() for s in (waker, made)])
    sent = br.with_secret(made.params, SECRET)
    assert sent["Conditions"][0]["HttpHeaderConfig"]["Values"] == [SECRET]
    assert made.params["Conditions"][0]["HttpHeaderConfig"]["Values"] == [br.SECRET_PLACEHOLDER]


def test_the_rule_is_left_alone_when_it_holds_the_secret_and_changed_when_not() -> None:
    same = rule(1, f"*.{ZONE}", headers={"x-eden-bypass": br.secret_digest(SECRET)})
    assert added((same, rule(5, "api-a.dev.example.com"))) == ()
    old = rule(1, f"*.{ZONE}", headers={"x-eden-bypass": br.secret_digest("old" * 10)})
    (changed,) = added((old,))
    assert changed.action == "elbv2.modify_bypass_rule"
    assert changed.params == {
        "RuleArn": old.arn,
        "Conditions": br.conditions("x-eden-bypass", ZONE, br.SECRET_PLACEHOLDER),
    }


def test_no_secret_or_no_bypass_adds_nothing() -> None:
    assert added((), secret=None) == ()
    plan = Plan("create", "dev", "x")
    assert br.add_to_create(profile(), plan, [reference(())], SECRET) is plan


def test_the_priority_comes_before_every_environment_of_the_zone() -> None:
    assert br.priority_for([rule(7, "api-a.dev.example.com")], ZONE) == 1
    # An environment made before 1 was kept free sits at 1: the next free slot before it.
    assert br.priority_for([rule(1, "other.example.org"), rule(3, "api-a.dev.example.com")],
                           ZONE) == 2  # fmt: skip
    with pytest.raises(ConfigError, match="no rule priority before 1 is free") as info:
        br.priority_for([rule(1, "api-a.dev.example.com")], ZONE)
    assert "set-rule-priorities" in (info.value.hint or "")


def test_the_secret_read_back_from_aws_is_kept_only_as_a_digest() -> None:
    raw = {"RuleArn": "arn:r", "Priority": "1", "Actions": [],
           "Conditions": br.conditions("X-Eden-Bypass", ZONE, SECRET)}  # fmt: skip
    parsed = parse_rule(raw)
    assert parsed.hosts == (f"*.{ZONE}",)
    assert parsed.header_digests == {"x-eden-bypass": br.secret_digest(SECRET)}
    assert SECRET not in repr(parsed)
    assert br.find([parsed], "x-eden-bypass", ZONE + ".") == parsed
    assert br.find([parsed], "x-other", ZONE) is None


def test_it_counts_against_the_albs_quota_as_the_albs_own() -> None:
    steps = added(())
    env_rule = Step("listener_rule", "elbv2.create_rule", {})
    need = need_of(Plan("create", "dev", "x", (env_rule, *steps)))
    assert need == Need(rules=1, target_groups=1, shared=1)
    assert shortfall(AlbUsage(98, 10), 0, need) is None
    assert shortfall(AlbUsage(99, 10), 0, need) == (
        "already has 99 rules (on all its listeners); an ALB takes 100"
    )
    assert shortfall(AlbUsage(10, 99), 0, Need(0, 0, shared=1)) is None


def test_the_last_environment_of_the_alb_takes_the_rule_with_it() -> None:
    delete = Plan("delete", "dev", "x", (Step("listener_rule", "elbv2.delete_rule", {}),))
    plan = br.add_to_delete(BYPASS, delete, LISTENER, ZONE + ".")
    step = plan.steps[-1]
    assert (step.action, step.depends_on) == ("elbv2.delete_bypass_rule_if_last",
                                              ("listener_rule",))  # fmt: skip
    assert step.params == {"ListenerArn": LISTENER, "Header": "x-eden-bypass", "Zone": ZONE}
    nothing = Plan("delete", "dev", "x")
    assert br.add_to_delete(BYPASS, nothing, LISTENER, ZONE) is nothing


def test_gc_removes_a_rule_nobody_needs_and_sets_a_changed_secret() -> None:
    ours = rule(1, f"*.{ZONE}", headers={"x-eden-bypass": br.secret_digest(SECRET)})
    env = rule(5, "api-a.dev.example.com")
    assert decide(BYPASS, [ours, env], {ours.arn}, ZONE, SECRET) == []
    assert decide(BYPASS, [ours, env], set(), ZONE, SECRET) == []  # not tagged as ours
    assert decide(BYPASS, [ours, env], {ours.arn}, ZONE, None) == []  # no secret: left alone
    (rotate,) = decide(BYPASS, [ours, env], {ours.arn}, ZONE, "new" * 10)
    assert rotate.describe() == f"set the secret of the CI bypass rule {ours.arn}: " \
        "$EDEN_BYPASS_SECRET changed"
    (alone,) = decide(BYPASS, [ours, rule(6, "x.example.org")], {ours.arn}, ZONE, SECRET)
    assert (alone.action, alone.why) == ("delete", "no environment is left on its ALB")
    (off,) = decide(profile(), [ours, env], {ours.arn}, ZONE, SECRET)
    assert (off.action, off.why) == ("delete", "the profile has no such bypass now")


class FakeElbv2:
    """The listener's rules as DescribeRules gives them; CreateRule refuses a taken
    priority (PriorityInUse), as AWS does."""

    def __init__(self, *rules: dict[str, Any]) -> None:
        self.listed = list(rules)
        self.deleted: list[str] = []

    def rules(self, listener: str) -> list[dict[str, Any]]:
        return self.listed

    def create_rule(self, params: dict[str, Any]) -> str:
        if any(r["Priority"] == str(params["Priority"]) for r in self.listed):
            raise AwsError("The specified priority is in use.", code="PriorityInUse")
        self.listed.append({**params, "RuleArn": "arn:made", "Priority": str(params["Priority"])})
        return "arn:made"

    def delete_rule(self, arn: str) -> bool:
        self.deleted.append(arn)
        return True


def raw(arn: str, priority: int, host: str, header: str | None = None) -> dict[str, Any]:
    conds = br.conditions(header, ZONE, SECRET) if header else [
        {"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}]  # fmt: skip
    return {"RuleArn": arn, "Priority": str(priority), "Conditions": conds, "Actions": []}


def apply(elbv2: FakeElbv2, secret: str | None = SECRET) -> Apply:
    return Apply(aws=SimpleNamespace(elbv2=elbv2), shared=None, bypass_secret=secret)  # type: ignore[arg-type]


def test_the_rule_is_made_with_the_secret_and_a_concurrent_one_is_taken_as_it_is() -> None:
    (_, step) = added(())
    elbv2 = FakeElbv2(raw("arn:env", 5, "api-a.dev.example.com"))
    assert br.create(apply(elbv2), step.params) == Placed("arn:made", 1)
    made = elbv2.listed[-1]["Conditions"][0]["HttpHeaderConfig"]["Values"]
    assert made == [SECRET]
    other = raw("arn:theirs", 1, "", header="x-eden-bypass")  # a concurrent create's
    assert br.create(apply(FakeElbv2(other)), step.params) == Placed("arn:theirs", 1)
    taken = FakeElbv2(raw("arn:x", 1, "other.example.org"), raw("arn:env", 5, "api-a." + ZONE))
    assert br.create(apply(taken), step.params) == Placed("arn:made", 2)
    with pytest.raises(ConfigError, match="the CI bypass secret is not set"):
        br.create(apply(FakeElbv2(), secret=None), step.params)


def test_the_rule_goes_only_with_the_last_environment_of_the_zone() -> None:
    params = {"ListenerArn": LISTENER, "Header": "x-eden-bypass", "Zone": ZONE}
    bypass = raw("arn:bypass", 1, "", header="x-eden-bypass")
    busy = FakeElbv2(bypass, raw("arn:env", 5, "api-b." + ZONE))
    assert br.delete_if_last(apply(busy), params) == Removed(False) and busy.deleted == []
    alone = FakeElbv2(bypass, raw("arn:else", 6, "x.example.org"))
    assert br.delete_if_last(apply(alone), params) == Removed(True)
    assert alone.deleted == ["arn:bypass"]
    assert br.delete_if_last(apply(FakeElbv2()), params) == Removed(False)


def test_the_priority_is_before_the_zones_first_rule_and_never_past_the_last_one() -> None:
    taken = [rule(1, "other.example.org"), rule(2, "x.example.org")]
    with pytest.raises(ConfigError, match="no rule priority before 3 is free"):
        br.priority_for([*taken, rule(5, "b." + ZONE), rule(3, "a." + ZONE)], ZONE)
    # Every priority but the last taken by rules of no host (what priority_for reads of a
    # rule, as 50,000 ListenerRules would take a second to build on a busy machine).
    all_but_last: Any = [SimpleNamespace(priority=p, hosts=()) for p in range(1, MAX_PRIORITY)]
    assert br.priority_for(all_but_last, ZONE) == MAX_PRIORITY
    every = [*all_but_last, SimpleNamespace(priority=MAX_PRIORITY, hosts=())]
    with pytest.raises(ConfigError, match=f"no rule priority before {MAX_PRIORITY + 1} is free"):
        br.priority_for(every, ZONE)


def test_a_rule_holding_the_secret_needs_no_step() -> None:
    same = rule(1, f"*.{ZONE}", headers={"x-eden-bypass": br.secret_digest(SECRET)})
    assert BYPASS.access is not None
    assert br.ensure(BYPASS, BYPASS.access, reference((same,)), SECRET) == ()


def test_the_waker_group_is_named_after_the_alb_or_its_listener() -> None:
    def name(alb_arn: str, listener: str) -> str:
        assert BYPASS.access is not None
        ref = replace(reference(()), alb_arn=alb_arn, listener_arn=listener)
        waker, _ = br.ensure(BYPASS, BYPASS.access, ref, SECRET)
        return str(waker.params["Name"])

    assert name(ALB, LISTENER) == name("", LISTENER) == waker_group_name("eden", ALB)
    assert name(ALB, "arn:not-a-listener") == waker_group_name("eden", ALB)
    assert name("", "arn:not-a-listener") == waker_group_name("eden", "arn:not-a-listener")


class Refusing(FakeElbv2):
    """Every CreateRule loses its slot to a concurrent one."""

    def __init__(self) -> None:
        super().__init__()
        self.creates = 0

    def create_rule(self, params: dict[str, Any]) -> str:
        self.creates += 1
        raise AwsError("The specified priority is in use.", code="PriorityInUse")


def test_the_create_tries_four_slots_then_says_why() -> None:
    (_, step) = added(())
    elbv2 = Refusing()
    with pytest.raises(AwsError, match="priority is in use"):
        br.create(apply(elbv2), step.params)
    assert elbv2.creates == br.RETRIES == 4
