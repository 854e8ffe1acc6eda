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
    with pytest.raises(ValueError):
        TimeWindowMean(0)
    with pytest.raises(ValueError):
        TimeWindowMax(-1)
