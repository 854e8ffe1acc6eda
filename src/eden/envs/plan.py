"""The plan is data: steps (AWS changes with their inputs) and the order they need.

The CLI prints it (``--dry-run``), the executor runs it, the HTTP API returns it and the
tests assert on it. A step's inputs may refer to another step's output with ``Ref``; the
executor resolves those when the earlier step has run, and a dry run prints them as
``<step.Key>``.

Some values are decided only when a step runs: the listener-rule priority (a free slot at
that moment), the endpoints document edit (applied to the document as it is then), the
DNS delete (which reads the record first). A step says so in ``decided_at_apply``, a dry
run prints it as what it is, and the step's output records what was chosen.

``to_dict``/``from_dict`` give a plan's faithful JSON form (Refs and undo steps
included), so a plan can be stored, sent and run later.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from eden.core.secrets import redact

Operation = Literal["create", "deploy", "delete", "sleep", "wake"]
OPERATIONS = ("create", "deploy", "delete", "sleep", "wake")
PLAN_VERSION = 1


@dataclass(frozen=True)
class Ref:
    """The output ``key`` of step ``step``, known only once that step has run."""

    step: str
    key: str

    def __str__(self) -> str:
        return f"<{self.step}.{self.key}>"


@dataclass(frozen=True)
class Step:
    """One AWS change. ``action`` names a function in the action registry."""

    id: str
    action: str
    params: Mapping[str, Any]
    depends_on: tuple[str, ...] = ()
    description: str = ""
    # How to take this step back if a later one fails (create only); params may Ref this step.
    undo: Step | None = None
    # Inputs decided only when the step runs: name -> how (e.g. "free slot near 4123").
    decided_at_apply: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "params": encode(self.params),
            "depends_on": list(self.depends_on),
            "description": self.description,
            "undo": self.undo.to_dict() if self.undo else None,
            "decided_at_apply": dict(self.decided_at_apply),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        undo = data.get("undo")
        return cls(
            id=str(data["id"]),
            action=str(data["action"]),
            params=decode(data.get("params", {})),
            depends_on=tuple(data.get("depends_on", ())),
            description=str(data.get("description", "")),
            undo=cls.from_dict(undo) if undo else None,
            decided_at_apply=dict(data.get("decided_at_apply", {})),
        )


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
        """The plan for people and the API: Refs shown as ``<step.Key>``."""
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
                    "decided_at_apply": dict(s.decided_at_apply),
                }
                for s in self.steps
            ],
        }

    def to_dict(self) -> dict[str, Any]:
        """The faithful form: ``from_dict(to_dict())`` gives this plan back."""
        return {
            "plan_version": PLAN_VERSION,
            "operation": self.operation,
            "profile": self.profile,
            "env": self.env,
            "notes": list(self.notes),
            "steps": [s.to_dict() for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        version = data.get("plan_version")
        if version != PLAN_VERSION:
            raise ValueError(f"plan_version {version!r} is not {PLAN_VERSION}")
        operation = str(data["operation"])
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}")
        return cls(
            operation=cast(Operation, operation),
            profile=str(data["profile"]),
            env=str(data["env"]),
            steps=tuple(Step.from_dict(s) for s in data.get("steps", [])),
            notes=tuple(str(n) for n in data.get("notes", [])),
        )


_REF = "$ref"


def encode(value: Any) -> Any:
    """Params as JSON, every Ref as ``{"$ref": "step.key"}``."""
    if isinstance(value, Ref):
        return {_REF: f"{value.step}.{value.key}"}
    if isinstance(value, Mapping):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {_REF}:
            step, _, key = str(value[_REF]).partition(".")
            return Ref(step, key)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def render(value: Any) -> Any:
    """Params with every Ref shown as ``<step.Key>`` (JSON-ready), and the values of
    environment variables whose names look secret redacted (``core.secrets.redact``)."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, Mapping):
        if set(value) == {"name", "value"} and isinstance(value["value"], str):
            return {"name": value["name"], "value": redact(str(value["name"]), value["value"])}
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return render(dataclasses.asdict(value))
    return value


def output_value(output: Any, key: str) -> Any:
    """``key`` of a step's output: a typed output's attribute (or a mapping's item)."""
    if isinstance(output, Mapping):
        return output[key]
    return getattr(output, key)


def resolve(value: Any, outputs: Mapping[str, Any]) -> Any:
    """Params with every Ref replaced by the output it names."""
    if isinstance(value, Ref):
        return output_value(outputs[value.step], value.key)
    if isinstance(value, Mapping):
        return {k: resolve(v, outputs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, outputs) for v in value]
    return value


T = TypeVar("T")


def in_dependency_order(
    items: Sequence[T], key: Callable[[T], str], deps: Callable[[T], Iterable[str]]
) -> list[T]:
    """``items`` ordered so each comes after what it depends on (stable otherwise);
    dependencies on keys not among the items are ignored. Raises on a cycle."""
    by_key = {key(i): i for i in items}
    done: set[str] = set()
    out: list[T] = []
    visiting: set[str] = set()

    def visit(item: T) -> None:
        k = key(item)
        if k in done:
            return
        if k in visiting:
            raise ValueError(f"plan has a cycle through {k}")
        visiting.add(k)
        for d in deps(item):
            if d in by_key:
                visit(by_key[d])
        visiting.discard(k)
        done.add(k)
        out.append(item)

    for item in items:
        visit(item)
    return out


def topological(steps: tuple[Step, ...] | list[Step]) -> list[Step]:
    """Steps ordered so each comes after what it depends on; raises on a cycle."""
    return in_dependency_order(steps, lambda s: s.id, lambda s: s.depends_on)
