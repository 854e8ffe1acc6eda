"""Each flaw of the published sampler, shown on SeedPolicy and shown absent from eden.

SeedPolicy reproduces the seed so the comparison is honest; every test asserts the flaw on
the seed model first, then that eden's policies behave.
"""

from __future__ import annotations

import pytest
from scaler_unit_helpers import Feed, even

from eden.scaler.governor import Bounds
from eden.scaler.metrics import parse_stub_status
from eden.scaler.model import Observation
from eden.scaler.target_tracking import TargetSettings, TargetTrackingPolicy
from eden.scaler.threshold import SeedPolicy, ThresholdPolicy

BOUNDS = Bounds(min_tasks=1, max_tasks=200)


def target_policy(target: float = 100.0, **bounds: object) -> TargetTrackingPolicy:
    b = Bounds(**{"min_tasks": 1, "max_tasks": 200, **bounds})  # type: ignore[arg-type]
    return TargetTrackingPolicy(TargetSettings(target=target), b)


def test_flaw_first_three_tasks_only() -> None:
    # Ten tasks: the first three happen to be idle, the other seven are swamped.
    values = (0.0, 0.0, 0.0) + (600.0,) * 7
    obs = Observation(0.0, values, ready=10, desired=10)
    assert SeedPolicy().decide(obs).desired == 10  # the seed sees an idle service
    assert ThresholdPolicy(BOUNDS).decide(obs).desired == 15  # mean 420 over all ten
    assert target_policy().decide(obs).desired == 42  # 4200 in flight / 100


def test_flaw_integer_division() -> None:
    obs = Observation(0.0, (1.0, 1.0, 2.0), ready=3, desired=3)
    seed = SeedPolicy().decide(obs)
    assert seed.stable_load == 1.0  # 4 // 3
    eden = target_policy(target=1.0).decide(obs)
    assert eden.stable_load == pytest.approx(4.0)
    assert eden.desired == 4


def test_flaw_active_connections_count_idle_keepalives() -> None:
    # An ALB keeps 150 idle keep-alive connections open; only one request is in flight
    # (plus the status request itself).
    page = (
        "Active connections: 152 \nserver accepts handled requests\n 900 900 5000 \n"
        "Reading: 0 Writing: 2 Waiting: 150 \n"
    )
    status = parse_stub_status(page)
    seed_signal = status.active
    assert SeedPolicy().decide(Observation(0, (float(seed_signal),) * 3, 3, 3)).desired == 10
    assert status.in_flight() == 1  # eden's default signal


def test_flaw_fixed_table_caps_at_twenty() -> None:
    obs = Observation(0.0, (2000.0,) * 20, ready=20, desired=20)
    assert SeedPolicy().decide(obs).desired == 20  # table tops out; 40,000 in flight
    assert target_policy().decide(obs).desired == 200  # proportional, up to max


def test_flaw_blind_for_sixty_seconds_after_acting(feed: Feed) -> None:
    seed = SeedPolicy()
    first = seed.decide(Observation(0.0, (120.0,) * 3, 3, 3))
    assert first.desired == 10
    # A bigger spike 10 s later goes unseen for the rest of the minute.
    later = seed.decide(Observation(10.0, (600.0,) * 10, 10, 10))
    assert later.desired == 10 and "not looking" in later.reason

    eden = target_policy()
    feed(eden, 0, 60, 1000.0, 10)
    up = feed(eden, 60, 63, 3000.0, 10)
    assert up.desired >= 20  # reacts to the next spike within ticks, no blind minute
    again = feed(eden, 63, 66, 8000.0, up.desired)
    assert again.desired > up.desired  # and again three seconds later


def test_flaw_scale_in_guard_never_blocks(feed: Feed) -> None:
    seed = SeedPolicy()
    seed.decide(Observation(0.0, (600.0,) * 3, 3, 3))
    dropped = seed.decide(Observation(61.0, (60.0,) * 20, 20, 20))
    assert dropped.desired == 2  # 20 -> 2 in one step, at once

    never = target_policy(scale_in=False)
    feed(never, 0, 60, 2000.0, 20)
    assert feed(never, 60, 600, 100.0, 20).desired == 20
    guarded = target_policy()
    feed(guarded, 0, 60, 2000.0, 20)
    waits = feed(guarded, 60, 90, 100.0, 20)
    assert waits.desired == 20 and waits.reason == "scale-in waits for a full window of data"
    halved = feed(guarded, 90, 300, 100.0, 20)  # the dip outlasted the 120 s window
    assert halved.desired == 10 and halved.reason == "scale in, limited to 1/2"


def test_flaw_failed_probe_counts_as_zero(feed: Feed) -> None:
    obs = Observation(0.0, (None, 600.0, 600.0), ready=20, desired=20)
    assert SeedPolicy().decide(obs).desired == 15  # (0 + 600 + 600) // 3 = 400
    assert ThresholdPolicy(BOUNDS).decide(obs).desired == 20  # mean of the answers: 600

    eden = target_policy()
    feed(eden, 0, 120, 2000.0, 20)
    assert feed(eden, 120, 400, None, 20).desired == 20


def test_flaw_loop_dies_after_a_day() -> None:
    seed = SeedPolicy()
    seed.decide(Observation(0.0, (10.0,) * 3, 3, 3))
    late = seed.decide(Observation(24 * 3600.0 + 1, (600.0,) * 3, 3, 3))
    assert late.desired == 3 and "ended" in late.reason

    eden = target_policy()
    t = 0.0
    while t < 25 * 3600:  # a value every 10 s for 25 hours
        eden.decide(even(t, 300.0, 3))
        t += 10.0
    spike = eden.decide(even(t, 3000.0, 3))
    assert spike.desired == 30


def test_the_seed_waits_60_s_after_every_table_hit_even_without_a_change() -> None:
    # The published state machine: every Desired state leads to SNS, UpdateService and
    # "Wait 60 Seconds", whether or not the count changes. Only below the table (avg < 50)
    # does it look again after 3 s.
    seed = SeedPolicy()
    same = seed.decide(Observation(0.0, (120.0,) * 10, 10, 10))
    assert same.desired == 10 and same.reason == "seed: avg 120 -> 10 (unchanged), waiting 60 s"
    blind = seed.decide(Observation(3.0, (600.0,) * 10, 10, 10))
    assert blind.desired == 10 and blind.reason == "seed: not looking"
    assert seed.decide(Observation(59.0, (600.0,) * 10, 10, 10)).reason == "seed: not looking"
    assert seed.decide(Observation(60.0, (600.0,) * 10, 10, 10)).desired == 20
    quiet = SeedPolicy()
    below = quiet.decide(Observation(0.0, (40.0,) * 10, 10, 10))
    assert below.reason == "seed: avg 40, below the table"
    assert quiet.decide(Observation(3.0, (600.0,) * 10, 10, 10)).desired == 20  # 3 s later
