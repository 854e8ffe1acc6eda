"""What `eden ls` reads of many environments at once: in batches, not one by one.

Read one environment at a time, a listing cost ten AWS calls per environment (500
environments: 5,016 calls and 97 s). Most of those reads have a form that answers for
many environments, so a listing makes them once for the whole fleet:

* DescribeServices, 10 services a call: each service's counts and rollout (its health)
  and settings (its drift);
* ListTasks of the cluster with desired status STOPPED, then DescribeTasks, 100 a call:
  the stopped tasks, told apart by their group ``service:NAME``. Health shows only
  stopped tasks (why they stopped, a crash loop), and ECS sets a task's desired status to
  STOPPED before its last status, so no stopped task is missed;
* ListTaskDefinitions of the account, once: each family's latest ACTIVE revision (asked
  family by family instead when the account holds many more revisions than eden's);
* DescribeTargetGroups, once, 400 a page: each environment's target group, by name.

Three reads have no such form and stay one per environment, all in parallel:
DescribeTargetHealth (the targets the health lists), DescribeTaskDefinition of the latest
revision and DescribeTargetGroupAttributes (both for the drift). Each environment's answer
is what reading it alone gives (``Observer.health`` and ``Observer.drift``); a read that
fails for all (a batch) is each environment's error, as it would have been one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any, TypeVar

from eden.aws import Aws
from eden.core.limits import DESCRIBE_SERVICES_BATCH, DESCRIBE_TASKS_BATCH
from eden.core.naming import EnvNames
from eden.errors import AwsError, EdenError

T = TypeVar("T")
Json = dict[str, Any]
# A revision listing of more than this many pages per environment is given up for one
# ListTaskDefinitions per family: an account with many more revisions than eden's.
PAGES_PER_TEN_ENVIRONMENTS = 1


@dataclass(frozen=True)
class Wanted:
    """An environment to read: its stored names and its target group's recorded ARN."""

    names: EnvNames
    target_group_arn: str | None


@dataclass(frozen=True)
class EnvState:
    """An environment as the listing read it: its service, stopped tasks and targets (for
    its health), what ``Observer.drift`` compares (``now``), or why they were not read."""

    service: Json | None = None
    tasks: tuple[Json, ...] = ()
    targets: tuple[Json, ...] = ()
    now: Json | None = None
    error: str | None = None  # its health could not be read
    drift_error: str | None = None  # its drift could not be read


@dataclass(frozen=True)
class Fleet:
    """What one listing reads once for every environment, or why it could not."""

    services: Mapping[str, Json]  # ACTIVE services by name
    stopped: Mapping[str, list[Json]]  # service name -> its stopped tasks
    revisions: Mapping[str, list[str]] | None  # family -> ACTIVE revisions; None: ask each
    groups: Mapping[str, Json]  # target groups by name
    error: str | None = None  # services or tasks
    drift_error: str | None = None  # revisions or target groups


def read_states(
    aws: Aws, pool: Executor, cluster: str, wanted: Mapping[str, Wanted], with_drift: bool
) -> dict[str, EnvState]:
    """Each environment's state, by name; ``with_drift`` False reads only its health."""
    fleet = read_fleet(aws, pool, cluster, wanted.values(), with_drift)
    if fleet.error is not None:
        return {name: EnvState(error=fleet.error) for name in wanted}
    drift = with_drift and fleet.drift_error is None
    futures = {name: _submit_one(aws, pool, fleet, w, drift) for name, w in wanted.items()}
    states = {name: _state(fleet, wanted[name], parts) for name, parts in futures.items()}
    if with_drift and not drift:  # the fleet's revisions or target groups were not read
        return {n: s if s.error else EnvState(s.service, s.tasks, s.targets,
                                              drift_error=fleet.drift_error)
                for n, s in states.items()}
    return states


def read_fleet(
    aws: Aws, pool: Executor, cluster: str, wanted: Iterable[Wanted], with_drift: bool
) -> Fleet:
    names = sorted(w.names.service for w in wanted)
    batches = [names[i : i + DESCRIBE_SERVICES_BATCH]
               for i in range(0, len(names), DESCRIBE_SERVICES_BATCH)]
    services = [pool.submit(_services, aws, cluster, b) for b in batches]
    stopped = pool.submit(_stopped_tasks, aws, cluster)
    max_pages = 1 + PAGES_PER_TEN_ENVIRONMENTS * len(names) // 10
    revisions = pool.submit(aws.ecs.active_revisions, max_pages) if with_drift else None
    groups = pool.submit(aws.elbv2.all_target_groups) if with_drift else None
    error = None
    found: dict[str, Json] = {}
    for future in services:
        part, why = outcome(future)
        found |= part or {}
        error = error or why
    tasks, why = outcome(stopped)
    revs, drift_why = outcome(revisions) if revisions else (None, None)
    listed, groups_why = outcome(groups) if groups else ([], None)
    return Fleet(
        services=found,
        stopped=by_service(tasks or []),
        revisions=revs,
        groups={str(g["TargetGroupName"]): g for g in listed or []},
        error=error or why,
        drift_error=drift_why or groups_why,
    )


def outcome(future: Future[T]) -> tuple[T, None] | tuple[None, str]:
    """A read's answer, or the message of the eden error it raised."""
    try:
        return future.result(), None
    except EdenError as exc:
        return None, exc.message


def by_service(tasks: Iterable[Json]) -> dict[str, list[Json]]:
    """Tasks by the service that started them (group ``service:NAME``); others dropped."""
    out: dict[str, list[Json]] = {}
    for task in tasks:
        group = str(task.get("group") or "")
        if group.startswith("service:"):
            out.setdefault(group.removeprefix("service:"), []).append(task)
    return out


def _services(aws: Aws, cluster: str, names: list[str]) -> dict[str, Json]:
    """The ACTIVE ones of ``names`` (a deleted service lingers DRAINING, then INACTIVE)."""
    try:
        found = aws.ecs.describe_services(cluster, names)
    except AwsError as exc:
        if exc.code == "ClusterNotFoundException":
            return {}
        raise
    return {str(s["serviceName"]): dict(s) for s in found if s.get("status") == "ACTIVE"}


def _stopped_tasks(aws: Aws, cluster: str) -> list[Json]:
    arns = aws.ecs.task_arns(cluster, "STOPPED")
    tasks: list[Json] = []
    for i in range(0, len(arns), DESCRIBE_TASKS_BATCH):
        tasks += aws.ecs.describe_tasks(cluster, arns[i : i + DESCRIBE_TASKS_BATCH])
    return tasks


# --- one environment: the reads that have no batch form -----------------------------


@dataclass(frozen=True)
class _Parts:
    targets: Future[list[Json]] | None
    task_definition: Future[tuple[list[str], Json | None]] | None
    attributes: Future[dict[str, str] | None] | None


def _submit_one(aws: Aws, pool: Executor, fleet: Fleet, w: Wanted, with_drift: bool) -> _Parts:
    service = fleet.services.get(w.names.service)
    arn = w.target_group_arn
    group = fleet.groups.get(w.names.target_group)

    return _Parts(
        targets=pool.submit(_targets, aws, arn) if arn and service else None,
        task_definition=pool.submit(_task_definition, aws, fleet.revisions, w.names.task_family)
        if with_drift else None,
        attributes=pool.submit(_attributes, aws, str(group["TargetGroupArn"]))
        if with_drift and group else None,
    )


def _targets(aws: Aws, arn: str) -> list[Json]:
    try:
        return aws.elbv2.target_health(arn)
    except AwsError as exc:
        if exc.code != "TargetGroupNotFound":
            raise
        return []  # deleted by hand: `eden diff` says so, `eden create` makes it


def _task_definition(
    aws: Aws, revisions: Mapping[str, list[str]] | None, family: str
) -> tuple[list[str], Json | None]:
    revs = revisions.get(family, []) if revisions is not None else None
    if revs is None:
        revs = aws.ecs.task_definition_arns(family)
    found = aws.ecs.describe_task_definition(revs[-1]) if revs else None
    return revs, found[0] if found else None


def _attributes(aws: Aws, arn: str) -> dict[str, str] | None:
    """None: the group went away while the listing read it."""
    try:
        return aws.elbv2.target_group_attributes(arn)
    except AwsError as exc:
        if exc.code != "TargetGroupNotFound":
            raise
        return None


def _state(fleet: Fleet, w: Wanted, parts: _Parts) -> EnvState:
    service = fleet.services.get(w.names.service)
    targets: list[Json] = []
    if parts.targets is not None:
        answer, error = outcome(parts.targets)
        if answer is None:
            return EnvState(error=error)
        targets = answer
    tasks = tuple(fleet.stopped.get(w.names.service, [])) if service else ()
    if parts.task_definition is None:
        return EnvState(service, tasks, tuple(targets))
    td, why = outcome(parts.task_definition)
    attributes: dict[str, str] | None = {}
    if parts.attributes is not None:
        attributes, why_attributes = outcome(parts.attributes)
        why = why or why_attributes
    if td is None or why is not None:
        return EnvState(service, tasks, tuple(targets), drift_error=why)
    group = fleet.groups.get(w.names.target_group) if attributes is not None else None
    now = {
        "revisions": td[0],
        "task_definition": td[1],
        "service": service,
        "target_group_arn": str(group["TargetGroupArn"]) if group else None,
        "target_group": group,
        "attributes": attributes or {},
    }
    return EnvState(service, tasks, tuple(targets), now)
