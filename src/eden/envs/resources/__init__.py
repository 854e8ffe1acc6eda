"""Every resource an environment has, in the order they are created (deleted in reverse).

A new resource is one module exporting ``RESOURCE`` (see ``base.Resource``) and one line
here; docs/architecture.md walks through an example.
"""

from __future__ import annotations

from collections.abc import Mapping

from eden.envs.resources import (
    bypass_rule,
    dns_record,
    endpoints_entry,
    hook_task,
    listener_rule,
    service,
    target_group,
    task_definition,
    waker_group,
)
from eden.envs.resources.apply import Action
from eden.envs.resources.base import Resource

RESOURCES: tuple[Resource, ...] = (
    task_definition.RESOURCE,
    target_group.RESOURCE,
    listener_rule.RESOURCE,
    service.RESOURCE,
    dns_record.RESOURCE,
    endpoints_entry.RESOURCE,
)


def actions() -> dict[str, Action]:
    """The action registry: step action name -> the function that applies it."""
    registry: dict[str, Action] = {}
    for resource in RESOURCES:
        for name, action in resource.actions.items():
            if name in registry:
                raise ValueError(f"action {name} is registered twice")
            registry[name] = action
    # Steps that are not a resource of their own: a hook's task (``eden.envs.hooks``),
    # and the ALB's own: its waker target group and CI bypass rule (one per ALB).
    for extra in (hook_task.ACTIONS, waker_group.ACTIONS, bypass_rule.ACTIONS):
        registry.update(extra)
    return registry


ACTIONS: Mapping[str, Action] = actions()


def by_key(key: str) -> Resource:
    for resource in RESOURCES:
        if resource.key == key:
            return resource
    raise KeyError(key)
