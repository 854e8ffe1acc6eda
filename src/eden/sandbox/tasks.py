"""What local tasks should run: each service's wish against what runs, as pure data.

moto starts no tasks. In the sandbox, each task of a service with a load balancer is a
local process (``eden.sandbox.nginx_task``); ``reconcile`` decides which to start and
which to stop so that they follow the service, the way ECS's scheduler would:

* new tasks start once the service's rollout is due (the AWS model's ``start_seconds``
  after CreateService or UpdateService: the stand-in for pulling and starting a Fargate
  task), and not while a service is held back after failed starts;
* a new task definition (a deploy) starts a full set of new tasks; the old ones are
  stopped once as many new ones answer as the service wants (a rolling update);
* a scale-in, a service at ``desiredCount`` 0 and a deleted (draining) service stop
  their tasks at once.

The data plane (``eden.sandbox.dataplane``) feeds this from moto and carries it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    """What a task runs. A task of another spec belongs to an older deployment."""

    environment: str
    service_name: str
    image: str
    task_definition: str
    health_path: str


@dataclass(frozen=True)
class Want:
    """One ACTIVE service's wish: ``count`` tasks of ``spec``, starting at ``due_at``."""

    service: str  # the service's ARN: the key tasks are filed under
    spec: TaskSpec
    count: int
    due_at: float  # on the AWS model's clock


@dataclass(frozen=True)
class Task:
    id: str
    service: str
    spec: TaskSpec
    answering: bool  # its health path answered: it is (or may be) a registered target


@dataclass(frozen=True)
class Actions:
    start: tuple[Want, ...] = ()  # one entry per task to start
    stop: tuple[str, ...] = ()  # task ids

    def __bool__(self) -> bool:
        return bool(self.start or self.stop)


def reconcile(
    wants: Mapping[str, Want],
    tasks: Sequence[Task],
    now: float,
    held_until: Mapping[str, float] | None = None,
) -> Actions:
    """The tasks to start and to stop, so that what runs follows ``wants`` (``tasks`` in
    the order they were started: the newest are stopped first on a scale-in)."""
    held = held_until or {}
    start: list[Want] = []
    stop: list[str] = []
    services = {t.service for t in tasks} | set(wants)
    for service in sorted(services):
        mine = [t for t in tasks if t.service == service]
        want = wants.get(service)
        if want is None or want.count <= 0:
            stop += [t.id for t in mine]
            continue
        go, halt = _one_service(want, mine, now, held.get(service, float("-inf")))
        start += [want] * go
        stop += halt
    return Actions(tuple(start), tuple(stop))


def _one_service(
    want: Want, mine: Sequence[Task], now: float, held: float
) -> tuple[int, list[str]]:
    current = [t for t in mine if t.spec == want.spec]
    old = [t for t in mine if t.spec != want.spec]
    halt: list[str] = []
    if len(current) > want.count:
        # Scale-in: the ones not answering yet go first, then the newest.
        extra = len(current) - want.count
        order = sorted(enumerate(current), key=lambda it: (it[1].answering, -it[0]))
        halt += [t.id for _, t in order[:extra]]
        current = [t for t in current if t.id not in halt]
    go = 0
    if len(current) < want.count and now >= want.due_at and now >= held:
        go = want.count - len(current)
    if sum(t.answering for t in current) >= want.count:
        halt += [t.id for t in old]
    return go, halt


def steady(want: Want | None, mine: Sequence[Task], now: float) -> bool:
    """Whether the service's rollout is complete: as many answering tasks of its spec as
    it wants, and none of an older one."""
    if want is None:
        return not mine
    if want.count <= 0:
        return not mine
    if now < want.due_at or any(t.spec != want.spec for t in mine):
        return False
    return len(mine) == want.count and all(t.answering for t in mine)
