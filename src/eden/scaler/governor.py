"""The guard rails every eden policy shares: bounds, step limits and safe scale-in.

A policy proposes a count from load; the governor decides how much of that proposal is safe
to act on. Scaling up happens at once (capped by ``max_step_up``). Scaling in happens only

* when it is enabled at all,
* after the stabilization window has seen data (no scale-in at start-up),
* a whole stabilization window after the count last changed (one step per window, not one
  UpdateService call per tick as the average drifts down),
* when the recent past was fully observed (missing data never shrinks a service),
* to the largest count recommended during the stabilization window (so a dip must last),
* and by at most ``scale_in_factor`` per step (2 = at most halving).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from eden.scaler.windows import TimeWindowMax


@dataclass(frozen=True)
class Bounds:
    """Limits a user sets per service; validated once so policies can trust them."""

    min_tasks: int = 1
    max_tasks: int = 100
    max_step_up: int | None = None
    scale_in: bool = True
    scale_in_delay: float = 60.0
    scale_in_factor: float = 2.0
    full_view_window: float = 6.0
    min_coverage: float = 0.5

    def __post_init__(self) -> None:
        if self.min_tasks < 0 or self.max_tasks < self.min_tasks:
            raise ValueError("need 0 <= min_tasks <= max_tasks")
        if self.max_step_up is not None and self.max_step_up < 1:
            raise ValueError("max_step_up must be at least 1")
        if self.scale_in_factor < 1:
            raise ValueError("scale_in_factor must be >= 1")
        if self.scale_in_delay < 0 or self.full_view_window < 0:
            raise ValueError("windows must not be negative")
        if not 0 < self.min_coverage <= 1:
            raise ValueError("min_coverage must be in (0, 1]")

    def clamp(self, count: int) -> int:
        return max(self.min_tasks, min(self.max_tasks, count))


class Governor:
    """Turns a raw proposal into a safe desired count, remembering what it needs to."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self._proposals = TimeWindowMax(bounds.scale_in_delay)
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
            # Observed, not assumed: a dry run or a failed UpdateService changes nothing.
            self._last_change_at = at
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
        if not b.scale_in:
            return self._bounded(current, current, "scale-in disabled")
        first = self._first_at if self._first_at is not None else at
        if at - first < b.scale_in_delay:
            return self._bounded(current, current, "scale-in waits for a full window of data")
        if self._last_change_at is not None and at - self._last_change_at < b.scale_in_delay:
            return self._bounded(current, current, "scale-in waits a window after a change")
        if self._last_blind_at is not None and at - self._last_blind_at < b.full_view_window:
            return self._bounded(current, current, "missing data: no scale-in")
        stable = self._proposals.max(at)
        wanted = stable if stable is not None else current
        if wanted >= current:
            return self._bounded(current, current, "scale-in stabilizing")
        floor = math.ceil(current / b.scale_in_factor)
        if wanted < floor:
            return self._bounded(floor, current, f"scale in, limited to 1/{b.scale_in_factor:g}")
        return self._bounded(wanted, current, "scale in")

    def _bounded(self, wanted: int, current: int, reason: str) -> tuple[int, str]:
        clamped = self.bounds.clamp(wanted)
        if clamped != wanted:
            edge = "max" if clamped < wanted else "min"
            return clamped, f"{reason} (held at {edge} {clamped})"
        return clamped, reason
