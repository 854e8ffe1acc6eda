"""An environment's services: one, or a group (a profile's ``[services.ROLE]`` tables).

Every resource module plans one service; this module runs them for each service of the
environment and merges the plans. In a group each step's id carries its service's role
(``web:service``, with its ``Ref``s and undo renamed to match), so the services' steps
never collide and run in parallel with each other; a single service keeps the plain ids.

What a group adds:

* names: each service's carry its role (``eden-feature-x-web``, host ``web-feature-x``),
  derived from the environment's name (``core.naming.member_names``);
* images: ``--image web=URI`` deploys ``web``; a service not named keeps what it runs, or
  (when it is being made) runs the image its reference runs;
* sibling URLs: each service gets every served sibling's URL as ``EDEN_URL_<ROLE>``, so a
  preview front end calls the preview API;
* workers (no load balancer) get no target group, rule, DNS record or endpoints entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eden.config import Profile, ServiceTemplate
from eden.core import naming
from eden.core.envvars import VarsChange
from eden.core.naming import EnvNames
from eden.envs import hooks, variables
from eden.envs.plan import Operation, Plan, Ref, Step
from eden.envs.planner import plan_create, plan_delete
from eden.envs.reader import MemberSnapshot, MemberSpec, Snapshot
from eden.envs.records import EnvRecord, ServiceRecord
from eden.envs.resources import bypass_rule
from eden.envs.resources.base import Reference, Request
from eden.errors import UsageError

NamesInZone = Callable[[str], EnvNames]


def specs(
    profile: Profile,
    base: NamesInZone,
    *,
    images: Mapping[str, str],
    known_host: str | None = None,
) -> list[MemberSpec]:
    """What to read for each service: its names, and its image to check in ECR."""
    out = []
    for i, member in enumerate(profile.services):
        names = _member_names(profile, member, base) if profile.is_group else base
        host = known_host if i == 0 else None
        out.append(MemberSpec(member, names, images.get(member.role), host))
    return out


def _member_names(profile: Profile, member: ServiceTemplate, base: NamesInZone) -> NamesInZone:
    def in_zone(zone: str) -> EnvNames:
        return naming.member_names(
            base(zone),
            role=member.role,
            name_prefix=profile.name_prefix,
            domain_prefix=member.domain_prefix,
        )

    return in_zone


def check_images(profile: Profile, images: Mapping[str, str], *, redeploy: bool = False) -> None:
    """A single service needs its image (unless ``redeploy``: with the one it runs); a
    group's services are named by role (the ones not named keep or take their reference's
    image)."""
    roles = {m.role for m in profile.services}
    unknown = sorted(set(images) - roles)
    if unknown:
        raise UsageError(
            f"--image names service(s) {', '.join(unknown)}, which profile {profile.name} "
            "does not have",
            hint=f"its services are {', '.join(m.role for m in profile.services)}: "
            "use --image ROLE=URI",
        )
    if not profile.is_group and not images and not redeploy:
        raise UsageError("no image given", hint="use --image URI")


def image_summary(profile: Profile, items: list[Wanted]) -> str:
    """The image(s) a create or deploy ran, for its event."""
    if not profile.is_group:
        return items[0].request.image if items else ""
    return ", ".join(f"{i.member.role}={i.request.image}" for i in items)


@dataclass(frozen=True)
class Wanted:
    """One service to plan: what exists of it, and what it is asked to become."""

    member: ServiceTemplate
    request: Request
    reference: Reference
    snapshot: MemberSnapshot
    # The record says this service was deployed before: a deploy, even when the service
    # reads as missing (gone out of band, or a read that lagged the create), so its
    # ``migrate`` runs before the service step and ``postdeploy`` does not run again.
    deployed_before: bool = False


def wanted(
    profile: Profile,
    snap: Snapshot,
    images: Mapping[str, str],
    env: Mapping[str, str],
    *,
    refresh: bool,
    record: EnvRecord | None,
    change: VarsChange | None = None,
) -> list[Wanted]:
    """The services this create or deploy changes, with their requests.

    A group's service that exists and was not named keeps what it runs (no step at all),
    unless the environment's own variables change (``eden vars``: every service is
    deployed again); one that does not exist yet is made with the image its reference
    runs. Each gets the environment's own variables, with ``change`` made.
    """
    own = variables.resolve(profile, record, change)
    redeploy = change is not None
    urls = sibling_urls(snap) if profile.is_group else {}
    out = []
    for m in snap.members:
        assert m.reference is not None
        exists = m.current["service"] is not None
        image = images.get(m.member.role)
        if image is None and exists and not (refresh or redeploy):
            continue
        image = image or _running_image(record, m) or _reference_image(m.reference)
        request = Request(m.names, image, {**urls, **env}, refresh=refresh, vars=own)
        out.append(Wanted(m.member, request, m.reference, m, _deployed(record, m)))
    return out


def sibling_urls(snap: Snapshot) -> dict[str, str]:
    """``EDEN_URL_<ROLE>`` for every served service of the group."""
    out = {}
    for m in snap.members:
        if m.reference is None or m.reference.target_group is None:
            continue
        key = "EDEN_URL_" + m.member.role.upper().replace("-", "_")
        out[key] = f"https://{m.names.host}"
    return out


def _recorded(record: EnvRecord | None, m: MemberSnapshot) -> ServiceRecord | None:
    """What the environment's record holds of ``m``'s service, if anything."""
    services = record.services if record is not None else []
    return next((s for s in services if s.role == m.member.role), None)


def _deployed(record: EnvRecord | None, m: MemberSnapshot) -> bool:
    found = _recorded(record, m)
    return found is not None and found.arn("service") is not None


def _running_image(record: EnvRecord | None, m: MemberSnapshot) -> str | None:
    found = _recorded(record, m)
    return found.image if found is not None else None


def _reference_image(ref: Reference) -> str:
    containers = ref.task_definition.get("containerDefinitions", [])
    target = next((c for c in containers if c.get("name") == ref.container), None)
    return str((target or {}).get("image", ""))


def plan_group(
    profile: Profile, items: list[Wanted], env: str, bypass_secret: str | None = None
) -> Plan:
    """Each service's plan; in a group, merged with the steps named by role; and the
    ALB's CI bypass rule made or updated when the profile has one (``bypass_rule``)."""
    steps: list[Step] = []
    notes: list[str] = []
    deploying = False
    for item in items:
        plan = plan_create(
            profile, item.request, item.reference, item.snapshot.current, member=item.member
        )
        deploying = deploying or plan.operation == "deploy"
        if profile.is_group:
            steps += [qualify(s, item.member.role) for s in plan.steps]
            notes += [f"{item.member.role}: {n}" for n in plan.notes]
        else:
            steps += plan.steps
            notes += plan.notes
    operation: Operation = "deploy" if deploying else "create"
    plan = Plan(operation, profile.name, env, tuple(steps), tuple(notes))
    plan = bypass_rule.add_to_create(profile, plan, [i.reference for i in items], bypass_secret)
    return hooks.add_to_create(profile, plan, items)


def plan_removal(profile: Profile, snap: Snapshot) -> Plan:
    """Each service's removal; in a group, merged with the steps named by role; the
    ALB's CI bypass rule too when this is its last environment (``bypass_rule``)."""
    if not profile.is_group:
        plan = plan_delete(profile, snap.names, snap.current, member=snap.members[0].member)
    else:
        steps: list[Step] = []
        for m in snap.members:
            member_plan = plan_delete(profile, m.names, m.current, member=m.member)
            steps += [qualify(s, m.member.role) for s in member_plan.steps]
        plan = Plan("delete", profile.name, snap.names.name, tuple(steps))
    plan = bypass_rule.add_to_delete(profile, plan, snap.listener_arn, snap.zone_name)
    return hooks.add_to_delete(profile, plan, snap.members)


def qualify(step: Step, role: str) -> Step:
    """``step`` with its id, dependencies, Refs and undo named for service ``role``."""
    return dataclasses.replace(
        step,
        id=f"{role}:{step.id}",
        params=_qualify_refs(step.params, role),
        depends_on=tuple(f"{role}:{d}" for d in step.depends_on),
        description=f"{role}: {step.description}" if step.description else role,
        undo=qualify(step.undo, role) if step.undo else None,
    )


def _qualify_refs(value: Any, role: str) -> Any:
    if isinstance(value, Ref):
        return Ref(f"{role}:{value.step}", value.key)
    if isinstance(value, Mapping):
        return {k: _qualify_refs(v, role) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_qualify_refs(v, role) for v in value]
    return value


def image_messages(snap: Snapshot, images: Mapping[str, str]) -> list[str]:
    """An image ECR says does not exist stops the create; one it cannot check warns."""
    messages = []
    for m in snap.members:
        check, image = m.image, images.get(m.member.role)
        if check is not None and check.found is False:
            raise UsageError(
                f"image {image} does not exist in ECR",
                hint="push the image first, or check the tag (aws ecr describe-images)",
            )
        if check is not None and check.warning:
            messages.append(f"warning: {check.warning}")
    return messages
