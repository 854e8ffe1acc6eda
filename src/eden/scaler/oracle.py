"""The clairvoyant yardstick: the cheapest schedule that never leaves the load short.

The oracle knows the whole trace. For each task it asks exactly one (longest) start delay
before the task is needed at the target utilisation, so the task serves in time however
its start is jittered, and it releases the task when it is no longer needed - unless the
task is needed again so soon that keeping it is cheaper than draining it and starting
another (Fargate's one-minute minimum included). Every other policy's cost is reported as
a ratio to this one's.

How: the needed count over time is cut into levels (level ``j`` is needed while the count
is at least ``j``); each level's intervals are merged, left to right, while one task
covering both costs no more than two; a task is asked for at its interval's start minus
the lead and released at its end.
"""

from __future__ import annotations

import math
from collections import defaultdict

from eden.scaler.governor import Bounds
from eden.scaler.model import Decision, Observation
from eden.scaler.sim_model import BILLING_MINIMUM, SimSettings
from eden.scaler.traces import Trace


def needed_series(trace: Trace, s: SimSettings) -> list[int]:
    """Tasks needed at the target utilisation on every tick, pre-roll included."""
    steps = round((s.preroll + trace.duration) / s.tick)
    start = trace.at(0.0)
    out = []
    for k in range(steps):
        t = k * s.tick - s.preroll
        out.append(s.needed_target(trace.at(t) if t >= 0 else start))
    return out


def level_intervals(needed: list[int]) -> dict[int, list[tuple[int, int]]]:
    """For each level j, the tick ranges [a, b) where at least j tasks are needed."""
    intervals: dict[int, list[tuple[int, int]]] = defaultdict(list)
    opened: list[int] = []  # opened[j - 1]: where level j began
    for k, n in enumerate([*needed, 0]):
        while len(opened) < n:
            opened.append(k)
        while len(opened) > n:
            level = len(opened)
            intervals[level].append((opened.pop(), k))
    return intervals


def schedule(trace: Trace, s: SimSettings, bounds: Bounds) -> list[int]:
    """The oracle's desired count on every tick (pre-roll included)."""
    needed = needed_series(trace, s)
    lead = math.ceil(s.start_delay_max / s.tick)

    def cost(a: int, b: int) -> float:
        return max(BILLING_MINIMUM, (b - a + lead) * s.tick + s.drain)

    change = [0] * (len(needed) + 1)
    for spans in level_intervals(needed).values():
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged:
                pa, pb = merged[-1]
                if cost(pa, b) <= cost(pa, pb) + cost(a, b):
                    merged[-1] = (pa, b)
                    continue
            merged.append((a, b))
        for a, b in merged:
            change[max(0, a - lead)] += 1
            change[b] -= 1
    out, count = [], 0
    for k in range(len(needed)):
        count += change[k]
        out.append(bounds.clamp(count))
    return out


class OraclePolicy:
    """Replays ``schedule``: for the simulator only (a live service has no future)."""

    name = "oracle"

    def __init__(self, trace: Trace, settings: SimSettings, bounds: Bounds) -> None:
        self.settings = settings
        self._desired = schedule(trace, settings, bounds)

    def decide(self, obs: Observation) -> Decision:
        k = round((obs.at + self.settings.preroll) / self.settings.tick)
        wanted = self._desired[min(max(k, 0), len(self._desired) - 1)]
        return Decision(wanted, obs.desired, "oracle: clairvoyant schedule")
