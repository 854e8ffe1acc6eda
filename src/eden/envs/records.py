"""What eden remembers about environments: the records the state store keeps.

A record holds the names an environment was created with (naming rules apply to new
environments only; an existing one is always found by its stored names), what each of its
resources recorded (ARNs, the rule priority chosen...), and its history. Records carry a
schema version; older records load and are upgraded in memory.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from eden.core.arns import alb_name
from eden.core.naming import EnvNames
from eden.core.secrets import redact

SCHEMA_VERSION = 2
# Schema 1 kept one field per resource ARN on the service record.
_V1_ARN_FIELDS = {
    "task_definition_arn": "task_definition",
    "service_arn": "service",
    "target_group_arn": "target_group",
    "rule_arn": "listener_rule",
}
NAME_FIELDS = ("task_family", "service", "target_group", "host", "endpoint_name")


@dataclass
class ServiceRecord:
    """One service of an environment: its image, and what each resource recorded."""

    role: str
    image: str
    # Resource key (a module of eden.envs.resources) -> what it recorded, e.g. {"arn": ...}.
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def arn(self, resource: str) -> str | None:
        value = self.resources.get(resource, {}).get("arn")
        return str(value) if value else None

    @property
    def task_definition_arn(self) -> str | None:
        return self.arn("task_definition")

    @property
    def service_arn(self) -> str | None:
        return self.arn("service")

    @property
    def target_group_arn(self) -> str | None:
        return self.arn("target_group")

    @property
    def rule_arn(self) -> str | None:
        return self.arn("listener_rule")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "image": self.image}
        out["resources"] = {k: dict(v) for k, v in sorted(self.resources.items())}
        for legacy, key in _V1_ARN_FIELDS.items():  # the API's and CLI's shape since v1
            out[legacy] = self.arn(key)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServiceRecord:
        resources = {k: dict(v) for k, v in (data.get("resources") or {}).items()}
        for legacy, key in _V1_ARN_FIELDS.items():
            if data.get(legacy) and key not in resources:
                resources[key] = {"arn": data[legacy]}
        return cls(role=str(data["role"]), image=str(data["image"]), resources=resources)


@dataclass
class EnvRecord:
    profile: str
    name: str
    branch: str
    host: str
    status: str  # creating | ready | failed | deleting
    created_at: float
    last_deploy_at: float | None = None
    alias: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # every AWS name, as created
    services: list[ServiceRecord] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # listener, zone, notes
    pinned: bool = False  # exempt from the stale-environment cleaner
    # What the environment was made for, when not just a branch: a pull request as
    # ``github:owner/repo#12``. Webhooks find environments by it, never by branch alone.
    origin: str | None = None
    schema: int = SCHEMA_VERSION

    @property
    def image(self) -> str:
        return self.services[0].image if self.services else ""

    @property
    def url(self) -> str:
        return f"https://{self.host}"

    def stored_names(self) -> EnvNames | None:
        """The names the environment was created with; None for a record too old or too
        incomplete to have them all (its names are then derived again)."""
        if any(not self.names.get(f) for f in NAME_FIELDS):
            return None
        n = self.names
        return EnvNames(
            name=self.name,
            branch=self.branch,
            task_family=n["task_family"],
            service=n["service"],
            target_group=n["target_group"],
            host=n["host"],
            endpoint_name=n["endpoint_name"],
        )

    def to_json(self) -> str:
        data = asdict(self)
        data["services"] = [s.as_dict() for s in self.services]
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> EnvRecord:
        data = json.loads(text)
        data["services"] = [ServiceRecord.from_dict(s) for s in data.get("services", [])]
        extra = data.get("extra") or {}
        if data.get("schema", 1) < 2 and data["services"]:
            # v1 kept the chosen rule priority beside the record, not with the rule.
            rule = data["services"][0].resources.get("listener_rule")
            if rule is not None and extra.get("rule_priority") is not None:
                rule.setdefault("priority", extra["rule_priority"])
        data["schema"] = SCHEMA_VERSION
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def as_dict(self) -> dict[str, Any]:
        """The record for people and the API: plain values of variables whose names look
        secret are redacted (``eden vars ls --show-values`` shows them)."""
        # Field by field, not dataclasses.asdict, which copies its way through every value
        # (10x slower): the API turns hundreds of records into JSON for one listing.
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["names"] = dict(self.names)
        d["extra"] = _redacted_extra(copy.deepcopy(self.extra))
        d["services"] = [s.as_dict() for s in self.services]
        d["url"] = self.url
        d["image"] = self.image
        d["alb"] = self.alb
        d["power"] = self.power
        return d

    @property
    def power(self) -> str:
        """awake, sleeping (tasks at 0, rule to the waker) or waking (tasks starting)."""
        return str((self.extra.get("sleep") or {}).get("state", "awake"))

    @property
    def alb(self) -> str:
        """The name of the shared ALB the environment is on ('' for workers only)."""
        return alb_name(self.extra.get("alb_arn"))


def _redacted_extra(extra: dict[str, Any]) -> dict[str, Any]:
    def shown(values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        return {k: redact(str(k), str(v)) for k, v in values.items()}

    out = dict(extra)
    if "env_overrides" in out:
        out["env_overrides"] = shown(out["env_overrides"])
    if isinstance(out.get("vars"), dict):
        out["vars"] = {**out["vars"], "env": shown(out["vars"].get("env") or {})}
    return out


@dataclass(frozen=True)
class Event:
    profile: str
    env: str
    action: str  # create | deploy | delete
    actor: str
    started_at: float
    seconds: float
    result: str  # ok | failed
    detail: str = ""
    image: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The journal's step name for an operation's own start and end (its steps have theirs).
OPERATION = "*"


@dataclass(frozen=True)
class JournalEntry:
    """One step of one operation, written before it runs and again when it ends.

    Each operation also writes an entry for itself (step ``OPERATION``) when it begins and
    when it ends; one that began and never ended was interrupted.
    """

    profile: str
    env: str
    operation_id: str
    step: str
    phase: str  # start | done | failed | undone (and, for OPERATION, the operation's name)
    at: float
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
