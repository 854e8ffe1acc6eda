"""The simulator's world by hand: jittered starts, scale-in order, billing, the queue."""

from __future__ import annotations

import pytest

from eden.scaler.sim_model import EcsModel, RequestQueue, SimSettings


def settings(**kw: float) -> SimSettings:
    base = {"capacity": 200.0, "start_delay_min": 20.0, "start_delay_max": 90.0,
            "drain": 30.0, "preroll": 180.0}
    return SimSettings(**{**base, **kw})  # type: ignore[arg-type]


def test_start_delays_are_jittered_within_the_range_and_seeded() -> None:
    a = EcsModel.started_with(settings(), 1, 0.0)
    b = EcsModel.started_with(settings(), 1, 0.0)
    a.set_desired(51, 10.0)
    b.set_desired(51, 10.0)
    delays = [t.ready_at - t.asked_at for t in a.starting]
    assert len(delays) == 50 and min(delays) >= 20 and max(delays) <= 90
    assert max(delays) - min(delays) > 40  # really spread, not one fixed delay
    assert delays == [t.ready_at - t.asked_at for t in b.starting]  # same seed, same delays
    c = EcsModel.started_with(settings(seed=2), 1, 0.0)
    c.set_desired(51, 10.0)
    assert delays != [t.ready_at - t.asked_at for t in c.starting]


def test_tasks_serve_once_their_delay_has_passed() -> None:
    ecs = EcsModel.started_with(settings(start_delay_min=30, start_delay_max=30), 2, 0.0)
    ecs.set_desired(4, 10.0)
    ecs.advance(39.9)
    assert (len(ecs.running), len(ecs.starting)) == (2, 2)
    ecs.advance(40.0)
    assert (len(ecs.running), len(ecs.starting)) == (4, 0)


def test_scale_in_cancels_the_newest_starting_task_then_stops_the_youngest_running() -> None:
    ecs = EcsModel.started_with(settings(start_delay_min=30, start_delay_max=30), 2, 0.0)
    ecs.set_desired(3, 10.0)  # ready at 40
    ecs.advance(40.0)
    ecs.set_desired(5, 50.0)  # two more, asked at 50
    ecs.set_desired(4, 55.0)  # ...one of them cancelled
    assert [t.asked_at for t in ecs.starting] == [50.0]
    ecs.set_desired(2, 60.0)  # the other cancelled, then the youngest running one stops
    assert ecs.starting == []
    assert [t.asked_at for t in ecs.running] == [0.0, 0.0]
    assert [(t.asked_at, t.stopped_at) for t in ecs.draining] == [(10.0, 60.0)]
    assert ecs.live == 3  # the draining task is still billed


def test_draining_ends_after_the_drain_and_billing_has_a_one_minute_minimum() -> None:
    ecs = EcsModel.started_with(settings(start_delay_min=20, start_delay_max=20), 1, 0.0)
    ecs.set_desired(3, 100.0)
    ecs.set_desired(2, 105.0)  # a starting task cancelled after 5 s: billed 60
    assert ecs.minimum_surcharge == pytest.approx(55.0)
    ecs.advance(120.0)
    ecs.set_desired(1, 125.0)  # served 5 s, drains 30 s: lived 55 s, billed 60
    ecs.advance(154.9)
    assert len(ecs.draining) == 1 and ecs.minimum_surcharge == pytest.approx(55.0)
    ecs.advance(155.0)
    assert ecs.draining == [] and ecs.minimum_surcharge == pytest.approx(55.0 + 5.0)


def test_without_a_drain_a_stopped_task_is_gone_at_once() -> None:
    ecs = EcsModel.started_with(settings(drain=0.0), 2, 0.0)
    ecs.set_desired(1, 100.0)
    assert ecs.live == 1 and ecs.draining == []
    assert ecs.minimum_surcharge == 0.0  # lived 100 s


def test_queue_holds_the_overflow_then_refuses_beyond_the_proxy_limit() -> None:
    q = RequestQueue(settings())  # 1 s per request, queue up to 1x capacity per task
    # 300 in flight on one task of 200: 100 wait, half a second each.
    assert q.step(300.0, 1) == (300.0, 0.5, 300.0, 0.0)
    assert q.step(300.0, 1) == (400.0, 1.0, 300.0, 0.0)  # the queue grows to the limit
    observed, wait, accepted, refused = q.step(300.0, 1)
    assert (observed, wait, accepted, refused) == (400.0, 1.0, 200.0, 100.0)
    # Capacity arrives: the backlog drains within the tick.
    assert q.step(300.0, 3) == (300.0, 0.0, 300.0, 0.0)


def test_no_running_task_refuses_everything() -> None:
    q = RequestQueue(settings())
    assert q.step(500.0, 0) == (0.0, 0.0, 0.0, 500.0)


@pytest.mark.parametrize(
    ("kw", "message"),
    [({"capacity": 0}, "capacity, tick and service time must be positive"),
     ({"target_utilisation": 1.5}, r"target utilisation must be in \(0, 1\]"),
     ({"start_delay_min": 50, "start_delay_max": 40}, "start delay min <= start delay max"),
     ({"drain": -1}, "drain and queue factor must not be negative"),
     ({"preroll": 60}, "pre-roll must be at least the longest start delay")],
)
def test_bad_settings(kw: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings(**kw)


def test_needed_counts() -> None:
    s = settings(target_utilisation=0.7)
    assert s.target == pytest.approx(140.0)
    assert (s.needed_full(400.0), s.needed_full(401.0)) == (2, 3)
    assert (s.needed_target(280.0), s.needed_target(281.0)) == (2, 3)
