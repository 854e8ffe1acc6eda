"""The seed's table as an eden policy: table lookup plus eden's guard rails."""

from __future__ import annotations

import pytest
from scaler_unit_helpers import even

from eden.errors import UsageError
from eden.scaler.governor import Bounds
from eden.scaler.model import Observation
from eden.scaler.policy_registry import make_policy
from eden.scaler.target_tracking import TargetSettings
from eden.scaler.threshold import SEED_TABLE, SeedPolicy, ThresholdPolicy, table_lookup


@pytest.mark.parametrize(
    ("per_task", "expected"),
    [(1000, 20), (500, 20), (499.9, 15), (300, 15), (299.9, 10), (100, 10), (99, 2), (50, 2),
     (49.9, None)],
)
def test_table_lookup(per_task: float, expected: int | None) -> None:
    assert table_lookup(SEED_TABLE, per_task) == expected


def test_threshold_policy_scales_up_at_once_and_in_only_after_a_window() -> None:
    p = ThresholdPolicy(Bounds(min_tasks=1, max_tasks=50))
    assert p.decide(even(0, 3 * 320.0, 3)).desired == 15
    held = None
    for t in range(1, 40):
        held = p.decide(even(t, 15 * 60.0, 15))
    assert held is not None and held.desired == 15
    for t in range(40, 200):
        held = p.decide(even(t, 15 * 60.0, 15))
    assert held is not None and held.desired == 8  # halving floor, not 2 at once


def test_threshold_policy_below_table_holds() -> None:
    p = ThresholdPolicy(Bounds())
    assert p.decide(even(0, 30.0, 3)).desired == 3


def test_threshold_policy_missing_data_holds() -> None:
    p = ThresholdPolicy(Bounds())
    d = p.decide(even(0, None, 10))
    assert d.desired == 10 and "missing" in d.reason


def test_make_policy_names() -> None:
    s, b = TargetSettings(target=5), Bounds()
    for name in ("target", "threshold", "seed"):
        assert make_policy(name, s, b).name == name
    with pytest.raises(UsageError, match="unknown policy 'magic'"):
        make_policy("magic", s, b)


def test_threshold_policy_refuses_an_empty_table() -> None:
    with pytest.raises(ValueError, match="a threshold table needs at least one row"):
        ThresholdPolicy(Bounds(), ())


def _after_two_quiet_minutes() -> ThresholdPolicy:
    """15 tasks at 60 each (the table says 2) for 130 s: a scale-in may go ahead."""
    p = ThresholdPolicy(Bounds(min_tasks=1, max_tasks=50))
    for t in range(130):
        p.decide(even(t, 15 * 60.0, 15))
    return p


def test_threshold_policy_scales_in_on_half_the_tasks_answering() -> None:
    # Coverage 1/2 is exactly min_coverage: the view counts as complete.
    d = _after_two_quiet_minutes().decide(Observation(130.0, (60.0, None), 15, 15))
    assert (d.desired, d.reason) == (8, "scale in, limited to 1/2")


def test_threshold_policy_holds_scale_in_on_too_few_answers() -> None:
    d = _after_two_quiet_minutes().decide(Observation(130.0, (60.0, None, None), 15, 15))
    assert (d.desired, d.reason) == (15, "missing data: no scale-in")


def test_seed_reads_exactly_the_first_three_tasks() -> None:
    # First three: 300 // 3 = 100 -> 10. Two would read 0, four (0+0+300+900) // 4 = 300.
    d = SeedPolicy().decide(Observation(0.0, (0.0, 0.0, 300.0, 900.0), 4, 4))
    assert (d.desired, d.stable_load) == (10, 100.0)


def test_seed_with_no_task_reads_an_average_of_zero() -> None:
    d = SeedPolicy().decide(Observation(0.0, (), 0, 0))
    assert (d.desired, d.reason, d.stable_load) == (0, "seed: avg 0, below the table", 0.0)


def test_seed_counts_a_failed_probe_as_zero_connections() -> None:
    d = SeedPolicy().decide(Observation(0.0, (None, 1.0, 1.0), 3, 3))
    assert (d.reason, d.stable_load) == ("seed: avg 0, below the table", 0.0)  # 2 // 3


def test_seed_looks_again_three_seconds_after_a_quiet_look() -> None:
    seed = SeedPolicy()
    seed.decide(Observation(100.0, (40.0,) * 3, 3, 3))
    assert seed.decide(Observation(102.9, (600.0,) * 3, 3, 3)).reason == "seed: not looking"
    assert seed.decide(Observation(103.0, (600.0,) * 3, 3, 3)).desired == 20


def test_seed_loop_lives_exactly_a_day_from_its_first_look() -> None:
    seed = SeedPolicy()
    start = 1000.0
    seed.decide(Observation(start, (10.0,) * 3, 3, 3))
    last = seed.decide(Observation(start + 24 * 3600 - 1, (600.0,) * 3, 3, 3))
    assert last.desired == 20  # one second before the day is out, it still looks
    ended = seed.decide(Observation(start + 24 * 3600, (600.0,) * 3, 20, 20))
    assert (ended.desired, ended.reason) == (20, "seed loop ended after 24 h")
