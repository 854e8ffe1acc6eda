"""The plan is data: steps (AWS calls with their inputs) and the order they need.

The CLI prints it (``--dry-run``), the executor runs it, the HTTP API returns it and the
tests assert on it. A step's inputs may refer to another step's output with ``Ref``; the
executor resolves those when the earlier step has run, and a dry run prints them as
``<step.Key>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Operation = Literal["create", "deploy", "delete"]


@dataclass(frozen=True)
class Ref:
    """The output ``key`` of step ``step``, known only once that step has run."""

    step: str
    key: str

    def __str__(self) -> str:
        return f"<{self.step}.{self.key}>"


@dataclass(frozen=True)
class Step:
    """One AWS change. ``action`` names a function in ``eden.actions``."""

    id: str
    action: str
    params: Mapping[str, Any]
    depends_on: tuple[str, ...] = ()
    description: str = ""
    # How to take this step back if a later one fails (create only); params may Ref this step.
    undo: Step | None = None


@dataclass(frozen=True)
class Plan:
    operation: Operation
    profile: str
    env: str
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def critical_path(self) -> int:
        """How many steps must run one after another (the plan's depth)."""
        depth: dict[str, int] = {}
        for s in topological(self.steps):
            depth[s.id] = 1 + max((depth[d] for d in s.depends_on if d in depth), default=0)
        return max(depth.values(), default=0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "profile": self.profile,
            "env": self.env,
            "critical_path": self.critical_path(),
            "notes": list(self.notes),
            "steps": [
                {
                    "id": s.id,
                    "action": s.action,
                    "description": s.description,
                    "depends_on": list(s.depends_on),
                    "params": render(s.params),
                }
                for s in self.steps
            ],
        }


def render(value: Any) -> Any:
    """Params with every Ref shown as ``<step.Key>`` (JSON-ready)."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, Mapping):
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v) for v in value]
    return value


def resolve(value: Any, outputs: Mapping[str, Mapping[str, Any]]) -> Any:
    """Params with every Ref replaced by the output it names."""
    if isinstance(value, Ref):
        return outputs[value.step][value.key]
    if isinstance(value, Mapping):
        return {k: resolve(v, outputs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, outputs) for v in value]
    return value


def topological(steps: tuple[Step, ...] | list[Step]) -> list[Step]:
    """Steps ordered so each comes after what it depends on; raises on a cycle."""
    by_id = {s.id: s for s in steps}
    done: set[str] = set()
    out: list[Step] = []
    visiting: set[str] = set()

    def visit(s: Step) -> None:
        if s.id in done:
            return
        if s.id in visiting:
            raise ValueError(f"plan has a cycle through {s.id}")
        visiting.add(s.id)
        for d in s.depends_on:
            if d in by_id:
                visit(by_id[d])
        visiting.discard(s.id)
        done.add(s.id)
        out.append(s)

    for s in steps:
        visit(s)
    return out
