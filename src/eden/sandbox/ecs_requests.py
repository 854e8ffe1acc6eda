"""AWS behaviour moto's ECS request handlers leave out, for the AWS model (``aws_model``).

* CreateService's ``healthCheckGracePeriodSeconds``, ``deploymentConfiguration``,
  ``enableExecuteCommand`` and ``enableECSManagedTags`` are kept on the service, so
  DescribeServices returns them as AWS does (moto reads them only on UpdateService).
* ExecuteCommand (moto lacks it) opens a stand-in session for a RUNNING task started with
  exec on, and refuses any other task with AWS's message. The requests are kept on the
  backend (``eden_exec_sessions``) so tests can see what was asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import camelcase_to_underscores
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.responses import EC2ContainerServiceResponse

# CreateService parameters moto drops, and AWS keeps and describes.
KEPT_SERVICE_SETTINGS = (
    "healthCheckGracePeriodSeconds",
    "deploymentConfiguration",
    "enableExecuteCommand",
    "enableECSManagedTags",
)
EXEC_OFF = (
    "The execute command failed because execute command was not enabled when the task was "
    "run or the execute command agent isn't running. Wait and try again or run a new task "
    "with execute command enabled and try again."
)


def install() -> None:
    """Patches moto's ECS request handler (the caller holds the model's install lock)."""
    response: Any = EC2ContainerServiceResponse
    if getattr(response, "eden_requests", False):
        return
    response.create_service = _keep_settings(response.create_service)
    response.execute_command = _execute_command
    response.eden_requests = True


def _keep_settings(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's request handler reads only some of CreateService's parameters; keep the
    rest on the service, under the names its UpdateService uses (so both describe)."""

    def create_service(self: Any) -> Any:
        result = original(self)
        service = result.result["service"]
        for key in KEPT_SERVICE_SETTINGS:
            value = self._get_param(key)
            if value is not None:
                setattr(service, camelcase_to_underscores(key), value)
        return result

    return create_service


def _execute_command(self: Any) -> Any:
    """ExecuteCommand: a session for a running, exec-enabled task's container."""
    backend = self.ecs_backend
    cluster = backend._get_cluster(self._get_param("cluster", "default"))
    wanted = str(self._get_param("task")).rsplit("/", 1)[-1]
    tasks = backend.tasks.get(cluster.name, {}).values()
    task = next((t for t in tasks if t.id == wanted), None)
    if task is None:
        raise InvalidParameterException("The task provided in the request was not found.")
    if task.last_status != "RUNNING" or not getattr(task, "enable_execute_command", False):
        raise InvalidParameterException(EXEC_OFF)
    name = self._get_param("container")
    container = next((c for c in task.containers if c.name == name), None)
    if container is None:
        raise InvalidParameterException(f"The container {name} was not found in the task.")
    sessions = _sessions(backend)
    session_id = f"ecs-execute-command-{wanted[:8]}-{len(sessions) + 1}"
    session = {
        "sessionId": session_id,
        "streamUrl": f"wss://ssmmessages.{backend.region_name}.amazonaws.com/v1/"
        f"data-channel/{session_id}",
        "tokenValue": f"token-{session_id}",
    }
    interactive = bool(self._get_param("interactive"))
    command = self._get_param("command")
    sessions.append(
        {
            "task": task.task_arn,
            "container": name,
            "command": command,
            "interactive": interactive,
            "session": session,
        }
    )
    return ActionResult(
        {
            "clusterArn": cluster.arn,
            "containerArn": container.container_arn,
            "containerName": name,
            "interactive": interactive,
            "session": session,
            "taskArn": task.task_arn,
        }
    )


def _sessions(backend: Any) -> list[dict[str, Any]]:
    if not hasattr(backend, "eden_exec_sessions"):
        backend.eden_exec_sessions = []
    return backend.eden_exec_sessions  # type: ignore[no-any-return]
