"""What an environment's tasks cost: Fargate's price per vCPU-hour and GB-hour, the size of
a task (its task definition's task-level ``cpu`` and ``memory``), and the history of how many
tasks ran. Pure: times and prices are arguments.

Fargate bills each task per second for the vCPU and memory its task definition asks for,
at a price per region that depends on the CPU architecture (x86 or ARM/Graviton) and on
the capacity provider (on-demand ``FARGATE`` or ``FARGATE_SPOT``). So

    cost = sum over time of tasks x (vCPU x price per vCPU-second + GB x price per GB-second)

and what sleeping saved is the same sum over the time asleep, with the count the
environment would have run (the count it had when it went to sleep).

The history is a list of points ``[at, {role: {"n": running, "w": would run, "size": ...}}]``
(each point holds until the next one, the last until now), kept in the environment's record
with running totals up to the last point in vCPU-seconds and GB-seconds per kind of task
(``Meter``): totals that do not depend on the prices, so a price changed in the profile
applies to the whole history, and a figure costs the same however long the history.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("linux_x86", "linux_arm", "spot_x86", "spot_arm")
MAX_POINTS = 4  # recent points kept for people to read (the totals hold the rest): a
# record is copied whole for every API answer, so it stays small


@dataclass(frozen=True)
class Rate:
    """US dollars per vCPU-hour and per GB-hour."""

    vcpu_hour: float
    gb_hour: float


@dataclass(frozen=True)
class Prices:
    """A region's prices; a kind without one (a region eden has no defaults for, where the
    profile set only some) leaves the cost of such tasks unknown."""

    region: str
    linux_x86: Rate | None
    linux_arm: Rate | None
    spot_x86: Rate | None
    spot_arm: Rate | None

    def rate(self, kind: str) -> Rate | None:
        rate: Rate | None = getattr(self, kind)
        return rate


def _prices(region: str, x86: tuple[float, float], arm: tuple[float, float],
            spot_x86: tuple[float, float], spot_arm: tuple[float, float]) -> Prices:  # fmt: skip
    return Prices(region, Rate(*x86), Rate(*arm), Rate(*spot_x86), Rate(*spot_arm))


# Public Fargate prices for Linux tasks on ECS, USD (docs/sleep-wake.md says where each
# figure comes from and when it was read). Spot prices move with supply and demand; the
# defaults are 70% off on-demand (AWS's "up to 70%") where no published figure was found.
_US = ((0.04048, 0.004445), (0.03238, 0.00356), (0.012144, 0.0013335), (0.009714, 0.001068))
DEFAULT_PRICES: dict[str, Prices] = {
    "us-east-1": _prices("us-east-1", *_US),
    "us-east-2": _prices("us-east-2", *_US),
    "us-west-2": _prices("us-west-2", *_US),
    "eu-west-1": _prices("eu-west-1", _US[0], _US[1], (0.01334053, 0.00146489), _US[3]),
    "eu-central-1": _prices("eu-central-1", (0.04656, 0.00511), (0.03725, 0.00409),
                            (0.013968, 0.001533), (0.011175, 0.001227)),
    "sa-east-1": _prices("sa-east-1", (0.0696, 0.0076), (0.0557, 0.00612),
                         (0.02337032, 0.00255193), (0.01870297, 0.00205498)),
}  # fmt: skip


@dataclass(frozen=True)
class TaskSize:
    """What one task asks of Fargate: vCPU, GB of memory, ARM or x86, and the share of the
    service's tasks that run on Fargate Spot (from its capacity provider weights)."""

    vcpu: float
    gb: float
    arm: bool = False
    spot: float = 0.0

    def shares(self) -> list[tuple[str, float]]:
        arch = "arm" if self.arm else "x86"
        out = [(f"linux_{arch}", 1.0 - self.spot), (f"spot_{arch}", self.spot)]
        return [(kind, share) for kind, share in out if share > 0]

    def hourly(self, prices: Prices) -> float | None:
        """Dollars per hour for one task of this size (None: a kind without a price)."""
        total = 0.0
        for kind, share in self.shares():
            rate = prices.rate(kind)
            if rate is None:
                return None
            total += share * (self.vcpu * rate.vcpu_hour + self.gb * rate.gb_hour)
        return total

    def to_dict(self) -> dict[str, Any]:
        return {"vcpu": self.vcpu, "gb": self.gb, "arch": "arm64" if self.arm else "x86_64",
                "spot": self.spot}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskSize:
        arm = data.get("arch") == "arm64"
        return cls(float(data["vcpu"]), float(data["gb"]), arm, float(data.get("spot", 0)))


_UNITS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb|mib|mb)?\s*$", re.IGNORECASE)


def _amount(value: Any, per_unit: float, unit: str) -> float | None:
    """``"256"`` (CPU units, or MiB) or ``"0.25 vCPU"`` / ``"1 GB"``: what ECS accepts."""
    found = _UNITS.fullmatch(str(value)) if value not in (None, "") else None
    if found is None:
        return None
    number, said = float(found.group(1)), (found.group(2) or "").lower()
    if said == unit:
        return number
    return number / per_unit if said in ("", "mib", "mb") else None


def task_size(task_definition: Mapping[str, Any], service: Mapping[str, Any]) -> TaskSize | str:
    """The size of a task, or why it cannot be priced (a sentence): only Fargate tasks are
    priced by size; an EC2 task's cost is its instance's."""
    launch = str(service.get("launchType") or "")
    strategy = list(service.get("capacityProviderStrategy") or [])
    providers = {str(s.get("capacityProvider")) for s in strategy}
    if launch in ("EC2", "EXTERNAL") or providers - {"FARGATE", "FARGATE_SPOT"}:
        how = f"launch type {launch}" if launch else "capacity provider " + ", ".join(
            sorted(providers - {"FARGATE", "FARGATE_SPOT"}))
        return f"runs on EC2 ({how}): its cost is the instances', not priced by task"
    platform = task_definition.get("runtimePlatform") or {}
    family = str(platform.get("operatingSystemFamily") or "LINUX")
    if family.startswith("WINDOWS"):
        return "Windows tasks are not priced (Fargate adds a license fee per vCPU)"
    vcpu = _amount(task_definition.get("cpu"), 1024.0, "vcpu")
    gb = _amount(task_definition.get("memory"), 1024.0, "gb")
    if not vcpu or not gb:
        return ("the task definition has no task-level cpu and memory (an EC2 task "
                "definition?): not priced")  # fmt: skip
    arm = str(platform.get("cpuArchitecture") or "X86_64").upper() == "ARM64"
    return TaskSize(vcpu, gb, arm, spot_share(strategy))


def spot_share(strategy: Sequence[Mapping[str, Any]]) -> float:
    """The share of tasks on Fargate Spot by the strategy's weights (its ``base`` is left
    out: a few tasks of a preview are an estimate either way)."""
    weights = {str(s.get("capacityProvider")): float(s.get("weight") or 0) for s in strategy}
    total = sum(weights.values())
    if total <= 0:  # no weights: one provider gets every task
        return 1.0 if set(weights) == {"FARGATE_SPOT"} else 0.0
    return weights.get("FARGATE_SPOT", 0.0) / total


@dataclass
class Meter:
    """Usage in units that do not depend on prices: vCPU-seconds and GB-seconds per kind,
    task-seconds, and the task-seconds of tasks whose size is unknown."""

    vcpu_seconds: dict[str, float] = field(default_factory=dict)
    gb_seconds: dict[str, float] = field(default_factory=dict)
    task_seconds: float = 0.0
    unknown_seconds: float = 0.0

    def add(self, tasks: float, seconds: float, size: TaskSize | None) -> None:
        if tasks <= 0 or seconds <= 0:
            return
        self.task_seconds += tasks * seconds
        if size is None:
            self.unknown_seconds += tasks * seconds
            return
        for kind, share in size.shares():
            self.vcpu_seconds[kind] = self.vcpu_seconds.get(kind, 0.0) + (
                tasks * seconds * share * size.vcpu)
            self.gb_seconds[kind] = self.gb_seconds.get(kind, 0.0) + (
                tasks * seconds * share * size.gb)

    def merge(self, other: Meter) -> Meter:
        out = Meter(dict(self.vcpu_seconds), dict(self.gb_seconds),
                    self.task_seconds + other.task_seconds,
                    self.unknown_seconds + other.unknown_seconds)  # fmt: skip
        for kind, value in other.vcpu_seconds.items():
            out.vcpu_seconds[kind] = out.vcpu_seconds.get(kind, 0.0) + value
        for kind, value in other.gb_seconds.items():
            out.gb_seconds[kind] = out.gb_seconds.get(kind, 0.0) + value
        return out

    def unpriced(self, prices: Prices) -> list[str]:
        """The kinds of task that ran without a price in ``prices``."""
        used = {k for k, v in [*self.vcpu_seconds.items(), *self.gb_seconds.items()] if v > 0}
        return [kind for kind in KINDS if kind in used and prices.rate(kind) is None]

    def dollars(self, prices: Prices) -> float | None:
        """None when some of the tasks could not be sized or priced: a partial sum would
        mislead."""
        if self.unknown_seconds > 0 or self.unpriced(prices):
            return None
        total = 0.0
        for kind in KINDS:
            rate = prices.rate(kind)
            if rate is None:
                continue
            total += self.vcpu_seconds.get(kind, 0.0) * rate.vcpu_hour / 3600
            total += self.gb_seconds.get(kind, 0.0) * rate.gb_hour / 3600
        return total

    def to_dict(self) -> dict[str, Any]:
        return {"vcpu_seconds": self.vcpu_seconds, "gb_seconds": self.gb_seconds,
                "task_seconds": self.task_seconds, "unknown_seconds": self.unknown_seconds}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Meter:
        data = data or {}
        return cls({k: float(v) for k, v in (data.get("vcpu_seconds") or {}).items()},
                   {k: float(v) for k, v in (data.get("gb_seconds") or {}).items()},
                   float(data.get("task_seconds", 0)), float(data.get("unknown_seconds", 0)))


@dataclass
class Usage:
    ran: Meter  # tasks that ran
    saved: Meter  # tasks that would have run, had the environment not been asleep


def _size(entry: Mapping[str, Any]) -> TaskSize | None:
    size = entry.get("size")
    return TaskSize.from_dict(size) if isinstance(size, Mapping) else None


def integrate(points: Sequence[Sequence[Any]], now: float) -> Usage:
    """The usage of the history up to ``now``: each point holds until the next one."""
    usage = Usage(Meter(), Meter())
    for i, (at, roles) in enumerate(points):
        end = float(points[i + 1][0]) if i + 1 < len(points) else now
        seconds = max(0.0, min(end, now) - float(at))
        for entry in roles.values():
            running, would, size = float(entry["n"]), float(entry["w"]), _size(entry)
            usage.ran.add(running, seconds, size)
            usage.saved.add(max(0.0, would - running), seconds, size)
    return usage


def note(history: Mapping[str, Any] | None, at: float,
         roles: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """The history with a new point (nothing new when nothing changed). The totals
    (``ran``, ``saved``) cover the time up to the last point, so a figure needs only them
    and the last point, however long the history; the newest ``MAX_POINTS`` points are
    kept for people to read."""
    old = dict(history or {})
    points = [list(p) for p in old.get("points") or []]
    entries = {role: dict(entry) for role, entry in roles.items()}
    if points and points[-1][1] == entries:
        return old
    ran, saved = Meter.from_dict(old.get("ran")), Meter.from_dict(old.get("saved"))
    if points:
        last = integrate(points[-1:], at)
        ran, saved = ran.merge(last.ran), saved.merge(last.saved)
    points.append([at, entries])
    return {"since": old.get("since", at), "points": points[-MAX_POINTS:],
            "ran": ran.to_dict(), "saved": saved.to_dict()}  # fmt: skip


def usage_of(history: Mapping[str, Any] | None, now: float) -> Usage:
    """The whole usage up to ``now``: the totals, and the last point until ``now``."""
    history = history or {}
    kept = integrate((history.get("points") or [])[-1:], now)
    return Usage(Meter.from_dict(history.get("ran")).merge(kept.ran),
                 Meter.from_dict(history.get("saved")).merge(kept.saved))  # fmt: skip


def entry(running: int, would: int, size: TaskSize | str) -> dict[str, Any]:
    """One role's part of a point: running tasks, tasks it would run awake, the size (or
    why it has none)."""
    if isinstance(size, TaskSize):
        return {"n": running, "w": would, "size": size.to_dict()}
    return {"n": running, "w": would, "size": None, "why": size}
