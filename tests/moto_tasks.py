"""Tasks and target health put straight into moto's backends (the server runs in-process).

moto starts no tasks for a service, cannot run an awsvpc Fargate task (run_task answers
500), and calls every registered target healthy. Day-two tests need stopped tasks with
AWS's reasons and unhealthy targets with AWS's reason codes, so they are written into
moto's own objects here, shaped as AWS would report them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.ecs.models import Container, Task, ecs_backends
from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup, elbv2_backends

from eden.sandbox import aws_model
from eden.sandbox.stack import ACCOUNT_ID, REGION


def _ecs() -> Any:
    return ecs_backends[ACCOUNT_ID][REGION]


def add_task(
    cluster: str,
    service: str,
    *,
    status: str = "RUNNING",
    stopped_reason: str = "",
    stop_code: str = "",
    exits: Mapping[str, tuple[int | None, str | None]] | None = None,
    exec_enabled: bool = False,
    task_definition: str | None = None,
    ago: float = 30.0,
) -> str:
    """A task of ``service`` (its current task definition unless given); returns its id.

    ``exits``: container name -> (exit code, reason) for the containers that stopped.
    """
    backend = _ecs()
    svc = backend.services[f"{cluster}:{service}"]
    td = backend.describe_task_definition(task_definition or svc.task_definition)
    mode, td.network_mode = td.network_mode, "bridge"  # moto's awsvpc task setup is broken
    try:
        task = Task(
            backend.clusters[cluster],
            td,
            None,
            None,
            backend,
            group=f"service:{service}",
            launch_type="FARGATE",
            started_by="ecs-svc/1234567890",
        )
    finally:
        td.network_mode = mode
    task.containers = [
        _container(td, c, status, (exits or {}).get(c["name"])) for c in td.container_definitions
    ]
    task.enable_execute_command = exec_enabled
    task._transitions = []  # moto would move it to STOPPED on the first read; AWS does not
    started = datetime.now(UTC) - timedelta(seconds=ago + 5)
    task.created_at = task.started_at = started
    task.attachments = [_eni(task.id)]
    if status == "STOPPED":
        task.status = task.desired_status = "STOPPED"
        task.stopped_reason, task.stop_code = stopped_reason, stop_code
        task.stopped_at = datetime.now(UTC) - timedelta(seconds=ago)
    backend.tasks.setdefault(cluster, {})[task.task_arn] = task
    return str(task.id)


def _container(
    td: Any, definition: Mapping[str, Any], status: str, exit: tuple[int | None, str | None] | None
) -> Container:
    container = Container(td)
    container.name = definition["name"]
    container.image = definition.get("image")
    container.last_status = status
    container.runtime_id = f"{uuid.uuid4().hex[:12]}-{definition['name']}"
    if exit is not None:
        container.exitCode, container.reason = exit
    elif status == "STOPPED":
        container.exitCode = 0
    return container


def _eni(task_id: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "ElasticNetworkInterface",
        "status": "ATTACHED",
        "details": [{"name": "privateIPv4Address", "value": f"10.0.1.{int(task_id[:2], 16)}"}],
    }


_HEALTH: dict[tuple[str, str], tuple[str, str | None, str | None]] = {}


@contextmanager
def target_health_overrides() -> Iterator[None]:
    """While active, ``set_target_health`` decides what moto answers for a target."""
    original = FakeTargetGroup.health_for

    def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> FakeHealthStatus:
        found = _HEALTH.get((self.arn, target["Id"]))
        if found is None:
            return original(self, target, ec2_backend)
        port = target.get("Port", self.port)
        return FakeHealthStatus(target["Id"], port, self.health_check_port, *found)

    FakeTargetGroup.health_for = health_for  # type: ignore[method-assign]
    try:
        yield
    finally:
        FakeTargetGroup.health_for = original  # type: ignore[method-assign]
        _HEALTH.clear()


def set_target_health(
    target_group_arn: str, state: str, reason: str | None, description: str | None = None
) -> list[str]:
    """Every target registered in the group gets this health; returns their ids."""
    aws_model._MODEL_HOOKS["advance_all"](_ecs())  # the model registers started tasks
    group = elbv2_backends[ACCOUNT_ID][REGION].target_groups[target_group_arn]
    ids = sorted(group.targets)
    for target_id in ids:
        _HEALTH[(target_group_arn, target_id)] = (state, reason, description)
    return ids
