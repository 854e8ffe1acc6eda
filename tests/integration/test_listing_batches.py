"""`eden ls` reads the fleet in batches (envs/survey.py), and shows what reading each
environment alone shows: the AWS calls of a listing of N environments are pinned, so a
return to per-environment reads fails here."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from eden_world import World

from eden.envs.observe import Observer, Survey
from moto_tasks import add_task, set_target_health, target_health_overrides

pytestmark = pytest.mark.integration

N = 11  # two DescribeServices calls: 10 services a call


def _fleet(world: World) -> list[str]:
    """N environments: one with a stopped task, one whose service was deleted by hand,
    one with unhealthy targets (set later) and one with a newer revision registered by
    hand; the others as made."""
    branches = [f"feature/batch-{i:02d}" for i in range(N)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda b: world.engine.create(b, world.image), branches))
    cluster = world.seed.cluster
    add_task(cluster, "eden-feature-batch-00", status="STOPPED",
             stopped_reason="Essential container in task exited",
             stop_code="EssentialContainerExited", exits={"app": (1, None)})
    world.checker.ecs.delete_service(cluster, "eden-feature-batch-01")
    ecs = world.checker.clients.client("ecs")
    td = ecs.describe_task_definition(taskDefinition="eden-feature-batch-03")["taskDefinition"]
    keep = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities", "cpu",
            "executionRoleArn", "taskRoleArn")
    ecs.register_task_definition(**{k: td[k] for k in keep if td.get(k)}, memory="2048")
    return branches


@pytest.mark.heavy(seconds=25)
def test_ls_reads_in_batches_and_shows_what_reading_one_by_one_shows(world: World) -> None:
    _fleet(world)
    records = world.engine.environments()
    observer = Observer(world.engine)
    with target_health_overrides():
        third = next(r for r in records if r.name == "feature-batch-02")
        set_target_health(third.services[0].target_group_arn or "", "unhealthy",
                          "Target.Timeout", "Request timed out")
        world.clients.reset_calls()
        ref = observer.reference(records[0])
        reference_calls = Counter(c.operation for c in world.clients.calls())
        world.clients.reset_calls()
        listed = observer.survey(records)
        calls = Counter(c.operation for c in world.clients.calls())
        alone = {r.name: Survey(observer.health(r), observer.drift(r, ref)) for r in records}

    assert listed == alone
    verdicts = {name: s.health.verdict for name, s in listed.items() if s.health}
    assert (verdicts["feature-batch-00"], verdicts["feature-batch-01"],
            verdicts["feature-batch-02"]) == ("healthy", "missing", "unhealthy")
    assert [t.stop.kind for t in listed["feature-batch-00"].health.stopped  # type: ignore[union-attr]
            if t.stop] == ["exit_code"]
    drifted = sorted(n for n, s in listed.items() if s.drift and s.drift.drifted)
    assert drifted == ["feature-batch-01", "feature-batch-03"]
    # Besides reading the reference: once for the fleet, its services 10 a call, its
    # stopped tasks, revisions and target groups; once per environment, its targets (if
    # its service exists), its latest revision and its target group's attributes.
    assert calls - reference_calls == Counter({
        "DescribeServices": 2, "ListTasks": 1, "DescribeTasks": 1,
        "ListTaskDefinitions": 1, "DescribeTargetGroups": 1,
        "DescribeTargetHealth": N - 1, "DescribeTaskDefinition": N,
        "DescribeTargetGroupAttributes": N,
    })
    assert calls.total() - reference_calls.total() == 3 * N + 5
