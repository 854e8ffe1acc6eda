"""Target tracking at its edges: clocks far from 0, the echo gate's thresholds, panic's
memory, coverage, zero ready tasks. Each test pins a behaviour a mutant changed unnoticed."""

from __future__ import annotations

import dataclasses

import pytest

from eden.scaler.governor import Bounds
from eden.scaler.model import Observation
from eden.scaler.target_tracking import TargetSettings, TargetTrackingPolicy

T0 = 7000.0  # a clock far from 0, as time.monotonic() is


def make(target: float = 10.0, **bounds: object) -> TargetTrackingPolicy:
    b = Bounds(**{"min_tasks": 1, "max_tasks": 500, **bounds})  # type: ignore[arg-type]
    return TargetTrackingPolicy(TargetSettings(target=target), b)


def obs(t: float, per_task: float, ready: int, desired: int) -> Observation:
    return Observation(T0 + t, (per_task,) * ready, ready=ready, desired=desired,
                       pending=max(desired - ready, 0))


def test_its_name_and_frozen_settings() -> None:
    assert make().name == "target"
    s = TargetSettings(target=1, panic_window=0.5, stable_window=0.5)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field"):
        s.target = 2  # type: ignore[misc]


def test_echo_gate_with_a_clock_far_from_zero() -> None:
    p = make()
    assert p.decide(obs(0, 60.0, 10, 10)).desired == 60  # a step: 60 per serving task
    # A panic window later, 25 of 60 serve at 58 each: within 10 % of the step's 60.
    hold = p.decide(obs(7, 58.0, 25, 60))
    assert hold.desired == 60 and hold.reason == "panic: at target"
    again = p.decide(obs(8, 58.0, 25, 60))  # and on the next tick: a hold is no new step
    assert again.desired == 60 and again.reason == "panic: at target"


def test_a_step_taken_while_waiting_resets_the_echo_level() -> None:
    p = make()
    p.decide(obs(0, 60.0, 10, 10))
    up = p.decide(obs(7, 100.0, 25, 60))  # 100 per serving task > 66: news
    assert up.desired > 60 and up.reason == "panic: scale up"
    later = p.decide(obs(14, 100.0, 25, up.desired))
    # Still 100 per serving task: the level of the last step, so an echo.
    assert later.desired == up.desired and later.reason == "panic: at target"


def test_following_the_window_does_not_extend_it() -> None:
    p = make()
    assert p.decide(obs(0, 60.0, 10, 10)).desired == 60
    # The window fills: rises while following, all within a panic window of the step.
    d = p.decide(obs(3, 90.0, 10, 60))
    assert d.desired == 75 and d.reason == "panic: scale up"  # (600 + 900) / 2 / 10
    # At t=7 the step (t=0) is settled; 25 serve at 50 each: below the followed level.
    hold = p.decide(obs(7, 50.0, 25, d.desired))
    assert hold.desired == d.desired and hold.reason == "panic: at target"


def test_the_first_panic_while_tasks_start_asks_even_at_a_low_load() -> None:
    # 1 per task on 2 of 3 (one starting), target 0.25: 8 wanted, 4x the ready.
    p = make(target=0.25)
    d = p.decide(Observation(T0, (1.0, 1.0), ready=2, desired=3, pending=1))
    assert d.desired == 8 and d.reason == "panic: scale up"


def test_panic_never_shrinks_below_its_peak_even_if_the_count_is_cut() -> None:
    p = make()
    assert p.decide(obs(0, 80.0, 10, 10)).desired == 80
    # Someone cuts the service to 40 while the spike is recent and the load gone.
    d = p.decide(obs(10, 1.0, 40, 40))
    assert d.panic and d.desired == 80 and d.reason == "panic: scale up"


def test_a_new_panic_does_not_inherit_the_old_peak() -> None:
    p = make()
    assert p.decide(obs(0, 80.0, 10, 10)).desired == 80
    for t in range(1, 300):
        d = p.decide(obs(t, 1.0, 10, 10))  # load gone, service at 10: panic ends at t=60
    assert not d.panic
    for t in range(300, 306):
        d = p.decide(obs(t, 25.0, 10, 10))  # a smaller spike: 250 in flight
    assert d.panic and d.desired == 25


def test_low_coverage_blocks_scale_in() -> None:
    p = make(scale_in_delay=10, min_task_age=0)
    for t in range(0, 20):
        p.decide(obs(t, 10.0, 20, 20))
    d = None
    for t in range(20, 200):
        # 1 of 4 scraped tasks answers (the others fail), with a low load.
        d = p.decide(Observation(T0 + t, (1.0, None, None, None), ready=20, desired=20))
    assert d is not None and d.desired == 20 and d.reason == "missing data: no scale-in"


def test_one_ready_task_panics_at_twice_itself() -> None:
    d = make().decide(obs(0, 30.0, 1, 1))  # 3 wanted: 3x the one ready task
    assert d.panic and d.desired == 3


def test_no_ready_task_is_not_a_panic_and_does_not_divide_by_zero() -> None:
    p = make()
    p.decide(obs(0, 5.0, 1, 1))
    d = p.decide(Observation(T0 + 1, (), ready=0, desired=1))  # nothing serving
    assert not d.panic and d.desired == 1
    # In a panic, a tick with nothing ready and a window gone quiet must not crash.
    q = make()
    q.decide(obs(0, 80.0, 10, 10))
    d = q.decide(Observation(T0 + 8, (), ready=0, desired=80))
    assert d.panic and d.desired == 80


def test_a_count_of_one_within_the_tolerance_holds() -> None:
    # Desired 1 while 2 tasks still answer (one on its way out): 10.5 in flight, 5 % over.
    d = make().decide(Observation(T0, (5.25, 5.25), ready=2, desired=1))
    assert d.desired == 1 and d.reason == "at target" and not d.panic


def test_the_followed_level_is_the_highest_seen_while_following() -> None:
    p = make()
    p.decide(obs(0, 60.0, 10, 10))
    assert p.decide(obs(3, 90.0, 10, 60)).desired == 75  # followed up to 75 per task
    # Only t=10 is in the 6 s window: 70 per serving task, above the step's 60 x 1.1 but
    # within the followed 75 x 1.1: an echo.
    hold = p.decide(obs(10, 70.0, 25, 75))
    assert hold.desired == 75 and hold.reason == "panic: at target"


def test_while_following_a_small_rise_is_taken() -> None:
    p = make()
    p.decide(obs(0, 60.0, 10, 10))
    d = p.decide(obs(3, 62.0, 10, 60))  # 3 s after the step: the window is still filling
    assert d.desired == 61 and d.reason == "panic: scale up"  # (600 + 620) / 2 / 10


def test_an_echo_just_under_the_gate_after_a_waiting_step_is_held() -> None:
    p = make()
    p.decide(obs(0, 60.0, 10, 10))
    up = p.decide(obs(7, 100.0, 25, 60))
    assert up.desired == 250  # a step taken while tasks start: its level is 100 per task
    hold = p.decide(obs(14, 105.0, 25, 250))  # 5 % more per task: an echo of that step
    assert hold.desired == 250 and hold.reason == "panic: at target"


def test_the_echo_level_is_per_serving_task_whatever_their_number() -> None:
    p = make()
    assert p.decide(obs(0, 60.0, 1, 1)).desired == 6  # one task at 60
    hold = p.decide(obs(7, 62.0, 2, 6))  # two serve, 62 each: the same load per task
    assert hold.desired == 6 and hold.reason == "panic: at target"


def test_a_count_of_zero_with_a_little_load_scales_up() -> None:
    d = make(min_tasks=0).decide(Observation(T0, (0.5,), ready=1, desired=0))
    assert d.desired == 1 and d.reason == "scale up"


def test_holding_on_an_echo_never_gives_up_the_peak() -> None:
    p = make()
    assert p.decide(obs(0, 80.0, 10, 10)).desired == 80
    # The count was cut to 40 while 10 still serve: an echo, but the peak stands.
    d = p.decide(obs(7, 80.0, 10, 40))
    assert d.panic and d.desired == 80 and d.reason == "panic: scale up"


def tolerant(tolerance: float) -> TargetTrackingPolicy:
    return TargetTrackingPolicy(TargetSettings(target=10.0, tolerance=tolerance),
                                Bounds(min_tasks=1, max_tasks=500))


def test_a_load_exactly_at_the_tolerance_edge_holds() -> None:
    # 25 over 2 tasks of 10: 25 % over target, and the band is 25 % (exact in binary).
    assert tolerant(0.25).decide(obs(0, 12.5, 2, 2)).reason == "at target"
    assert tolerant(0.25).decide(obs(0, 13.0, 2, 2)).desired == 3


def test_a_coverage_exactly_at_the_minimum_is_a_full_view() -> None:
    p = make(scale_in_delay=0.0)  # min_coverage 0.5: two of four tasks answered
    d = p.decide(Observation(T0, (2.0, 2.0, None, None), ready=10, desired=10))
    assert (d.desired, d.reason) == (5, "scale in, limited to 1/2")


def _panic_while_tasks_start(at_six: float, tolerance: float) -> list[tuple[int, str]]:
    """A panic that begins while a task is still starting (1 ready of 2), steps to 10,
    then sees the same load per serving task for a panic window and ``at_six`` at its
    end: the echo of queued requests, not news."""
    p = tolerant(tolerance)
    seen = [p.decide(obs(0, 100.0, 1, 2))]
    seen += [p.decide(obs(t, 100.0, 1, 10)) for t in range(1, 6)]
    seen.append(p.decide(obs(6, at_six, 1, 10)))
    return [(d.desired, d.reason) for d in seen]


def test_a_step_taken_while_tasks_start_settles_after_exactly_one_panic_window() -> None:
    # At T0+6 the step is one panic window old: settled. The panic window's mean is 105
    # per serving task, within 10 % of the 100 the step was taken at: held at 10 (the
    # stable window alone would ask for 11).
    decided = _panic_while_tasks_start(130.0, 0.1)
    assert decided[0] == (10, "panic: scale up")
    assert decided[1:] == [(10, "panic: at target")] * 6


def test_the_echo_gate_holds_a_rise_of_exactly_the_tolerance() -> None:
    # 150 per serving task against 100 at the step, with a 50 % tolerance: held.
    assert _panic_while_tasks_start(400.0, 0.5)[-1] == (10, "panic: at target")
    # Just over it is news: the panic window (mean 150.2) asks for 16.
    assert _panic_while_tasks_start(401.0, 0.5)[-1] == (16, "panic: scale up")


def test_a_step_taken_with_no_load_in_view_makes_the_next_load_news() -> None:
    p = make(target=0.1, scale_in_delay=0.0, min_task_age=0.0)
    assert p.decide(obs(0, 0.3, 1, 2)).desired == 3  # a panic: 0.3 wants 3 tasks
    # Ten seconds on the one task's scrape fails and the count reads 0 (set from outside):
    # the panic steps back up with nothing in its window, at 0 load per serving task.
    d = p.decide(Observation(T0 + 10, (None,), ready=1, desired=0))
    assert (d.desired, d.reason, d.panic_load) == (3, "panic: scale up", None)
    # A panic window later 3 tasks serve 0.3 each: 0.9 is news against 0, and wants 9.
    assert p.decide(obs(16, 0.3, 3, 4)).desired == 9


def test_a_quiet_panic_window_counts_as_no_load_per_task() -> None:
    # Found by a random search against the mutant that counts an empty or all-zero panic
    # window as -1 per serving task (bench/mutate.py); the last tick is where they part.
    p = make(target=1.0, max_tasks=100, scale_in_delay=0.0, min_task_age=0.0)
    ticks = [(0, (5.0,), 0, 6), (1, (0.0,), 1, 5), (3, (50.0,) * 5, 5, 9), (4, (0.05,), 1, 13),
             (10, (50.0,) * 10, 10, 14), (16, (0.0,) * 8, 8, 13)]
    decided = [p.decide(Observation(T0 + t, values, ready=r, desired=d)).desired
               for t, values, r, d in ticks]
    assert decided == [6, 6, 85, 85, 85, 85]
    last = p.decide(Observation(T0 + 22, (None,) * 4, ready=4, desired=17))
    assert (last.desired, last.reason) == (100, "panic: scale up (held at max 100)")
