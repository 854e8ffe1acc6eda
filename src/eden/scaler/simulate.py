"""Replay a load trace through a policy against a model of ECS and score the result.

The model: each task serves ``capacity`` requests in flight; new tasks run ``start_delay``
seconds after they are asked for (pending tasks are visible to the policy as capacity on the
way); tasks removed stop at once. Load is spread evenly over running tasks, so every policy
sees the same per-task signal.

Every run starts with an unscored pre-roll at the trace's first value, beginning with just
enough tasks for it, so each policy settles into its own steady state before scoring; a
steady trace then measures flapping, not the first adjustment.

Scores, over the scored part only:

* ``time_to_react`` - from load onset (first time the load exceeds 1.25x its starting
  value) to the first scale-up decision; None if there is no onset or no reaction.
* under-provisioned task-seconds - sum over ticks of tasks needed (``ceil(load /
  capacity)``) but not running; over-provisioned is the reverse.
* scale changes - how many times the desired count changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from eden.scaler.model import Observation, Policy
from eden.scaler.traces import Trace

ONSET_FACTOR = 1.25


@dataclass(frozen=True)
class SimSettings:
    capacity: float = 200.0
    start_delay: float = 30.0
    tick: float = 1.0
    preroll: float = 180.0

    def __post_init__(self) -> None:
        if self.capacity <= 0 or self.tick <= 0:
            raise ValueError("capacity and tick must be positive")
        if self.start_delay < 0 or self.preroll < 0:
            raise ValueError("start_delay and preroll must not be negative")


@dataclass
class SimSeries:
    """What the plot draws, one entry per scored tick."""

    t: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    running: list[int] = field(default_factory=list)
    desired: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class SimResult:
    trace: str
    policy: str
    time_to_react: float | None
    under_task_seconds: float
    over_task_seconds: float
    scale_changes: int
    peak_tasks: int
    series: SimSeries

    def summary(self) -> dict[str, object]:
        return {
            "trace": self.trace,
            "policy": self.policy,
            "time_to_react_s": self.time_to_react,
            "under_provisioned_task_s": round(self.under_task_seconds, 1),
            "over_provisioned_task_s": round(self.over_task_seconds, 1),
            "scale_changes": self.scale_changes,
            "peak_tasks": self.peak_tasks,
        }


class _Service:
    """The ECS model: desired count, running tasks, and pending tasks with ready times."""

    def __init__(self, tasks: int) -> None:
        self.desired = tasks
        self.running = tasks
        self.pending: list[float] = []

    def advance(self, now: float) -> None:
        ready = [r for r in self.pending if r <= now]
        if ready:
            self.running += len(ready)
            self.pending = [r for r in self.pending if r > now]

    def set_desired(self, count: int, now: float, start_delay: float) -> None:
        if count > self.desired:
            self.pending.extend([now + start_delay] * (count - self.desired))
        else:
            drop = self.desired - count
            from_pending = min(drop, len(self.pending))
            # Newest pending tasks are the first to go, as ECS cancels starting tasks.
            self.pending.sort()
            del self.pending[len(self.pending) - from_pending :]
            self.running -= drop - from_pending
        self.desired = count


def simulate(trace: Trace, policy: Policy, settings: SimSettings | None = None) -> SimResult:
    s = settings or SimSettings()
    start_load = trace.at(0.0)
    service = _Service(max(1, math.ceil(start_load / s.capacity)))
    series = SimSeries()
    under = over = 0.0
    changes = peak = 0
    onset: float | None = None
    reacted: float | None = None
    steps = round((s.preroll + trace.duration) / s.tick)
    for step in range(steps):
        t = step * s.tick - s.preroll
        scored = t >= 0
        service.advance(t)
        load = trace.at(t) if scored else start_load
        per_task = load / service.running if service.running else 0.0
        obs = Observation(
            at=t,
            values=tuple([per_task] * service.running),
            ready=service.running,
            desired=service.desired,
            pending=len(service.pending),
        )
        decision = policy.decide(obs)
        if scored and onset is None and load > ONSET_FACTOR * start_load:
            onset = t
        if decision.desired != service.desired:
            if scored:
                changes += 1
                if onset is not None and reacted is None and decision.desired > service.desired:
                    reacted = t - onset
            service.set_desired(decision.desired, t, s.start_delay)
        if not scored:
            continue
        needed = math.ceil(load / s.capacity)
        under += max(0, needed - service.running) * s.tick
        over += max(0, service.running - needed) * s.tick
        peak = max(peak, service.running)
        series.t.append(t)
        series.load.append(load)
        series.running.append(service.running)
        series.desired.append(service.desired)
    return SimResult(trace.name, policy.name, reacted, under, over, changes, peak, series)
