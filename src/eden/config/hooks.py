"""``[hooks]`` of a service: one-off commands around an environment's life.

The Heroku review-app pattern on ECS: a hook is a ``RunTask`` of the environment's own
task definition with the command overridden, in the network its service runs in.

* ``postdeploy`` runs once, after the first create has made everything (seed a database);
* ``migrate`` runs before every deploy's service update, with the new image (migrations
  the new code needs before it takes traffic);
* ``predestroy`` runs before delete removes anything (drop the preview's database).

A hook either fails its operation (``on_failure = "fail"``, the default: a create is
undone, a deploy leaves the service on its old revision, a delete removes nothing) or only
warns (``"warn"``). In the file, a hook is a command or a table::

    [profiles.dev.hooks]
    migrate = "python manage.py migrate"          # a string runs with sh -c
    [profiles.dev.hooks.predestroy]
    command = ["./drop-db", "--yes"]               # a list runs as it is
    on_failure = "warn"
    timeout_seconds = 300

In a group, each service has its own: ``[profiles.dev.services.api.hooks]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.config.fields import refuse_unknown
from eden.errors import ConfigError

KINDS = ("postdeploy", "migrate", "predestroy")
ON_FAILURE = ("fail", "warn")
FIELDS = ("command", "on_failure", "timeout_seconds", "container")
DEFAULT_TIMEOUT = 900  # seconds: a Fargate start (20-90 s) plus a slow migration
MAX_TIMEOUT = 86_400
MAX_COMMAND_CHARS = 8_192  # RunTask's overrides are capped at 8 KiB in all


@dataclass(frozen=True)
class Hook:
    kind: str  # one of KINDS
    command: tuple[str, ...]  # the container's command override
    on_failure: str = "fail"
    timeout_seconds: int = DEFAULT_TIMEOUT
    container: str | None = None  # default: the service's container

    @property
    def fails(self) -> bool:
        return self.on_failure == "fail"

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"command": list(self.command)}
        if self.on_failure != "fail":
            out["on_failure"] = self.on_failure
        if self.timeout_seconds != DEFAULT_TIMEOUT:
            out["timeout_seconds"] = self.timeout_seconds
        if self.container:
            out["container"] = self.container
        return out


def hooks_table(raw: Any, *, where: str) -> tuple[Hook, ...]:
    """Validates a ``[hooks]`` table; absent means no hooks."""
    if raw is None:
        return ()
    at = f"{where} [hooks]"
    if not isinstance(raw, Mapping):
        raise ConfigError("[hooks] must be a table of postdeploy, migrate, predestroy", where=at)
    unknown = sorted(set(raw) - set(KINDS))
    if unknown:
        raise ConfigError(
            f"unknown hook(s) {', '.join(unknown)}",
            where=at,
            hint=f"hooks are {', '.join(KINDS)}",
        )
    return tuple(_hook(kind, raw[kind], f"{where} [hooks.{kind}]") for kind in KINDS if kind in raw)


def _hook(kind: str, raw: Any, at: str) -> Hook:
    table = {"command": raw} if isinstance(raw, str | list) else raw
    if not isinstance(table, Mapping):
        raise ConfigError(f"hook {kind} must be a command or a table", where=at)
    refuse_unknown(table, FIELDS, where=at)
    on_failure = table.get("on_failure", "fail")
    if on_failure not in ON_FAILURE:
        raise ConfigError(
            f"on_failure {on_failure!r} is not one of {', '.join(ON_FAILURE)}",
            where=at,
            hint='"fail" stops the operation (and undoes a create); "warn" only reports',
        )
    timeout = table.get("timeout_seconds", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= MAX_TIMEOUT:
        raise ConfigError(
            f"timeout_seconds must be a whole number of seconds from 1 to {MAX_TIMEOUT}",
            where=at,
        )
    container = table.get("container")
    if container is not None and (not isinstance(container, str) or not container):
        raise ConfigError("container must be a container name of the task definition", where=at)
    return Hook(kind, _command(table.get("command"), at), on_failure, timeout, container)


def _command(raw: Any, at: str) -> tuple[str, ...]:
    if isinstance(raw, str) and raw.strip():
        command: tuple[str, ...] = ("sh", "-c", raw)
    elif isinstance(raw, list) and raw and all(isinstance(a, str) and a for a in raw):
        command = tuple(raw)
    else:
        raise ConfigError(
            "command is missing or empty",
            where=at,
            hint='give a string (run with sh -c) or a list: command = ["./manage", "migrate"]',
        )
    if sum(len(a) for a in command) > MAX_COMMAND_CHARS:
        raise ConfigError(
            f"command is longer than {MAX_COMMAND_CHARS} characters (RunTask's overrides limit)",
            where=at,
            hint="put the script in the image and call it",
        )
    return command
