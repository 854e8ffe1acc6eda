"""Target tracking: windows, panic, tolerance, guarded scale-in, bounds, missing data."""

from __future__ import annotations

import pytest
from scaler_unit_helpers import Feed, even

from eden.scaler.governor import Bounds
from eden.scaler.model import Observation
from eden.scaler.target_tracking import TargetSettings, TargetTrackingPolicy

TARGET = 10.0


def make(**bounds: object) -> TargetTrackingPolicy:
    b = Bounds(**{"min_tasks": 1, "max_tasks": 100, **bounds})  # type: ignore[arg-type]
    return TargetTrackingPolicy(TargetSettings(target=TARGET), b)


def test_steady_load_at_target_holds(feed: Feed) -> None:
    p = make()
    d = feed(p, 0, 300, 100.0, 10)
    assert d.desired == 10 and not d.changed and not d.panic


def test_spike_panics_and_scales_up_on_the_first_tick(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 100.0, 10)
    d = p.decide(even(120, 400.0, 10))
    # Panic window (6 s) averages 5 x 100 + 400 -> 150 is not yet 2x; keep feeding.
    d = p.decide(even(121, 400.0, 10))
    assert d.panic
    assert d.desired >= 20 and d.direction == "up"


def test_moderate_rise_scales_up_without_panic(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 100.0, 10)
    d = feed(p, 120, 180, 150.0, 10)
    assert not d.panic
    assert d.desired == 15


def test_panic_never_shrinks_while_the_spike_is_recent(feed: Feed) -> None:
    p = make()
    feed(p, 0, 100, 100.0, 10)
    up = feed(p, 100, 110, 800.0, 10)
    assert up.panic and up.desired == 80
    after = feed(p, 110, 150, 50.0, up.desired)
    assert after.panic
    assert after.desired == 80


def test_panic_ends_a_stable_window_after_the_last_trigger(feed: Feed) -> None:
    p = make()
    feed(p, 0, 100, 100.0, 10)
    up = feed(p, 100, 110, 800.0, 10)
    d = feed(p, 110, 110 + 70, 800.0 / 8, up.desired)
    assert not d.panic


def test_scale_in_waits_for_the_stabilization_window_and_at_most_halves(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 400.0, 40)
    early = feed(p, 120, 150, 40.0, 40)
    assert early.desired == 40  # the dip has not lasted a window yet
    later = feed(p, 150, 240, 40.0, 40)
    assert later.desired == 20  # ceil(40 / 2): halving, not straight to 4
    assert later.direction == "down"


def test_scale_in_can_be_disabled(feed: Feed) -> None:
    p = make(scale_in=False)
    feed(p, 0, 120, 400.0, 40)
    d = feed(p, 120, 600, 10.0, 40)
    assert d.desired == 40 and d.reason == "scale-in disabled"


def test_no_scale_in_right_after_start(feed: Feed) -> None:
    p = make()
    d = feed(p, 0, 30, 10.0, 40)
    assert d.desired == 40
    assert "full window" in d.reason


def test_tolerance_band_absorbs_small_drift(feed: Feed) -> None:
    p = make()
    d = feed(p, 0, 200, 108.0, 10)  # 8 % over target; ceil would ask for 11
    assert d.desired == 10 and d.reason == "at target"


def test_min_and_max_bounds(feed: Feed) -> None:
    p = make(min_tasks=3, max_tasks=12)
    d = feed(p, 0, 10, 1000.0, 5)
    assert d.desired == 12 and "max" in d.reason
    p2 = make(min_tasks=3, max_tasks=12)
    d2 = feed(p2, 0, 10, 0.0, 1)
    assert d2.desired == 3


def test_max_step_up_caps_each_decision() -> None:
    p = make(max_step_up=4)
    d = p.decide(even(0, 1000.0, 10))
    assert d.desired == 14 and "capped" in d.reason


def test_missing_data_is_never_zero_and_never_scales_in(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 400.0, 40)
    blind = feed(p, 120, 600, None, 40)  # every scrape fails for 8 minutes
    assert blind.desired == 40
    assert blind.stable_load is None or blind.stable_load == pytest.approx(400.0)


def test_low_load_during_partial_blindness_does_not_scale_in(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 100.0, 10)
    # Real load falls, but one of every 5 ticks sees nothing: no scale-in while blind.
    d = None
    for t in range(120, 400):
        total = None if t % 5 == 0 else 10.0
        d = p.decide(even(t, total, 10))
        assert d.desired == 10
    assert d is not None


def test_partial_failures_extrapolate_from_the_tasks_that_answered() -> None:
    p = make()
    values: tuple[float | None, ...] = (30.0, None, 30.0, None)
    d = p.decide(Observation(0.0, values, ready=4, desired=4))
    assert d.stable_load == pytest.approx(120.0)
    assert d.desired == 12


def test_pending_tasks_count_as_capacity_on_the_way(feed: Feed) -> None:
    p = make()
    # 20 desired, only 8 running (12 starting): load for 20 must not ask for more.
    d = None
    for t in range(0, 60):
        d = p.decide(Observation(float(t), tuple([25.0] * 8), ready=8, desired=20, pending=12))
    assert d is not None and d.desired == 20 and not d.panic


def test_no_data_at_all_holds() -> None:
    p = make()
    d = p.decide(even(0, None, 5))
    assert d.desired == 5 and "no data" in d.reason


def test_scale_from_zero_tasks_is_unknown_not_idle() -> None:
    p = make(min_tasks=0)
    d = p.decide(Observation(0.0, (), ready=0, desired=0))
    assert d.desired == 0 and "no data" in d.reason


@pytest.mark.parametrize(
    "kwargs",
    [{"target": 0}, {"target": 1, "panic_window": 90}, {"target": 1, "panic_threshold": 1.0},
     {"target": 1, "tolerance": 1.5}],
)
def test_invalid_settings_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TargetSettings(**kwargs)


def test_invalid_bounds_are_rejected() -> None:
    with pytest.raises(ValueError):
        Bounds(min_tasks=5, max_tasks=2)
    with pytest.raises(ValueError):
        Bounds(max_step_up=0)


def test_one_scale_in_step_per_window_after_a_change(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 400.0, 40)
    first = feed(p, 120, 240, 40.0, 40)
    assert first.desired == 20
    # ECS now reports 20: the next halving waits a whole window, not the next tick.
    assert feed(p, 240, 270, 40.0, 20).desired == 20
    assert feed(p, 270, 340, 40.0, 20).desired == 10
