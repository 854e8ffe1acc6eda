"""What every resource module provides, and what the planner, reader, engine and gc give it
(what the executor gives its actions is in ``apply``).

A resource module (``task_definition.py``, ``target_group.py``...) holds everything eden
knows about one kind of AWS resource an environment has: its name, how it is read from
AWS, the steps that create, update and delete it (with undo), the actions that apply
those steps, how it is recognised as eden's when looking for orphans, and what is
recorded about it. It exports one ``Resource`` value; ``resources/__init__.py`` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from eden.aws import Aws
from eden.config import Profile, ServiceTemplate
from eden.core.envvars import EnvVars
from eden.core.naming import EnvNames
from eden.envs.plan import Ref, Step
from eden.envs.resources.apply import Action


def step_id(profile: Profile, role: str, key: str) -> str:
    """The id of a service's step for a resource: ``key``, or ``role:key`` in a group."""
    return f"{role}:{key}" if profile.is_group else key


def endpoint_key(profile: Profile, member: ServiceTemplate | None) -> str:
    """A service's key in the environment's endpoints entry: its own ``endpoint_key``, else
    the document's ``update_key`` for a single service, the role in a group."""
    if member is not None and member.endpoint_key:
        return member.endpoint_key
    if profile.is_group and member is not None:
        return member.role
    return profile.endpoints.update_key if profile.endpoints else ""


@dataclass(frozen=True)
class ListenerRule:
    arn: str
    priority: int | None  # None for the default rule
    hosts: tuple[str, ...]
    target_group_arns: tuple[str, ...]
    sign_in: str | None = None  # the authenticate action's type before the forward, if any
    sign_in_config: Mapping[str, Any] = field(default_factory=dict)  # as AWS shows it
    # http-header conditions: header name (lower case) -> a digest of its values, so a
    # secret in a condition (the CI bypass rule's) is compared, never kept
    header_digests: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlbUsage:
    """What already counts against the shared ALB's quotas (all of its listeners)."""

    rules: int = 0  # non-default rules, across every listener of the ALB
    target_groups: int = 0  # target groups the ALB's rules and default actions use
    hosts: frozenset[str] = frozenset()  # the host-header values of those rules


@dataclass(frozen=True)
class Reference:
    """What an environment is cloned from, as read from AWS."""

    service: Mapping[str, Any]
    task_definition: Mapping[str, Any]
    task_definition_tags: Any  # Sequence[Mapping[str, str]]
    # None for a service behind no load balancer (a worker): it gets no target group, no
    # rule, no DNS record and no endpoints entry.
    target_group: Mapping[str, Any] | None
    container: str
    container_port: int | None
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
    # `create --refresh`: existing resources are brought up to date with the reference
    # (service settings, target group health check), not only deployed to.
    refresh: bool = False
    # The environment's own variables and secrets (`eden vars`), set on every deploy.
    vars: EnvVars = field(default_factory=EnvVars)


@dataclass(frozen=True)
class PlanInput:
    """What a resource plans its create or update from."""

    profile: Profile
    request: Request
    reference: Reference
    current: Current
    planned: frozenset[str] = frozenset()  # resources whose create step is in the plan
    member: ServiceTemplate | None = None  # which service of a group (None: the only one)

    @property
    def names(self) -> EnvNames:
        return self.request.names

    @property
    def served(self) -> bool:
        """Behind the load balancer (a worker is not)."""
        return self.reference.target_group is not None

    @property
    def endpoint_key(self) -> str:
        return endpoint_key(self.profile, self.member)

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
    member: ServiceTemplate | None = None

    @property
    def endpoint_key(self) -> str:
        return endpoint_key(self.profile, self.member)


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
    member: ServiceTemplate | None = None

    @property
    def endpoint_key(self) -> str:
        return endpoint_key(self.profile, self.member)

    def one(self, what: str, read: Callable[[], Any]) -> Collect:
        """A resource read by one call in round one, whatever the final names."""
        found = self.submit(what, read)
        return lambda _names: found.result()


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

    @classmethod
    def of_module(
        cls, namespace: Mapping[str, Any], after: tuple[str, ...], **extra: Any
    ) -> Resource:
        """The resource a module defines: its ``KEY``, ``read``, ``plan``, ``remove``,
        ``ACTIONS`` and ``record`` (a missing one fails at import, not at run time)."""
        parts = ("KEY", "read", "plan", "remove", "ACTIONS", "record")
        missing = [p for p in parts if p not in namespace]
        if missing:
            raise TypeError(f"a resource module must define {', '.join(missing)}")
        key, read, plan, remove, actions, record = (namespace[p] for p in parts)
        return cls(key, after, read, plan, remove, actions, record, **extra)
