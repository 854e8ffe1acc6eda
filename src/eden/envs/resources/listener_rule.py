"""The environment's host rule on the shared HTTPS listener (resource 3).

``host-header = <host>`` forwards to the environment's target group. Its priority is
decided when the rule is created, not when it is planned: a free slot spread by the
environment's name (not max+1, as the 2019 tool did), chosen under a short shared lease
and retried on ``PriorityInUse``. The rule is made before the service, because AWS
rejects a service whose target group no load balancer uses.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eden.aws import Aws
from eden.config import Profile
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


@dataclass(frozen=True)
class Placed:
    RuleArn: str  # AWS's own field names, so a Ref reads like the API
    Priority: int


def parse_rule(raw: Mapping[str, Any]) -> ListenerRule:
    hosts: list[str] = []
    for cond in raw.get("Conditions", []):
        if cond.get("Field") == "host-header":
            values = cond.get("HostHeaderConfig", {}).get("Values") or cond.get("Values") or []
            hosts.extend(v.lower() for v in values)
    tgs = [
        a["TargetGroupArn"]
        for a in raw.get("Actions", [])
        if a.get("Type") == "forward" and a.get("TargetGroupArn")
    ]
    prio = raw.get("Priority")
    return ListenerRule(
        arn=str(raw["RuleArn"]),
        priority=None if prio in (None, "default") else int(prio),
        hosts=tuple(hosts),
        target_group_arns=tuple(tgs),
    )


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
    for a retry after PriorityInUse.
    """
    used = {p for p in taken if p is not None}
    if len(used) >= MAX_PRIORITY:
        raise ConfigError("every listener rule priority is taken")
    digest = hashlib.sha256(f"{name}:{salt}".encode()).digest()
    start = 1 + int.from_bytes(digest[:4], "big") % 1000
    p = start
    while p in used:
        p = p % MAX_PRIORITY + 1
    return p


def plan(p: PlanInput) -> Planned:
    if p.current[KEY] or not p.served:
        return Planned()
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
            "Actions": [{"Type": "forward", "TargetGroupArn": tg}],
            "Tags": elb_tags(p.profile.name, names.name),
        },
        depends_on=p.after(target_group.KEY),
        description=f"route https://{names.host} to the target group (priority {priority})",
        undo=removal(f"undo_{KEY}", Ref(KEY, "RuleArn"), names),
        decided_at_apply={"Priority": f"a free slot when the rule is made (near {priority})"},
    )
    return Planned((step,))


def remove(r: RemoveInput) -> Step | None:
    found: ListenerRule | None = r.current[KEY]
    return removal(KEY, found.arn, r.names, r.after) if found else None


def removal(step_id: str, arn: Any, names: EnvNames, after: tuple[str, ...] = ()) -> Step:
    what = f"delete the listener rule for {names.host}"
    return Step(step_id, "elbv2.delete_rule", {"RuleArn": arn}, after, what)


def create(ctx: Apply, p: Mapping[str, Any]) -> Placed:
    """Creates the host rule; on PriorityInUse re-reads the rules and picks another."""
    params = dict(p)
    listener = str(params["ListenerArn"])
    host = params["Conditions"][0]["HostHeaderConfig"]["Values"][0]
    elbv2 = ctx.aws.elbv2
    # No lease around it: priorities are spread by name, so concurrent creates rarely want
    # the same one, and AWS refuses the second (PriorityInUse), which picks again.
    for attempt in range(PRIORITY_RETRIES):
        try:
            return Placed(elbv2.create_rule(params), int(params["Priority"]))
        except AwsError as exc:
            if exc.code != "PriorityInUse" or attempt == PRIORITY_RETRIES - 1:
                raise
            rules = [parse_rule(r) for r in elbv2.rules(listener)]
            mine = next((r for r in rules if host in r.hosts), None)
            if mine is not None and mine.priority is not None:
                return Placed(mine.arn, mine.priority)  # a concurrent run made it
            params["Priority"] = pick_priority(
                host, [r.priority for r in rules], salt=attempt + 1 + random.randrange(1000)
            )
    raise AssertionError("unreachable")


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
        found += [
            (tags.get(TAG_ENV, "?"), arn)
            for arn, tags in aws.elbv2.tags(arns).items()
            if is_edens(tags, profile.name)
        ]
    return found


def _owns(arn: str) -> bool:
    return ":listener-rule/" in arn


ACTIONS = {"elbv2.create_rule": create, "elbv2.delete_rule": delete}
RESOURCE = Resource.of_module(
    globals(), after=(target_group.KEY,), owns_arn=_owns, also_tagged=also_tagged
)
