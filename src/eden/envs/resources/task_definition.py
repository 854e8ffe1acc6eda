"""The environment's task definition: the reference's, with the new image (resource 1).

Every create and deploy registers a new revision of the family ``<prefix>-<name>``; delete
deregisters every revision and then deletes them for good. A revision AWS could not delete
fails the step (so a later run tries again), and a later run also finds the revisions an
earlier one had only deregistered.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from eden.aws import Aws
from eden.core.naming import EnvNames
from eden.core.tags import eden_tags, merge_tags
from eden.envs.plan import Ref, Step
from eden.envs.resources.apply import Apply
from eden.envs.resources.base import Collect, PlanInput, Planned, ReadContext, RemoveInput, Resource
from eden.envs.variables import apply_to_container, check_task_definition
from eden.errors import AwsError, ConfigError

KEY = "task_definition"

# Fields of a task definition that a registration accepts, copied from the reference.
FIELDS = (
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
)


@dataclass(frozen=True)
class Revisions:
    """The family's revisions: ACTIVE ones, and INACTIVE ones not yet deleted for good."""

    active: tuple[str, ...] = ()
    inactive: tuple[str, ...] = ()

    @property
    def latest(self) -> str | None:
        return self.active[-1] if self.active else None

    def __bool__(self) -> bool:
        return bool(self.active or self.inactive)


@dataclass(frozen=True)
class Registered:
    taskDefinitionArn: str  # AWS's own field name, so a Ref reads like the API


@dataclass(frozen=True)
class Deregistered:
    revisions: int


def read(ctx: ReadContext) -> Collect:
    ecs = ctx.aws.ecs
    family = ctx.draft.task_family
    active = ctx.submit(
        "list the environment's task definitions", lambda: ecs.task_definition_arns(family)
    )
    inactive = (
        ctx.submit(
            "list the environment's deregistered task definitions",
            lambda: ecs.task_definition_arns(family, status="INACTIVE"),
        )
        if ctx.deleting
        else None
    )
    return lambda _names: Revisions(
        tuple(active.result()), tuple(inactive.result()) if inactive else ()
    )


def plan(p: PlanInput) -> Planned:
    names = p.names
    registered = params(p)
    # Before anything is registered: no denied secret, and an execution role to read any.
    container = p.reference.container
    check_task_definition(registered, p.profile, p.request.vars, container, names.name)
    step = Step(
        id=KEY,
        action="ecs.register_task_definition",
        params=registered,
        description=f"register task definition {names.task_family} with image {p.request.image}",
        undo=removal(f"undo_{KEY}", [Ref(KEY, "taskDefinitionArn")], names),
    )
    return Planned((step,))


def params(p: PlanInput) -> dict[str, Any]:
    """The reference's task definition, with the image, the variables (the profile's, the
    environment's own, the deploy's) in the target container and eden's tags; the
    profile's execution role if it has one; everything else as the reference has it."""
    ref = p.reference
    td = ref.task_definition
    containers = [dict(c) for c in td.get("containerDefinitions", [])]
    target = next((c for c in containers if c.get("name") == ref.container), None)
    if target is None:
        raise ConfigError(
            f"container {ref.container!r} is not in the reference task definition",
            where=str(td.get("taskDefinitionArn", "reference task definition")),
            hint="set `container` in the profile to one of: "
            + ", ".join(str(c.get("name")) for c in containers),
        )
    target["image"] = p.request.image
    apply_to_container(target, p.profile.env, p.request.vars, p.request.env_overrides)
    out: dict[str, Any] = {"family": p.names.task_family, "containerDefinitions": containers}
    for key in FIELDS:
        if td.get(key) not in (None, [], {}):
            out[key] = td[key]
    if p.profile.execution_role_arn:
        out["executionRoleArn"] = p.profile.execution_role_arn
    out["tags"] = merge_tags(ref.task_definition_tags, eden_tags(p.profile.name, p.names.name))
    return out


def remove(r: RemoveInput) -> Step | None:
    found: Revisions | None = r.current[KEY]
    if not found:
        return None
    return removal(KEY, [*found.active, *found.inactive], r.names, r.after)


def removal(step_id: str, arns: list[Any], names: EnvNames, after: tuple[str, ...] = ()) -> Step:
    what = f"deregister and delete {len(arns)} revision(s) of {names.task_family}"
    return Step(step_id, "ecs.deregister_task_definitions", {"arns": arns}, after, what)


def register(ctx: Apply, p: Mapping[str, Any]) -> Registered:
    return Registered(ctx.aws.ecs.register_task_definition(p))


def deregister(ctx: Apply, p: Mapping[str, Any]) -> Deregistered:
    """Every revision at once: an environment deployed 50 times must not delete 50x slower.

    Deregistering an INACTIVE revision is a no-op; deleting needs them all INACTIVE.
    """
    arns = list(p["arns"])
    if not arns:
        return Deregistered(0)
    ecs = ctx.aws.ecs
    with ThreadPoolExecutor(max_workers=min(10, len(arns))) as pool:
        list(pool.map(ecs.deregister_task_definition, arns))
    problems = ecs.delete_task_definitions(arns)
    if problems:
        raise AwsError(
            f"AWS could not delete {len(problems)} task definition revision(s): "
            + "; ".join(problems[:3]),
            hint="run the delete again later (a revision still used by tasks is deleted "
            "once they stop)",
        )
    return Deregistered(len(arns))


def record(output: Registered | None, found: Revisions | None) -> dict[str, Any] | None:
    arn = output.taskDefinitionArn if output else (found.latest if found else None)
    return {"arn": arn} if arn else None


def _alive(aws: Aws, arn: str) -> bool:
    return aws.ecs.describe_task_definition(arn) is not None


def _owns(arn: str) -> bool:
    return ":task-definition/" in arn


ACTIONS = {
    "ecs.register_task_definition": register,
    "ecs.deregister_task_definitions": deregister,
}
RESOURCE = Resource.of_module(globals(), after=(), owns_arn=_owns, alive=_alive)
