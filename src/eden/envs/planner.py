"""Decide what to change: reference + current state in, a ``Plan`` out. Pure.

The planner only composes: each resource module (``eden.envs.resources``) plans its own
steps from what the reader found; the planner runs them in create order, tells each which
of the others are being made (so it can wait for them and refer to their outputs), and
derives the delete order as the reverse. Nothing here talks to AWS, so every decision
(what to clone, what already exists, which order) is unit-tested without a network.
"""

from __future__ import annotations

from eden.config import Profile, ServiceTemplate
from eden.core.naming import EnvNames
from eden.envs.plan import Plan, Step, in_dependency_order
from eden.envs.resources import RESOURCES
from eden.envs.resources.base import (
    Current,
    PlanInput,
    Reference,
    RemoveInput,
    Request,
    Resource,
)


def ordered(resources: tuple[Resource, ...] = RESOURCES) -> list[Resource]:
    """Resources in an order where each comes after those it is created after (stable:
    registration order otherwise); raises on a cycle."""
    return in_dependency_order(resources, lambda r: r.key, lambda r: r.after)


def plan_create(
    profile: Profile,
    req: Request,
    ref: Reference,
    cur: Current,
    *,
    member: ServiceTemplate | None = None,
) -> Plan:
    """Create the environment, or deploy a new image to it when its service exists.

    Missing pieces of an existing environment (left by a failure) are created too, so
    running create again converges.
    """
    steps: list[Step] = []
    notes: list[str] = []
    planned: set[str] = set()
    deploying = False
    for resource in ordered():
        result = resource.plan(PlanInput(profile, req, ref, cur, frozenset(planned), member))
        steps += result.steps
        notes += result.notes
        deploying = deploying or result.deploying
        if any(s.id == resource.key for s in result.steps):
            planned.add(resource.key)
    return Plan(
        operation="deploy" if deploying else "create",
        profile=profile.name,
        env=req.names.name,
        steps=tuple(steps),
        notes=tuple(notes),
    )


def plan_delete(
    profile: Profile, names: EnvNames, cur: Current, *, member: ServiceTemplate | None = None
) -> Plan:
    """Remove what exists, in the reverse of the create order. Nothing left: no steps.

    A resource's removal waits for the removal of every resource created after it (the
    service before its rule, the rule before its target group...).
    """
    steps: list[Step] = []
    removing: set[str] = set()
    for resource in reversed(ordered()):
        after = tuple(
            other.key
            for other in RESOURCES
            if resource.key in other.after and other.key in removing
        )
        step = resource.remove(RemoveInput(profile, names, cur, after, member))
        if step is not None:
            steps.append(step)
            removing.add(resource.key)
    return Plan(operation="delete", profile=profile.name, env=names.name, steps=tuple(steps))
