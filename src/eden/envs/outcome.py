"""What an operation did (``Outcome``), and what a create was asked (``CreateRequest``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eden.core.envvars import VarsChange
from eden.envs.executor import RunResult
from eden.envs.group import Wanted
from eden.envs.plan import Plan
from eden.envs.reader import Snapshot
from eden.envs.readiness import Readiness
from eden.envs.records import EnvRecord


@dataclass
class Outcome:
    """What one operation did, for the CLI, the API and the tests."""

    operation: str
    env: str
    url: str
    run: RunResult
    record: EnvRecord | None = None
    messages: list[str] = field(default_factory=list)
    ready: Readiness | None = None  # set when the caller waited for it

    @property
    def plan(self) -> Plan:
        return self.run.plan

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "env": self.env,
            "url": self.url,
            "messages": self.messages,
            "record": self.record.as_dict() if self.record else None,
            "ready": None if self.ready is None else self.ready.ready,
            **self.run.as_dict(),
        }


@dataclass(frozen=True)
class CreateRequest:
    branch: str
    images: Mapping[str, str]  # by service role
    alias: str | None = None
    env: Mapping[str, str] | None = None
    keep_on_failure: bool = False
    origin: str | None = None  # a pull request: only its own environment is touched
    adopt: bool = False  # with origin: take over the branch's environment from before origins
    refresh: bool = False  # also the reference's service settings and health check
    on_message: Callable[[str], None] | None = None  # told the messages before the work
    # `eden vars`: the environment's own variables to change; every service is deployed
    # again, with the image it runs.
    vars_change: VarsChange | None = None


@dataclass(frozen=True)
class Prepared:
    """A create read, planned and recorded, ready to run."""

    snap: Snapshot
    items: list[Wanted]
    plan: Plan
    record: EnvRecord
    messages: list[str]
    url: str
