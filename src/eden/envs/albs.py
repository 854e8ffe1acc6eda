"""The profile's pool of shared ALBs: which one an environment lives on, where a new one goes.

An ALB takes 100 listener rules and 100 target groups (``quota``). A profile can list
several (``listener_arns`` or ``alb_arns``). A new environment goes to the first ALB with
room for it, in the order listed: ALBs fill one after another, so an ALB added at the end
takes the overflow and the first ones are never left half-empty by chance. An existing
environment stays where its record says (its rule, target group and DNS record are there:
a deploy never moves it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from eden.aws import Aws
from eden.config import Profile
from eden.core.arns import alb_name, alb_of_listener
from eden.envs.plan import Plan
from eden.envs.quota import Need, rules_of, shortfall
from eden.envs.reader import MemberSpec, Reader, Snapshot
from eden.envs.records import EnvRecord
from eden.envs.reference import Submit
from eden.envs.resources.base import AlbUsage
from eden.envs.resources.listener_rule import parse_rule
from eden.errors import ConfigError


@dataclass(frozen=True)
class Room:
    """One ALB of the pool as read: what already counts against its quotas."""

    entry: str  # as the profile names it: an HTTPS listener ARN or the ALB's ARN
    alb_arn: str
    usage: AlbUsage | None  # None: the ALB does not exist (or has no HTTPS:443 listener)


def entries(profile: Profile) -> tuple[str, ...]:
    return profile.listener_arns or profile.alb_arns


def alb_arn_of(entry: str) -> str:
    return alb_of_listener(entry) or entry


def entry_for(profile: Profile, alb_arn: str | None) -> str | None:
    """How to read the ALB an environment lives on: its pool entry, or the ALB's ARN
    itself when the profile no longer lists it (its environments still live there)."""
    if not alb_arn:
        return None
    for entry in entries(profile):
        if alb_arn_of(entry) == alb_arn_of(alb_arn):
            return entry
    return alb_arn


def in_flight_by_alb(records: Iterable[Any], rooms: Sequence[Room]) -> dict[str, int]:
    """Environments eden has on each ALB whose rule the read did not see (being made, or
    made since the read): they count too (``quota`` explains why)."""
    hosts = {r.alb_arn: (r.usage.hosts if r.usage else frozenset()) for r in rooms}
    counts: dict[str, int] = {}
    for record in records:
        alb = record.extra.get("alb_arn")
        if alb in hosts and record.host not in hosts[alb]:
            counts[alb] = counts.get(alb, 0) + rules_of(record)
    return counts


def choose(
    profile: Profile, rooms: Sequence[Room], in_flight: Mapping[str, int], need: Need
) -> list[str]:
    """The pool's ALBs that can take a new environment, best first (the order listed);
    refuses with what each ALB holds when none can (pure)."""
    fitting = [
        r.entry
        for r in rooms
        if r.usage is not None and shortfall(r.usage, in_flight.get(r.alb_arn, 0), need) is None
    ]
    if fitting:
        return fitting
    raise pool_full(profile, rooms, in_flight, need)


def pool_full(
    profile: Profile, rooms: Sequence[Room], in_flight: Mapping[str, int], need: Need
) -> ConfigError:
    why = []
    for r in rooms:
        if r.usage is None:
            why.append(f"{alb_name(r.alb_arn)}: does not exist or has no HTTPS:443 listener")
        else:
            reason = shortfall(r.usage, in_flight.get(r.alb_arn, 0), need) or "taken meanwhile"
            why.append(f"{alb_name(r.alb_arn)} {reason}")
    key = "listener_arns" if profile.listener_arns else "alb_arns"
    count = len(rooms)
    return ConfigError(
        f"no shared ALB of profile {profile.name} has room for a new environment "
        f"({need.rules} rule(s) and {need.target_groups} target group(s)): " + "; ".join(why),
        where=f"profile {profile.name}: {key}",
        hint=(
            f"add another ALB with an HTTPS:443 listener to the profile's {key} "
            f"(it has {count}; new environments go to the first with room), or delete "
            "environments that are no longer used (eden ls, eden delete)"
        ),
    )


def read_rooms(aws: Aws, submit: Submit, profile: Profile) -> list[Room]:
    """What every ALB of the pool holds, read in two rounds of parallel calls."""
    pool = entries(profile)
    listeners = {
        e: submit("list the listeners of a pooled ALB", _listeners(aws, alb_arn_of(e)))
        for e in pool
    }
    groups = {
        e: submit("list the target groups of a pooled ALB", _groups(aws, alb_arn_of(e)))
        for e in pool
    }
    rules: dict[str, list[Future[Any]]] = {}
    for e in pool:
        found = listeners[e].result()
        https = [li for li in found or [] if li.get("Port") == 443]
        if found is None or not https:
            continue
        rules[e] = [
            submit("read the rules of a pooled ALB", _rules(aws, str(li["ListenerArn"])))
            for li in found
        ]
    rooms = []
    for e in pool:
        if e not in rules:
            rooms.append(Room(e, alb_arn_of(e), None))
            continue
        every = [parse_rule(r) for f in rules[e] for r in f.result()]
        placed = [r for r in every if r.priority is not None]
        hosts = frozenset(h for r in placed for h in r.hosts)
        usage = AlbUsage(len(placed), len(groups[e].result()), hosts)
        rooms.append(Room(e, alb_arn_of(e), usage))
    return rooms


def _listeners(aws: Aws, alb: str) -> Callable[[], Any]:
    return lambda: aws.elbv2.listeners_of(alb)


def _groups(aws: Aws, alb: str) -> Callable[[], Any]:
    return lambda: aws.elbv2.target_groups_of(alb)


def _rules(aws: Aws, listener: str) -> Callable[[], Any]:
    return lambda: aws.elbv2.rules(listener)


class Placement:
    """Where a create may put the environment: ALB entries to try in turn (None: the
    profile's only ALB), and the pool as read, to say why when every one is full."""

    def __init__(self, candidates: Sequence[str | None], rooms: list[Room] | None = None):
        self.candidates = candidates
        self.rooms = rooms

    def full(self, profile: Profile) -> ConfigError | None:
        if self.rooms is None:
            return None
        return pool_full(profile, self.rooms, {}, Need())


def lives_on(profile: Profile, record: EnvRecord | None) -> str | None:
    """The ALB entry an existing environment lives on (None: not known)."""
    if record is None:
        return None
    listener = record.extra.get("listener_arn")
    return listener or entry_for(profile, record.extra.get("alb_arn"))


def placement(
    aws: Aws,
    submit: Submit,
    profile: Profile,
    records: Callable[[], Iterable[EnvRecord]],
    record: EnvRecord | None,
) -> Placement:
    """Which shared ALB to read an environment on: the one it lives on, else (a new
    environment) the pool's ALBs with room, in the order listed."""
    where = lives_on(profile, record)
    if where:
        return Placement([where])
    if len(entries(profile)) < 2:
        return Placement([None])  # the one ALB: its usage is read with the snapshot
    rooms = read_rooms(aws, submit, profile)
    return Placement(choose(profile, rooms, in_flight_by_alb(records(), rooms), Need()), rooms)


def need_of(plan: Plan) -> Need:
    """A rule and a target group per listener rule the plan makes; the ALB's bypass rule
    and the waker group it attaches count as ``shared`` (counted, not the environment's)."""
    rules = sum(1 for s in plan.steps if s.action == "elbv2.create_rule")
    shared = sum(1 for s in plan.steps if s.action == "elbv2.create_bypass_rule")
    return Need(rules=rules, target_groups=rules, shared=shared)


def removal_snapshot(
    reader: Reader, profile: Profile, members: list[MemberSpec], record: EnvRecord | None
) -> Snapshot:
    """What exists of an environment, read on the ALB it lives on. Without a record of
    that (state lost), every ALB of the pool is looked at for its rule."""
    where = lives_on(profile, record)
    pool = entries(profile)
    if where or len(pool) < 2:
        return reader.snapshot_group(profile, members, with_reference=False, shared_alb=where)
    snaps = [
        reader.snapshot_group(profile, members, with_reference=False, shared_alb=e) for e in pool
    ]
    ruled = [s for s in snaps if any(m.current["listener_rule"] for m in s.members)]
    return (ruled or snaps)[0]
