"""`eden sleep --idle`: which environments had no request for the profile's
``idle_minutes``, from one CloudWatch GetMetricData call for all of them, and, outside
the profile's office hours (``[sleep.schedule]``), every environment but pinned ones and
ones woken by hand since the last boundary.

Idle means: awake, ready, not pinned, awake for at least the idle window (an environment
deployed or woken a minute ago has had no chance to be used yet), and no request counted
on any of its target groups within the window. The choice is pure (``choose``); the
sweep reads the counts and puts each chosen environment to sleep in turn, and one that
fails is reported, not allowed to stop the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eden.aws.cloudwatch import GroupQuery
from eden.core.office_hours import OfficeHours
from eden.envs.records import EnvRecord
from eden.errors import EdenError, LockedError
from eden.state.leases import LockPolicy

if TYPE_CHECKING:
    from eden.envs.sleep import Power

NO_WAIT = LockPolicy(mode="fail")


@dataclass(frozen=True)
class Verdict:
    name: str
    idle: bool
    why: str
    requests: float | None = None  # None: not asked (not a candidate)
    scheduled: bool = False  # sleeps because office hours are over, not for being idle


def awake_since(record: EnvRecord) -> float:
    """When the environment last started serving: created, deployed or woken."""
    times = [record.created_at, record.last_deploy_at, record.extra.get("last_woken_at")]
    return max(float(t) for t in times if t is not None)


def candidates(
    records: Sequence[EnvRecord], now: float, idle_minutes: int,
    hours: OfficeHours | None = None,
) -> list[Verdict]:  # fmt: skip
    """Why each environment is or is not asked about (pure). Outside office hours every
    environment awake long enough sleeps, unless pinned or woken by hand since the last
    boundary (that wake lasts until the next one)."""
    window = idle_minutes * 60
    closed = hours is not None and not hours.is_open(now)
    boundary = hours.last_boundary(now) if hours is not None and closed else now
    shut = f"outside office hours ({hours.describe()})" if hours is not None else ""
    out = []
    for r in records:
        served = [s for s in r.services if s.target_group_arn]
        if r.power != "awake":
            out.append(Verdict(r.name, False, f"already {r.power}"))
        elif r.status != "ready":
            out.append(Verdict(r.name, False, f"{r.status}, not ready"))
        elif r.pinned:
            out.append(Verdict(r.name, False, "pinned"))
        elif closed and _woken_by_hand_since(r, boundary):
            out.append(Verdict(r.name, False, "woken by hand: awake until office hours change"))
        elif now - awake_since(r) < window:
            minutes = (now - awake_since(r)) / 60
            out.append(Verdict(r.name, False, f"awake for {minutes:.0f} min only"))
        elif closed:
            out.append(Verdict(r.name, True, shut, scheduled=True))
        elif not served or not r.extra.get("alb_arn"):
            out.append(Verdict(r.name, False, "no target group (workers only)"))
        else:
            out.append(Verdict(r.name, True, "candidate"))
    return out


def _woken_by_hand_since(record: EnvRecord, boundary: float) -> bool:
    by = str(record.extra.get("last_woken_by") or "")
    at = record.extra.get("last_woken_at")
    by_hand = bool(by) and by not in ("a request to its URL", PRE_WAKE)
    return by_hand and at is not None and at >= boundary


PRE_WAKE = "the schedule (pre_wake)"  # who woke it, in the record and its events


def to_pre_wake(
    records: Sequence[EnvRecord], now: float, hours: OfficeHours | None
) -> list[str]:
    """The sleeping environments to wake because office hours began (pure; only with
    ``pre_wake = true``): those the sweep put to sleep (idle, or the schedule) before the
    hours began. One put to sleep by hand, the API or the dashboard stays asleep, and one
    the sweep put to sleep within today's hours (idle) is not woken again."""
    if hours is None or not hours.pre_wake or not hours.is_open(now):
        return []
    opening = hours.last_opening(now)
    out = []
    for r in records:
        nap = r.extra.get("sleep") or {}
        by_sweep = str(nap.get("reason") or "").startswith("idle")
        since = nap.get("since")
        if (r.power == "sleeping" and r.status == "ready" and by_sweep and since is not None
                and opening is not None and float(since) < opening):  # fmt: skip
            out.append(r.name)
    return out


def queries(records: Sequence[EnvRecord], names: set[str]) -> list[GroupQuery]:
    """One query per target group of each candidate (ids ``q<n>``)."""
    out: list[GroupQuery] = []
    for r in records:
        if r.name not in names:
            continue
        for s in r.services:
            if s.target_group_arn:
                out.append(GroupQuery(f"q{len(out)}", s.target_group_arn, r.extra["alb_arn"]))
    return out


def choose(
    verdicts: Sequence[Verdict],
    records: Sequence[EnvRecord],
    asked: Sequence[GroupQuery],
    counts: Mapping[str, float],
    idle_minutes: int,
) -> list[Verdict]:
    """Each candidate's verdict from its groups' request counts (pure)."""
    by_group = {q.target_group_arn: counts.get(q.id, 0.0) for q in asked}
    groups = {r.name: [s.target_group_arn for s in r.services if s.target_group_arn]
              for r in records}  # fmt: skip
    out = []
    for v in verdicts:
        if not v.idle or v.scheduled:
            out.append(v)
            continue
        total = sum(by_group.get(str(g), 0.0) for g in groups.get(v.name, []))
        if total > 0:
            out.append(Verdict(v.name, False, f"{total:.0f} request(s) in {idle_minutes} min",
                               total))
        else:
            out.append(Verdict(v.name, True, f"no request in {idle_minutes} min", 0.0))
    return out


@dataclass
class Sweep:
    verdicts: list[Verdict]
    slept: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    busy: list[str] = field(default_factory=list)  # another operation held them
    pre_wake: list[str] = field(default_factory=list)  # office hours began: to wake
    woken: list[str] = field(default_factory=list)  # ...and woken (tasks starting)
    finished: list[str] = field(default_factory=list)  # pre-woken, and serving again

    def as_dict(self) -> dict[str, Any]:
        return {
            "environments": [v.__dict__ for v in self.verdicts],
            "slept": self.slept,
            "busy": self.busy,
            "failed": self.failed,
            "pre_wake": self.pre_wake,
            "woken": self.woken,
            "finished": self.finished,
        }


def sweep(power: Power, *, now: float, dry_run: bool) -> Sweep:
    """Reads the counts of every candidate at once, then sleeps the idle ones."""
    minutes = power.profile.sleep.idle_minutes
    records = power.engine.environments()
    verdicts = candidates(records, now, minutes, power.profile.sleep.schedule)
    asked = queries(records, {v.name for v in verdicts if v.idle and not v.scheduled})
    counts = power.aws.cloudwatch.request_counts(asked, now - minutes * 60, now) if asked else {}
    result = Sweep(choose(verdicts, records, asked, counts, minutes))
    result.pre_wake = to_pre_wake(records, now, power.profile.sleep.schedule)
    if not dry_run:
        _pre_wake(power, records, result)
    for v in result.verdicts:
        if not v.idle or dry_run:
            continue
        try:  # never queue behind a deploy: a busy environment waits for the next sweep
            power.sleep(v.name, reason=f"idle: {v.why}", policy=NO_WAIT)
        except LockedError:
            result.busy.append(v.name)
        except EdenError as exc:
            result.failed[v.name] = exc.message
        else:
            result.slept.append(v.name)
    return result


def _pre_wake(power: Power, records: Sequence[EnvRecord], result: Sweep) -> None:
    """Starts the tasks of what office hours wake, and finishes (rules back) the wakes an
    earlier sweep started whose targets are healthy now: nobody may request them, and
    the waker finishes a wake only on a request."""
    for name in result.pre_wake:
        try:
            power.wake(name, by=PRE_WAKE, policy=NO_WAIT)
        except LockedError:
            result.busy.append(name)
        except EdenError as exc:
            result.failed[name] = exc.message
        else:
            result.woken.append(name)
    started = {r.name for r in records if r.power == "waking"
               and (r.extra.get("sleep") or {}).get("woken_by") == PRE_WAKE}  # fmt: skip
    for name in sorted(started | set(result.woken)):
        try:
            if power.finish(name, policy=NO_WAIT) == "awake":
                result.finished.append(name)
        except LockedError:
            continue  # another operation has it: the next sweep looks again
        except EdenError as exc:
            result.failed[name] = exc.message
