from __future__ import annotations

import pytest

from eden.scaler.windows import TimeWindowMax, TimeWindowMean


def test_mean_covers_only_the_span() -> None:
    w = TimeWindowMean(3.0)
    for t, v in [(0, 10.0), (1, 20.0), (2, 30.0), (3, 40.0)]:
        w.push(t, v)
    assert w.mean(3.0) == pytest.approx(30.0)  # (20+30+40)/3; t=0 aged out
    assert len(w) == 3


def test_empty_mean_is_unknown_not_zero() -> None:
    w = TimeWindowMean(5.0)
    assert w.mean(0.0) is None
    w.push(0.0, 7.0)
    assert w.mean(100.0) is None


def test_memory_is_bounded_over_a_long_run() -> None:
    w = TimeWindowMean(60.0)
    m = TimeWindowMax(60.0)
    for t in range(200_000):
        w.push(float(t), float(t % 7))
        m.push(float(t), t % 11)
    assert len(w) == 60
    assert len(m) <= 60


def test_sliding_max_follows_the_window() -> None:
    m = TimeWindowMax(10.0)
    m.push(0.0, 9)
    m.push(1.0, 3)
    assert m.max(5.0) == 9
    assert m.max(10.5) == 3


def test_zero_span_max_keeps_latest() -> None:
    m = TimeWindowMax(0.0)
    m.push(0.0, 4)
    m.push(1.0, 2)
    assert m.max(1.0) == 2


def test_invalid_span() -> None:
    with pytest.raises(ValueError, match="span must be positive"):
        TimeWindowMean(0)
    with pytest.raises(ValueError, match="span must not be negative"):
        TimeWindowMax(-1)


def test_mean_after_the_window_empties_and_refills() -> None:
    w = TimeWindowMean(2.0)
    for t, v in [(0.0, 0.1), (0.5, 0.2), (1.0, 0.7)]:
        w.push(t, v)
    assert w.mean(1.0) == pytest.approx(1.0 / 3)
    assert w.mean(10.0) is None and len(w) == 0  # everything aged out
    w.push(10.0, 4.0)
    w.push(10.5, 6.0)
    assert w.mean(10.5) == 5.0  # exactly: no residue of the old values in the sum
    w.push(12.2, 8.0)  # 10.0 ages out (10.0 <= 12.2 - 2), 10.5 stays
    assert w.mean(12.2) == 7.0
    assert len(w) == 2


def test_mean_keeps_values_exactly_one_span_old_out() -> None:
    w = TimeWindowMean(5.0)
    w.push(0.0, 100.0)
    w.push(4.0, 10.0)
    assert w.mean(4.999) == 55.0
    assert w.mean(5.0) == 10.0  # t=0 is exactly 5 s old: out


def test_max_stays_ordered_so_the_oldest_can_age_out() -> None:
    m = TimeWindowMax(2.5)
    for t, v in [(0.0, 5), (1.0, 9), (2.0, 3), (3.0, 7)]:
        m.push(t, v)
    assert m.max(3.0) == 9  # t=0 has aged out; 9 (t=1) is still in
    assert m.max(3.5) == 7  # 9 ages out at t=3.5: the next largest younger value
    assert m.max(5.5) == 7  # only the newest is kept, even past the span
    assert len(m) == 1


def test_max_drops_smaller_values_behind_a_larger_newer_one() -> None:
    m = TimeWindowMax(100.0)
    for t, v in enumerate([1, 2, 2, 3]):
        m.push(float(t), v)
    assert len(m) == 1 and m.max(3.0) == 3  # equal and smaller ones can never be the max
    m.push(4.0, 1)
    assert len(m) == 2 and m.max(4.0) == 3


def test_zero_span_mean_is_rejected_and_zero_span_max_is_allowed() -> None:
    with pytest.raises(ValueError, match="span must be positive"):
        TimeWindowMean(0.0)
    assert TimeWindowMax(0.0).max(0.0) is None


def test_an_emptied_mean_forgets_rounding_left_in_its_sum() -> None:
    w = TimeWindowMean(2.0)
    w.push(0.0, 1e16)
    w.push(1.0, 1.0)  # 1e16 + 1 rounds to 1e16: removing both leaves -1 in the sum
    assert w.mean(5.0) is None
    w.push(5.0, 4.0)
    w.push(5.5, 6.0)
    assert w.mean(5.5) == 5.0


def test_max_forgets_aged_values_on_push_without_being_asked() -> None:
    m = TimeWindowMax(10.0)
    for t in range(1000):
        m.push(float(t), 1000 - t)  # falling: every value is kept until it ages out
    assert len(m) == 10  # memory bounded by the span, even if max() is never called


def test_short_windows_work() -> None:
    w = TimeWindowMean(0.5)
    w.push(0.0, 2.0)
    assert w.mean(0.25) == 2.0 and w.mean(0.5) is None
