"""core/cost.py against figures worked out by hand (us-east-1 prices unless said)."""

from __future__ import annotations

import re

import pytest

from eden.core.cost import (
    DEFAULT_PRICES,
    MAX_POINTS,
    Meter,
    Prices,
    Rate,
    TaskSize,
    entry,
    note,
    spot_share,
    task_size,
    usage_of,
)

US = DEFAULT_PRICES["us-east-1"]
H = 3600.0
SMALL = TaskSize(0.25, 0.5)  # cpu "256", memory "512"


def test_the_us_east_1_prices_are_the_published_ones() -> None:
    assert (US.linux_x86.vcpu_hour, US.linux_x86.gb_hour) == (0.04048, 0.004445)
    assert (US.linux_arm.vcpu_hour, US.linux_arm.gb_hour) == (0.03238, 0.00356)


def test_two_small_tasks_for_three_hours() -> None:
    # 0.25 vCPU x $0.04048 + 0.5 GB x $0.004445 = $0.01012 + $0.0022225 = $0.0123425 an hour;
    # 2 tasks x 3 h = 6 task-hours: $0.074055.
    history = note(None, 0.0, {"web": entry(2, 2, SMALL)})
    usage = usage_of(history, 3 * H)
    assert usage.ran.task_seconds == 6 * H
    assert usage.ran.dollars(US) == pytest.approx(0.074055, abs=1e-9)
    assert usage.saved.dollars(US) == 0.0


def test_asleep_for_five_hours_saves_the_remembered_count() -> None:
    # Awake 3 h with 2 tasks ($0.074055), asleep 5 h (0 running, 2 remembered):
    # saved 2 x 5 h x $0.0123425 = $0.123425; then awake 1 h more: +$0.024685.
    history = note(None, 0.0, {"web": entry(2, 2, SMALL)})
    history = note(history, 3 * H, {"web": entry(0, 2, SMALL)})
    history = note(history, 8 * H, {"web": entry(2, 2, SMALL)})
    usage = usage_of(history, 9 * H)
    assert usage.ran.dollars(US) == pytest.approx(0.074055 + 0.024685, abs=1e-9)
    assert usage.saved.dollars(US) == pytest.approx(0.123425, abs=1e-9)
    assert usage.saved.task_seconds == 10 * H


def test_arm_and_spot_are_priced_apart() -> None:
    # 1 vCPU, 2 GB on ARM, 10 h: $0.03238 + 2 x $0.00356 = $0.0395 an hour: $0.395.
    arm = TaskSize(1.0, 2.0, arm=True)
    assert usage_of(note(None, 0, {"a": entry(1, 1, arm)}), 10 * H).ran.dollars(US) == (
        pytest.approx(0.395, abs=1e-9))
    # All on Fargate Spot x86, 0.5 vCPU and 1 GB, 4 h, 3 tasks:
    # (0.5 x $0.012144 + 1 x $0.0013335) x 12 = ($0.006072 + $0.0013335) x 12 = $0.088866.
    spot = TaskSize(0.5, 1.0, spot=1.0)
    assert usage_of(note(None, 0, {"a": entry(3, 3, spot)}), 4 * H).ran.dollars(US) == (
        pytest.approx(0.088866, abs=1e-9))
    # Half and half (weights 1:1), 1 vCPU 2 GB, 1 h: (0.04048 + 0.00889) / 2 +
    # (0.012144 + 0.002667) / 2 = 0.024685 + 0.0074055 = $0.0320905.
    half = TaskSize(1.0, 2.0, spot=0.5)
    assert half.hourly(US) == pytest.approx(0.0320905, abs=1e-9)


def test_two_roles_add_up() -> None:
    # web: 2 x 0.25/0.5 for 2 h = 4 x $0.0123425 = $0.04937; worker: 1 x 1 vCPU/2 GB x86 for
    # 2 h = 2 x ($0.04048 + $0.00889) = $0.09874. Total $0.14811.
    big = TaskSize(1.0, 2.0)
    history = note(None, 0.0, {"web": entry(2, 2, SMALL), "worker": entry(1, 1, big)})
    assert usage_of(history, 2 * H).ran.dollars(US) == pytest.approx(0.14811, abs=1e-9)


def test_an_unsized_task_makes_the_cost_unknown_not_a_guess() -> None:
    why = "the task definition has no task-level cpu and memory"
    history = note(None, 0.0, {"web": entry(1, 1, why)})
    usage = usage_of(history, H)
    assert usage.ran.dollars(US) is None
    assert usage.ran.task_seconds == H
    assert history["points"][0][1]["web"]["why"] == why


def test_a_point_equal_to_the_last_is_not_kept() -> None:
    history = note(None, 0.0, {"web": entry(2, 2, SMALL)})
    assert note(history, 60.0, {"web": entry(2, 2, SMALL)}) == history


def test_folding_old_points_keeps_the_totals() -> None:
    # Alternating 1 h awake (2 tasks) and 1 h asleep, MAX_POINTS + 50 points: the record
    # keeps MAX_POINTS and the sums stay the hand figures.
    history = None
    for i in range(MAX_POINTS + 50):
        history = note(history, i * H, {"web": entry(2 if i % 2 == 0 else 0, 2, SMALL)})
    assert history is not None and len(history["points"]) == MAX_POINTS
    usage = usage_of(history, (MAX_POINTS + 50) * H)
    awake_hours = (MAX_POINTS + 50) // 2
    assert usage.ran.dollars(US) == pytest.approx(awake_hours * 2 * 0.0123425, rel=1e-12)
    assert usage.saved.dollars(US) == pytest.approx(awake_hours * 2 * 0.0123425, rel=1e-12)


def test_a_changed_price_applies_to_the_whole_history() -> None:
    history = note(None, 0.0, {"web": entry(1, 1, TaskSize(1.0, 1.0))})
    mine = Prices("xx-test-1", Rate(1.0, 0.5), Rate(0, 0), Rate(0, 0), Rate(0, 0))
    assert usage_of(history, 2 * H).ran.dollars(mine) == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("td", "service", "size"),
    [
        ({"cpu": "256", "memory": "512"}, {"launchType": "FARGATE"}, TaskSize(0.25, 0.5)),
        ({"cpu": "1 vCPU", "memory": "2 GB"}, {}, TaskSize(1.0, 2.0)),
        ({"cpu": "1024", "memory": "3072", "runtimePlatform": {"cpuArchitecture": "ARM64"}},
         {}, TaskSize(1.0, 3.0, arm=True)),
        ({"cpu": "512", "memory": "1024"},
         {"capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 3},
                                       {"capacityProvider": "FARGATE", "weight": 1}]},
         TaskSize(0.5, 1.0, spot=0.75)),
    ],
)
def test_task_size_from_the_task_definition(td: dict, service: dict, size: TaskSize) -> None:
    assert task_size(td, service) == size


@pytest.mark.parametrize(
    ("td", "service", "said"),
    [
        ({"containerDefinitions": []}, {"launchType": "FARGATE"}, "no task-level cpu and memory"),
        ({"cpu": "256", "memory": "512"}, {"launchType": "EC2"}, r"runs on EC2 \(launch type EC2"),
        ({"cpu": "256", "memory": "512"},
         {"capacityProviderStrategy": [{"capacityProvider": "my-asg", "weight": 1}]},
         r"capacity provider my-asg"),
        ({"cpu": "1024", "memory": "2048",
          "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}},
         {}, "Windows tasks are not priced"),
    ],
)
def test_what_cannot_be_priced_says_why(td: dict, service: dict, said: str) -> None:
    found = task_size(td, service)
    assert isinstance(found, str)
    assert re.search(said, found), found


def test_spot_share_without_weights() -> None:
    assert spot_share([{"capacityProvider": "FARGATE_SPOT"}]) == 1.0
    assert spot_share([]) == 0.0


def test_meter_round_trips() -> None:
    meter = Meter({"linux_x86": 9.0}, {"linux_x86": 18.0}, 36.0, 0.0)
    assert Meter.from_dict(meter.to_dict()) == meter
