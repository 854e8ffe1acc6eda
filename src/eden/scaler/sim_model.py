"""The simulator's world: an ECS service on Fargate, and the requests queueing in front of it.

What it models, and why each part is there (a simulator that flatters a policy is worse
than none):

* **Start delay with jitter.** A task asked for at ``t`` serves from ``t + d``, with ``d``
  drawn uniformly from ``[start_delay_min, start_delay_max]`` (Fargate: typically 20-90 s)
  from a seeded generator, so every policy meets the same delays in the same order.
* **Scale-in.** ECS cancels starting tasks first (the newest), then stops running tasks,
  the youngest first. A stopped task serves nothing more but stays billed while it drains
  (the target group's deregistration delay).
* **Billing.** Fargate bills per second from the request to the stop (draining included),
  with a one-minute minimum per task.
* **Overload.** Load beyond capacity queues in the tasks' proxies, up to ``queue_factor``
  times what the running tasks serve (a proxy's connection limit: nginx's 1,024
  connections hold about 500 proxied requests); requests beyond that are refused. The
  wait of each tick's accepted requests gives the latency proxy (p95/p99). The policy
  sees the queued requests as in flight, as nginx's ``Writing`` would: a real in-flight
  signal overstates demand during overload, and the model keeps that.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

BILLING_MINIMUM = 60.0  # Fargate: per second, with a one-minute minimum per task


@dataclass(frozen=True)
class SimSettings:
    """The world a policy is replayed against; validated so a typo cannot flatter it."""

    capacity: float = 200.0
    target_utilisation: float = 0.7
    start_delay_min: float = 20.0
    start_delay_max: float = 90.0
    drain: float = 30.0
    tick: float = 1.0
    preroll: float = 180.0
    service_time: float = 1.0
    queue_factor: float = 1.0
    seed: int = 1

    def __post_init__(self) -> None:
        if self.capacity <= 0 or self.tick <= 0 or self.service_time <= 0:
            raise ValueError("capacity, tick and service time must be positive")
        if not 0 < self.target_utilisation <= 1:
            raise ValueError("target utilisation must be in (0, 1]")
        if not 0 <= self.start_delay_min <= self.start_delay_max:
            raise ValueError("need 0 <= start delay min <= start delay max")
        if self.drain < 0 or self.queue_factor < 0:
            raise ValueError("drain and queue factor must not be negative")
        if self.preroll < self.start_delay_max:
            raise ValueError("the pre-roll must be at least the longest start delay")

    @property
    def target(self) -> float:
        """Load per task the target utilisation asks for (capacity x utilisation)."""
        return self.capacity * self.target_utilisation

    def needed_full(self, load: float) -> int:
        """Tasks the load needs at full capacity: fewer and requests queue."""
        return math.ceil(load / self.capacity - 1e-9)

    def needed_target(self, load: float) -> int:
        """Tasks the load needs at the target utilisation: more is over-provisioning."""
        return math.ceil(load / self.target - 1e-9)


@dataclass
class Task:
    asked_at: float
    ready_at: float
    stopped_at: float = math.inf


@dataclass
class EcsModel:
    """Desired count, tasks starting, running and draining, and what they cost."""

    settings: SimSettings
    desired: int = 0
    starting: list[Task] = field(default_factory=list)
    running: list[Task] = field(default_factory=list)
    draining: list[Task] = field(default_factory=list)
    minimum_surcharge: float = 0.0  # task-s billed only because of the one-minute minimum
    _rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def started_with(cls, settings: SimSettings, tasks: int, at: float) -> EcsModel:
        model = cls(settings, desired=tasks, _rng=random.Random(settings.seed))
        model.running = [Task(at, at) for _ in range(tasks)]
        return model

    @property
    def live(self) -> int:
        """Tasks being billed now: starting, running and draining."""
        return len(self.starting) + len(self.running) + len(self.draining)

    def advance(self, now: float) -> None:
        """Starting tasks whose delay has passed serve; drained tasks end (and are billed)."""
        ready = [t for t in self.starting if t.ready_at <= now]
        if ready:
            self.starting = [t for t in self.starting if t.ready_at > now]
            self.running.extend(ready)
        drain = self.settings.drain
        if any(t.stopped_at + drain <= now for t in self.draining):
            still = []
            for task in self.draining:
                if task.stopped_at + drain <= now:
                    self._bill_minimum(task, task.stopped_at + drain)
                else:
                    still.append(task)
            self.draining = still

    def set_desired(self, count: int, now: float) -> None:
        s = self.settings
        if count > self.desired:
            for _ in range(count - self.desired):
                delay = self._rng.uniform(s.start_delay_min, s.start_delay_max)
                self.starting.append(Task(now, now + delay))
        else:
            drop = self.desired - count
            self.starting.sort(key=lambda t: t.asked_at)
            while drop and self.starting:
                task = self.starting.pop()  # ECS cancels the newest starting task first
                self._bill_minimum(task, now)
                drop -= 1
            self.running.sort(key=lambda t: t.ready_at)
            for _ in range(drop):
                task = self.running.pop()  # then the youngest running one
                task.stopped_at = now
                if self.settings.drain > 0:
                    self.draining.append(task)
                else:
                    self._bill_minimum(task, now)
        self.desired = count

    def _bill_minimum(self, task: Task, ended: float) -> None:
        life = ended - task.asked_at
        if life < BILLING_MINIMUM:
            self.minimum_surcharge += BILLING_MINIMUM - life


@dataclass
class RequestQueue:
    """Requests waiting in the tasks' proxies when the load exceeds what running tasks serve.

    ``load`` is the demand in flight (the trace); with a mean service time ``S`` it arrives
    at ``load / S`` requests per second, and ``n`` running tasks serve ``n * capacity / S``.
    """

    settings: SimSettings
    waiting: float = 0.0

    def step(self, load: float, running: int) -> tuple[float, float, float, float]:
        """One tick: (observed in flight, wait of this tick's requests, accepted, refused)."""
        s = self.settings
        arrived = load / s.service_time * s.tick
        rate = running * s.capacity / s.service_time  # requests served per second
        backlog = self.waiting + arrived
        backlog -= min(backlog, rate * s.tick)
        limit = running * s.capacity * s.queue_factor  # the proxies' connection limit
        refused = max(0.0, backlog - limit)
        self.waiting = backlog - refused
        wait = self.waiting / rate if rate > 0 else 0.0
        in_service = min(load, running * s.capacity)
        return in_service + self.waiting, wait, arrived - refused, refused
