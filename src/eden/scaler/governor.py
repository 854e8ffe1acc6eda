"""The guard rails every eden policy shares: bounds, step limits and safe scale-in.

A policy proposes a count from load; the governor decides how much of that proposal is safe
to act on. Scaling up happens at once (capped by ``max_step_up``). Scaling in happens only

* when it is enabled at all,
* after that window has seen data (no scale-in at start-up),
* when the recent past was fully observed (missing data never shrinks a service),
* to the largest count recommended during the last ``scale_in_delay`` seconds (120 s: a
  task released and needed again within a Fargate start plus a drain costs more than it
  saves, so a dip must last that long),
* when that count is clearly below the current one (``scale_in_band``: a dip of a task
  or two on a large service is noise, not a reason to stop tasks),
* never below the number of tasks started in the last ``min_task_age`` seconds (stopping
  a task that has only just started pays its start, and Fargate's one-minute minimum,
  for nothing),
* and by at most ``scale_in_factor`` per step (2 = at most halving).

There is no wait after a change (``scale_in_cooldown`` = 0): the window maximum and the
halving already damp scale-in, and waiting a whole window after every step is what made
capacity come back slowly after a spike.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass

from eden.scaler.windows import TimeWindowMax


@dataclass(frozen=True)
class Bounds:
    """Limits a user sets per service; validated once so policies can trust them."""

    min_tasks: int = 1
    max_tasks: int = 100
    max_step_up: int | None = None
    scale_in: bool = True
    scale_in_delay: float = 120.0
    scale_in_factor: float = 2.0
    scale_in_cooldown: float = 0.0
    scale_in_band: float = 0.1
    min_task_age: float = 180.0
    full_view_window: float = 6.0
    min_coverage: float = 0.5

    def __post_init__(self) -> None:
        if self.min_tasks < 0 or self.max_tasks < self.min_tasks:
            raise ValueError("need 0 <= min_tasks <= max_tasks")
        if self.max_step_up is not None and self.max_step_up < 1:
            raise ValueError("max_step_up must be at least 1")
        if self.scale_in_factor <= 1:
            raise ValueError("scale_in_factor must be above 1 (1 would never scale in: "
                             "say scale_in = false for that)")
        if min(self.scale_in_delay, self.full_view_window, self.scale_in_cooldown,
               self.min_task_age) < 0:
            raise ValueError("windows must not be negative")
        if not 0 <= self.scale_in_band < 1:
            raise ValueError("scale_in_band must be in [0, 1)")
        if not 0 < self.min_coverage <= 1:
            raise ValueError("min_coverage must be in (0, 1]")

    def clamp(self, count: int) -> int:
        return max(self.min_tasks, min(self.max_tasks, count))


class TaskAges:
    """When the tasks of the current count were started, as far as the count shows.

    eden cannot choose which task ECS stops, so it keeps the count, not the tasks: a rise
    of the observed count adds that many start times, a fall removes the oldest ones (the
    cautious guess: the young ones stay counted as young). Memory is bounded by the count.
    """

    def __init__(self) -> None:
        self._starts: deque[float] = deque()

    def follow(self, at: float, current: int, first: bool) -> None:
        if first:
            self._starts.extend([-math.inf] * current)  # there before eden: old enough
        while len(self._starts) < current:
            self._starts.append(at)
        while len(self._starts) > current:
            self._starts.popleft()

    def younger_than(self, age: float, now: float) -> int:
        cutoff = now - age
        return len(self._starts) - bisect.bisect_right(self._starts, cutoff)


class Governor:
    """Turns a raw proposal into a safe desired count, remembering what it needs to."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self._proposals = TimeWindowMax(bounds.scale_in_delay)
        self._ages = TaskAges()
        self._first_at: float | None = None
        self._last_blind_at: float | None = None
        self._last_change_at: float | None = None
        self._last_current: int | None = None

    def note_view(self, at: float, *, complete: bool) -> None:
        """Record whether this tick saw enough of the service to trust a scale-in."""
        if self._first_at is None:
            self._first_at = at
        if not complete:
            self._last_blind_at = at

    def govern(self, at: float, proposal: int, current: int) -> tuple[int, str]:
        """The count to act on and why. ``proposal`` is remembered for stabilization."""
        if self._last_current is not None and current != self._last_current:
            # Observed, not assumed: a failed UpdateService changes nothing.
            self._last_change_at = at
        self._ages.follow(at, current, first=self._last_current is None)
        self._last_current = current
        return self._propose(at, proposal, current)

    def _propose(self, at: float, proposal: int, current: int) -> tuple[int, str]:
        b = self.bounds
        self._proposals.push(at, proposal)
        if proposal > current:
            wanted = proposal
            if b.max_step_up is not None and wanted > current + b.max_step_up:
                wanted = current + b.max_step_up
                return self._bounded(wanted, current, f"scale up, capped at +{b.max_step_up}")
            return self._bounded(wanted, current, "scale up")
        if proposal == current:
            return self._bounded(current, current, "at target")
        return self._scale_in(at, current)

    def _scale_in(self, at: float, current: int) -> tuple[int, str]:
        b = self.bounds
        held = self._held(at)
        if held:
            return self._bounded(current, current, held)
        stable = self._proposals.max(at)
        wanted = stable if stable is not None else current
        if wanted >= current:
            return self._bounded(current, current, "scale-in stabilizing")
        young = self._ages.younger_than(b.min_task_age, at)
        floor = math.ceil(current / b.scale_in_factor)
        target = max(wanted, floor, young)
        if target > current * (1 - b.scale_in_band):
            # A step of a task or two on a large service is noise, and stopping tasks
            # that only just started pays their start for nothing: wait for a real step.
            why = "tasks too young to stop" if young > wanted else "within the scale-in band"
            return self._bounded(current, current, why)
        if target == young and young > max(wanted, floor):
            return self._bounded(young, current, "scale in, keeping young tasks")
        if target == floor and floor > wanted:
            return self._bounded(floor, current, f"scale in, limited to 1/{b.scale_in_factor:g}")
        return self._bounded(wanted, current, "scale in")

    def _held(self, at: float) -> str:
        """Why scale-in must wait this tick, or "" when it may go ahead."""
        b = self.bounds
        if not b.scale_in:
            return "scale-in disabled"
        first = self._first_at if self._first_at is not None else at
        if at - first < b.scale_in_delay:
            return "scale-in waits for a full window of data"
        if self._last_change_at is not None and at - self._last_change_at < b.scale_in_cooldown:
            return "scale-in waits after a change"
        if self._last_blind_at is not None and at - self._last_blind_at < b.full_view_window:
            return "missing data: no scale-in"
        return ""

    def _bounded(self, wanted: int, current: int, reason: str) -> tuple[int, str]:
        clamped = self.bounds.clamp(wanted)
        if clamped != wanted:
            edge = "max" if clamped < wanted else "min"
            return clamped, f"{reason} (held at {edge} {clamped})"
        return clamped, reason
