"""Task discovery from canned ECS responses (a fake client with just the calls used)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from eden.errors import NotFound, UsageError
from eden.scaler.aws_sources import (
    EcsTaskDiscovery,
    ServiceCounts,
    TargetGroupDiscovery,
    endpoints_from_tasks,
    task_ip,
)
from eden.scaler.discovery import CachedDiscovery, CallableDiscovery, ServiceView


def eni_task(arn: str, ip: str, status: str = "RUNNING") -> dict[str, Any]:
    return {
        "taskArn": arn,
        "lastStatus": status,
        "desiredStatus": "RUNNING",
        "attachments": [{
            "type": "ElasticNetworkInterface",
            "details": [{"name": "subnetId", "value": "subnet-1"},
                        {"name": "privateIPv4Address", "value": ip}],
        }],
    }


class FakePaginator:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self.pages


class FakeEcs:
    """ECS with 250 tasks: ListTasks pages of 100, DescribeTasks at most 100 per call."""

    def __init__(self, tasks: list[dict[str, Any]]) -> None:
        self.tasks = {t["taskArn"]: t for t in tasks}
        self.describe_calls = 0

    def describe_services(
        self, cluster: str, services: list[str], include: Any = None
    ) -> dict[str, Any]:
        return {"services": [{"serviceName": "web", "desiredCount": 260, "runningCount": 240,
                              "pendingCount": 5}]}

    def get_paginator(self, name: str) -> FakePaginator:
        assert name == "list_tasks"
        arns = list(self.tasks)
        return FakePaginator([{"taskArns": arns[i:i + 100]} for i in range(0, len(arns), 100)])

    def describe_tasks(self, cluster: str, tasks: list[str]) -> dict[str, Any]:
        assert len(tasks) <= 100
        self.describe_calls += 1
        return {"tasks": [self.tasks[a] for a in tasks]}


def test_task_ip_from_eni_or_container() -> None:
    assert task_ip(eni_task("a", "10.0.0.7")) == "10.0.0.7"
    container = {"containers": [{"networkInterfaces": [{"privateIpv4Address": "10.1.1.1"}]}]}
    assert task_ip(container) == "10.1.1.1"
    assert task_ip({"attachments": []}) is None


def test_only_running_tasks_with_an_ip_are_endpoints() -> None:
    tasks = [eni_task("b", "10.0.0.2"), eni_task("a", "10.0.0.1"),
             eni_task("c", "10.0.0.3", status="PROVISIONING"), {"taskArn": "d",
                                                                 "lastStatus": "RUNNING"}]
    eps = endpoints_from_tasks(tasks, 8080)
    assert [(e.host, e.port, e.key) for e in eps] == [("10.0.0.1", 8080, "a"),
                                                      ("10.0.0.2", 8080, "b")]


def test_ecs_discovery_batches_describe_calls() -> None:
    tasks = [eni_task(f"arn:{i:03d}", f"10.0.{i // 250}.{i % 250}") for i in range(240)]
    tasks += [eni_task(f"arn:p{i}", "10.9.9.9", status="PENDING") for i in range(10)]
    ecs = FakeEcs(tasks)
    view = EcsTaskDiscovery(ecs, "c", "web", 80).discover()
    assert len(view.endpoints) == 240
    assert ecs.describe_calls == 3
    assert (view.desired, view.running, view.pending) == (260, 240, 10)


def test_cache_refreshes_on_interval_and_remembers_our_update() -> None:
    calls = {"n": 0}

    def source() -> ServiceView:
        calls["n"] += 1
        return ServiceView((), 3, 3, 0)

    async def scenario() -> None:
        cache = CachedDiscovery(CallableDiscovery(source), refresh=5.0)
        for t in range(12):
            view = await cache.view(float(t))
            assert view is not None
        assert calls["n"] == 3  # t = 0, 5, 10
        cache.note_desired(9)
        view = await cache.view(11.0)
        assert view is not None and view.desired == 9
        cache.invalidate()
        view = await cache.view(11.5)
        assert view is not None and view.desired == 3

    asyncio.run(scenario())


class CountingEcs:
    """DescribeServices over a dict of services; records each call's batch."""

    def __init__(self, services: dict[str, tuple[int, str]]) -> None:
        self.services = services
        self.batches: list[list[str]] = []

    def describe_services(
        self, cluster: str, services: list[str], include: Any = None
    ) -> dict[str, Any]:
        self.batches.append(list(services))
        found = [{"serviceName": n, "status": self.services[n][1],
                  "desiredCount": self.services[n][0], "runningCount": 1, "pendingCount": 0}
                 for n in services if n in self.services]
        return {"services": found, "failures": []}


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_service_counts_are_shared_cached_and_follow_our_updates() -> None:
    ecs = CountingEcs({f"s{i}": (i, "ACTIVE") for i in range(25)})
    clock = ManualClock()
    counts = ServiceCounts(ecs, "c", max_age=2.5, clock=clock)
    for i in range(25):
        counts.watch(f"s{i}")
    assert counts.counts("s7") == (7, 1, 0)
    assert [len(b) for b in ecs.batches] == [10, 10, 5]
    clock.now = 2.4
    assert counts.counts("s24") == (24, 1, 0)
    assert len(ecs.batches) == 3  # still fresh: no call
    counts.note_desired("s24", 30)
    assert counts.counts("s24") == (30, 1, 0)
    clock.now = 2.5
    assert counts.counts("s24") == (24, 1, 0)  # refreshed: AWS's answer again
    assert len(ecs.batches) == 6


def test_inactive_or_missing_services_are_not_found() -> None:
    counts = ServiceCounts(CountingEcs({"old": (0, "INACTIVE")}), "c")
    with pytest.raises(NotFound, match="service old not found in cluster c"):
        counts.counts("old")
    with pytest.raises(NotFound, match="service new not found in cluster c"):
        counts.counts("new")


class FakeElb:
    def __init__(self, kind: str, targets: list[tuple[str, int, str]]) -> None:
        self.kind, self.targets = kind, targets

    def describe_target_groups(self, TargetGroupArns: list[str]) -> dict[str, Any]:
        return {"TargetGroups": [{"TargetType": self.kind}]}

    def describe_target_health(self, TargetGroupArn: str) -> dict[str, Any]:
        return {"TargetHealthDescriptions": [
            {"Target": {"Id": i, "Port": p}, "TargetHealth": {"State": s}}
            for i, p, s in self.targets]}


class FakeEc2:
    def __init__(self, ips: dict[str, str]) -> None:
        self.ips = ips
        self.asked: list[list[str]] = []

    def get_paginator(self, name: str) -> FakePaginator:
        assert name == "describe_instances"
        outer = self

        class Pages(FakePaginator):
            def paginate(self, **kw: Any) -> list[dict[str, Any]]:
                ids = kw["Filters"][0]["Values"]
                outer.asked.append(ids)
                return [{"Reservations": [{"Instances": [
                    {"InstanceId": i, "PrivateIpAddress": outer.ips[i]}
                    for i in ids if i in outer.ips]}]}]

        return Pages([])


def one_service_ecs() -> CountingEcs:
    return CountingEcs({"web": (4, "ACTIVE")})


def test_ip_targets_skip_those_that_take_no_requests() -> None:
    elb = FakeElb("ip", [("10.0.0.2", 80, "healthy"), ("10.0.0.1", 80, "unhealthy"),
                         ("10.0.0.3", 80, "draining"), ("10.0.0.4", 80, "initial"),
                         ("10.0.0.5", 80, "unused")])
    view = TargetGroupDiscovery(one_service_ecs(), elb, "c", "web", "arn:tg").discover()
    assert [(e.host, e.port) for e in view.endpoints] == [("10.0.0.1", 80), ("10.0.0.2", 80)]


def test_instance_targets_resolve_private_ips_once() -> None:
    elb = FakeElb("instance", [("i-b", 32769, "healthy"), ("i-a", 32768, "healthy"),
                               ("i-a", 32770, "healthy"), ("i-gone", 32771, "healthy")])
    ec2 = FakeEc2({"i-a": "10.0.1.1", "i-b": "10.0.1.2"})
    source = TargetGroupDiscovery(one_service_ecs(), elb, "c", "web", "arn:tg", ec2=ec2)
    view = source.discover()
    assert [(e.host, e.port, e.key) for e in view.endpoints] == [
        ("10.0.1.1", 32768, "i-a:32768"), ("10.0.1.1", 32770, "i-a:32770"),
        ("10.0.1.2", 32769, "i-b:32769")]
    assert ec2.asked == [["i-a", "i-b", "i-gone"]]
    source.discover()
    assert ec2.asked == [["i-a", "i-b", "i-gone"], ["i-gone"]]  # only the unknown one again


def test_lambda_target_groups_are_refused() -> None:
    source = TargetGroupDiscovery(one_service_ecs(), FakeElb("lambda", []), "c", "web", "arn:tg")
    with pytest.raises(UsageError, match="target group arn:tg has lambda targets"):
        source.discover()


def test_instance_targets_need_an_ec2_client() -> None:
    source = TargetGroupDiscovery(one_service_ecs(), FakeElb("instance", [("i-a", 1, "healthy")]),
                                  "c", "web", "arn:tg")
    with pytest.raises(UsageError, match="no EC2 client was given"):
        source.discover()
