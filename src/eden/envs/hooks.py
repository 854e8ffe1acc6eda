"""Where a profile's hooks go in a plan (``eden.config.hooks`` says what they are). Pure.

A hook is one more step, ``ecs.run_hook`` (``resources.hook_task``), placed by what it is
for, so the executor's order and undo give the guarantees the hooks promise:

* ``migrate`` sits between the new task definition and the service update of a deploy:
  the update waits for it, and when it fails the update never runs (the new revision is
  deregistered by the create's undo). A service the record says was deployed before is
  deployed, not created, for the hooks even when the plan makes it anew (it read as
  missing): migrate runs before it, and postdeploy does not run again;
* ``postdeploy`` waits for every other step of a first create, so it runs once the whole
  environment (a group: every service) exists; when it fails, the create is undone;
* ``predestroy`` runs before every removal step of a delete: when it fails, nothing is
  removed.

A hook that only warns (``on_failure = "warn"``) never fails its step: its output says
what went wrong, and the engine reports it (``warnings``).
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eden.config import Profile, ServiceTemplate
from eden.config.hooks import Hook
from eden.core.naming import EnvNames
from eden.core.tags import eden_tags
from eden.envs.plan import Plan, Ref, Step
from eden.envs.resources import service, task_definition
from eden.envs.resources.base import step_id
from eden.envs.resources.hook_task import RUN_HOOK, HookRun

# The service settings a hook's task takes from the service it belongs with (its network).
NETWORK_KEYS = ("launchType", "capacityProviderStrategy", "networkConfiguration", "platformVersion")


def hook_id(profile: Profile, role: str, kind: str) -> str:
    return step_id(profile, role, f"hook_{kind}")


def run_step(
    profile: Profile,
    member: ServiceTemplate,
    hook: Hook,
    names: EnvNames,
    source: Mapping[str, Any],
    task_def: Ref | str,
    container: str | None,
    depends_on: Iterable[str],
) -> Step:
    """The step that runs ``hook`` as a task of ``task_def``, in ``source``'s network."""
    run: dict[str, Any] = {
        "cluster": profile.cluster,
        "taskDefinition": task_def,
        "count": 1,
        "startedBy": f"eden-hook-{hook.kind}",
        # Not the service's own group ("service:NAME"), so the service's task counts and
        # health never see a hook; `eden logs` finds hook tasks by it.
        "group": f"eden-hook:{names.service}",
        "tags": [*eden_tags(profile.name, names.name), {"key": "eden:hook", "value": hook.kind}],
    }
    for key in NETWORK_KEYS:
        if source.get(key) not in (None, [], {}):
            run[key] = source[key]
    if "capacityProviderStrategy" in run:
        run.pop("launchType", None)  # AWS takes one or the other
    shown = shlex.join(hook.command)
    return Step(
        id=hook_id(profile, member.role, hook.kind),
        action=RUN_HOOK,
        params={
            "kind": hook.kind,
            "command": list(hook.command),
            "container": hook.container or container,
            "fails": hook.fails,
            "timeout_seconds": hook.timeout_seconds,
            "run": run,
        },
        depends_on=tuple(depends_on),
        description=f"run the {hook.kind} hook of {names.service}: {shown[:200]}",
    )


def add_to_create(profile: Profile, plan: Plan, items: Sequence[Any]) -> Plan:
    """``plan`` (a create or deploy from ``group.plan_group``) with its services' hooks.

    ``items`` are ``group.Wanted`` (the services this run changes)."""
    steps = list(plan.steps)
    everything = tuple(s.id for s in plan.steps)
    for item in items:
        member: ServiceTemplate = item.member
        role = member.role
        svc_id = step_id(profile, role, service.KEY)
        td_id = step_id(profile, role, task_definition.KEY)
        update = next((s for s in steps if s.id == svc_id), None)
        if update is None or not any(s.id == td_id for s in steps):
            continue
        td = Ref(td_id, "taskDefinitionArn")
        names, ref = item.request.names, item.reference
        deploy = update.action == "ecs.update_service" or item.deployed_before
        if deploy and (hook := member.hook("migrate")):
            step = run_step(profile, member, hook, names, ref.service, td, ref.container, (td_id,))
            at = steps.index(update)
            steps[at] = dataclasses.replace(update, depends_on=(*update.depends_on, step.id))
            steps.insert(at, step)
        elif not deploy and (hook := member.hook("postdeploy")):
            steps.append(
                run_step(profile, member, hook, names, ref.service, td, ref.container, everything)
            )
    return dataclasses.replace(plan, steps=tuple(steps))


def add_to_delete(profile: Profile, plan: Plan, members: Sequence[Any]) -> Plan:
    """``plan`` (a delete) with each existing service's ``predestroy`` hook before every
    removal. ``members`` are ``reader.MemberSnapshot``."""
    hooks = []
    for m in members:
        hook = m.member.hook("predestroy")
        found = m.current[service.KEY]
        if hook is None or found is None or not found.get("taskDefinition"):
            continue
        container = m.member.container or _served_container(found)
        hooks.append(
            run_step(
                profile, m.member, hook, m.names, found, found["taskDefinition"], container, ()
            )
        )
    if not hooks:
        return plan
    ids = tuple(h.id for h in hooks)
    rest = [dataclasses.replace(s, depends_on=(*s.depends_on, *ids)) for s in plan.steps]
    return dataclasses.replace(plan, steps=(*hooks, *rest))


def warnings(outputs: Mapping[str, Any]) -> list[str]:
    """What the hooks that only warn said went wrong."""
    return [
        f"warning: {out.summary()}"
        for out in outputs.values()
        if isinstance(out, HookRun) and not out.ok
    ]


def _served_container(found: Mapping[str, Any]) -> str | None:
    balancers = found.get("loadBalancers") or []
    return str(balancers[0]["containerName"]) if balancers else None
