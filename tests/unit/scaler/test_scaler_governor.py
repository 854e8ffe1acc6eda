"""The governor alone: each guard rail on proposals, with clocks that do not start at 0."""

from __future__ import annotations

import math

import pytest

from eden.scaler.governor import Bounds, Governor, TaskAges

START = 5000.0  # a clock far from 0, as time.monotonic() is


def governor(**kw: object) -> Governor:
    base = {"min_tasks": 1, "max_tasks": 100, "scale_in_delay": 10.0, "min_task_age": 0.0,
            "scale_in_band": 0.0}
    return Governor(Bounds(**{**base, **kw}))  # type: ignore[arg-type]


def settle(g: Governor, current: int, proposal: int, seconds: int, at: float = START) -> None:
    for t in range(seconds):
        g.note_view(at + t, complete=True)
        g.govern(at + t, proposal, current)


def test_scale_up_is_immediate_and_capped_relative_to_the_current_count() -> None:
    g = governor(max_step_up=3)
    g.note_view(START, complete=True)
    assert g.govern(START, 15, 10) == (13, "scale up, capped at +3")
    assert g.govern(START + 1, 13, 10) == (13, "scale up")  # exactly the cap: not capped
    assert g.govern(START + 2, 12, 10) == (12, "scale up")


def test_proposal_equal_to_current_holds() -> None:
    g = governor()
    g.note_view(START, complete=True)
    assert g.govern(START, 7, 7) == (7, "at target")


def test_start_up_guard_counts_from_the_first_view_not_from_zero() -> None:
    g = governor(scale_in_delay=10.0)
    settle(g, 8, 8, 1)  # first view at START
    g.note_view(START + 9.9, complete=True)
    assert g.govern(START + 9.9, 2, 8) == (8, "scale-in waits for a full window of data")
    g.note_view(START + 10, complete=True)
    assert g.govern(START + 10, 2, 8) == (4, "scale in, limited to 1/2")


def test_scale_in_takes_the_largest_recent_proposal() -> None:
    g = governor(scale_in_delay=10.0, scale_in_factor=10.0)
    settle(g, 10, 10, 5)
    settle(g, 10, 7, 1, at=START + 5)
    settle(g, 10, 5, 4, at=START + 6)
    # The window (10 s, the oldest out when exactly 10 s old) holds 10 until START+14.
    g.note_view(START + 13, complete=True)
    assert g.govern(START + 13, 5, 10) == (10, "scale-in stabilizing")
    g.note_view(START + 14, complete=True)
    assert g.govern(START + 14, 5, 10) == (7, "scale in")


def test_the_band_is_relative_to_the_current_count() -> None:
    g = governor(scale_in_band=0.2, scale_in_factor=10.0)
    settle(g, 10, 9, 11)
    assert g.govern(START + 11, 9, 10) == (10, "within the scale-in band")  # 9 > 10 x 0.8
    g = governor(scale_in_band=0.2, scale_in_factor=10.0)
    settle(g, 10, 8, 11)
    assert g.govern(START + 11, 8, 10) == (8, "scale in")  # 20 % below: just enough


def test_missing_data_blocks_scale_in_for_the_full_view_window() -> None:
    g = governor(full_view_window=6.0)
    settle(g, 10, 5, 11)
    g.note_view(START + 11, complete=False)
    assert g.govern(START + 11, 5, 10) == (10, "missing data: no scale-in")
    g.note_view(START + 16.9, complete=True)
    assert g.govern(START + 16.9, 5, 10) == (10, "missing data: no scale-in")
    g.note_view(START + 17, complete=True)
    assert g.govern(START + 17, 5, 10) == (5, "scale in")


def test_cooldown_counts_from_an_observed_change() -> None:
    g = governor(scale_in_cooldown=30.0)
    settle(g, 10, 10, 11)
    g.note_view(START + 11, complete=True)
    # ECS went to 12 by itself: a change, observed.
    assert g.govern(START + 11, 10, 12) == (12, "scale-in waits after a change")
    settle(g, 12, 3, 29, at=START + 12)
    g.note_view(START + 40.9, complete=True)
    assert g.govern(START + 40.9, 3, 12) == (12, "scale-in waits after a change")
    g.note_view(START + 41, complete=True)
    assert g.govern(START + 41, 3, 12) == (6, "scale in, limited to 1/2")


def test_young_tasks_floor_the_scale_in() -> None:
    g = governor(min_task_age=100.0, scale_in_factor=10.0)
    settle(g, 4, 4, 11)
    settle(g, 10, 10, 1, at=START + 11)  # ECS reports 10 at START+11: 6 young tasks
    settle(g, 10, 2, 11, at=START + 12)
    assert g.govern(START + 23, 2, 10) == (6, "scale in, keeping young tasks")
    g2 = governor(min_task_age=100.0, scale_in_factor=10.0)
    settle(g2, 4, 4, 11)
    settle(g2, 10, 10, 1, at=START + 11)
    settle(g2, 10, 2, 100, at=START + 12)
    assert g2.govern(START + 111, 2, 10) == (2, "scale in")  # 100 s later: old enough


def test_clamps_say_which_edge_held() -> None:
    g = governor(min_tasks=3, max_tasks=12)
    g.note_view(START, complete=True)
    assert g.govern(START, 40, 5) == (12, "scale up (held at max 12)")
    assert g.govern(START + 1, 1, 2) == (3, "scale-in waits for a full window of data "
                                            "(held at min 3)")


def test_scale_in_disabled_says_so() -> None:
    g = governor(scale_in=False)
    settle(g, 10, 1, 20)
    assert g.govern(START + 20, 1, 10) == (10, "scale-in disabled")


def test_task_ages_follow_the_count() -> None:
    ages = TaskAges()
    ages.follow(0.0, 3, first=True)  # there before eden: counted as old
    assert ages.younger_than(60, 0.0) == 0
    ages.follow(10.0, 5, first=False)
    assert ages.younger_than(60, 69.9) == 2
    assert ages.younger_than(60, 70.0) == 0  # exactly 60 s old is old enough
    ages.follow(20.0, 4, first=False)  # a fall removes the oldest: the young stay young
    assert ages.younger_than(60, 30.0) == 2
    ages.follow(30.0, 1, first=False)
    assert ages.younger_than(60, 30.0) == 1
    assert ages.younger_than(0, 30.0) == 0


@pytest.mark.parametrize(
    ("kw", "message"),
    [({"min_tasks": 5, "max_tasks": 2}, r"need 0 <= min_tasks <= max_tasks"),
     ({"min_tasks": -1}, r"need 0 <= min_tasks <= max_tasks"),
     ({"max_step_up": 0}, "max_step_up must be at least 1"),
     ({"scale_in_factor": 1.0}, r"scale_in_factor must be above 1 \(1 would never scale in"),
     ({"scale_in_delay": -1.0}, "windows must not be negative"),
     ({"full_view_window": -1.0}, "windows must not be negative"),
     ({"scale_in_cooldown": -1.0}, "windows must not be negative"),
     ({"min_task_age": -1.0}, "windows must not be negative"),
     ({"scale_in_band": 1.0}, r"scale_in_band must be in \[0, 1\)"),
     ({"scale_in_band": -0.1}, r"scale_in_band must be in \[0, 1\)"),
     ({"min_coverage": 0.0}, r"min_coverage must be in \(0, 1\]"),
     ({"min_coverage": 1.5}, r"min_coverage must be in \(0, 1\]")],
)
def test_invalid_bounds_are_rejected(kw: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Bounds(**kw)  # type: ignore[arg-type]


def test_the_edges_of_valid_bounds_are_accepted() -> None:
    b = Bounds(min_tasks=0, max_tasks=0, max_step_up=1, scale_in_factor=1.01,
               scale_in_delay=0.0, full_view_window=0.0, scale_in_cooldown=0.0,
               min_task_age=0.0, scale_in_band=0.0, min_coverage=1.0)
    assert b.clamp(5) == 0 and math.isclose(b.scale_in_factor, 1.01)


def test_cooldown_without_any_change_does_not_hold_scale_in() -> None:
    g = governor(scale_in_cooldown=30.0)
    settle(g, 10, 3, 11)  # the count never changed: nothing to cool down from
    assert g.govern(START + 11, 3, 10) == (5, "scale in, limited to 1/2")


def test_documented_defaults() -> None:
    b = Bounds()
    assert (b.min_tasks, b.max_tasks, b.max_step_up, b.scale_in) == (1, 100, None, True)
    assert (b.scale_in_delay, b.scale_in_factor, b.scale_in_cooldown) == (120.0, 2.0, 0.0)
    assert (b.scale_in_band, b.min_task_age) == (0.1, 180.0)
    assert (b.full_view_window, b.min_coverage) == (6.0, 0.5)


def test_bounds_cannot_change_after_validation() -> None:
    import dataclasses

    b = Bounds()
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field"):
        b.min_tasks = 0  # type: ignore[misc]


def test_young_tasks_equal_to_the_wanted_count_is_a_plain_scale_in() -> None:
    g = governor(min_task_age=100.0, scale_in_factor=10.0)
    settle(g, 4, 4, 11)
    settle(g, 10, 10, 1, at=START + 11)  # 6 young tasks
    settle(g, 10, 6, 11, at=START + 12)
    assert g.govern(START + 23, 6, 10) == (6, "scale in")  # wanted 6: the young floor agrees


def test_within_the_band_with_exactly_as_many_young_tasks_as_wanted_is_the_band() -> None:
    # The young tasks are not *more* than the load wants: the band, not their age, holds.
    g = governor(scale_in_delay=0.0, min_task_age=100.0, scale_in_band=0.6)
    settle(g, 10, 10, 1)  # 10 tasks there before eden: old
    g.note_view(START + 1, complete=True)
    assert g.govern(START + 1, 14, 14) == (14, "at target")  # 4 new ones: young
    g.note_view(START + 2, complete=True)
    # wanted 4 = young 4; half of 14 is 7, above 40 % of 14: within the band.
    assert g.govern(START + 2, 4, 14) == (14, "within the scale-in band")
    g.note_view(START + 3, complete=True)
    assert g.govern(START + 3, 3, 14) == (14, "tasks too young to stop")
