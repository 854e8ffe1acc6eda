"""Finding a service's tasks: ECS task IPs or ALB targets, cached between refreshes.

Discovery costs AWS calls (DescribeServices, ListTasks, DescribeTasks, DescribeTargetHealth),
so it runs every ``refresh`` seconds, not every tick: a 1 s tick over 50 services must not
become hundreds of describe calls per second. Between refreshes the daemon scrapes the
cached endpoints; a refresh that fails keeps the last good view (stale beats blind).

Sources are synchronous (boto3 is) and run in a worker thread. Tests inject their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

log = logging.getLogger("eden.scaler")

_DESCRIBE_BATCH = 100  # DescribeTasks takes at most 100 task ARNs
_STARTING = frozenset({"PROVISIONING", "PENDING", "ACTIVATING"})


@dataclass(frozen=True)
class Endpoint:
    """Where one task answers metric scrapes; ``key`` is stable for the task's lifetime."""

    host: str
    port: int
    key: str = ""

    @property
    def id(self) -> str:
        return self.key or f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ServiceView:
    """A service as last discovered: its running endpoints and ECS's own counts."""

    endpoints: tuple[Endpoint, ...]
    desired: int
    running: int
    pending: int


class DiscoverySource(Protocol):
    def discover(self) -> ServiceView: ...


def _service_counts(ecs: Any, cluster: str, service: str) -> tuple[int, int, int]:
    found = ecs.describe_services(cluster=cluster, services=[service]).get("services", [])
    if not found:
        raise LookupError(f"service {service} not found in cluster {cluster}")
    s = found[0]
    return int(s["desiredCount"]), int(s.get("runningCount", 0)), int(s.get("pendingCount", 0))


def task_ip(task: Mapping[str, Any]) -> str | None:
    """The awsvpc private IP of a task, from its ENI attachment or its containers."""
    for attachment in task.get("attachments", []):
        if attachment.get("type") != "ElasticNetworkInterface":
            continue
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address" and detail.get("value"):
                return str(detail["value"])
    for container in task.get("containers", []):
        for eni in container.get("networkInterfaces", []):
            if eni.get("privateIpv4Address"):
                return str(eni["privateIpv4Address"])
    return None


def endpoints_from_tasks(tasks: Iterable[Mapping[str, Any]], port: int) -> list[Endpoint]:
    """Running tasks with an IP, ordered by ARN so sampling and logs are stable."""
    out = []
    for task in tasks:
        if task.get("lastStatus") != "RUNNING" or task.get("desiredStatus") == "STOPPED":
            continue
        ip = task_ip(task)
        if ip:
            out.append(Endpoint(ip, port, str(task.get("taskArn", ""))))
    return sorted(out, key=lambda e: e.id)


class EcsTaskDiscovery:
    """Running awsvpc tasks of one ECS service (ListTasks + batched DescribeTasks)."""

    def __init__(self, ecs: Any, cluster: str, service: str, port: int) -> None:
        self.ecs, self.cluster, self.service, self.port = ecs, cluster, service, port

    def discover(self) -> ServiceView:
        desired, running, pending = _service_counts(self.ecs, self.cluster, self.service)
        arns: list[str] = []
        paginator = self.ecs.get_paginator("list_tasks")
        for page in paginator.paginate(
            cluster=self.cluster, serviceName=self.service, desiredStatus="RUNNING"
        ):
            arns.extend(page.get("taskArns", []))
        tasks: list[Mapping[str, Any]] = []
        for i in range(0, len(arns), _DESCRIBE_BATCH):
            batch = arns[i : i + _DESCRIBE_BATCH]
            tasks.extend(self.ecs.describe_tasks(cluster=self.cluster, tasks=batch)["tasks"])
        starting = sum(1 for t in tasks if t.get("lastStatus") in _STARTING)
        endpoints = endpoints_from_tasks(tasks, self.port)
        return ServiceView(tuple(endpoints), desired, running, max(pending, starting))


class TargetGroupDiscovery:
    """The targets of the service's ALB target group (anything not draining)."""

    def __init__(self, ecs: Any, elbv2: Any, cluster: str, service: str, arn: str) -> None:
        self.ecs, self.elbv2 = ecs, elbv2
        self.cluster, self.service, self.arn = cluster, service, arn

    def discover(self) -> ServiceView:
        desired, running, pending = _service_counts(self.ecs, self.cluster, self.service)
        health = self.elbv2.describe_target_health(TargetGroupArn=self.arn)
        endpoints = []
        for d in health.get("TargetHealthDescriptions", []):
            state = d.get("TargetHealth", {}).get("State", "")
            if state in ("draining", "initial"):
                continue
            target = d["Target"]
            endpoints.append(Endpoint(str(target["Id"]), int(target["Port"])))
        endpoints.sort(key=lambda e: e.id)
        return ServiceView(tuple(endpoints), desired, running, pending)


class CallableDiscovery:
    """Adapts a plain function; what tests and the e2e harness use."""

    def __init__(self, fn: Callable[[], ServiceView]) -> None:
        self._fn = fn

    def discover(self) -> ServiceView:
        return self._fn()


class CachedDiscovery:
    """Refreshes a source every ``refresh`` seconds and remembers our own updates.

    After eden sets a desired count it knows the new value before ECS reports it;
    ``note_desired`` applies it to the cached view so the next tick does not ask again.
    """

    def __init__(self, source: DiscoverySource, refresh: float) -> None:
        self.source = source
        self.refresh = refresh
        self._view: ServiceView | None = None
        self._fetched_at = float("-inf")
        self.last_error: str = ""
        self.refreshes = 0

    async def view(self, now: float) -> ServiceView | None:
        if self._view is None or now - self._fetched_at >= self.refresh:
            await self._refresh(now)
        return self._view

    async def _refresh(self, now: float) -> None:
        try:
            fresh = await asyncio.to_thread(self.source.discover)
        except Exception as exc:  # any AWS or network failure: keep the last good view
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("discovery failed (%s); keeping the last view", self.last_error)
            self._fetched_at = now  # retry after another refresh interval, not every tick
            return
        self.last_error = ""
        self._view = fresh
        self._fetched_at = now
        self.refreshes += 1

    def note_desired(self, desired: int) -> None:
        if self._view is not None:
            self._view = replace(self._view, desired=desired)

    def invalidate(self) -> None:
        self._fetched_at = float("-inf")
