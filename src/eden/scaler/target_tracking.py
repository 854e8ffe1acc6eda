"""The target-tracking policy (Knative-class): how many tasks the load needs, each tick.

``desired = ceil(load / target)`` over a 60 s stable window smooths noise; a 6 s panic window
catches spikes. When the panic window wants at least ``panic_threshold`` times the tasks
that are *ready* (serving), the policy panics: it follows the panic window and never
shrinks until no panic trigger has been seen for a whole stable window. Comparing against
ready tasks, as Knative does, and not against the desired count keeps panic armed until
the capacity asked for exists: tasks still starting serve nobody. A tolerance band keeps a
steady service from flapping on noise. Everything about *how fast* a count may change
lives in the Governor.

The policy is deterministic and does no I/O: the daemon, the simulator and the tests drive
the same object with Observations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from eden.scaler.governor import Bounds, Governor
from eden.scaler.model import Decision, Observation
from eden.scaler.windows import TimeWindowMean


@dataclass(frozen=True)
class TargetSettings:
    """Tuning of target tracking; the defaults are Knative's."""

    target: float
    stable_window: float = 60.0
    panic_window: float = 6.0
    panic_threshold: float = 2.0
    tolerance: float = 0.1
    # "ready" (Knative) or "desired" (eden before 0.2; kept to show the difference).
    panic_basis: str = "ready"

    def __post_init__(self) -> None:
        if self.target <= 0:
            raise ValueError("target per task must be positive")
        if not 0 < self.panic_window <= self.stable_window:
            raise ValueError("need 0 < panic_window <= stable_window")
        if self.panic_threshold <= 1:
            raise ValueError("panic_threshold must be above 1")
        if not 0 <= self.tolerance < 1:
            raise ValueError("tolerance must be in [0, 1)")
        if self.panic_basis not in ("ready", "desired"):
            raise ValueError("panic_basis must be ready or desired")


class TargetTrackingPolicy:
    """Stable and panic windows over total load, guarded by a Governor."""

    name = "target"

    def __init__(self, settings: TargetSettings, bounds: Bounds) -> None:
        self.settings = settings
        self.bounds = bounds
        self._governor = Governor(bounds)
        self._stable = TimeWindowMean(settings.stable_window)
        self._panic = TimeWindowMean(settings.panic_window)
        self._panic_since: float | None = None
        self._panic_last_trigger = 0.0
        self._panic_peak = 0
        self._step_at = -math.inf
        self._step_per_task = 0.0

    @property
    def panicking(self) -> bool:
        return self._panic_since is not None

    def decide(self, obs: Observation) -> Decision:
        s, now, current = self.settings, obs.at, obs.desired
        load = obs.total_load
        if load is not None:
            self._stable.push(now, load)
            self._panic.push(now, load)
        complete = load is not None and obs.coverage >= self.bounds.min_coverage
        self._governor.note_view(now, complete=complete)
        stable_load = self._stable.mean(now)
        panic_load = self._panic.mean(now)
        if stable_load is None:
            # Nothing known at all: hold, but still respect min/max.
            held = self.bounds.clamp(current)
            return Decision(held, current, "no data yet: hold")
        want_stable = math.ceil(stable_load / s.target)
        want_panic = math.ceil(panic_load / s.target) if panic_load is not None else None
        basis = obs.ready if s.panic_basis == "ready" else current
        self._update_panic(now, basis, want_panic)
        if self.panicking:
            proposal = max(want_stable, want_panic or 0, self._panic_peak, current)
            waiting = s.panic_basis == "ready" and obs.ready < current
            settled = now - self._step_at >= s.panic_window
            per_task = (panic_load or 0.0) / max(obs.ready, 1)
            if not settled:
                self._step_per_task = max(self._step_per_task, per_task)
            elif waiting and per_task <= self._step_per_task * (1 + s.tolerance):
                # Capacity asked for is still starting. Saturated tasks queue requests, so
                # the total in flight grows as more of them start, whatever the load does:
                # an echo, not news. Only a rise of the load per serving task since the
                # last step asks again. (Within a panic window of a step, the window is
                # still filling with the new level: follow it.) Never below the peak.
                proposal = max(current, self._panic_peak)
            self._panic_peak = proposal
            desired, reason = self._governor.govern(now, proposal, current)
            reason = f"panic: {reason}"
            if desired > current and (settled or not waiting):
                # A new step; following its window does not extend it.
                self._step_at, self._step_per_task = now, per_task
        else:
            proposal = want_stable
            if self._within_tolerance(stable_load, current):
                proposal = current
            desired, reason = self._governor.govern(now, proposal, current)
        return Decision(
            desired,
            current,
            reason,
            panic=self.panicking,
            stable_load=stable_load,
            panic_load=panic_load,
        )

    def _update_panic(self, now: float, basis: int, want_panic: int | None) -> None:
        s = self.settings
        over = want_panic is not None and want_panic >= s.panic_threshold * max(basis, 1)
        if over:
            if self._panic_since is None:
                self._panic_since = now
                self._panic_peak = 0
            self._panic_last_trigger = now
        elif self._panic_since is not None and now - self._panic_last_trigger >= s.stable_window:
            self._panic_since = None  # (the peak is reset when the next panic begins)

    def _within_tolerance(self, load: float, current: int) -> bool:
        if current <= 0:
            return load <= 0
        return abs(load / (current * self.settings.target) - 1.0) <= self.settings.tolerance
