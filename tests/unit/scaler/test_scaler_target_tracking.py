"""Target tracking: windows, panic, tolerance, guarded scale-in, bounds, missing data."""

from __future__ import annotations

import pytest
from scaler_unit_helpers import Feed, even

from eden.scaler.governor import Bounds
from eden.scaler.model import Observation
from eden.scaler.target_tracking import TargetSettings, TargetTrackingPolicy

TARGET = 10.0


def make(panic_basis: str = "ready", tolerance: float = 0.1,
         **bounds: object) -> TargetTrackingPolicy:
    b = Bounds(**{"min_tasks": 1, "max_tasks": 100, **bounds})  # type: ignore[arg-type]
    settings = TargetSettings(target=TARGET, panic_basis=panic_basis, tolerance=tolerance)
    return TargetTrackingPolicy(settings, b)


def test_steady_load_at_target_holds(feed: Feed) -> None:
    p = make()
    d = feed(p, 0, 300, 100.0, 10)
    assert d.desired == 10 and not d.changed and not d.panic
    assert d.reason == "at target"


def test_spike_panics_and_scales_up_within_two_ticks(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 100.0, 10)
    first = p.decide(even(120, 400.0, 10))
    # The 6 s panic window holds 5 x 100 + 400: a mean of 150 is not yet 2x the 10 ready,
    # and the 60 s mean (105) is within the tolerance.
    assert first.desired == 10 and not first.panic and first.reason == "at target"
    d = p.decide(even(121, 400.0, 10))  # (4 x 100 + 2 x 400) / 6 = 200: twice the ready
    assert d.panic and d.desired == 20 and d.direction == "up"
    assert d.reason == "panic: scale up"


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
    assert up.panic
    still = feed(p, 110, 169, 800.0 / 8, up.desired)
    assert still.panic  # the last trigger was at t=109: 59 s ago
    d = feed(p, 169, 180, 800.0 / 8, up.desired)
    assert not d.panic


def test_panic_compares_against_ready_tasks_not_desired() -> None:
    # 20 asked for, 8 serving (12 still starting), 200 in flight: 20 tasks' worth.
    obs = Observation(0.0, (25.0,) * 8, ready=8, desired=20, pending=12)
    knative = make().decide(obs)
    assert knative.panic and knative.desired == 20  # armed: the capacity is not there yet
    assert knative.reason == "panic: at target"
    before = make(panic_basis="desired").decide(obs)
    assert not before.panic and before.desired == 20


def test_panic_stays_armed_until_the_capacity_exists() -> None:
    p = make()
    d = None
    for t in range(0, 200):  # 200 s with 8 of 20 tasks ready: longer than a stable window
        d = p.decide(Observation(float(t), (25.0,) * 8, ready=8, desired=20, pending=12))
        assert d.panic, f"panic ended at t={t} though only 8 of 20 tasks serve"
        assert d.desired == 20
    for t in range(200, 259):  # the tasks have started: the trigger is gone...
        d = p.decide(Observation(float(t), (10.0,) * 20, ready=20, desired=20))
    assert d is not None and d.panic  # ...but panic holds a stable window after it
    d = p.decide(Observation(259.0, (10.0,) * 20, ready=20, desired=20))
    assert not d.panic and d.desired == 20


def test_while_capacity_starts_only_a_rise_per_serving_task_asks_again() -> None:
    p = make(max_tasks=500)
    up = p.decide(Observation(0.0, (60.0,) * 10, ready=10, desired=10))
    assert up.desired == 60 and up.panic  # 60 per serving task
    # A panic window later, 25 of 60 serve. Saturated tasks queue, so the total reads
    # 1,000 (100 tasks' worth) as more of them start: per serving task only 40. An echo.
    echo = p.decide(Observation(7.0, (40.0,) * 25, ready=25, desired=60, pending=35))
    assert echo.desired == 60 and echo.reason == "panic: at target"
    # The load per serving task rises (70 over the 6 s window): real news, ask again.
    more = p.decide(Observation(8.0, (100.0,) * 25, ready=25, desired=60, pending=35))
    assert more.desired == 175 and more.reason == "panic: scale up"  # (1000 + 2500) / 2


def test_within_a_panic_window_of_a_step_the_count_follows_the_window() -> None:
    p = make(max_tasks=500)
    assert p.decide(Observation(0.0, (60.0,) * 10, ready=10, desired=10)).desired == 60
    # One second later the window is still filling with the new level: follow it.
    follow = p.decide(Observation(1.0, (40.0,) * 25, ready=25, desired=60, pending=35))
    assert follow.desired == 80 and follow.reason == "panic: scale up"  # (600 + 1000) / 2


def test_once_every_task_asked_for_serves_any_rise_counts() -> None:
    p = make(max_tasks=500)
    p.decide(Observation(0.0, (60.0,) * 10, ready=10, desired=10))
    served = p.decide(Observation(7.0, (12.0,) * 60, ready=60, desired=60))
    assert served.desired == 72 and served.reason == "panic: scale up"  # the 6 s window: 720


def test_the_desired_basis_asks_on_every_rise() -> None:
    p = make(panic_basis="desired")
    assert p.decide(Observation(0.0, (60.0,) * 10, ready=10, desired=10)).desired == 60
    echo = p.decide(Observation(1.0, (40.0,) * 25, ready=25, desired=60, pending=35))
    assert echo.desired == 80  # (600 + 1000) / 2 / 10: each echo was a new ask


def test_scale_in_waits_for_the_window_and_at_most_halves(feed: Feed) -> None:
    p = make()
    feed(p, 0, 200, 400.0, 40)
    early = feed(p, 200, 300, 40.0, 40)
    assert early.desired == 40  # the 60 s mean still fell until t=259: the dip is young
    assert early.reason == "scale-in stabilizing"
    later = feed(p, 300, 380, 40.0, 40)
    assert later.desired == 20  # ceil(40 / 2): halving, not straight to 4
    assert later.reason == "scale in, limited to 1/2"
    assert later.direction == "down"


def test_scale_in_goes_on_at_once_after_a_step_and_cooldown_restores_the_old_wait(
    feed: Feed,
) -> None:
    p = make()
    feed(p, 0, 200, 400.0, 40)
    first = feed(p, 200, 380, 40.0, 40)
    assert first.desired == 20
    # ECS now reports 20: the next halving comes on the next tick, not a window later.
    nxt = p.decide(even(380, 40.0, 20))
    assert nxt.desired == 10 and nxt.reason == "scale in, limited to 1/2"
    slow = make(scale_in_cooldown=60)
    feed(slow, 0, 200, 400.0, 40)
    assert feed(slow, 200, 380, 40.0, 40).desired == 20
    waited = feed(slow, 380, 439, 40.0, 20)
    assert waited.desired == 20 and waited.reason == "scale-in waits after a change"
    assert feed(slow, 439, 441, 40.0, 20).desired == 10


def test_churn_band_scales_in_only_clearly_below(feed: Feed) -> None:
    # No tolerance band here, so the scale-in band alone decides.
    p = make(tolerance=0.0, scale_in_delay=10, min_task_age=0)
    feed(p, 0, 30, 200.0, 20)
    held = feed(p, 30, 100, 185.0, 20)  # wants 19: within 10 % of 20
    assert held.desired == 20 and held.reason == "within the scale-in band"
    d = feed(p, 100, 170, 175.0, 20)  # wants 18: 10 % below
    assert d.desired == 18 and d.reason == "scale in"
    no_band = make(tolerance=0.0, scale_in_delay=10, min_task_age=0, scale_in_band=0)
    feed(no_band, 0, 30, 200.0, 20)
    assert feed(no_band, 30, 100, 185.0, 20).desired == 19


def test_young_tasks_are_never_the_ones_scaled_in(feed: Feed) -> None:
    p = make(scale_in_delay=10, min_task_age=180)
    feed(p, 1000, 1030, 100.0, 10)
    up = feed(p, 1030, 1040, 300.0, 10)
    assert up.desired == 30 and up.panic
    # ECS reports 30 from t=1040; the load is back at once. Panic holds until t=1099.
    d = feed(p, 1040, 1120, 100.0, 30)
    assert d.desired == 20 and d.reason == "scale in, keeping young tasks"  # 20 are young
    d = feed(p, 1120, 1220, 100.0, 20)
    assert d.desired == 20 and d.reason == "tasks too young to stop"
    d = p.decide(even(1220, 100.0, 20))  # the 20 started at t=1040 are 180 s old now
    assert d.desired == 10 and d.reason == "scale in"


def test_scale_in_can_be_disabled(feed: Feed) -> None:
    p = make(scale_in=False)
    feed(p, 0, 120, 400.0, 40)
    d = feed(p, 120, 600, 10.0, 40)
    assert d.desired == 40 and d.reason == "scale-in disabled"


@pytest.mark.parametrize("start", [0.0, 1000.0])
def test_no_scale_in_before_a_full_window_of_data(feed: Feed, start: float) -> None:
    p = make()
    d = feed(p, start, start + 119, 10.0, 40)
    assert d.desired == 40
    assert d.reason == "scale-in waits for a full window of data"
    d = feed(p, start + 119, start + 121, 10.0, 40)
    assert d.desired == 20  # the window has data from `start` on: now it may


def test_tolerance_band_absorbs_small_drift(feed: Feed) -> None:
    p = make()
    d = feed(p, 0, 200, 108.0, 10)  # 8 % over target; ceil would ask for 11
    assert d.desired == 10 and d.reason == "at target"
    d = feed(make(), 0, 200, 112.0, 10)  # 12 %: outside the band
    assert d.desired == 12 and d.reason == "scale up"


def test_min_and_max_bounds(feed: Feed) -> None:
    p = make(min_tasks=3, max_tasks=12)
    d = feed(p, 0, 10, 1000.0, 5)
    assert d.desired == 12 and d.reason == "panic: scale up (held at max 12)"
    p2 = make(min_tasks=3, max_tasks=12)
    d2 = feed(p2, 0, 10, 0.0, 1)
    assert d2.desired == 3
    assert d2.reason == "scale-in waits for a full window of data (held at min 3)"


def test_max_step_up_caps_each_decision_and_only_when_exceeded() -> None:
    p = make(max_step_up=4)
    d = p.decide(even(0, 1000.0, 10))
    assert d.desired == 14 and d.reason == "panic: scale up, capped at +4"
    within = make(max_step_up=4).decide(even(0, 120.0, 10))
    assert within.desired == 12 and within.reason == "scale up"


def test_missing_data_is_never_zero_and_never_scales_in(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 400.0, 40)
    blind = feed(p, 120, 600, None, 40)  # every scrape fails for 8 minutes
    assert blind.desired == 40
    assert blind.stable_load is None and blind.reason == "no data yet: hold"


def test_low_load_during_partial_blindness_does_not_scale_in(feed: Feed) -> None:
    p = make()
    feed(p, 0, 120, 100.0, 10)
    # Real load falls, but one of every 5 ticks sees nothing: no scale-in while blind.
    reasons = set()
    for t in range(120, 400):
        total = None if t % 5 == 0 else 10.0
        d = p.decide(even(t, total, 10))
        assert d.desired == 10
        reasons.add(d.reason)
    assert "missing data: no scale-in" in reasons


def test_partial_failures_extrapolate_from_the_tasks_that_answered() -> None:
    p = make()
    values: tuple[float | None, ...] = (30.0, None, 30.0, None)
    d = p.decide(Observation(0.0, values, ready=4, desired=4))
    assert d.stable_load == pytest.approx(120.0)
    assert d.desired == 12


def test_no_data_at_all_holds() -> None:
    p = make()
    d = p.decide(even(0, None, 5))
    assert d.desired == 5 and d.reason == "no data yet: hold"


def test_scale_from_zero_tasks_is_unknown_not_idle() -> None:
    p = make(min_tasks=0)
    d = p.decide(Observation(0.0, (), ready=0, desired=0))
    assert d.desired == 0 and d.reason == "no data yet: hold"


def test_a_tick_at_desired_zero_with_load_scales_up_and_without_holds() -> None:
    # desired 0 while a task still answers (the count was just set to 0)
    up = make(min_tasks=0).decide(Observation(0.0, (5.0,), ready=1, desired=0))
    assert up.desired == 1 and up.reason == "scale up"
    idle = make(min_tasks=0).decide(Observation(0.0, (0.0,), ready=1, desired=0))
    assert idle.desired == 0 and idle.reason == "at target"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"target": 0}, "target per task must be positive"),
     ({"target": 1, "panic_window": 90}, "need 0 < panic_window <= stable_window"),
     ({"target": 1, "panic_window": 0}, "need 0 < panic_window <= stable_window"),
     ({"target": 1, "panic_threshold": 1.0}, "panic_threshold must be above 1"),
     ({"target": 1, "tolerance": 1.0}, r"tolerance must be in \[0, 1\)"),
     ({"target": 1, "tolerance": -0.1}, r"tolerance must be in \[0, 1\)"),
     ({"target": 1, "panic_basis": "pending"}, "panic_basis must be ready or desired")],
)
def test_invalid_settings_are_rejected(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TargetSettings(**kwargs)  # type: ignore[arg-type]
