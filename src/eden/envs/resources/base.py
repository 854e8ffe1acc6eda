"""What every resource module provides, and what the planner, reader, executor, engine
and gc give it.

A resource module (``task_definition.py``, ``target_group.py``...) holds everything eden
knows about one kind of AWS resource an environment has: its name, how it is read from
AWS, the steps that create, update and delete it (with undo), the actions that apply
those steps, how it is recognised as eden's when looking for orphans, and what is
recorded about it. It exports one ``Resource`` value; ``resources/__init__.py`` lists them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from eden.aws import Aws
from eden.config import Profile
from eden.core.endpoints_doc import Edit
from eden.core.naming import EnvNames
from eden.envs.plan import Ref, Step


class SharedWrites(Protocol):
    """Writes to things every environment shares, handed to the actions by the engine.

    ``rule_slot``: held while a listener-rule priority is picked and the rule created, so
    concurrent creates do not pick the same free slot. ``edit_document``: applies one edit
    to the endpoints document with a conditional write (several edits may be committed
    together). Without a state store (tests, a dry run) both run directly.
    """

    def rule_slot(self, listener_arn: str) -> AbstractContextManager[Any]: ...

    def edit_document(self, bucket: str, key: str, edit: Edit) -> bool: ...


@dataclass(frozen=True)
class Apply:
    """What an action works with: AWS, and the shared writes."""

    aws: Aws
    shared: SharedWrites
    # Attributes every write of the endpoints document sets (profile settings), e.g. ACL.
    document_overrides: Mapping[str, Any] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep  # between retries; tests pass a fake


Action = Callable[[Apply, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class ListenerRule:
    arn: str
    priority: int | None  # None for the default rule
    hosts: tuple[str, ...]
    target_group_arns: tuple[str, ...]


@dataclass(frozen=True)
class AlbUsage:
    """What already counts against the shared ALB's quotas (all of its listeners)."""

    rules: int = 0  # non-default rules
    target_groups: int = 0


@dataclass(frozen=True)
class Reference:
    """What an environment is cloned from, as read from AWS."""

    service: Mapping[str, Any]
    task_definition: Mapping[str, Any]
    task_definition_tags: Any  # Sequence[Mapping[str, str]]
    target_group: Mapping[str, Any]
    container: str
    container_port: int
    listener_arn: str
    alb_dns_name: str
    alb_zone_id: str
    zone_name: str
    rules: tuple[ListenerRule, ...]
    wildcard_record: bool = False  # the zone already sends *.zone to the shared ALB
    alb_arn: str = ""
    alb_usage: AlbUsage | None = None  # None: not read, count this listener's rules only
    target_group_attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Current:
    """What of one environment already exists in AWS: resource key -> what was read
    (each resource module says what it reads; absent or None means nothing exists)."""

    found: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, **found: Any) -> Current:
        return cls({k: v for k, v in found.items() if v is not None})

    def __getitem__(self, key: str) -> Any:
        return self.found.get(key)

    def without(self, key: str) -> Current:
        return Current({k: v for k, v in self.found.items() if k != key})

    @property
    def empty(self) -> bool:
        return not any(self.found.values())


@dataclass(frozen=True)
class Request:
    """What the user asked for."""

    names: EnvNames
    image: str
    env_overrides: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanInput:
    """What a resource plans its create or update from."""

    profile: Profile
    request: Request
    reference: Reference
    current: Current
    planned: frozenset[str] = frozenset()  # resources whose create step is in the plan

    @property
    def names(self) -> EnvNames:
        return self.request.names

    def value(self, resource: str, key: str, existing: Any) -> Any:
        """``key`` of ``resource``: a Ref to its step when it is being made, else what
        exists."""
        return Ref(resource, key) if resource in self.planned else existing

    def after(self, *resources: str) -> tuple[str, ...]:
        """The step ids, among ``resources``, that this plan runs (so must wait for)."""
        return tuple(r for r in resources if r in self.planned)


@dataclass(frozen=True)
class RemoveInput:
    """What a resource plans its removal from; ``after`` are the removal steps it waits
    for (the resources made after it on create)."""

    profile: Profile
    names: EnvNames
    current: Current
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Planned:
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    deploying: bool = False  # this resource existing makes the operation a deploy


@dataclass(frozen=True)
class ReadContext:
    """What a resource reads with: round one has the names that need no zone (``draft``)
    and the reads everyone shares; the returned collector runs in round two with the
    final names."""

    profile: Profile
    aws: Aws
    draft: EnvNames
    known_host: str | None
    deleting: bool
    submit: Callable[[str, Callable[[], Any]], Future[Any]]
    rules: Future[list[dict[str, Any]]] | None  # the shared listener's rules
    document: Future[Any] | None  # the endpoints document (an aws.s3.JsonObject)


Collect = Callable[[EnvNames], Any]


def _never(arn: str) -> bool:
    return False


def _alive(aws: Aws, arn: str) -> bool:
    return True


@dataclass(frozen=True)
class Resource:
    """One kind of AWS resource of an environment. See the module docstring."""

    key: str  # its step id, its key in Current and in the record
    after: tuple[str, ...]  # the resources it is created after (and deleted before)
    read: Callable[[ReadContext], Collect]
    plan: Callable[[PlanInput], Planned]
    remove: Callable[[RemoveInput], Step | None]
    actions: Mapping[str, Action]
    # What the record keeps: from the step's output (None when no step ran) and what the
    # snapshot found; None keeps nothing.
    record: Callable[[Any, Any], dict[str, Any] | None]
    # Orphans: whether a tagged ARN is this kind of resource, and whether it still exists
    # (the Tagging API lists some resources for a while after they are deleted).
    owns_arn: Callable[[str], bool] = _never
    alive: Callable[[Aws, str], bool] = _alive
    # Tagged resources the Tagging API does not list: (environment, ARN).
    also_tagged: Callable[[Aws, Profile], Iterable[tuple[str, str]]] | None = None
