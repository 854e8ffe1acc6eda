"""The CI bypass of sign-in: one rule per shared ALB, not one per environment.

An ALB rule's conditions are ANDed, and every action of a matched rule runs, so an
environment's rule (``host = X``, then sign-in, then forward) cannot also let a header
through; a second rule per environment would halve what an ALB holds. Instead the ALB
gets one more rule, at ``BYPASS_PRIORITY`` (1: evaluated before every environment's rule,
which never takes it):

    http-header <bypass_header> = <secret>  AND  host-header *.<zone>
        -> forward to the ALB's waker target group

The waker (``eden serve --waker-port``, ``api/bypass.py``) checks the secret again
(exactly, in constant time: the ALB compares header values case-insensitively and treats
``*`` and ``?`` as wildcards), finds the environment by Host and proxies the request to
one of its healthy targets. The secret comes from the environment variable
``[access] bypass_secret_env`` when the rule is made or changed: plans, the journal and
state carry a placeholder, and what eden reads back from AWS is kept only as a digest.

Every create or deploy of a profile with a bypass makes the rule (and the waker group)
when its ALB has none, and sets the secret when it changed; the delete of the last
environment on the ALB removes it (decided when the step runs, from the rules then).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eden.config import Profile
from eden.config.access import Access
from eden.core.arns import alb_of_listener
from eden.core.limits import MAX_PRIORITY
from eden.core.tags import MANAGED_BY, TAG_PROFILE
from eden.envs.plan import Plan, Ref, Step
from eden.envs.resources.apply import Apply, Removed
from eden.envs.resources.base import ListenerRule, Reference
from eden.envs.resources.listener_rule import (
    BYPASS_PRIORITY,
    Placed,
    create_placed,
    parse_rule,
    value_digest,
)
from eden.envs.sleep_plan import waker_params
from eden.errors import ConfigError

KEY = "bypass_rule"
WAKER_KEY = "bypass:waker_group"
TAG_SHARED = "eden:shared"  # instead of eden:env: the rule is the ALB's, no environment's
SECRET_PLACEHOLDER = "<from the environment variable access.bypass_secret_env names>"
RETRIES = 4


def conditions(header: str, zone: str, secret: str) -> list[dict[str, Any]]:
    """The rule's conditions: the header with the secret, and any host of the zone."""
    return [
        {"Field": "http-header",
         "HttpHeaderConfig": {"HttpHeaderName": header, "Values": [secret]}},
        {"Field": "host-header", "HostHeaderConfig": {"Values": [f"*.{zone}"]}},
    ]  # fmt: skip


def tags(profile: str) -> list[dict[str, str]]:
    return [
        {"Key": MANAGED_BY, "Value": "eden"},
        {"Key": TAG_PROFILE, "Value": profile},
        {"Key": TAG_SHARED, "Value": "bypass"},
    ]


def secret_digest(secret: str) -> str:
    return value_digest([secret])


def _zone(name: str) -> str:
    return name.rstrip(".").lower()


def in_zone(host: str, zone: str) -> bool:
    return host.rstrip(".").lower().endswith("." + _zone(zone))


def find(rules: Iterable[ListenerRule], header: str, zone: str) -> ListenerRule | None:
    """The ALB's bypass rule for this header and zone, if it has one."""
    wildcard = f"*.{_zone(zone)}"
    for rule in rules:
        if rule.priority is not None and wildcard in rule.hosts and header in rule.header_digests:
            return rule
    return None


def priority_for(rules: Sequence[ListenerRule], zone: str) -> int:
    """``BYPASS_PRIORITY`` when free, else the lowest free priority still before every
    rule of a host in the zone (environments made before the slot was kept free)."""
    taken = {r.priority for r in rules if r.priority is not None}
    hosts_at = [r.priority for r in rules if r.priority is not None
                and any(in_zone(h, zone) for h in r.hosts)]  # fmt: skip
    first = min(hosts_at, default=MAX_PRIORITY + 1)
    for priority in range(BYPASS_PRIORITY, first):
        if priority not in taken:
            return priority
    raise ConfigError(
        f"no rule priority before {first} is free for the CI bypass rule: the rules of "
        f"*.{_zone(zone)} must come after it",
        hint=f"move the rule at priority {first} to a free slot (aws elbv2 "
        "set-rule-priorities), then run the create again",
    )


def add_to_create(profile: Profile, plan: Plan, refs: Sequence[Reference],
                  secret: str | None) -> Plan:  # fmt: skip
    """``plan`` with the ALB's bypass rule made, or its secret changed, when needed.
    ``refs``: the references of the services the plan deploys (their listener's rules)."""
    access = profile.access
    served = [r for r in refs if r.target_group is not None]
    if access is None or not access.bypass_header or secret is None or not served:
        return plan
    steps = ensure(profile, access, served[0], secret)
    return dataclasses.replace(plan, steps=(*plan.steps, *steps)) if steps else plan


def ensure(profile: Profile, access: Access, ref: Reference, secret: str) -> tuple[Step, ...]:
    header = str(access.bypass_header)
    zone = _zone(ref.zone_name)
    wanted = conditions(header, zone, SECRET_PLACEHOLDER)
    env_var = f"${access.bypass_secret_env}"
    found = find(ref.rules, header, zone)
    if found is not None:
        if found.header_digests.get(header) == secret_digest(secret):
            return ()
        return (Step(KEY, "elbv2.modify_bypass_rule", {"RuleArn": found.arn, "Conditions": wanted},
                     description=f"set the ALB's CI bypass rule to the secret in {env_var} "
                     "(it changed)"),)  # fmt: skip
    alb = ref.alb_arn or alb_of_listener(ref.listener_arn) or ref.listener_arn
    vpc = str((ref.target_group or {}).get("VpcId", ""))
    waker = waker_params(profile, alb, vpc)
    priority = priority_for(ref.rules, zone)
    return (
        Step(WAKER_KEY, "elbv2.ensure_waker_group", waker,
             description=f"make the waker target group {waker['Name']} (CI's way in)"),
        Step(KEY, "elbv2.create_bypass_rule", {
            "ListenerArn": ref.listener_arn,
            "Priority": priority,
            "Conditions": wanted,
            "Actions": [{"Type": "forward", "TargetGroupArn": Ref(WAKER_KEY, "TargetGroupArn")}],
            "Tags": tags(profile.name),
        }, (WAKER_KEY,),
            f"route requests to *.{zone} carrying {header} with the secret in {env_var} to "
            f"the waker, past sign-in (one rule for the ALB, priority {priority})",
            decided_at_apply={"Priority": f"{priority}, or the first free slot before the "
                              "environments' rules"}),
    )  # fmt: skip


def add_to_delete(profile: Profile, plan: Plan, listener_arn: str, zone: str) -> Plan:
    """``plan`` (a delete) with the ALB's bypass rule removed after the environment's
    rules, if no other environment is left on it then (checked when the step runs)."""
    access = profile.access
    rules = [s.id for s in plan.steps if s.action == "elbv2.delete_rule"]
    if access is None or not access.bypass_header or not rules:
        return plan
    step = Step(
        KEY,
        "elbv2.delete_bypass_rule_if_last",
        {"ListenerArn": listener_arn, "Header": access.bypass_header, "Zone": _zone(zone)},
        tuple(rules),
        "delete the ALB's CI bypass rule if no other environment is left on it",
    )
    return dataclasses.replace(plan, steps=(*plan.steps, step))


def with_secret(params: Mapping[str, Any], secret: str | None) -> dict[str, Any]:
    """The parameters with the placeholder replaced, for the call itself only."""
    if secret is None:
        raise ConfigError(
            "the CI bypass secret is not set (access.bypass_secret_env)",
            hint="export the variable [access] bypass_secret_env names, then run it again",
        )
    out = []
    for cond in params["Conditions"]:
        config = cond.get("HttpHeaderConfig")
        if config and config.get("Values") == [SECRET_PLACEHOLDER]:
            cond = {**cond, "HttpHeaderConfig": {**config, "Values": [secret]}}
        out.append(cond)
    return {**params, "Conditions": out}


def _header_and_zone(params: Mapping[str, Any]) -> tuple[str, str]:
    conds = {c["Field"]: c for c in params["Conditions"]}
    header = str(conds["http-header"]["HttpHeaderConfig"]["HttpHeaderName"]).lower()
    zone = str(conds["host-header"]["HostHeaderConfig"]["Values"][0]).removeprefix("*.")
    return header, zone


def create(ctx: Apply, p: Mapping[str, Any]) -> Placed:
    """Makes the rule; on PriorityInUse re-reads the rules: a concurrent create may have
    made it (then it is used as it is), else another slot before the environments'."""
    params = with_secret(p, ctx.bypass_secret)
    header, zone = _header_and_zone(params)
    return create_placed(
        ctx,
        params,
        RETRIES,
        lambda rules: find(rules, header, zone),
        lambda rules, _attempt: priority_for(rules, zone),
    )


def modify(ctx: Apply, p: Mapping[str, Any]) -> Placed:
    rule = ctx.aws.elbv2.modify_rule(with_secret(p, ctx.bypass_secret))
    return Placed(str(rule["RuleArn"]), int(rule["Priority"]))


def delete_if_last(ctx: Apply, p: Mapping[str, Any]) -> Removed:
    elbv2 = ctx.aws.elbv2
    rules = [parse_rule(r) for r in elbv2.rules(str(p["ListenerArn"]))]
    zone = str(p["Zone"])
    bypass = find(rules, str(p["Header"]), zone)
    if bypass is None:
        return Removed(False)
    others = [r for r in rules if r.arn != bypass.arn and r.priority is not None
              and any(in_zone(h, zone) for h in r.hosts)]  # fmt: skip
    if others:
        return Removed(False)  # another environment still lives on this ALB
    return Removed(elbv2.delete_rule(bypass.arn))


ACTIONS = {
    "elbv2.create_bypass_rule": create,
    "elbv2.modify_bypass_rule": modify,
    "elbv2.delete_bypass_rule_if_last": delete_if_last,
}
