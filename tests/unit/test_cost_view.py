"""What `show`, `ls -o json` and the API say about cost: the profile's prices ([cost]),
the record's task history, and "unknown" with what to set where eden cannot price."""

from __future__ import annotations

from typing import Any

import pytest

from eden.config.validate import build_profile
from eden.core.cost import TaskSize, entry, note
from eden.envs.records import EnvRecord, ServiceRecord
from eden.envs.usage import cost_view
from eden.errors import ConfigError

H = 3600.0
LISTENER = "arn:aws:elasticloadbalancing:{}:123456789012:listener/app/shared/abc/l"


def profile(region: str = "us-east-1", **extra: Any) -> Any:
    return build_profile("dev", {
        "region": region, "cluster": "dev", "reference_service": "api", "zone_id": "Z1",
        "listener_arn": LISTENER.format(region), **extra,
    })  # fmt: skip


def record(*points: tuple[float, dict[str, Any]]) -> EnvRecord:
    rec = EnvRecord("dev", "x", "x", "x.example.com", "ready", 0.0)
    rec.services = [ServiceRecord("app", "img")]
    history = None
    for at, roles in points:
        history = note(history, at, roles)
    rec.extra["usage"] = history
    return rec


SMALL = TaskSize(0.25, 0.5)


def test_cost_so_far_saved_and_the_hourly_rate() -> None:
    # 2 tasks of 0.25 vCPU / 0.5 GB for 3 h, then asleep 5 h: $0.074055 ran, $0.123425 saved,
    # $0.024685 an hour awake (2 x $0.0123425).
    rec = record((0.0, {"app": entry(2, 2, SMALL)}), (3 * H, {"app": entry(0, 2, SMALL)}))
    shown = cost_view(rec, profile(), 8 * H)
    assert shown == {
        "currency": "USD", "region": "us-east-1", "as_of": 8 * H, "since": 0.0,
        "task_hours": 6.0, "dollars": 0.074055, "saved_dollars": 0.123425,
        "hourly": 0.024685, "unknown": None,
    }  # fmt: skip


def test_the_profiles_own_price_wins() -> None:
    # 1 task of 1 vCPU / 2 GB for 2 h at $0.05 and $0.005: 2 x (0.05 + 0.01) = $0.12.
    rec = record((0.0, {"app": entry(1, 1, TaskSize(1.0, 2.0))}))
    mine = profile(cost={"vcpu_hour": 0.05, "gb_hour": 0.005})
    assert cost_view(rec, mine, 2 * H)["dollars"] == pytest.approx(0.12)


def test_a_region_without_prices_says_what_to_set() -> None:
    rec = record((0.0, {"app": entry(1, 1, SMALL)}))
    shown = cost_view(rec, profile("ap-south-2"), H)
    assert shown["dollars"] is None
    assert shown["unknown"] == (
        "no Fargate price for linux_x86 tasks in ap-south-2: set vcpu_hour, gb_hour (USD per "
        "vCPU-hour and per GB-hour) in [profiles.dev.cost]")
    priced = profile("ap-south-2", cost={"vcpu_hour": 0.04, "gb_hour": 0.004})
    assert cost_view(rec, priced, H)["dollars"] == pytest.approx(0.25 * 0.04 + 0.5 * 0.004)


def test_an_ec2_task_is_unknown_not_guessed() -> None:
    why = "runs on EC2 (launch type EC2): its cost is the instances', not priced by task"
    shown = cost_view(record((0.0, {"app": entry(1, 1, why)})), profile(), H)
    assert (shown["dollars"], shown["saved_dollars"], shown["unknown"]) == (None, None, why)
    assert shown["task_hours"] == 1.0


def test_no_history_yet() -> None:
    rec = EnvRecord("dev", "x", "x", "x.example.com", "ready", 0.0)
    assert cost_view(rec, profile(), H)["unknown"] == (
        "no task history yet (kept from the next deploy, sleep or wake)")


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ({"vcpu_hour": 0.04}, "vcpu_hour is set without gb_hour"),
        ({"vcpu_hour": "cheap", "gb_hour": 0.1}, r"vcpu_hour must be a price in USD per hour"),
        ({"vcpu_hour": -1, "gb_hour": 0.1}, r"vcpu_hour must be a price in USD per hour"),
        ({"spot_vcpu": 0.01}, r"unknown field\(s\) in \[cost\]: spot_vcpu"),
        ({"region": 5}, "region must be an AWS region name"),
    ],
)
def test_bad_prices_are_refused_with_what_to_write(table: dict[str, Any], said: str) -> None:
    with pytest.raises(ConfigError, match=said):
        profile(cost=table)


def test_the_cost_table_round_trips_through_the_file_form() -> None:
    from eden.config.model import profile_to_toml_values

    table = {"region": "eu-central-1", "arm_vcpu_hour": 0.03, "arm_gb_hour": 0.003}
    assert profile_to_toml_values(profile(cost=table))["cost"] == table


class _Store:
    def __init__(self, records: list[EnvRecord]) -> None:
        self.records = records

    def list_envs(self, profile: str) -> list[EnvRecord]:
        return self.records


class _Registry:
    def __init__(self, prof: Any, records: list[EnvRecord]) -> None:
        self.prof, self.records = prof, records

    def all_profiles(self) -> list[Any]:
        return [self.prof]

    def store(self, prof: Any) -> _Store:
        return _Store(self.records)


def test_metrics_gauges_carry_each_known_cost() -> None:
    from eden.api.power import power_gauges

    priced = record((0.0, {"app": entry(2, 2, SMALL)}), (3 * H, {"app": entry(0, 2, SMALL)}))
    unknown = record((0.0, {"app": entry(1, 1, "runs on EC2")}))
    unknown.name = "ec2"
    lines = power_gauges(_Registry(profile(), [priced, unknown]), now=8 * H)  # type: ignore[arg-type]
    assert 'eden_environment_cost_dollars{profile="dev",env="x"} 0.074055' in lines
    assert 'eden_environment_saved_dollars{profile="dev",env="x"} 0.123425' in lines
    assert not [line for line in lines if 'env="ec2"' in line]  # unknown: no sample
