"""Office hours ([sleep.schedule]): open or closed at a time, the last boundary, and the
config errors; the idle sweep's verdicts outside them. Pure: the clock is an argument."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from eden.core.office_hours import office_hours
from eden.envs.idle import PRE_WAKE, candidates, to_pre_wake
from eden.envs.records import EnvRecord, ServiceRecord
from eden.errors import ConfigError

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = office_hours({"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"],
                      "from": "08:00", "to": "19:00"}, where="dev")  # fmt: skip


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=BERLIN).timestamp()  # type: ignore[misc]


def test_open_and_closed_in_the_profiles_timezone() -> None:
    assert HOURS is not None
    assert HOURS.is_open(at(2030, 3, 13, 8, 0))  # a Wednesday, 08:00 Berlin
    assert not HOURS.is_open(at(2030, 3, 13, 7, 59))
    assert not HOURS.is_open(at(2030, 3, 13, 19, 0))
    assert not HOURS.is_open(at(2030, 3, 16, 12, 0))  # Saturday
    assert HOURS.describe() == "mon,tue,wed,thu,fri 08:00-19:00 Europe/Berlin"


def test_the_last_boundary() -> None:
    assert HOURS is not None
    assert HOURS.last_boundary(at(2030, 3, 13, 12, 0)) == at(2030, 3, 13, 8, 0)
    assert HOURS.last_boundary(at(2030, 3, 13, 22, 0)) == at(2030, 3, 13, 19, 0)
    assert HOURS.last_boundary(at(2030, 3, 14, 6, 0)) == at(2030, 3, 13, 19, 0)
    assert HOURS.last_boundary(at(2030, 3, 17, 12, 0)) == at(2030, 3, 15, 19, 0)  # Sunday
    # Across the change to summer time (30 March 2030), still 19:00 local.
    assert HOURS.last_boundary(at(2030, 4, 1, 20, 0)) == at(2030, 4, 1, 19, 0)


NIGHTS = office_hours({"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"],
                       "from": "22:00", "to": "06:00"}, where="dev")  # fmt: skip


def test_office_hours_across_midnight_run_into_the_next_morning() -> None:
    assert NIGHTS is not None and NIGHTS.overnight
    assert NIGHTS.is_open(at(2030, 3, 13, 22, 0))  # Wednesday night
    assert NIGHTS.is_open(at(2030, 3, 14, 5, 59))  # Thursday morning: Wednesday's night
    assert not NIGHTS.is_open(at(2030, 3, 14, 6, 0))
    assert not NIGHTS.is_open(at(2030, 3, 13, 21, 59))
    assert NIGHTS.is_open(at(2030, 3, 16, 3, 0))  # Saturday 03:00: Friday's night
    assert not NIGHTS.is_open(at(2030, 3, 17, 23, 0))  # Sunday night is not listed
    assert not NIGHTS.is_open(at(2030, 3, 11, 3, 0))  # nor Monday 03:00 (Sunday's night)
    assert NIGHTS.describe() == (
        "mon,tue,wed,thu,fri 22:00-06:00 (to the next day) Europe/Berlin")


def test_the_last_boundary_and_opening_across_midnight() -> None:
    assert NIGHTS is not None
    assert NIGHTS.last_boundary(at(2030, 3, 14, 2, 0)) == at(2030, 3, 13, 22, 0)
    assert NIGHTS.last_boundary(at(2030, 3, 14, 12, 0)) == at(2030, 3, 14, 6, 0)
    assert NIGHTS.last_boundary(at(2030, 3, 17, 12, 0)) == at(2030, 3, 16, 6, 0)  # Sunday
    assert NIGHTS.last_opening(at(2030, 3, 14, 2, 0)) == at(2030, 3, 13, 22, 0)
    assert NIGHTS.last_opening(at(2030, 3, 18, 12, 0)) == at(2030, 3, 15, 22, 0)  # Monday noon
    # The night of the change to summer time (Sunday 31 March 2030, 02:00 -> 03:00) is not
    # listed; Monday's night still opens at 22:00 and closes at 06:00 local.
    assert NIGHTS.last_boundary(at(2030, 4, 2, 7, 0)) == at(2030, 4, 2, 6, 0)


def test_until_midnight_and_all_day() -> None:
    day = office_hours({"timezone": "UTC", "days": ["mon"], "from": "00:00", "to": "24:00",
                        "pre_wake": True}, where="dev")  # fmt: skip
    assert day is not None and day.pre_wake and not day.overnight
    assert day.is_open(datetime(2030, 3, 11, 23, 59, tzinfo=ZoneInfo("UTC")).timestamp())
    assert not day.is_open(datetime(2030, 3, 12, 0, 0, tzinfo=ZoneInfo("UTC")).timestamp())
    assert day.as_table() == {"timezone": "UTC", "days": ["mon"], "from": "00:00",
                              "to": "24:00", "pre_wake": True}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
        ({"from": "25:00"}, r"from '25:00' is not a time of day HH:MM"),
        ({"to": "7pm"}, r"to '7pm' is not a time of day HH:MM"),
        ({"from": "19:00", "to": "19:00"}, "from '19:00' and to '19:00' are the same time"),
        ({"from": "24:00"}, r"from '24:00' is not a time of day HH:MM \(00:00-23:59\)"),
        ({"pre_wake": "yes"}, "pre_wake must be true or false, got 'yes'"),
        ({"days": ["monday"]}, r"days \['monday'\] must be a list of mon, tue"),
        ({"days": []}, r"days \[\] must be a list"),
        ({"hours": 8}, "unknown: hours"),
    ],
)
def test_bad_schedules_say_what_to_write(change: dict[str, Any], message: str) -> None:
    raw = {"timezone": "Europe/Berlin", "days": ["mon"], "from": "08:00", "to": "19:00"}
    with pytest.raises(ConfigError, match=message):
        office_hours({**raw, **change}, where="profile dev")


def record(name: str, **extra: Any) -> EnvRecord:
    svc = ServiceRecord("app", "img", {"target_group": {"arn": f"tg-{name}"}})
    pinned = bool(extra.pop("pinned", False))
    return EnvRecord("dev", name, name, f"{name}.t", "ready", 0.0, 0.0, services=[svc],
                     pinned=pinned, extra={"alb_arn": "alb", **extra})  # fmt: skip


def test_outside_office_hours_everything_sleeps_but_pinned_and_hand_woken() -> None:
    saturday = at(2030, 3, 16, 12, 0)
    records = [
        record("left-on"), record("kept", pinned=True),
        record("by-hand", last_woken_at=saturday - 600, last_woken_by="by hand"),
        record("by-hand-friday", last_woken_at=at(2030, 3, 15, 12, 0), last_woken_by="by hand"),
        record("visited", last_woken_at=saturday - 3600, last_woken_by="a request to its URL"),
        record("visited-now", last_woken_at=saturday - 60, last_woken_by="a request to its URL"),
    ]  # fmt: skip
    verdicts = {v.name: (v.idle, v.scheduled, v.why) for v in candidates(records, saturday, 30,
                                                                          HOURS)}  # fmt: skip
    shut = "outside office hours (mon,tue,wed,thu,fri 08:00-19:00 Europe/Berlin)"
    assert verdicts == {
        "left-on": (True, True, shut),
        "kept": (False, False, "pinned"),
        "by-hand": (False, False, "woken by hand: awake until office hours change"),
        "by-hand-friday": (True, True, shut),  # woken before Friday's 19:00: that wake is over
        "visited": (True, True, shut),
        "visited-now": (False, False, "awake for 1 min only"),
    }
    inside = candidates(records, at(2030, 3, 13, 12, 0), 30, HOURS)
    assert not any(v.scheduled for v in inside)  # in office hours: only idleness counts


def asleep(name: str, since: float, reason: str, **extra: Any) -> EnvRecord:
    return record(name, sleep={"state": "sleeping", "since": since, "counts": {"app": 1},
                               "reason": reason}, **extra)  # fmt: skip


def test_pre_wake_wakes_what_the_sweep_put_to_sleep_before_the_hours_began() -> None:
    waking = office_hours({"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu",
                           "fri"], "from": "08:00", "to": "19:00", "pre_wake": True},
                          where="dev")  # fmt: skip
    friday_night, monday = at(2030, 3, 15, 19, 10), at(2030, 3, 18, 8, 5)
    records = [
        asleep("scheduled", friday_night, "idle: outside office hours (...)"),
        asleep("idle-friday", at(2030, 3, 15, 15, 0), "idle: no request in 30 min"),
        asleep("idle-today", at(2030, 3, 18, 8, 1), "idle: no request in 30 min"),
        asleep("by-hand", friday_night, "by hand"),
        asleep("by-the-api", friday_night, "by the API"),
        record("awake"),
    ]
    assert to_pre_wake(records, monday, waking) == ["scheduled", "idle-friday"]
    assert to_pre_wake(records, at(2030, 3, 18, 7, 59), waking) == []  # not open yet
    assert to_pre_wake(records, at(2030, 3, 16, 12, 0), waking) == []  # Saturday
    assert to_pre_wake(records, monday, HOURS) == []  # not asked for: never


def test_a_pre_wake_is_not_a_hand_wake() -> None:
    saturday = at(2030, 3, 16, 12, 0)
    rec = record("pre-woken", last_woken_at=saturday - 600, last_woken_by=PRE_WAKE)
    verdicts = {v.name: v.scheduled for v in candidates([rec], saturday, 5, HOURS)}
    assert verdicts == {"pre-woken": True}  # closed: it sleeps
