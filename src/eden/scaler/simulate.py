"""Replay a load trace through a policy against a model of ECS, and score the result.

The model (``sim_model``): jittered task starts, draining and per-second billing with
Fargate's one-minute minimum, and requests that queue or are refused when the running
tasks cannot serve them. The policy sees what a scraper would: the in-flight requests of
each running task (queued ones included), nothing where the trace marks failed scrapes.

Every run starts with an unscored pre-roll at the trace's first value so each policy
settles into its own steady state before scoring. Scores, over the scored part:

* **react** - from the onset (the first time the load exceeds 1.25x its starting value)
  to the first decision that asks for more tasks. 0 means the tick that first saw the
  rise; the model has no scrape or API latency (the reaction-time benchmark measures
  those against real nginx).
* **under** task-s - tasks the load needs at full capacity but not running (requests
  queue); **over** task-s - running tasks beyond what the load needs at the target
  utilisation (capacity x target, not full capacity). Tasks starting or draining are
  not capacity; what they cost is in the cost.
* **cost** - billed task-seconds, the one-minute minimum included.
* **changes** - how often the desired count changed (and how many were scale-ins).
* **wait p95/p99** of accepted requests and the share **refused**.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eden.scaler.model import Observation, Policy
from eden.scaler.sim_model import EcsModel, RequestQueue, SimSettings
from eden.scaler.traces import Trace

ONSET_FACTOR = 1.25

__all__ = ["SimResult", "SimSeries", "SimSettings", "simulate"]


@dataclass
class SimSeries:
    """What the plot draws, one entry per scored tick."""

    t: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    running: list[int] = field(default_factory=list)
    desired: list[int] = field(default_factory=list)
    needed: list[int] = field(default_factory=list)  # at full capacity


@dataclass(frozen=True)
class SimResult:
    trace: str
    policy: str
    time_to_react: float | None
    under_task_seconds: float
    over_task_seconds: float
    cost_task_seconds: float
    scale_changes: int
    scale_ins: int
    peak_tasks: int
    wait_p95: float
    wait_p99: float
    refused_share: float
    series: SimSeries
    onset: float | None = None

    def summary(self) -> dict[str, object]:
        return {
            "trace": self.trace,
            "policy": self.policy,
            "time_to_react_s": self.time_to_react,
            "under_provisioned_task_s": round(self.under_task_seconds, 1),
            "over_provisioned_task_s": round(self.over_task_seconds, 1),
            "cost_task_s": round(self.cost_task_seconds, 1),
            "scale_changes": self.scale_changes,
            "scale_ins": self.scale_ins,
            "peak_tasks": self.peak_tasks,
            "wait_p95_s": round(self.wait_p95, 3),
            "wait_p99_s": round(self.wait_p99, 3),
            "refused_share": round(self.refused_share, 6),
        }


def weighted_percentile(samples: list[tuple[float, float]], p: float) -> float:
    """The value below which ``p`` % of the weight lies (0.0 when nothing was weighed)."""
    total = sum(w for _, w in samples)
    if total <= 0:
        return 0.0
    running = 0.0
    for value, weight in sorted(samples):
        running += weight
        if running >= total * p / 100:
            return value
    return max(v for v, _ in samples)


@dataclass
class _Scores:
    """Accumulates the scores tick by tick."""

    s: SimSettings
    under: float = 0.0
    over: float = 0.0
    billed: float = 0.0
    changes: int = 0
    scale_ins: int = 0
    peak: int = 0
    onset: float | None = None
    reacted: float | None = None
    waits: list[tuple[float, float]] = field(default_factory=list)
    demand: float = 0.0
    refused: float = 0.0

    def tick(self, load: float, ecs: EcsModel, wait: float, accepted: float,
             refused: float) -> None:
        s = self.s
        running = len(ecs.running)
        short = max(0, s.needed_full(load) - running)
        self.under += short * s.tick
        self.over += max(0, running - s.needed_target(load)) * s.tick
        self.billed += ecs.live * s.tick
        self.peak = max(self.peak, running)
        if accepted > 0:
            self.waits.append((wait, accepted))
        self.demand += accepted + refused
        self.refused += refused


def simulate(trace: Trace, policy: Policy, settings: SimSettings | None = None) -> SimResult:
    s = settings or SimSettings()
    start_load = trace.at(0.0)
    ecs = EcsModel.started_with(s, max(1, s.needed_full(start_load)), -s.preroll)
    queue = RequestQueue(s)
    series, scores = SimSeries(), _Scores(s)
    surcharge_at_start = 0.0
    steps = round((s.preroll + trace.duration) / s.tick)
    for step in range(steps):
        t = step * s.tick - s.preroll
        scored = t >= 0
        if step == round(s.preroll / s.tick):
            surcharge_at_start = ecs.minimum_surcharge
        ecs.advance(t)
        load = trace.at(t) if scored else start_load
        running = len(ecs.running)
        observed, wait, accepted, refused = queue.step(load, running)
        blind = scored and trace.blind_at(t)
        per_task = observed / running if running else 0.0
        value = None if blind else per_task
        obs = Observation(at=t, values=(value,) * running, ready=running,
                          desired=ecs.desired, pending=len(ecs.starting))
        decision = policy.decide(obs)
        if scored and scores.onset is None and load > ONSET_FACTOR * start_load:
            scores.onset = t
        if decision.desired != ecs.desired:
            if scored:
                scores.changes += 1
                scores.scale_ins += decision.desired < ecs.desired
                if scores.onset is not None and scores.reacted is None and \
                        decision.desired > ecs.desired:
                    scores.reacted = t - scores.onset
            ecs.set_desired(decision.desired, t)
        if not scored:
            continue
        scores.tick(load, ecs, wait, accepted, refused)
        series.t.append(t)
        series.load.append(load)
        series.running.append(len(ecs.running))
        series.desired.append(ecs.desired)
        series.needed.append(s.needed_full(load))
    cost = scores.billed + ecs.minimum_surcharge - surcharge_at_start
    return SimResult(
        trace.name, policy.name, scores.reacted, scores.under,
        scores.over, cost, scores.changes, scores.scale_ins, scores.peak,
        weighted_percentile(scores.waits, 95), weighted_percentile(scores.waits, 99),
        scores.refused / scores.demand if scores.demand else 0.0, series, scores.onset,
    )
