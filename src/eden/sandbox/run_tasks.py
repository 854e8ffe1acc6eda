"""RunTask in the sandbox: the hook tasks eden starts run their command for real.

moto answers RunTask on Fargate with awsvpc with a 500 (its network interfaces lack the
``privateDnsName`` it puts in the task's attachment, and it adds up container memory that a
Fargate task definition leaves to the task level), and the tasks it starts never run
anything nor stop. Part of the AWS model (``aws_model``), this module:

* gives a network interface its private DNS name, as EC2 does (``ip-10-0-1-23.ec2.internal``);
* sizes a task as AWS does: task-level cpu and memory when the containers set none;
* honours ``clientToken``: the same token returns the same task (a retried call whose
  answer was lost starts nothing new), as AWS's idempotency does;
* runs the essential container's command (its ``command``, or the override's) as a local
  process on this machine, ``sh -c`` included, with the container's environment (the task
  definition's, then the override's) on top of this process's ``PATH``. Its output goes to
  the container's awslogs stream (``PREFIX/CONTAINER/TASK_ID``) in moto's CloudWatch Logs,
  one event per line, as the awslogs driver writes it; a missing log group stops the task
  the way ECS does (``ResourceInitializationError``). When the process ends the task is
  STOPPED with the container's exit code, ``EssentialContainerExited``.

What is stood in: the image is never pulled or run; the command runs on the host, in a
fresh temporary directory, so a hook that needs the image's files fails here. A task
without a command exits 0 at once (an image's own entrypoint cannot run). Secrets are
not resolved. Services' tasks are untouched (``dataplane`` runs those).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.logs.models import logs_backends

MAX_SECONDS = 3_600.0  # a runaway command is stopped (on AWS: until StopTask)
MAX_LINE = 256 * 1024  # CloudWatch's event size limit, roughly


def install() -> None:
    """Patches moto (the caller holds the model's install lock)."""
    backend: Any = EC2ContainerServiceBackend
    if getattr(backend, "eden_run_tasks", False):
        return
    backend._calculate_task_resource_requirements = staticmethod(_requirements)
    if not hasattr(NetworkInterface, "private_dns_name"):
        eni: Any = NetworkInterface
        # With a setter: moto's instances set the name on their own interfaces.
        eni.private_dns_name = property(_private_dns_name, _set_private_dns_name)
    response: Any = EC2ContainerServiceResponse
    response.run_task = _run_task(response.run_task)
    backend.eden_run_tasks = True


def _private_dns_name(eni: Any) -> str:
    given = eni.__dict__.get("_eden_private_dns_name")
    return given or f"ip-{str(eni.private_ip_address).replace('.', '-')}.ec2.internal"


def _set_private_dns_name(eni: Any, value: str) -> None:
    eni.__dict__["_eden_private_dns_name"] = value


def _requirements(task_definition: Any) -> dict[str, Any]:
    """What moto places a task by; a Fargate container may leave memory to the task."""
    cpu = memory = 0
    ports: list[Any] = []
    for c in task_definition.container_definitions:
        cpu += int(c.get("cpu") or 0)
        memory += int(c.get("memory") or c.get("memoryReservation") or 0)
        ports += [m["hostPort"] for m in c.get("portMappings") or [] if "hostPort" in m]
    cpu = cpu or int(getattr(task_definition, "cpu", None) or 0)
    memory = memory or int(getattr(task_definition, "memory", None) or 0)
    return {"CPU": cpu, "MEMORY": memory, "PORTS": ports, "PORTS_UDP": []}


def _run_task(original: Callable[..., Any]) -> Callable[..., Any]:
    def run_task(self: Any) -> Any:
        backend = self.ecs_backend
        token = self._get_param("clientToken")
        known: dict[str, list[Any]] = backend.__dict__.setdefault("eden_run_tokens", {})
        if token and token in known:
            return ActionResult({"tasks": known[token], "failures": []})
        result = original(self)
        tasks = list(result.result.get("tasks", []))
        if token:
            known[token] = tasks
        for task in tasks:
            threading.Thread(
                target=_run, args=(backend, task), name=f"run-task-{task.id}", daemon=True
            ).start()
        return result

    return run_task


def _run(backend: Any, task: Any) -> None:
    """Runs one task's essential container to its end, then stops the task."""
    try:
        _run_container(backend, task)
    except Exception as exc:  # a bug here must still stop the task, not leave it running
        _stop(task, {}, None, f"sandbox: the task could not run: {exc}", "TaskFailedToStart")


def _run_container(backend: Any, task: Any) -> None:
    td = backend.describe_task_definition(task.task_definition_arn)
    container = _essential(td.container_definitions)
    override = _override(task.overrides, str(container.get("name")))
    command = override.get("command") or container.get("command")
    log = _LogStream(backend, task, container)
    if not log.ready():
        _stop(task, container, None, log.problem, "TaskFailedToStart")
        return
    if not command:
        log.write(["sandbox: no command to run (an image's own entrypoint is not run here)"])
        _stop(task, container, 0, "Essential container in task exited", "EssentialContainerExited")
        return
    env = {**os.environ, **_environment(container), **_environment(override)}
    with tempfile.TemporaryDirectory(prefix="eden-task-") as cwd:
        code = _execute(list(command), env, cwd, log)
    _stop(task, container, code, "Essential container in task exited", "EssentialContainerExited")


def _execute(command: list[str], env: Mapping[str, str], cwd: str, log: _LogStream) -> int:
    try:
        proc = subprocess.Popen(
            command,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:  # on ECS: CannotStartContainerError, exit code 127-ish
        log.write([f"sandbox: cannot start {command[0]!r}: {exc.strerror or exc}"])
        return 127
    assert proc.stdout is not None
    timer = threading.Timer(MAX_SECONDS, proc.kill)
    timer.start()
    try:
        for line in proc.stdout:  # each line as it comes, so followers see progress
            log.write([line.rstrip("\n")[:MAX_LINE]])
        return proc.wait()
    finally:
        timer.cancel()


def _stop(task: Any, container: Mapping[str, Any], code: int | None, why: str, stop: str) -> None:
    for c in task.containers:
        c.exitCode = code
        c.last_status = "STOPPED"
        c.name = container.get("name") or c.name
    task.stopped_reason = why
    task.stop_code = stop
    task.desired_status = "STOPPED"
    task.last_status = "STOPPED"


def _essential(containers: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    return next((c for c in containers if c.get("essential", True)), containers[0])


def _override(overrides: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    for o in (overrides or {}).get("containerOverrides") or []:
        if o.get("name") == name:
            return dict(o)
    return {}


def _environment(container: Mapping[str, Any]) -> dict[str, str]:
    return {str(e["name"]): str(e.get("value", "")) for e in container.get("environment") or []}


class _LogStream:
    """The container's awslogs stream in moto's CloudWatch Logs (none: output is dropped,
    as ECS drops it for a container without a log configuration)."""

    def __init__(self, backend: Any, task: Any, container: Mapping[str, Any]):
        config = container.get("logConfiguration") or {}
        options = config.get("options") or {}
        self.problem = ""
        self.logs: Any = None
        if config.get("logDriver") != "awslogs":
            return
        region = options.get("awslogs-region") or task.region_name
        self.logs = logs_backends[backend.account_id][region]
        self.group = str(options.get("awslogs-group", ""))
        prefix = options.get("awslogs-stream-prefix")
        name = container.get("name")
        self.stream = f"{prefix}/{name}/{task.id}" if prefix else f"{task.id}"
        self.create_group = str(options.get("awslogs-create-group", "")).lower() == "true"

    def ready(self) -> bool:
        if self.logs is None:
            return True
        if self.group not in self.logs.groups:
            if not self.create_group:
                self.problem = (
                    "ResourceInitializationError: failed to validate logger args: "
                    f"The specified log group does not exist: {self.group}"
                )
                return False
            self.logs.create_log_group(self.group, {})
        self.logs.create_log_stream(self.group, self.stream)
        return True

    def write(self, lines: list[str]) -> None:
        if self.logs is None or not lines:
            return
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in lines]
        self.logs.put_log_events(self.group, self.stream, events)
