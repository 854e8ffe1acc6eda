"""What a policy sees each tick and what it answers: plain, frozen data.

Keeping these free of I/O lets the same policy run in the daemon, the simulator and the
unit tests. A failed scrape is ``None`` in ``values``: unknown, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Observation:
    """One tick's view of a service.

    ``values`` holds the per-task metric for the tasks scraped this tick, in discovery order
    (``None`` where the scrape failed). ``ready`` is how many running tasks the service has in
    total; when only a sample was scraped the total load is extrapolated to all of them.
    ``desired`` is the service's desired count, which already includes tasks still starting,
    so capacity on the way is never asked for twice.
    """

    at: float
    values: tuple[float | None, ...]
    ready: int
    desired: int
    pending: int = 0

    @property
    def ok_values(self) -> list[float]:
        return [v for v in self.values if v is not None]

    @property
    def coverage(self) -> float:
        """Share of the scraped tasks that answered (1.0 when nothing was attempted)."""
        if not self.values:
            return 1.0 if self.ready == 0 else 0.0
        return len(self.ok_values) / len(self.values)

    @property
    def per_task_mean(self) -> float | None:
        ok = self.ok_values
        if not ok:
            return None
        return sum(ok) / len(ok)

    @property
    def total_load(self) -> float | None:
        """Total load extrapolated from the tasks that answered; None when none did.

        With zero ready tasks there is nothing to measure, which is also unknown: a service
        scaled to zero may well have a queue waiting at the load balancer.
        """
        mean = self.per_task_mean
        if mean is None:
            return None
        return mean * max(self.ready, len(self.ok_values))


@dataclass(frozen=True)
class Decision:
    """A policy's answer: the count it wants and a short reason a human can read."""

    desired: int
    current: int
    reason: str
    panic: bool = False
    stable_load: float | None = None
    panic_load: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return self.desired != self.current

    @property
    def direction(self) -> str:
        if self.desired > self.current:
            return "up"
        if self.desired < self.current:
            return "down"
        return "hold"


class Policy(Protocol):
    """Anything that turns a stream of Observations into Decisions (see policy_registry)."""

    name: str

    def decide(self, obs: Observation) -> Decision: ...
