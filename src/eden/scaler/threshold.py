"""The seed's fixed threshold table, as a policy users can migrate from and compare against.

The published fast autoscaler maps the average per-task connection count to a fixed task
count: >= 500 -> 20, >= 300 -> 15, >= 100 -> 10, >= 50 -> 2, and does nothing below 50.
Two flavours live here:

* ``ThresholdPolicy`` is the table behind eden's guard rails: the mean over every task that
  answered, missing data held, scale-in stabilized and bounded like any eden policy.
* ``SeedPolicy`` reproduces the seed faithfully, flaws included, so the simulator can show
  what migrating buys: it reads the first 3 tasks only, counts a failed probe as zero,
  averages with integer division, looks every 3 s while the average is below the table,
  and after *every* table hit sets the count and waits 60 s blind, even when the count
  did not change (as the published state machine does: Wait 60 Seconds follows every
  Desired state). It scales in whenever the table says so (its guard never blocks) and
  stops after 24 h (the loop's lifetime). The Lambda's own run time (two AWS CLI calls
  and three curls, seconds in practice) is not modelled, which flatters it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eden.scaler.governor import Bounds, Governor
from eden.scaler.model import Decision, Observation

SEED_TABLE: tuple[tuple[int, int], ...] = ((500, 20), (300, 15), (100, 10), (50, 2))


def table_lookup(table: Sequence[tuple[float, int]], per_task: float) -> int | None:
    """The count for the first threshold ``per_task`` reaches; None below the lowest."""
    for threshold, count in sorted(table, reverse=True):
        if per_task >= threshold:
            return count
    return None


class ThresholdPolicy:
    """The seed's table on eden's signal handling and guard rails."""

    name = "threshold"

    def __init__(
        self, bounds: Bounds, table: Sequence[tuple[float, int]] = SEED_TABLE
    ) -> None:
        if not table:
            raise ValueError("a threshold table needs at least one row")
        self.table = tuple(table)
        self.bounds = bounds
        self._governor = Governor(bounds)

    def decide(self, obs: Observation) -> Decision:
        mean = obs.per_task_mean
        complete = mean is not None and obs.coverage >= self.bounds.min_coverage
        self._governor.note_view(obs.at, complete=complete)
        if mean is None:
            return Decision(self.bounds.clamp(obs.desired), obs.desired, "missing data: hold")
        wanted = table_lookup(self.table, mean)
        proposal = obs.desired if wanted is None else wanted
        desired, reason = self._governor.govern(obs.at, proposal, obs.desired)
        return Decision(desired, obs.desired, reason, stable_load=mean, panic_load=mean)


@dataclass(frozen=True)
class SeedTiming:
    """The seed's loop: a 3 s wait between looks, 60 s blind after acting, 24 h lifetime."""

    interval: float = 3.0
    cooldown: float = 60.0
    lifetime: float = 24 * 3600.0
    sampled_tasks: int = 3


class SeedPolicy:
    """A faithful model of the published sampler, for comparison only."""

    name = "seed"

    def __init__(
        self,
        timing: SeedTiming | None = None,
        table: Sequence[tuple[float, int]] = SEED_TABLE,
    ) -> None:
        self.timing = timing or SeedTiming()
        self.table = tuple(table)
        self._started: float | None = None
        self._next_look = float("-inf")

    def decide(self, obs: Observation) -> Decision:
        t, now = self.timing, obs.at
        if self._started is None:
            self._started = now
        if now - self._started >= t.lifetime:
            return Decision(obs.desired, obs.desired, "seed loop ended after 24 h")
        if now < self._next_look:
            return Decision(obs.desired, obs.desired, "seed: not looking")
        self._next_look = now + t.interval
        first = obs.values[: t.sampled_tasks]
        # A failed probe contributes 0, and the sum is floor-divided: both as published.
        connections = [int(v) if v is not None else 0 for v in first]
        average = sum(connections) // len(connections) if connections else 0
        wanted = table_lookup(self.table, average)
        if wanted is None:
            return Decision(obs.desired, obs.desired, f"seed: avg {average}, below the table",
                            stable_load=float(average))
        # Every table hit sets the count (UpdateService even when it is already that count,
        # and an SNS message) and then waits 60 s blind, as the published state machine
        # does. The scale-in guard compares against a string length that is always 1:
        # it never blocks.
        self._next_look = now + t.cooldown
        if wanted == obs.desired:
            return Decision(obs.desired, obs.desired,
                            f"seed: avg {average} -> {wanted} (unchanged), waiting 60 s",
                            stable_load=float(average))
        return Decision(wanted, obs.desired, f"seed: avg {average} -> {wanted}",
                        stable_load=float(average))
