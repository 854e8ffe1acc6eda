"""How an environment differs from what its reference would make of it today. Pure.

An environment is a clone of its reference at the time of its last deploy; the reference
moves on (a new sidecar, more memory, a new health check path, a longer grace period).
``eden diff`` compares two views of each resource: *now* (what AWS says the environment
has) and *wanted* (what the resource modules would clone from today's reference, with
the environment's own values: its image, env-var overrides, names, desired count, tags).
Because *wanted* comes from the same code that creates and refreshes environments, the
diff is exactly what ``eden create --refresh`` changes.

Views are normalised so that only real differences show: values AWS leaves out and
values it reports as empty or off are the same; ``environment`` and ``secrets`` become
name -> value maps (values whose names look secret redacted, yet compared); containers
are keyed by name. The text form is a unified diff of the views as JSON, in the style of
ecspresso's ``diff``: ``-`` the environment now, ``+`` what the reference gives it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eden.core.secrets import fingerprint

TASK_DEFINITION = "task definition"
SERVICE = "service"
TARGET_GROUP = "target group"

# What a service or target group cannot change in place: a new environment is needed.
FIXED = {
    SERVICE: ("launchType", "schedulingStrategy", "deploymentController"),
    TARGET_GROUP: ("Protocol", "ProtocolVersion", "Port", "VpcId", "TargetType", "IpAddressType"),
}
# Flags where "off" and "not reported" mean the same (moto and older AWS answers omit them).
_OFF_IS_UNSET = ("enableExecuteCommand", "enableECSManagedTags")
_NAMED_LISTS = ("environment", "secrets")


@dataclass(frozen=True)
class Change:
    section: str
    path: str  # dotted: containerDefinitions.app.memory, environment.LOG_LEVEL...
    now: Any  # None: the environment does not set it
    wanted: Any  # None: the reference does not set it
    refreshable: bool  # False: only a new environment gets it

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "path": self.path,
            "now": self.now,
            "wanted": self.wanted,
            "refreshable": self.refreshable,
        }


@dataclass(frozen=True)
class Drift:
    changes: tuple[Change, ...] = ()
    diffs: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # section, its lines

    @property
    def drifted(self) -> bool:
        return bool(self.changes)

    def summary(self) -> str:
        if not self.changes:
            return "matches the reference"
        sections = sorted({c.section for c in self.changes})
        return f"{len(self.changes)} difference(s) in the {' and '.join(sections)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "drifted": self.drifted,
            "summary": self.summary(),
            "changes": [c.as_dict() for c in self.changes],
            "diff": "\n".join(line for _section, lines in self.diffs for line in lines),
        }


def normalise(value: Any) -> Any:
    """Drops what AWS leaves out or reports empty; named lists become maps."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _NAMED_LISTS and isinstance(item, list):
                named = {str(e.get("name")): _shown(e) for e in item}
                if named:
                    out[str(key)] = named  # an empty value is a value here
                continue
            if key in _OFF_IS_UNSET and item is False:
                continue
            if key == "propagateTags" and item == "NONE":
                continue
            kept = normalise(item)
            if kept not in (None, [], {}, ""):
                out[str(key)] = kept
        return out
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    return value


def _shown(entry: Mapping[str, Any]) -> Any:
    """An env var's value, redacted when its name looks secret but still comparable (a
    per-process fingerprint); a secret's ``valueFrom`` (an ARN, not a value) as it is."""
    if "value" in entry and isinstance(entry["value"], str):
        return fingerprint(str(entry.get("name")), entry["value"])
    return entry.get("value", entry.get("valueFrom"))


def task_definition_view(td: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """What a registration sets (``fields``), with containers keyed by name."""
    view = {key: td.get(key) for key in fields}
    view["containerDefinitions"] = {
        str(c.get("name")): c for c in td.get("containerDefinitions") or []
    }
    return normalise(view)  # type: ignore[no-any-return]


def view(resource: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The ``fields`` of a service or target group, normalised."""
    return normalise({key: resource.get(key) for key in fields})  # type: ignore[no-any-return]


def compare(section: str, env: str, now: Mapping[str, Any], wanted: Mapping[str, Any]) -> Drift:
    """The changes between two views of one resource, and their unified diff."""
    fixed = FIXED.get(section, ())
    changes = tuple(
        Change(section, path, a, b, refreshable=path.split(".")[0] not in fixed)
        for path, a, b in _differences(now, wanted, "")
    )
    if not changes:
        return Drift()
    lines = tuple(
        difflib.unified_diff(
            _json(now).splitlines(),
            _json(wanted).splitlines(),
            fromfile=f"{section} of {env} (now)",
            tofile=f"{section} from the reference (eden create --refresh)",
            lineterm="",
        )
    )
    return Drift(changes, ((section, lines),))


def missing(section: str, env: str) -> Drift:
    """The environment has no such resource (a failed create left it out): `eden create`
    makes it again."""
    change = Change(section, "(the whole resource)", None, "exists", refreshable=True)
    line = f"--- {section} of {env}: missing (`eden create` makes it again)"
    return Drift((change,), ((section, (line,)),))


def combine(drifts: Iterable[Drift]) -> Drift:
    parts = list(drifts)
    return Drift(
        tuple(c for d in parts for c in d.changes), tuple(x for d in parts for x in d.diffs)
    )


def _differences(now: Any, wanted: Any, path: str) -> Iterable[tuple[str, Any, Any]]:
    if isinstance(now, Mapping) and isinstance(wanted, Mapping):
        for key in sorted(set(now) | set(wanted)):
            sub = f"{path}.{key}" if path else str(key)
            yield from _differences(now.get(key), wanted.get(key), sub)
    elif now != wanted:
        yield path, now, wanted


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)
