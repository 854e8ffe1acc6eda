"""Discovery sources backed by AWS: ECS task IPs, or the targets of an ALB target group.

Every call goes through ``aws_errors.aws_call``, so an outage, a missing permission or a
deleted service comes out as an eden error that names the endpoint, region and call.
AWS's batch limits are honoured: DescribeServices takes 10 services, DescribeTasks 100
tasks, and an EC2 filter at most 200 values (100 are used).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from eden.core.tags import TAG_SLEEPING as SLEEPING_TAG
from eden.errors import NotFound, UsageError
from eden.scaler.aws_errors import aws_call
from eden.scaler.discovery import Endpoint, ServiceView

log = logging.getLogger("eden.scaler")

DESCRIBE_SERVICES_BATCH = 10
DESCRIBE_TASKS_BATCH = 100
INSTANCE_FILTER_BATCH = 100
_STARTING = frozenset({"PROVISIONING", "PENDING", "ACTIVATING"})
# Targets that take no new requests: leaving, not yet checked, or not in an enabled zone.
_NOT_SERVING = frozenset({"draining", "initial", "unused"})


def chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


class ServiceCounts:
    """Desired, running and pending counts of every watched service of one cluster.

    The services of one cluster share one of these, so a refresh of 50 services costs 5
    DescribeServices calls, not 50: the first discovery that finds the counts older than
    ``max_age`` fetches them all.
    """

    def __init__(self, ecs: Any, cluster: str, *, max_age: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ecs, self.cluster, self.max_age, self.clock = ecs, cluster, max_age, clock
        self._services: list[str] = []
        self._counts: dict[str, tuple[int, int, int]] = {}
        self._sleeping: set[str] = set()  # tagged eden:sleeping (docs/sleep-wake.md)
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def watch(self, service: str) -> None:
        with self._lock:
            if service not in self._services:
                self._services.append(service)

    def counts(self, service: str) -> tuple[int, int, int]:
        self.watch(service)
        with self._lock:
            stale = self.clock() - self._fetched_at >= self.max_age
            if stale or service not in self._counts:
                self._refresh()
            found = self._counts.get(service)
        if found is None:
            raise NotFound(f"service {service} not found in cluster {self.cluster} "
                           "(DescribeServices: missing or inactive)",
                           where=f"{self.cluster}/{service}",
                           hint="check cluster and service in the [[services]] entry")
        return found

    def note_desired(self, service: str, desired: int) -> None:
        with self._lock:
            known = self._counts.get(service)
            if known is not None:
                self._counts[service] = (desired, known[1], known[2])

    def sleeping(self, service: str) -> bool:
        """Put to sleep by eden (``eden sleep``): the scaler must not wake it."""
        return service in self._sleeping

    def _refresh(self) -> None:
        fresh: dict[str, tuple[int, int, int]] = {}
        sleeping: set[str] = set()
        for batch in chunks(self._services, DESCRIBE_SERVICES_BATCH):
            answer = aws_call(self.ecs, "ecs:DescribeServices", f"cluster {self.cluster}",
                              lambda b=batch: self.ecs.describe_services(  # type: ignore[misc]
                                  cluster=self.cluster, services=b, include=["TAGS"]))
            for s in answer.get("services", []):
                if s.get("status", "ACTIVE") == "INACTIVE":
                    continue
                if any(t.get("key") == SLEEPING_TAG for t in s.get("tags") or []):
                    sleeping.add(str(s["serviceName"]))
                fresh[str(s["serviceName"])] = (int(s["desiredCount"]),
                                                int(s.get("runningCount", 0)),
                                                int(s.get("pendingCount", 0)))
        self._counts, self._sleeping = fresh, sleeping
        self._fetched_at = self.clock()


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

    def __init__(self, ecs: Any, cluster: str, service: str, port: int,
                 counts: ServiceCounts | None = None) -> None:
        self.ecs, self.cluster, self.service, self.port = ecs, cluster, service, port
        self.counts = counts or ServiceCounts(ecs, cluster)
        self.counts.watch(service)

    def note_desired(self, desired: int) -> None:
        self.counts.note_desired(self.service, desired)

    def discover(self) -> ServiceView:
        desired, running, pending = self.counts.counts(self.service)
        where = f"{self.cluster}/{self.service}"
        arns = aws_call(self.ecs, "ecs:ListTasks", where, self._list_tasks)
        tasks: list[Mapping[str, Any]] = []
        for batch in chunks(arns, DESCRIBE_TASKS_BATCH):
            answer = aws_call(self.ecs, "ecs:DescribeTasks", where,
                              lambda b=batch: self.ecs.describe_tasks(  # type: ignore[misc]
                                  cluster=self.cluster, tasks=b))
            tasks.extend(answer["tasks"])
        starting = sum(1 for t in tasks if t.get("lastStatus") in _STARTING)
        endpoints = endpoints_from_tasks(tasks, self.port)
        if tasks and not endpoints and not starting:
            log.warning("%s: %d task(s) but none with an awsvpc IP; for EC2 bridge or host "
                        'mode use discovery = "target_group"', where, len(tasks))
        return ServiceView(tuple(endpoints), desired, running, max(pending, starting),
                           sleeping=self.counts.sleeping(self.service))

    def _list_tasks(self) -> list[str]:
        arns: list[str] = []
        paginator = self.ecs.get_paginator("list_tasks")
        for page in paginator.paginate(
            cluster=self.cluster, serviceName=self.service, desiredStatus="RUNNING"
        ):
            arns.extend(page.get("taskArns", []))
        return arns


class InstanceAddresses:
    """Private IPs of EC2 instances by ID (DescribeInstances with an instance-id filter).

    An instance keeps its primary private IP for life, so only IDs not seen before cost a
    call; IDs no longer asked for are forgotten, so the cache follows the fleet.
    """

    def __init__(self, ec2: Any) -> None:
        self.ec2 = ec2
        self._ips: dict[str, str] = {}

    def resolve(self, ids: Iterable[str], where: str) -> dict[str, str]:
        wanted = sorted(set(ids))
        unknown = [i for i in wanted if i not in self._ips]
        for batch in chunks(unknown, INSTANCE_FILTER_BATCH):
            found = aws_call(self.ec2, "ec2:DescribeInstances", where,
                             lambda b=batch: self._describe(b))  # type: ignore[misc]
            self._ips.update(found)
        self._ips = {i: self._ips[i] for i in wanted if i in self._ips}
        return dict(self._ips)

    def _describe(self, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        pages = self.ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-id", "Values": ids}])
        for page in pages:
            for reservation in page.get("Reservations", []):
                for instance in reservation.get("Instances", []):
                    ip = instance.get("PrivateIpAddress")
                    if ip:
                        out[str(instance["InstanceId"])] = str(ip)
        return out


class TargetGroupDiscovery:
    """The targets of the service's ALB target group that take requests.

    ``ip`` targets (awsvpc tasks) are scraped at their IP and registered port. ``instance``
    targets (EC2 bridge or host mode) name an instance: eden scrapes the instance's private
    IP at the port the task registered (with dynamic host ports one instance carries
    several tasks, each its own target).
    """

    def __init__(self, ecs: Any, elbv2: Any, cluster: str, service: str, arn: str, *,
                 ec2: Any = None, counts: ServiceCounts | None = None) -> None:
        self.ecs, self.elbv2 = ecs, elbv2
        self.cluster, self.service, self.arn = cluster, service, arn
        self.counts = counts or ServiceCounts(ecs, cluster)
        self.counts.watch(service)
        self.instances = InstanceAddresses(ec2) if ec2 is not None else None
        self._target_type: str | None = None

    def note_desired(self, desired: int) -> None:
        self.counts.note_desired(self.service, desired)

    def discover(self) -> ServiceView:
        desired, running, pending = self.counts.counts(self.service)
        kind = self.target_type()
        health = aws_call(self.elbv2, "elasticloadbalancing:DescribeTargetHealth", self.arn,
                          lambda: self.elbv2.describe_target_health(TargetGroupArn=self.arn))
        targets: list[tuple[str, int]] = []
        for d in health.get("TargetHealthDescriptions", []):
            if d.get("TargetHealth", {}).get("State", "") in _NOT_SERVING:
                continue
            targets.append((str(d["Target"]["Id"]), int(d["Target"]["Port"])))
        if kind == "instance":
            endpoints = self._instance_endpoints(targets)
        else:
            endpoints = [Endpoint(host, port) for host, port in targets]
        endpoints.sort(key=lambda e: e.id)
        return ServiceView(tuple(endpoints), desired, running, pending,
                           sleeping=self.counts.sleeping(self.service))

    def target_type(self) -> str:
        """ip or instance, read once (a target group's type never changes)."""
        if self._target_type is None:
            answer = aws_call(self.elbv2, "elasticloadbalancing:DescribeTargetGroups",
                              self.arn, lambda: self.elbv2.describe_target_groups(
                                  TargetGroupArns=[self.arn]))
            kind = str(answer["TargetGroups"][0].get("TargetType", "instance"))
            if kind not in ("ip", "instance"):
                raise UsageError(
                    f"target group {self.arn} has {kind} targets: there are no tasks to "
                    "scrape", where=f"{self.cluster}/{self.service}",
                    hint='use the target group of the ECS service, or discovery = "ecs"')
            self._target_type = kind
        return self._target_type

    def _instance_endpoints(self, targets: list[tuple[str, int]]) -> list[Endpoint]:
        if self.instances is None:
            raise UsageError(f"target group {self.arn} has instance targets, and no EC2 "
                             "client was given to look up their private IPs")
        ips = self.instances.resolve((i for i, _ in targets), self.arn)
        missing = sorted({i for i, _ in targets if i not in ips})
        if missing:
            log.warning("%s/%s: no private IP for instance(s) %s; not scraped",
                        self.cluster, self.service, ", ".join(missing))
        return [Endpoint(ips[i], port, f"{i}:{port}") for i, port in targets if i in ips]
