"""The environment's host rule on the shared HTTPS listener (resource 3).

``host-header = <host>`` forwards to the environment's target group. Its priority is
decided when the rule is created, not when it is planned: a free slot spread by the
environment's name (not max+1, as the 2019 tool did), retried on ``PriorityInUse`` (no
lease: concurrent creates rarely want the same slot). With ``[access]`` in the profile,
an authenticate action runs before the forward (previews behind sign-in). The rule is
made before the service, because AWS rejects a service whose target group no load
balancer uses.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eden.aws import Aws
from eden.config import Profile
from eden.config.access import Access
from eden.core.limits import HOST_HEADER_MAX, MAX_PRIORITY
from eden.core.naming import EnvNames
from eden.core.tags import TAG_ENV, elb_tags, is_edens
from eden.envs import quota
from eden.envs.plan import Ref, Step
from eden.envs.resources import target_group
from eden.envs.resources.apply import Apply, Removed
from eden.envs.resources.base import (
    AlbUsage,
    Collect,
    ListenerRule,
    PlanInput,
    Planned,
    ReadContext,
    RemoveInput,
    Resource,
)
from eden.errors import AwsError, ConfigError, UsageError

KEY = "listener_rule"
PRIORITY_RETRIES = 8
SIGN_IN_TYPES = ("authenticate-oidc", "authenticate-cognito")
SECRET_PLACEHOLDER = "<from the environment variable access.client_secret_env names>"
# Kept free for the ALB's CI bypass rule (``bypass_rule``), which must be evaluated before
# every environment's rule: an environment's rule never takes it.
BYPASS_PRIORITY = 1


@dataclass(frozen=True)
class Placed:
    RuleArn: str  # AWS's own field names, so a Ref reads like the API
    Priority: int


def value_digest(values: Iterable[str]) -> str:
    """A condition's values as a digest: what eden compares a secret with."""
    return hashlib.sha256("\n".join(sorted(values)).encode()).hexdigest()


def parse_rule(raw: Mapping[str, Any]) -> ListenerRule:
    hosts: list[str] = []
    headers: dict[str, str] = {}
    for cond in raw.get("Conditions", []):
        if cond.get("Field") == "host-header":
            values = cond.get("HostHeaderConfig", {}).get("Values") or cond.get("Values") or []
            hosts.extend(v.lower() for v in values)
        elif cond.get("Field") == "http-header":
            config = cond.get("HttpHeaderConfig") or {}
            name = str(config.get("HttpHeaderName", "")).lower()
            headers[name] = value_digest(str(v) for v in config.get("Values") or [])
    tgs = [
        a["TargetGroupArn"]
        for a in raw.get("Actions", [])
        if a.get("Type") == "forward" and a.get("TargetGroupArn")
    ]
    prio = raw.get("Priority")
    sign_in = [a for a in raw.get("Actions", []) if a.get("Type") in SIGN_IN_TYPES]
    return ListenerRule(
        arn=str(raw["RuleArn"]),
        priority=None if prio in (None, "default") else int(prio),
        hosts=tuple(hosts),
        target_group_arns=tuple(tgs),
        sign_in=sign_in[0]["Type"] if sign_in else None,
        sign_in_config=_config_of(sign_in[0]) if sign_in else {},
        header_digests=headers,
    )


def _config_of(action: Mapping[str, Any]) -> dict[str, Any]:
    config = action.get("AuthenticateOidcConfig") or action.get("AuthenticateCognitoConfig")
    return dict(config or {})


def read(ctx: ReadContext) -> Collect:
    rules = ctx.rules

    def collect(names: EnvNames) -> ListenerRule | None:
        if rules is None:
            return None
        parsed = (parse_rule(r) for r in rules.result())
        return next((r for r in parsed if names.host in r.hosts), None)

    return collect


def pick_priority(name: str, taken: Sequence[int | None], *, salt: int = 0) -> int:
    """A free rule priority, spread by the environment's name.

    Host-header rules never overlap, so their order does not matter; starting each
    environment's search at its own place (instead of max+1, as the 2019 tool did) makes
    two concurrent creates unlikely to want the same number. ``salt`` moves the start
    for a retry after PriorityInUse. ``BYPASS_PRIORITY`` is never chosen.
    """
    used = {p for p in taken if p is not None} | {BYPASS_PRIORITY}
    if len(used) >= MAX_PRIORITY:
        raise ConfigError("every listener rule priority is taken")
    digest = hashlib.sha256(f"{name}:{salt}".encode()).digest()
    start = 1 + int.from_bytes(digest[:4], "big") % 1000
    p = start
    while p in used:
        p = p % MAX_PRIORITY + 1
    return p


def plan(p: PlanInput) -> Planned:
    if not p.served:
        return Planned()
    if p.current[KEY]:
        return _sign_in_changed(p, p.current[KEY])
    ref = p.reference
    non_default = [r for r in ref.rules if r.priority is not None]
    # A new rule also attaches the environment's target group to the ALB: both count.
    usage = ref.alb_usage or AlbUsage(len(non_default), 0, frozenset())
    quota.check(usage, 0, quota.Need(rules=1, target_groups=1), ref.alb_arn or ref.listener_arn)
    if len(p.names.host) > HOST_HEADER_MAX:
        raise UsageError(
            f"host name {p.names.host!r} is {len(p.names.host)} characters; an ALB host "
            f"rule takes at most {HOST_HEADER_MAX}",
            hint="use a shorter --alias, domain_prefix or zone",
        )
    names = p.names
    priority = pick_priority(names.name, [r.priority for r in non_default])
    tg = p.value(target_group.KEY, "TargetGroupArn", p.current[target_group.KEY])
    step = Step(
        id=KEY,
        action="elbv2.create_rule",
        params={
            "ListenerArn": ref.listener_arn,
            "Priority": priority,
            "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": [names.host]}}],
            "Actions": rule_actions(p.profile.access, tg),
            "Tags": elb_tags(p.profile.name, names.name),
        },
        depends_on=p.after(target_group.KEY),
        description=f"route https://{names.host} to the target group (priority {priority})"
        + (f", after {p.profile.access.kind.upper()} sign-in" if p.profile.access else ""),
        undo=removal(f"undo_{KEY}", Ref(KEY, "RuleArn"), names),
        decided_at_apply={"Priority": f"a free slot when the rule is made (near {priority})"},
    )
    return Planned((step,))


def _sign_in_changed(p: PlanInput, found: ListenerRule) -> Planned:
    """An existing rule follows the profile's ``[access]``: turning sign-in on protects
    the previews already running, not only new ones (and turning it off opens them)."""
    access = p.profile.access
    wanted = f"authenticate-{access.kind}" if access else None
    # Compared on what eden sets: AWS adds defaults (the cookie name) and hides the secret.
    same = found.sign_in == wanted and all(
        found.sign_in_config.get(k) == v for k, v in (access.settings if access else {}).items()
    )
    if same or not found.target_group_arns:
        return Planned()
    host = p.names.host
    step = Step(
        id=KEY,
        action="elbv2.modify_rule",
        params={"RuleArn": found.arn, "Actions": rule_actions(access, found.target_group_arns[0])},
        depends_on=(),
        description=f"{'require' if access else 'stop requiring'} sign-in for https://{host}"
        + (f" ({access.kind.upper()}, as the profile's [access] says)" if access else ""),
    )
    return Planned((step,))


def rule_actions(access: Access | None, target_group_arn: Any) -> list[dict[str, Any]]:
    """Forward to the target group; with ``access``, sign in first (the ALB runs the
    actions in ``Order``). The OIDC client secret is a placeholder until the rule is made."""
    forward = {"Type": "forward", "TargetGroupArn": target_group_arn}
    if access is None:
        return [forward]
    if access.kind == "oidc":
        config = {**access.settings, "ClientSecret": SECRET_PLACEHOLDER}
        sign_in = {"Type": "authenticate-oidc", "AuthenticateOidcConfig": config}
    else:
        sign_in = {"Type": "authenticate-cognito", "AuthenticateCognitoConfig": access.settings}
    return [{**sign_in, "Order": 1}, {**forward, "Order": 2}]


def with_client_secret(params: Mapping[str, Any], secret: str) -> dict[str, Any]:
    """The CreateRule parameters with the placeholder replaced (only for the call itself:
    the plan, the journal and the logs keep the placeholder)."""
    actions = []
    for action in params["Actions"]:
        config = action.get("AuthenticateOidcConfig")
        if config and config.get("ClientSecret") == SECRET_PLACEHOLDER:
            action = {**action, "AuthenticateOidcConfig": {**config, "ClientSecret": secret}}
        actions.append(action)
    return {**params, "Actions": actions}


def remove(r: RemoveInput) -> Step | None:
    found: ListenerRule | None = r.current[KEY]
    return removal(KEY, found.arn, r.names, r.after) if found else None


def removal(step_id: str, arn: Any, names: EnvNames, after: tuple[str, ...] = ()) -> Step:
    what = f"delete the listener rule for {names.host}"
    return Step(step_id, "elbv2.delete_rule", {"RuleArn": arn}, after, what)


def create(ctx: Apply, p: Mapping[str, Any]) -> Placed:
    """Creates the host rule; on PriorityInUse re-reads the rules and picks another."""
    params = dict(p)
    if ctx.client_secret is not None:
        params = with_client_secret(params, ctx.client_secret)
    host = params["Conditions"][0]["HostHeaderConfig"]["Values"][0]
    # No lease around it: priorities are spread by name, so concurrent creates rarely want
    # the same one, and AWS refuses the second (PriorityInUse), which picks again.
    return create_placed(
        ctx,
        params,
        PRIORITY_RETRIES,
        lambda rules: next((r for r in rules if host in r.hosts), None),
        lambda rules, attempt: pick_priority(
            host, [r.priority for r in rules], salt=attempt + 1 + random.randrange(1000)
        ),
    )


def create_placed(
    ctx: Apply,
    params: dict[str, Any],
    tries: int,
    find_mine: Callable[[list[ListenerRule]], ListenerRule | None],
    next_priority: Callable[[list[ListenerRule], int], int],
) -> Placed:
    """CreateRule at ``params["Priority"]``; on PriorityInUse, re-reads the listener's rules:
    the rule ``find_mine`` recognises (a concurrent run made it) is used as it is, else the
    create is tried again at ``next_priority(rules, attempt)``, ``tries`` times in all."""
    elbv2 = ctx.aws.elbv2
    for attempt in range(tries):
        try:
            return Placed(elbv2.create_rule(params), int(params["Priority"]))
        except AwsError as exc:
            if exc.code != "PriorityInUse" or attempt == tries - 1:
                raise
            rules = [parse_rule(r) for r in elbv2.rules(str(params["ListenerArn"]))]
            mine = find_mine(rules)
            if mine is not None and mine.priority is not None:
                return Placed(mine.arn, mine.priority)
            params["Priority"] = next_priority(rules, attempt)
    raise AssertionError("unreachable")


def modify(ctx: Apply, p: Mapping[str, Any]) -> Placed:
    params = dict(p)
    if ctx.client_secret is not None:
        params = with_client_secret(params, ctx.client_secret)
    rule = ctx.aws.elbv2.modify_rule(params)
    return Placed(str(rule["RuleArn"]), int(rule["Priority"]))


def delete(ctx: Apply, p: Mapping[str, Any]) -> Removed:
    return Removed(ctx.aws.elbv2.delete_rule(str(p["RuleArn"])))


def record(output: Placed | None, found: ListenerRule | None) -> dict[str, Any] | None:
    if output is not None:
        return {"arn": output.RuleArn, "priority": output.Priority}
    if found is not None:
        return {"arn": found.arn, "priority": found.priority}
    return None


def also_tagged(aws: Aws, profile: Profile) -> Iterable[tuple[str, str]]:
    """The rules eden tagged on every shared listener of the pool: moto's Tagging API does
    not list listener rules, so they are read from the listeners (20 ARNs per DescribeTags)."""
    found: list[tuple[str, str]] = []
    for entry in profile.listener_arns or profile.alb_arns:
        listener: str | None = entry
        if ":listener/" not in entry:
            info = aws.elbv2.https_listener_of(entry)
            listener = info["ListenerArn"] if info else None
        if not listener:
            continue
        arns = [r["RuleArn"] for r in aws.elbv2.rules(listener) if not r.get("IsDefault")]
        found += [  # (the ALB's own bypass rule has no environment: `eden gc` sees to it)
            (tags[TAG_ENV], arn)
            for arn, tags in aws.elbv2.tags(arns).items()
            if is_edens(tags, profile.name) and TAG_ENV in tags
        ]
    return found


def _owns(arn: str) -> bool:
    return ":listener-rule/" in arn


ACTIONS = {
    "elbv2.create_rule": create,
    "elbv2.modify_rule": modify,
    "elbv2.delete_rule": delete,
}
RESOURCE = Resource.of_module(
    globals(), after=(target_group.KEY,), owns_arn=_owns, also_tagged=also_tagged
)
