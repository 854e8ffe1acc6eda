"""The history of an environment's task counts, and what they cost (``core/cost.py``).

The record keeps it (``extra["usage"]``): a point whenever the count or the size of its
tasks changes, written by the operations that change them: create and deploy (the task
definition's size, the service's count), sleep (0 running, the remembered count would
run) and wake (the remembered count again). The record, not the event log: events are
pruned by the retention settings, and ``eden ls`` prices every environment from the
records it reads anyway, with no query per environment.

What it does not see: a count changed outside eden (the console, an autoscaler) until the
next operation, and the minute or so a task takes to start and stop (the count is the
service's desired count, not its running tasks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eden.config import Profile
from eden.config.cost import missing_price_hint
from eden.core import cost
from eden.envs.records import EnvRecord
from eden.envs.resources.base import step_id

if TYPE_CHECKING:
    from eden.envs.plan import Plan
    from eden.envs.reader import Snapshot

KEY = "usage"
NOT_SIZED = "the task size was not recorded (the environment predates eden's cost history)"


def _counts(record: EnvRecord, role: str, desired: int) -> tuple[int, int]:
    """(running, would run awake) from the environment's power state."""
    state = record.extra.get("sleep") or {}
    remembered = int((state.get("counts") or {}).get(role, desired))
    if state.get("state") == "sleeping":
        return 0, remembered
    if state.get("state") == "waking":
        return max(1, remembered), max(1, remembered)
    return desired, desired


def note_deploy(record: EnvRecord, profile: Profile, plan: Plan, snap: Snapshot,
                now: float) -> None:  # fmt: skip
    """After a create or deploy: each service's task size (from the task definition it
    registered) and its count (the service it made, or the one that was there)."""
    steps = {s.id: s for s in plan.steps}
    last = _last(record)
    roles: dict[str, dict[str, Any]] = {}
    for m in snap.members:
        role = m.member.role
        registered = steps.get(step_id(profile, role, "task_definition"))
        service_step = steps.get(step_id(profile, role, "service"))
        found: Mapping[str, Any] = m.current["service"] or {}
        service = service_step.params if service_step and "serviceName" in service_step.params \
            else found  # fmt: skip
        desired = int(service.get("desiredCount", found.get("desiredCount", 0)) or 0)
        running, would = _counts(record, role, desired)
        if registered is not None:
            size: cost.TaskSize | str = cost.task_size(registered.params, service)
        else:  # not deployed this time: its size is what it was
            size = _size_of(last.get(role))
        roles[role] = cost.entry(running, would, size)
    record.extra[KEY] = cost.note(record.extra.get(KEY), now, roles)


def note_power(record: EnvRecord, now: float) -> None:
    """After a sleep or a wake: the counts from the power state, the sizes as they were."""
    state = record.extra.get("sleep") or {}
    counts: Mapping[str, int] = state.get("counts") or {}
    last = _last(record)
    roles = {}
    for svc in record.services:
        entry = last.get(svc.role) or {}
        desired = int(counts.get(svc.role, entry.get("w", 0)))
        running, would = _counts(record, svc.role, desired)
        roles[svc.role] = cost.entry(running, would, _size_of(entry))
    record.extra[KEY] = cost.note(record.extra.get(KEY), now, roles)


def _last(record: EnvRecord) -> dict[str, Any]:
    points = (record.extra.get(KEY) or {}).get("points") or []
    return dict(points[-1][1]) if points else {}


def _size_of(entry: Mapping[str, Any] | None) -> cost.TaskSize | str:
    if not entry:
        return NOT_SIZED
    size = entry.get("size")
    return cost.TaskSize.from_dict(size) if size else str(entry.get("why") or NOT_SIZED)


def cost_view(record: EnvRecord, profile: Profile, now: float) -> dict[str, Any]:
    """The environment's cost so far and saved by sleeping, in USD, as of ``now``;
    ``hourly`` is what an hour awake costs now (a client adds ``hourly`` x the hours since
    ``as_of`` while awake). A figure eden cannot work out is None with ``unknown`` saying
    why and what to set."""
    history = record.extra.get(KEY) or {}
    prices = profile.cost.prices(profile.region)
    usage = cost.usage_of(history, now)
    out: dict[str, Any] = {
        "currency": "USD", "region": prices.region if prices else None, "as_of": now,
        "since": history.get("since"), "task_hours": round(usage.ran.task_seconds / 3600, 4),
        "dollars": None, "saved_dollars": None, "hourly": None, "unknown": None,
    }  # fmt: skip
    if not history:
        out["unknown"] = "no task history yet (kept from the next deploy, sleep or wake)"
        return out
    whys = [str(e.get("why")) for e in _last(record).values() if e.get("why")]
    if usage.ran.unknown_seconds or usage.saved.unknown_seconds:
        out["unknown"] = whys[0] if whys else NOT_SIZED
        return out
    if prices is None:
        out["unknown"] = missing_price_hint(profile.name, None, [])
        return out
    missing = sorted({*usage.ran.unpriced(prices), *usage.saved.unpriced(prices)})
    if missing:
        out["unknown"] = missing_price_hint(profile.name, prices, missing)
        return out
    out["dollars"] = _round(usage.ran.dollars(prices))
    out["saved_dollars"] = _round(usage.saved.dollars(prices))
    out["hourly"] = _round(_hourly(_last(record), prices))
    return out


def _hourly(roles: Mapping[str, Any], prices: cost.Prices) -> float | None:
    total = 0.0
    for entry in roles.values():
        size = _size_of(entry)
        each = size.hourly(prices) if isinstance(size, cost.TaskSize) else None
        if each is None:
            return None
        total += float(entry.get("w", 0)) * each
    return total


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
