"""Hooks (``[hooks]``): postdeploy after the first create, migrate before each deploy's
service update, predestroy before delete. Each is a RunTask of the environment's task
definition, run for real by the sandbox's model (a local ``sh -c``), its output read back
from CloudWatch Logs; a failure fails the operation with nothing half-made, or only warns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from eden_world import World
from fault_proxy import FaultProxy
from inventory import inventory

from eden.config.hooks import hooks_table
from eden.envs.engine import Engine
from eden.envs.executor import StepFailedError
from eden.envs.observe import Observer
from eden.envs.plan import Step
from eden.wiring import open_engine

pytestmark = pytest.mark.integration

OK_HOOKS = {
    "postdeploy": 'echo "seeding the preview database"; echo "seeded 3 rows"',
    "migrate": 'echo "migrating with $HOOK_SETTING"',
    "predestroy": 'echo "dropping the preview database"',
}


@contextmanager
def _engine(world: World, hooks: dict[str, Any], url: str | None = None) -> Iterator[Engine]:
    service = replace(world.engine.profile.service, hooks=hooks_table(hooks, where="test"))
    profile = replace(
        world.engine.profile,
        services=(service,),
        env={"HOOK_SETTING": "from-the-profile"},
        endpoint_url=url or world.engine.profile.endpoint_url,
    )
    with open_engine(profile, store=world.store, clients=None if url else world.clients) as engine:
        yield engine


class Notes:
    """What the progress display would show, per step."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, step: Step, message: str) -> None:
        self.lines.append((step.id, message))

    def of(self, step_id: str) -> list[str]:
        return [m for s, m in self.lines if s == step_id]


def _hook_tasks(world: World, service: str) -> list[dict[str, Any]]:
    ecs = world.checker.clients.client("ecs")
    arns = ecs.list_tasks(cluster=world.seed.cluster, desiredStatus="STOPPED")["taskArns"]
    arns += ecs.list_tasks(cluster=world.seed.cluster)["taskArns"]
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=world.seed.cluster, tasks=arns)["tasks"]
    return [t for t in tasks if t.get("group") == f"eden-hook:{service}"]


def _service_revision(world: World, name: str) -> str:
    found = world.checker.ecs.describe_service(world.seed.cluster, name)
    assert found is not None
    return str(found["taskDefinition"])


def test_hooks_run_as_tasks_in_the_reference_network_and_their_logs_are_shown(
    world: World,
) -> None:
    before = inventory(world.checker, world.seed)
    with _engine(world, OK_HOOKS) as engine:
        notes = Notes()
        made = engine.create("feature/hooks", world.image, notes=notes)
        assert [s.id for s in made.plan.steps][-1] == "hook_postdeploy"
        assert notes.of("hook_postdeploy")[-2:] == [
            "postdeploy: seeding the preview database",
            "postdeploy: seeded 3 rows",
        ]
        service = "eden-feature-hooks"
        (task,) = _hook_tasks(world, service)
        assert task["taskDefinitionArn"] == _service_revision(world, service)
        assert task["launchType"] == "FARGATE"
        assert task["overrides"]["containerOverrides"][0]["command"] == [
            "sh", "-c", OK_HOOKS["postdeploy"],
        ]  # fmt: skip
        reference = world.checker.ecs.describe_service(
            world.seed.cluster, world.seed.reference_service
        )
        assert reference is not None
        subnet = reference["networkConfiguration"]["awsvpcConfiguration"]["subnets"][0]
        details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
        assert details["subnetId"] == subnet
        # `eden logs` reads the hook's task beside the service's.
        assert made.record is not None
        reader, _notes, _td = Observer(engine).logs(made.record)
        lines, _more = reader.read(since=0)
        hook_task_id = task["taskArn"].rsplit("/", 1)[-1]
        assert [line.message for line in lines if line.task == hook_task_id] == [
            "seeding the preview database", "seeded 3 rows",
        ]  # fmt: skip

        # A deploy runs migrate with the new revision, before the service update.
        notes = Notes()
        deployed = engine.create("feature/hooks", world.seed.image_uris[1], notes=notes)
        update = deployed.plan.step("service")
        assert "hook_migrate" in update.depends_on
        assert notes.of("hook_migrate")[-1] == "migrate: migrating with from-the-profile"
        migrate = [t for t in _hook_tasks(world, service) if t["startedBy"] == "eden-hook-migrate"]
        assert [t["taskDefinitionArn"] for t in migrate] == [_service_revision(world, service)]

        notes = Notes()
        gone = engine.delete("feature/hooks", notes=notes)
        assert gone.plan.steps[0].id == "hook_predestroy"
        assert all("hook_predestroy" in s.depends_on for s in gone.plan.steps[1:])
        assert notes.of("hook_predestroy")[-1] == "predestroy: dropping the preview database"
    assert inventory(world.checker, world.seed) == before


def test_a_failing_postdeploy_undoes_the_create_and_shows_the_log_tail(world: World) -> None:
    before = inventory(world.checker, world.seed)
    hooks = {"postdeploy": 'echo "loading fixtures"; echo "relation users missing" >&2; exit 3'}
    with _engine(world, hooks) as engine, pytest.raises(StepFailedError) as failed:
        engine.create("feature/bad-seed", world.image)
    message = failed.value.message
    assert "step hook_postdeploy failed: the postdeploy hook exited with code 3" in message
    assert "  | loading fixtures\n  | relation users missing" in message
    assert inventory(world.checker, world.seed) == before
    assert world.store.get("sandbox", "feature-bad-seed") is None


def test_a_failing_migrate_leaves_the_service_on_its_revision(world: World) -> None:
    with _engine(world, {"migrate": "echo 'no such column'; exit 2"}) as engine:
        engine.create("feature/bad-migration", world.image)
        service = "eden-feature-bad-migration"
        revision = _service_revision(world, service)
        with pytest.raises(StepFailedError, match="the migrate hook exited with code 2"):
            engine.create("feature/bad-migration", world.seed.image_uris[1])
        assert _service_revision(world, service) == revision
        # The new revision was taken back; the environment still serves the old image.
        assert world.checker.ecs.task_definition_arns(service) == [revision]
        record = world.store.get("sandbox", "feature-bad-migration")
        assert record is not None
        assert (record.status, record.image) == ("ready", world.image)


def test_a_failing_predestroy_removes_nothing(world: World) -> None:
    with _engine(world, {"predestroy": "echo 'backup failed'; exit 1"}) as engine:
        engine.create("feature/keep-me", world.image)
        kept = inventory(world.checker, world.seed)
        with pytest.raises(StepFailedError, match=r"predestroy hook exited with code 1"):
            engine.delete("feature/keep-me")
        assert inventory(world.checker, world.seed) == kept


def test_a_hook_that_only_warns_does_not_stop_the_deploy(world: World) -> None:
    hooks = {"migrate": {"command": "echo 'lock timeout'; exit 1", "on_failure": "warn"}}
    with _engine(world, hooks) as engine:
        engine.create("feature/warned", world.image)
        out = engine.create("feature/warned", world.seed.image_uris[1])
    assert out.record is not None and out.record.image == world.seed.image_uris[1]
    warning = next(m for m in out.messages if m.startswith("warning: the migrate hook"))
    assert "exited with code 1" in warning and "  | lock timeout" in warning


def test_a_hook_that_cannot_log_stops_like_ecs_and_says_why(world: World) -> None:
    """A log group that does not exist: ECS stops the task before it runs anything."""
    logs = world.checker.clients.client("logs")
    logs.delete_log_group(logGroupName="/ecs/api")
    try:
        with (
            _engine(world, {"postdeploy": "echo never"}) as engine,
            pytest.raises(StepFailedError, match="ResourceInitializationError"),
        ):
            engine.create("feature/no-logs", world.image)
    finally:
        logs.create_log_group(logGroupName="/ecs/api")


def test_a_lost_run_task_answer_starts_one_task_not_two(world: World, moto_url: str) -> None:
    with FaultProxy(moto_url, seed=3) as proxy:
        proxy.lose_next.add("RunTask")
        with _engine(world, {"postdeploy": "echo once"}, url=proxy.url) as engine:
            engine.create("feature/once", world.image)
        assert proxy.stats["lost:ecs:RunTask"] == 1
    assert len(_hook_tasks(world, "eden-feature-once")) == 1
