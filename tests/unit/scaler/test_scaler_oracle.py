"""The clairvoyant oracle on cases small enough to compute by hand."""

from __future__ import annotations

import pytest

from eden.scaler.governor import Bounds
from eden.scaler.oracle import OraclePolicy, level_intervals, schedule
from eden.scaler.sim_model import SimSettings
from eden.scaler.simulate import simulate
from eden.scaler.traces import Trace

# 100 per task at full utilisation, every task takes exactly 5 s to start, no drain.
SIM = SimSettings(capacity=100.0, target_utilisation=1.0, start_delay_min=5.0,
                  start_delay_max=5.0, drain=0.0, preroll=5.0)
BURST = Trace("burst", 1.0, (100.0,) * 10 + (500.0,) * 10 + (100.0,) * 10)


def test_levels_are_cut_from_the_needed_count() -> None:
    assert dict(level_intervals([1, 3, 3, 1, 2])) == {
        1: [(0, 5)], 2: [(1, 3), (4, 5)], 3: [(1, 3)]}


def test_tasks_are_asked_one_start_delay_ahead_and_released_when_done() -> None:
    desired = schedule(BURST, SIM, Bounds(1, 100))
    # 5 pre-roll ticks, then t = 0..29: 4 more tasks from t=5 (10 - 5) until t=20.
    assert desired == [1] * 10 + [5] * 15 + [1] * 10


def test_the_burst_scored_by_hand() -> None:
    r = simulate(BURST, OraclePolicy(BURST, SIM, Bounds(1, 100)), SIM)
    assert r.under_task_seconds == 0  # every task serves in time
    assert r.over_task_seconds == 0  # serving exactly when needed (starting is cost)
    # 1 task x 30 s + 4 tasks x 15 s, and each of the 4 billed 60 s for its 15 s life.
    assert r.cost_task_seconds == pytest.approx(30 + 60 + 4 * 45)
    assert (r.scale_changes, r.scale_ins, r.peak_tasks) == (2, 1, 5)
    assert r.wait_p99 == 0 and r.refused_share == 0


def test_a_short_gap_keeps_the_task_and_a_long_one_releases_it() -> None:
    short = Trace("short", 1.0, (100.0,) * 10 + (200.0,) * 10 + (100.0,) * 3 + (200.0,) * 10
                  + (100.0,) * 10)
    d = schedule(short, SIM, Bounds(1, 100))
    # Releasing for 3 s and asking again costs two one-minute minimums; keeping costs 3 s.
    assert d == [1] * 10 + [2] * 28 + [1] * 10
    long = Trace("long", 1.0, (100.0,) * 10 + (200.0,) * 10 + (100.0,) * 200 + (200.0,) * 10
                 + (100.0,) * 10)
    d = schedule(long, SIM, Bounds(1, 100))
    assert d == [1] * 10 + [2] * 15 + [1] * 195 + [2] * 15 + [1] * 10


def test_the_oracle_respects_the_bounds() -> None:
    d = schedule(BURST, SIM, Bounds(2, 3))
    assert d == [2] * 10 + [3] * 15 + [2] * 10


def test_with_jitter_the_oracle_asks_the_longest_delay_ahead() -> None:
    sim = SimSettings(capacity=100.0, target_utilisation=1.0, start_delay_min=1.0,
                      start_delay_max=8.0, drain=0.0, preroll=8.0)
    d = schedule(BURST, sim, Bounds(1, 100))
    assert d == [1] * 10 + [5] * 18 + [1] * 10  # from t = 10 - 8 on
    assert simulate(BURST, OraclePolicy(BURST, sim, Bounds(1, 100)), sim).under_task_seconds == 0
