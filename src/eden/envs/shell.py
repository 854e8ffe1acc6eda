"""`eden exec`: which task and container to open a shell in, and the plugin's command. Pure.

ECS Exec runs a command in a running container through SSM: ``ExecuteCommand`` opens a
session, and the Session Manager plugin (``session-manager-plugin``, installed beside
the AWS CLI) connects the terminal to it. The plugin takes the session, the region, the
AWS profile, the target (``ecs:<cluster>_<task-id>_<container-runtime-id>``) and the ECS
endpoint as arguments, as the AWS CLI passes them.

Exec must be on for the service (``enableExecuteCommand``, which eden sets when the
profile has ``allow_exec = true``) and for the task (a task started before it was turned
on has no agent): each refusal says which, and what turns it on.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eden.envs.health import seconds
from eden.errors import NotReady, UsageError

PLUGIN = "session-manager-plugin"
DEFAULT_COMMAND = "/bin/sh"
INSTALL_HINT = (
    "install AWS's Session Manager plugin (`session-manager-plugin` on the PATH): "
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
    "session-manager-working-with-install-plugin.html (macOS: brew install --cask "
    "session-manager-plugin; Debian/Ubuntu: the session-manager-plugin.deb from that page)"
)


@dataclass(frozen=True)
class ExecTarget:
    cluster: str
    task_arn: str
    container: str
    runtime_id: str

    @property
    def task_id(self) -> str:
        return self.task_arn.rsplit("/", 1)[-1]

    @property
    def ssm_target(self) -> str:
        return f"ecs:{self.cluster}_{self.task_id}_{self.runtime_id}"


def command_string(argv: Sequence[str]) -> str:
    """ExecuteCommand takes one string; the words after ``--``, quoted for a shell."""
    return shlex.join(argv) if argv else DEFAULT_COMMAND


def choose_target(
    env: str,
    cluster: str,
    service: Mapping[str, Any] | None,
    tasks: Sequence[Mapping[str, Any]],
    container: str | None,
    *,
    allow_exec: bool,
    profile: str,
) -> ExecTarget:
    """The newest running task of the environment, and the container asked for (default:
    the one behind the load balancer); a clear refusal otherwise."""
    if service is None:
        raise UsageError(f"environment {env} has no ECS service", hint=f"eden show {env}")
    if not service.get("enableExecuteCommand"):
        raise UsageError(
            f"exec is off for {env}: its service runs without ECS Exec",
            hint=_turn_on(env, allow_exec, profile),
        )
    running = [t for t in tasks if t.get("lastStatus") == "RUNNING"]
    if not running:
        raise NotReady(
            f"{env} has no running task to open a shell in "
            f"({service.get('runningCount', 0)} of {service.get('desiredCount', 0)} running)",
            hint=f"see why with `eden show {env}`",
        )
    task = max(running, key=lambda t: seconds(t.get("startedAt")) or 0.0)
    task_id = str(task.get("taskArn", "")).rsplit("/", 1)[-1]
    if not task.get("enableExecuteCommand"):
        raise UsageError(
            f"exec is off for task {task_id} of {env}: it started before exec was turned on",
            hint=f"`eden create {env} --refresh` starts new tasks with it",
        )
    found = _container(env, task, container or _lb_container(service))
    return ExecTarget(
        cluster, str(task["taskArn"]), str(found["name"]), str(found.get("runtimeId") or "")
    )


def _turn_on(env: str, allow_exec: bool, profile: str) -> str:
    if allow_exec:
        return f"turn it on with `eden create {env} --refresh`"
    return (
        f"set allow_exec = true in profile {profile} (the task role needs the SSM "
        f"permissions listed in docs/dayto.md), then `eden create {env} --refresh`"
    )


def _lb_container(service: Mapping[str, Any]) -> str | None:
    lbs = service.get("loadBalancers") or []
    return str(lbs[0]["containerName"]) if lbs else None


def _container(env: str, task: Mapping[str, Any], wanted: str | None) -> Mapping[str, Any]:
    containers: list[Mapping[str, Any]] = list(task.get("containers") or [])
    names = [str(c.get("name")) for c in containers]
    found = next((c for c in containers if c.get("name") == wanted), None)
    if found is None and wanted is None and containers:
        found = containers[0]
    if found is None:
        raise UsageError(
            f"task of {env} has no container {wanted!r}",
            hint="pick one with --container: " + ", ".join(names),
        )
    agent = next(
        (a for a in found.get("managedAgents") or [] if a.get("name") == "ExecuteCommandAgent"),
        None,
    )
    if agent is not None and agent.get("lastStatus") not in (None, "RUNNING"):
        raise NotReady(
            f"the exec agent in container {found.get('name')} is {agent.get('lastStatus')}",
            hint="wait a moment and try again; if it stays so, check the task role's SSM "
            "permissions (docs/dayto.md)",
        )
    return found


def plugin_argv(
    plugin: str,
    session: Mapping[str, Any],
    region: str,
    aws_profile: str,
    endpoint_url: str,
    target: ExecTarget,
) -> list[str]:
    """The plugin's command line, as the AWS CLI builds it for `aws ecs execute-command`."""
    return [
        plugin,
        json.dumps(dict(session)),
        region,
        "StartSession",
        aws_profile,
        json.dumps({"Target": target.ssm_target}),
        endpoint_url,
    ]
