"""envs/survey.py without AWS: which reads a listing makes, and what a failed one costs.

The integration test (tests/integration/test_listing_batches.py) holds the listing's
answer equal to reading one by one; these cover the paths moto does not take: a busy
account's revision listing given up for one call per family, and a batch read that
fails."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from eden.core.naming import EnvNames
from eden.envs.survey import Wanted, by_service, read_states
from eden.errors import AwsError


def _names(i: int) -> EnvNames:
    return EnvNames(
        name=f"env-{i}", branch=f"b{i}", task_family=f"fam-{i}", service=f"svc-{i}",
        target_group=f"tg-{i}", host=f"env-{i}.example.com", endpoint_name=f"env-{i}",
    )


class FakeEcs:
    def __init__(self, revisions: dict[str, list[str]] | None, fail: str | None = None):
        self.revisions = revisions
        self.fail = fail
        self.asked: list[str] = []

    def describe_services(self, cluster: str, names: list[str]) -> list[dict[str, Any]]:
        self.asked.append(f"services {len(names)}")
        if self.fail == "services":
            raise AwsError("throttled", code="ThrottlingException")
        return [{"serviceName": n, "status": "ACTIVE", "desiredCount": 1, "runningCount": 1}
                for n in names]

    def task_arns(self, cluster: str, desired_status: str) -> list[str]:
        return ["arn:task/1"]

    def describe_tasks(self, cluster: str, arns: list[str]) -> list[dict[str, Any]]:
        return [{"taskArn": "arn:task/1", "group": "service:svc-0", "lastStatus": "STOPPED"}]

    def active_revisions(self, max_pages: int) -> dict[str, list[str]] | None:
        self.asked.append(f"revisions {max_pages}")
        return self.revisions

    def task_definition_arns(self, family: str) -> list[str]:
        self.asked.append(f"family {family}")
        return [f"arn:td/{family}:1", f"arn:td/{family}:2"]

    def describe_task_definition(self, ref: str) -> tuple[dict[str, Any], list[Any]]:
        return {"taskDefinitionArn": ref}, []


class FakeElb:
    def all_target_groups(self) -> list[dict[str, Any]]:
        return [{"TargetGroupName": f"tg-{i}", "TargetGroupArn": f"arn:tg/{i}"}
                for i in range(12)]

    def target_health(self, arn: str) -> list[dict[str, Any]]:
        return []

    def target_group_attributes(self, arn: str) -> dict[str, str]:
        if arn == "arn:tg/1":
            raise AwsError("gone", code="TargetGroupNotFound")
        return {"stickiness.enabled": "false"}


def _read(ecs: FakeEcs, n: int = 12) -> dict[str, Any]:
    wanted = {f"env-{i}": Wanted(_names(i), f"arn:tg/{i}") for i in range(n)}
    aws: Any = SimpleNamespace(ecs=ecs, elbv2=FakeElb())
    with ThreadPoolExecutor(max_workers=4) as pool:
        return read_states(aws, pool, "cluster", wanted, with_drift=True)


def test_tasks_are_told_apart_by_the_service_that_started_them() -> None:
    tasks = [{"group": "service:a"}, {"group": "eden-hook:a"}, {"group": "service:b"}, {}]
    assert by_service(tasks) == {"a": [{"group": "service:a"}], "b": [{"group": "service:b"}]}


def test_a_busy_account_is_asked_family_by_family_and_a_group_gone_reads_as_missing() -> None:
    ecs = FakeEcs(revisions=None)  # more pages than 1 + 12 // 10 = 2
    states = _read(ecs)
    assert sorted(a for a in ecs.asked if a.startswith(("revisions", "services"))) == [
        "revisions 2", "services 10", "services 2"]
    assert sorted(a for a in ecs.asked if a.startswith("family")) == sorted(
        f"family fam-{i}" for i in range(12))
    now = states["env-0"].now
    assert now is not None and now["revisions"] == ["arn:td/fam-0:1", "arn:td/fam-0:2"]
    assert now["task_definition"] == {"taskDefinitionArn": "arn:td/fam-0:2"}
    assert [t["taskArn"] for t in states["env-0"].tasks] == ["arn:task/1"]
    assert states["env-2"].tasks == ()
    gone = states["env-1"].now
    assert gone is not None and (gone["target_group"], gone["attributes"]) == (None, {})


def test_a_failed_batch_is_each_environments_error() -> None:
    states = _read(FakeEcs(revisions={}, fail="services"))
    assert {s.error for s in states.values()} == {"throttled"}
    assert all(s.service is None and s.now is None for s in states.values())


@pytest.mark.parametrize("revisions", [{}, {"fam-3": ["arn:td/fam-3:7"]}])
def test_the_latest_revision_listed_is_the_one_described(revisions: dict[str, list[str]]) -> None:
    ecs = FakeEcs(revisions=revisions)
    now = _read(ecs, n=4)["env-3"].now
    assert not any(a.startswith("family") for a in ecs.asked)
    assert now is not None
    assert now["task_definition"] == (
        {"taskDefinitionArn": "arn:td/fam-3:7"} if revisions else None)
