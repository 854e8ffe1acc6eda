"""Task discovery from canned ECS responses (a fake client with just the calls used)."""

from __future__ import annotations

import asyncio
from typing import Any

from eden.scaler.discovery import (
    CachedDiscovery,
    CallableDiscovery,
    EcsTaskDiscovery,
    ServiceView,
    endpoints_from_tasks,
    task_ip,
)


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

    def describe_services(self, cluster: str, services: list[str]) -> dict[str, Any]:
        return {"services": [{"desiredCount": 260, "runningCount": 240, "pendingCount": 5}]}

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
