"""Sleep and wake as plans: which AWS changes put an environment to sleep, and back. Pure.

A sleeping environment keeps every resource. Per service behind the ALB:

1. its listener rule forwards to the **waker** target group of its ALB, with a weighted
   forward (waker 1, the environment's own group 0): weight 0 sends it no request but
   keeps the group attached to the ALB, so that when tasks start again the ALB health-checks
   them (a target group no rule uses reports its targets ``unused``, never ``healthy``);
   an authenticate action before the forward stays as it is (the client secret is kept
   by AWS: ``UseExistingClientSecret``);
2. then its ECS service goes to ``desiredCount`` 0 and is tagged ``eden:sleeping``
   (the scaler reads the tag and leaves the service alone).

Waking is two plans: ``plan_wake_start`` (services back to the counts saved at sleep,
tag removed), and, once the targets are healthy, ``plan_wake_finish`` (rules back to
forwarding to the environment's group only). Every step is one AWS call, so the executor,
the journal and ``--dry-run`` treat them like a create's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eden.config import Profile
from eden.core import naming
from eden.core.tags import TAG_SLEEPING
from eden.envs.plan import Ref, Step
from eden.envs.resources.base import step_id
from eden.errors import UsageError

WAKER_STEP = "waker_group"
WAKER_HEALTH_PATH = "/_eden/waker/health"
SIGN_IN_TYPES = ("authenticate-oidc", "authenticate-cognito")


@dataclass(frozen=True)
class Member:
    """One service of an environment, as read before a sleep or wake."""

    role: str
    service: str  # the ECS service's name
    service_arn: str
    desired: int  # its desiredCount now
    rule_arn: str | None = None  # None: a worker, behind no load balancer
    rule_actions: tuple[Mapping[str, Any], ...] = ()  # as DescribeRules gives them
    target_group_arn: str | None = None


@dataclass(frozen=True)
class WakerGroup:
    """The waker target group of one ALB: found (``arn``), or to be made with ``params``."""

    arn: str | None
    params: Mapping[str, Any]


def waker_group_name(name_prefix: str, alb_arn: str) -> str:
    """``<prefix>-waker-<8 hex of the ALB>``: one per ALB, at most 31 characters (AWS takes
    32), and inside the ``<prefix>-*`` target groups eden's IAM policy allows."""
    digest = hashlib.sha256(alb_arn.encode()).hexdigest()[:8]
    return f"{name_prefix}-waker-{digest}"


def waker_params(profile: Profile, alb_arn: str, vpc_id: str) -> dict[str, Any]:
    """CreateTargetGroup (plus the target to register) for the ALB's waker group."""
    waker = profile.sleep.waker
    assert waker is not None
    if waker.function_arn:  # a lambda group: no port, VPC or health check of its own
        return {"Name": waker_group_name(profile.name_prefix, alb_arn), "TargetType": "lambda",
                "Targets": [{"Id": waker.function_arn}]}  # fmt: skip
    return {
        "Name": waker_group_name(profile.name_prefix, alb_arn),
        "Protocol": "HTTP",
        "Port": waker.port,
        "VpcId": vpc_id,
        "TargetType": "ip",
        "HealthCheckPath": WAKER_HEALTH_PATH,
        "Targets": [{"Id": waker.ip, "Port": waker.port}],
    }


def sign_in_actions(actions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rule's authenticate actions, ready to be sent back with ModifyRule: AWS never
    returns the OIDC client secret, so the call asks it to keep the one it has."""
    out = []
    for action in actions:
        if action.get("Type") not in SIGN_IN_TYPES:
            continue
        kept = {k: v for k, v in action.items() if k in ("Type", "Order") or k.endswith("Config")}
        oidc = kept.get("AuthenticateOidcConfig")
        if oidc is not None:
            oidc = {k: v for k, v in oidc.items() if k != "ClientSecret"}
            kept["AuthenticateOidcConfig"] = {**oidc, "UseExistingClientSecret": True}
        out.append(kept)
    return out


def _with_forward(sign_in: list[dict[str, Any]], forward: dict[str, Any]) -> list[dict[str, Any]]:
    if not sign_in:
        return [forward]
    last = max(int(a.get("Order") or 1) for a in sign_in)
    return [*sign_in, {**forward, "Order": last + 1}]


def sleeping_actions(
    actions: Sequence[Mapping[str, Any]], waker_arn: Any, own_arn: str
) -> list[dict[str, Any]]:
    """Sign-in kept; everything forwarded to the waker, the environment's group kept on
    the rule at weight 0 (so it stays attached and health-checked)."""
    groups = [{"TargetGroupArn": waker_arn, "Weight": 1}, {"TargetGroupArn": own_arn, "Weight": 0}]
    forward = {"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}
    return _with_forward(sign_in_actions(actions), forward)


def awake_actions(actions: Sequence[Mapping[str, Any]], own_arn: str) -> list[dict[str, Any]]:
    """Sign-in kept; forward to the environment's own group, as a create makes it."""
    return _with_forward(
        sign_in_actions(actions), {"Type": "forward", "TargetGroupArn": own_arn}
    )


def forwards_to(actions: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Target group ARN -> weight, of the rule's forward action."""
    out: dict[str, int] = {}
    for action in actions:
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if groups:
            out.update({str(g["TargetGroupArn"]): int(g.get("Weight", 1)) for g in groups})
        elif action.get("TargetGroupArn"):
            out[str(action["TargetGroupArn"])] = 1
    return out


def plan_sleep(
    profile: Profile, members: Sequence[Member], waker: WakerGroup | None
) -> list[Step]:
    """The waker group made (if missing) and its target registered; each rule to the
    waker; then each service to 0. Each rule and count is undone if a later step fails,
    so a failed sleep leaves the environment awake, not half-asleep."""
    steps: list[Step] = []
    waker_arn: Any = None
    if waker is not None:
        steps.append(
            Step(WAKER_STEP, "elbv2.ensure_waker_group", dict(waker.params),
                 description=f"make the waker target group {waker.params['Name']} "
                 f"(target {profile.sleep.waker})")
        )  # fmt: skip
        waker_arn = Ref(WAKER_STEP, "TargetGroupArn")
    for m in members:
        after: tuple[str, ...] = ()
        if m.rule_arn and m.target_group_arn:
            rule_id = step_id(profile, m.role, "listener_rule")
            back = Step(f"undo_{rule_id}", "elbv2.modify_rule",
                        {"RuleArn": m.rule_arn,
                         "Actions": awake_actions(m.rule_actions, m.target_group_arn)},
                        description=f"{m.role}: point the rule back at its target group")
            steps.append(Step(
                rule_id, "elbv2.modify_rule",
                {"RuleArn": m.rule_arn,
                 "Actions": sleeping_actions(m.rule_actions, waker_arn, m.target_group_arn)},
                (WAKER_STEP,), f"{m.role}: send its requests to the waker", undo=back,
            ))  # fmt: skip
            after = (rule_id,)
        steps += _scale(profile, m, 0, after, undo_to=m.desired)
    return steps


def _scale(
    profile: Profile, m: Member, count: int, after: tuple[str, ...], undo_to: int | None = None
) -> list[Step]:
    sid = step_id(profile, m.role, "service")
    params = {"cluster": profile.cluster, "service": m.service, "desiredCount": count}
    undo = None
    if undo_to is not None:
        undo = Step(f"undo_{sid}", "ecs.update_service", {**params, "desiredCount": undo_to},
                    description=f"{m.role}: back to {undo_to} task(s)")
    sleeping = count == 0
    tag = Step(
        step_id(profile, m.role, "sleep_tag"),
        "ecs.tag_sleeping" if sleeping else "ecs.untag_sleeping",
        {"resourceArn": m.service_arn},
        (sid,),
        f"{m.role}: {'tag' if sleeping else 'untag'} the service {TAG_SLEEPING} (the scaler "
        f"{'leaves it alone' if sleeping else 'may scale it again'})",
    )
    change = "stop its tasks (desiredCount 0)" if sleeping else f"start {count} task(s)"
    what = f"{m.role}: {change}"
    return [Step(sid, "ecs.update_service", params, after, what, undo=undo), tag]


def plan_wake_start(
    profile: Profile, members: Sequence[Member], counts: Mapping[str, int]
) -> list[Step]:
    """Each service back to the count saved when it went to sleep (at least 1)."""
    steps: list[Step] = []
    for m in members:
        steps += _scale(profile, m, max(1, int(counts.get(m.role, 1))), ())
    return steps


def plan_wake_finish(profile: Profile, members: Sequence[Member]) -> list[Step]:
    """Each rule back to its own target group, sign-in kept."""
    return [
        Step(
            step_id(profile, m.role, "listener_rule"),
            "elbv2.modify_rule",
            {"RuleArn": m.rule_arn, "Actions": awake_actions(m.rule_actions, m.target_group_arn)},
            description=f"{m.role}: send its requests to its own tasks again",
        )
        for m in members
        if m.rule_arn and m.target_group_arn
    ]


def hosts_of(profile: Profile, record: Any) -> list[str]:
    """Every host that routes to the environment: its own, and in a group each served
    service's (``web-feature-x.zone``), derived from the stored names as a create does."""
    hosts = [record.host]
    base = record.stored_names()
    if profile.is_group and base is not None:
        for member in profile.services:
            try:
                names = naming.member_names(base, role=member.role,
                                            name_prefix=profile.name_prefix,
                                            domain_prefix=member.domain_prefix)  # fmt: skip
            except UsageError:
                continue  # a host too long for DNS was never made
            hosts.append(names.host)
    return [h.lower() for h in hosts]
