"""Helpers shared by the scaler's unit tests: build Observations without noise."""

from __future__ import annotations

from collections.abc import Callable

from eden.scaler.model import Decision, Observation
from eden.scaler.policy import Policy


def even(at: float, total: float | None, ready: int, desired: int | None = None) -> Observation:
    """A tick where ``total`` load is spread evenly over ``ready`` tasks (None = all failed)."""
    n = max(ready, 1)
    value = None if total is None else total / n
    return Observation(at, tuple([value] * n), ready, ready if desired is None else desired)


Feed = Callable[[Policy, float, float, float | None, int], Decision]


def feed_policy(
    policy: Policy, start: float, end: float, total: float | None, current: int
) -> Decision:
    """Feed one value every second over [start, end); return the last decision."""
    decision: Decision | None = None
    t = start
    while t < end:
        decision = policy.decide(even(t, total, current))
        t += 1.0
    assert decision is not None
    return decision
