"""The environment's Route 53 alias record: ``<host>`` -> the shared ALB (resource 5).

Skipped when the zone already sends ``*.<zone>`` to the ALB. The delete reads the record
first and deletes exactly what it found, whatever its value: the 2019 tool made an A
alias and then looked for a CNAME, so its records were never removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.core.naming import EnvNames
from eden.envs.plan import Step
from eden.envs.resources.apply import Apply
from eden.envs.resources.base import Collect, PlanInput, Planned, ReadContext, RemoveInput, Resource

KEY = "dns_record"


@dataclass(frozen=True)
class Pointed:
    Name: str
    ChangeId: str  # wait for it to be INSYNC to know resolvers can see the record


@dataclass(frozen=True)
class RecordRemoved:
    deleted: bool
    record: Mapping[str, Any] | None = None  # what was read and deleted


def read(ctx: ReadContext) -> Collect:
    route53 = ctx.aws.route53
    zone_id = ctx.profile.zone_id
    early = None
    if ctx.known_host:  # a host known from state lets the read join round one
        host = ctx.known_host
        early = ctx.submit(
            "read the environment's DNS record", lambda: route53.record(zone_id, host)
        )

    def collect(names: EnvNames) -> Any:
        if early is not None and names.host == ctx.known_host:
            return early.result()
        later = ctx.submit(
            "read the environment's DNS record", lambda: route53.record(zone_id, names.host)
        )
        return later.result()

    return collect


def plan(p: PlanInput) -> Planned:
    names = p.names
    if not p.served:
        return Planned()
    if p.reference.wildcard_record:
        return Planned(
            notes=(f"the zone's wildcard record already sends {names.host} to the shared ALB",)
        )
    if p.current[KEY] is not None:
        return Planned()
    step = Step(
        id=KEY,
        action="route53.upsert_alias",
        params={
            "HostedZoneId": p.profile.zone_id,
            "Name": names.host,
            "AliasDnsName": p.reference.alb_dns_name,
            "AliasHostedZoneId": p.reference.alb_zone_id,
        },
        description=f"point {names.host} at the shared ALB",
        undo=removal(f"undo_{KEY}", p.profile.zone_id, names),
    )
    return Planned((step,))


def remove(r: RemoveInput) -> Step | None:
    if r.current[KEY] is None:
        return None
    return removal(KEY, r.profile.zone_id, r.names, r.after)


def removal(step_id: str, zone_id: str, names: EnvNames, after: tuple[str, ...] = ()) -> Step:
    params = {"HostedZoneId": zone_id, "Name": names.host}
    how = {"ResourceRecordSet": "the A record at the host, read when deleting"}
    what = f"remove the record {names.host}"
    return Step(step_id, "route53.delete_record", params, after, what, decided_at_apply=how)


def upsert(ctx: Apply, p: Mapping[str, Any]) -> Pointed:
    change = ctx.aws.route53.upsert_alias(
        str(p["HostedZoneId"]), str(p["Name"]), str(p["AliasDnsName"]), str(p["AliasHostedZoneId"])
    )
    return Pointed(str(p["Name"]), change)


def delete(ctx: Apply, p: Mapping[str, Any]) -> RecordRemoved:
    gone = ctx.aws.route53.delete_record(str(p["HostedZoneId"]), str(p["Name"]))
    return RecordRemoved(gone is not None, gone)


def record(output: Pointed | None, found: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if output is not None:
        return {"name": output.Name, "change": output.ChangeId}
    return {"name": str(found["Name"]).rstrip(".")} if found else None


ACTIONS = {"route53.upsert_alias": upsert, "route53.delete_record": delete}
RESOURCE = Resource.of_module(globals(), after=())
