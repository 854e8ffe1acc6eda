"""core/cost.py at the edges: the whole default price table, weights of 0 and weights
left out, a kind without a price, a meter fed nothing or less than a second, a history
read between its points and at its own start (pure; figures worked out by hand)."""

from __future__ import annotations

import pytest

from eden.core.cost import (
    DEFAULT_PRICES,
    Meter,
    Prices,
    Rate,
    TaskSize,
    Usage,
    entry,
    integrate,
    note,
    spot_share,
    task_size,
    usage_of,
)

H = 3600.0
SMALL = TaskSize(0.25, 0.5)
X86_ONLY = Prices("xx-test-1", Rate(1.0, 0.5), None, None, None)

# docs/sleep-wake.md, "Prices, their source, and how to change them": per region, the
# (vCPU-hour, GB-hour) of Linux/x86, Linux/ARM, Spot x86 and Spot ARM.
_US = ((0.04048, 0.004445), (0.03238, 0.00356), (0.012144, 0.0013335), (0.009714, 0.001068))
DOCUMENTED = {
    "us-east-1": _US, "us-east-2": _US, "us-west-2": _US,
    "eu-west-1": (_US[0], _US[1], (0.01334053, 0.00146489), _US[3]),
    "eu-central-1": ((0.04656, 0.00511), (0.03725, 0.00409), (0.013968, 0.001533),
                     (0.011175, 0.001227)),
    "sa-east-1": ((0.0696, 0.0076), (0.0557, 0.00612), (0.02337032, 0.00255193),
                  (0.01870297, 0.00205498)),
}  # fmt: skip


def test_the_default_prices_are_the_documented_table() -> None:
    assert sorted(DEFAULT_PRICES) == sorted(DOCUMENTED)
    for region, rates in DOCUMENTED.items():
        prices = DEFAULT_PRICES[region]
        assert prices.region == region
        assert [prices.rate(k) for k in ("linux_x86", "linux_arm", "spot_x86", "spot_arm")] \
            == [Rate(*r) for r in rates], region


def test_the_record_keeps_the_newest_four_points() -> None:
    history = None
    for i in range(6):
        history = note(history, i * H, {"web": entry(i, i, SMALL)})
    assert history is not None
    assert [p[0] for p in history["points"]] == [2 * H, 3 * H, 4 * H, 5 * H]
    assert history["since"] == 0.0


@pytest.mark.parametrize("td", [{"cpu": "256"}, {"memory": "512"}, {"cpu": "", "memory": "512"}])
def test_cpu_without_memory_or_memory_without_cpu_is_not_priced(td: dict) -> None:
    assert task_size(td, {}) == (
        "the task definition has no task-level cpu and memory (an EC2 task definition?): "
        "not priced")


@pytest.mark.parametrize(
    ("strategy", "share"),
    [
        # ECS leaves a weight out as 0: the provider with the only weight takes every task.
        ([{"capacityProvider": "FARGATE_SPOT", "weight": 1},
          {"capacityProvider": "FARGATE", "weight": 0}], 1.0),
        ([{"capacityProvider": "FARGATE_SPOT"}, {"capacityProvider": "FARGATE", "weight": 1}],
         0.0),
        ([{"capacityProvider": "FARGATE", "weight": 2}], 0.0),
        ([{"capacityProvider": "FARGATE"}], 0.0),
    ],
)
def test_spot_share_with_weights_of_0_or_left_out(strategy: list, share: float) -> None:
    assert spot_share(strategy) == share


def test_a_task_has_a_share_only_of_the_kinds_it_runs_as() -> None:
    assert TaskSize(1.0, 2.0).shares() == [("linux_x86", 1.0)]
    assert TaskSize(1.0, 2.0, arm=True, spot=1.0).shares() == [("spot_arm", 1.0)]
    assert TaskSize(1.0, 2.0, spot=0.25).shares() == [("linux_x86", 0.75), ("spot_x86", 0.25)]


def test_hourly_is_unknown_when_a_kind_it_runs_as_has_no_price() -> None:
    assert TaskSize(1.0, 2.0).hourly(X86_ONLY) == 2.0  # 1 x $1 + 2 x $0.5
    assert TaskSize(1.0, 2.0, spot=0.5).hourly(X86_ONLY) is None
    assert TaskSize(1.0, 2.0, arm=True).hourly(X86_ONLY) is None


def test_a_size_recorded_before_spot_was_kept_is_all_on_demand() -> None:
    assert TaskSize.from_dict({"vcpu": 1, "gb": 2, "arch": "arm64"}) == (
        TaskSize(1.0, 2.0, arm=True, spot=0.0))


def test_a_meter_fed_no_tasks_or_no_time_stays_empty() -> None:
    meter = Meter()
    meter.add(0, 10.0, SMALL)
    meter.add(2, 0.0, SMALL)
    meter.add(0, 10.0, None)
    assert meter == Meter()
    assert meter.to_dict() == {"vcpu_seconds": {}, "gb_seconds": {}, "task_seconds": 0.0,
                               "unknown_seconds": 0.0}


def test_a_meter_counts_one_task_for_one_second() -> None:
    meter = Meter()
    meter.add(1, 1.0, SMALL)
    assert meter == Meter({"linux_x86": 0.25}, {"linux_x86": 0.5}, 1.0, 0.0)


def test_a_meter_splits_a_spot_share_by_kind() -> None:
    # 2 tasks x 10 s, half on Spot: 10 task-seconds of each kind, 1 vCPU and 2 GB each.
    meter = Meter()
    meter.add(2, 10.0, TaskSize(1.0, 2.0, spot=0.5))
    assert meter == Meter({"linux_x86": 10.0, "spot_x86": 10.0},
                          {"linux_x86": 20.0, "spot_x86": 20.0}, 20.0, 0.0)


def test_unsized_tasks_are_counted_as_unknown_seconds() -> None:
    meter = Meter()
    meter.add(3, 10.0, None)
    assert meter == Meter({}, {}, 30.0, 30.0)
    assert meter.dollars(X86_ONLY) is None
    usage = usage_of(note(None, 0.0, {"web": entry(1, 1, "runs on EC2")}), H)
    assert (usage.ran.unknown_seconds, usage.saved.unknown_seconds) == (H, 0.0)


def test_a_second_of_unknown_or_unpriced_use_is_enough_to_be_unknown() -> None:
    assert Meter({}, {}, 1.0, 1.0).dollars(X86_ONLY) is None
    half_second = Meter({"linux_arm": 0.5}, {"linux_arm": 1.0}, 1.0, 0.0)
    assert half_second.unpriced(X86_ONLY) == ["linux_arm"]
    assert half_second.dollars(X86_ONLY) is None


def test_a_kind_that_used_nothing_needs_no_price() -> None:
    meter = Meter({"linux_x86": 3600.0, "linux_arm": 0.0}, {"linux_x86": 0.0, "linux_arm": 0.0},
                  3600.0, 0.0)  # fmt: skip
    assert meter.unpriced(X86_ONLY) == []
    assert meter.dollars(X86_ONLY) == 1.0  # 1 vCPU-hour at $1


def test_integrate_reads_each_point_until_the_next_or_until_now() -> None:
    # 2 tasks from 0, 1 from 1 h, none (1 would run) from 3 h.
    points = [[0.0, {"web": entry(2, 2, SMALL)}], [H, {"web": entry(1, 1, SMALL)}],
              [3 * H, {"web": entry(0, 1, SMALL)}]]  # fmt: skip
    at_2h = integrate(points, 2 * H)  # the last point has not begun yet
    assert (at_2h.ran.task_seconds, at_2h.saved.task_seconds) == (3 * H, 0.0)
    at_4h = integrate(points, 4 * H)
    assert (at_4h.ran.task_seconds, at_4h.saved.task_seconds) == (4 * H, H)
    assert at_4h.ran.vcpu_seconds == {"linux_x86": H}


def test_a_history_read_at_its_own_start_or_before_it_is_empty() -> None:
    history = note(None, 100.0, {"web": entry(2, 2, SMALL)})
    assert usage_of(history, 100.0) == Usage(Meter(), Meter())
    assert usage_of(history, 50.0) == Usage(Meter(), Meter())  # a clock behind the record


def test_no_history_is_no_usage() -> None:
    assert usage_of(None, H) == Usage(Meter(), Meter())
    assert usage_of({}, H) == Usage(Meter(), Meter())
