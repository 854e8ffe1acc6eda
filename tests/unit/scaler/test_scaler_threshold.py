"""The seed's table as an eden policy: table lookup plus eden's guard rails."""

from __future__ import annotations

import pytest
from scaler_unit_helpers import even

from eden.errors import UsageError
from eden.scaler.governor import Bounds
from eden.scaler.policy_registry import make_policy
from eden.scaler.target_tracking import TargetSettings
from eden.scaler.threshold import SEED_TABLE, ThresholdPolicy, table_lookup


@pytest.mark.parametrize(
    ("per_task", "expected"),
    [(1000, 20), (500, 20), (499.9, 15), (300, 15), (100, 10), (99, 2), (50, 2), (49.9, None)],
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
