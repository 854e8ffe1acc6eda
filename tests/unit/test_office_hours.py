"""Office hours ([sleep.schedule]): open or closed at a time, the last boundary, and the
config errors; the idle sweep's verdicts outside them. Pure: the clock is an argument."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from eden.core.office_hours import office_hours
from eden.envs.idle import candidates
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


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
        ({"from": "25:00"}, r"from '25:00' is not a time of day HH:MM"),
        ({"to": "7pm"}, r"to '7pm' is not a time of day HH:MM"),
        ({"from": "19:00", "to": "08:00"}, "from '19:00' must be before to '08:00'"),
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
