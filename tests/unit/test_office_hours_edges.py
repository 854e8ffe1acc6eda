"""Office hours at their edges: minutes past the hour, days written any way, a schedule
with no office day near, the table written back, and each config error's words."""

from __future__ import annotations

from typing import Any

import pytest
from test_office_hours import at

from eden.core.office_hours import OfficeHours, office_hours
from eden.errors import ConfigError

RAW = {"timezone": "Europe/Berlin", "days": ["mon"], "from": "08:00", "to": "19:00"}


def hours(**change: Any) -> OfficeHours:
    made = office_hours({**RAW, **change}, where="profile dev")
    assert made is not None
    return made


def test_minutes_past_the_hour_count() -> None:
    h = hours(days=["wed"], **{"from": "08:30", "to": "17:45"})
    assert (h.start, h.end) == (8 * 60 + 30, 17 * 60 + 45)
    assert not h.is_open(at(2030, 3, 13, 8, 29))
    assert h.is_open(at(2030, 3, 13, 8, 30))
    assert h.is_open(at(2030, 3, 13, 17, 44))
    assert not h.is_open(at(2030, 3, 13, 17, 45))
    assert h.last_boundary(at(2030, 3, 13, 17, 50)) == at(2030, 3, 13, 17, 45)
    assert h.last_boundary(at(2030, 3, 13, 9, 0)) == at(2030, 3, 13, 8, 30)
    assert h.describe() == "wed 08:30-17:45 Europe/Berlin"
    assert h.as_table() == {"timezone": "Europe/Berlin", "days": ["wed"], "from": "08:30",
                            "to": "17:45"}


def test_days_in_any_case_and_order_become_a_sorted_set() -> None:
    h = hours(days=["Sun", "mon", "MON", "fri"])
    assert h.days == (0, 4, 6)
    assert h.as_table()["days"] == ["mon", "fri", "sun"]


def test_a_boundary_exactly_now_is_the_last_one() -> None:
    h = hours(days=["wed"])
    assert h.last_boundary(at(2030, 3, 13, 19, 0)) == at(2030, 3, 13, 19, 0)
    assert h.last_boundary(at(2030, 3, 13, 8, 0)) == at(2030, 3, 13, 8, 0)


def test_the_last_boundary_can_be_a_week_back() -> None:
    h = hours(days=["wed"])
    # Wednesday 07:00, before that day's start: the previous Wednesday's end.
    assert h.last_boundary(at(2030, 3, 13, 7, 0)) == at(2030, 3, 6, 19, 0)


def test_office_hours_on_the_hour_of_midnight() -> None:
    h = hours(days=["wed"], **{"from": "00:00", "to": "23:59"})
    assert h.is_open(at(2030, 3, 13, 0, 0))
    assert not h.is_open(at(2030, 3, 13, 23, 59))
    assert h.as_table()["from"] == "00:00" and h.as_table()["to"] == "23:59"


def test_no_office_day_found_means_a_week_ago() -> None:
    never = OfficeHours("Europe/Berlin", (), 8 * 60, 19 * 60)
    now = at(2030, 3, 13, 12, 0)
    assert never.last_boundary(now) == now - 7 * 86400


def test_no_schedule_is_none() -> None:
    assert office_hours(None, where="profile dev") is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["mon"], r"^\[sleep.schedule\] must be a table$"),
        ({"timezone": "UTC", "days": ["mon"]},
         r"^\[sleep.schedule\] needs timezone, days, from, to \(and may say pre_wake\); "
         r"missing: from, to$"),
        ({**RAW, "hours": 8, "extra": 1},
         r"^\[sleep.schedule\] needs timezone, days, from, to \(and may say pre_wake\); "
         r"unknown: extra, hours$"),
        ({**RAW, "days": "mon"}, r"^days 'mon' must be a list of mon, tue, wed, thu, fri, sat, "
                                 r"sun$"),
        ({**RAW, "days": ["mon", "someday"]}, r"^days \['mon', 'someday'\] must be a list"),
        ({**RAW, "from": "19:00"},
         r"^from '19:00' and to '19:00' are the same time: office hours of no length$"),
        ({**RAW, "from": "24:00"}, r"^from '24:00' is not a time of day HH:MM \(00:00-23:59\)$"),
        ({**RAW, "from": "8:00"}, r"^from '8:00' is not a time of day"),
        ({**RAW, "to": "19:60"}, r"^to '19:60' is not a time of day"),
        ({**RAW, "timezone": ""}, r"^unknown timezone ''$"),
    ],
)
def test_each_mistake_says_what_is_wrong(raw: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        office_hours(raw, where="profile dev")
    assert info.value.where == "profile dev [sleep.schedule]"


def test_the_field_error_says_what_to_write() -> None:
    with pytest.raises(ConfigError, match="missing: to") as info:
        office_hours({k: v for k, v in RAW.items() if k != "to"}, where="profile dev")
    assert (info.value.hint or "").startswith('e.g. timezone = "Europe/Berlin"')


@pytest.mark.parametrize(("start", "end"), [("10:05", "23:05"), ("08:55", "17:45")])
def test_the_table_written_back_is_the_one_read(start: str, end: str) -> None:
    raw = {**RAW, "from": start, "to": end}
    h = hours(**{"from": start, "to": end})
    assert h.as_table() == raw
    assert h.describe() == f"mon {start}-{end} Europe/Berlin"
    assert office_hours(h.as_table(), where="profile dev") == h


def test_overnight_hours_run_into_the_next_day_across_the_week_boundary() -> None:
    # Sunday 22:00 to Monday 06:00: Monday's early hours belong to Sunday's office day.
    sunday = hours(days=["sun"], **{"from": "22:00", "to": "06:00"})
    assert sunday.is_open(at(2030, 3, 18, 3, 0))  # Monday 03:00
    assert not sunday.is_open(at(2030, 3, 18, 6, 0))
    assert not sunday.is_open(at(2030, 3, 19, 3, 0))  # Tuesday 03:00
    tuesday = hours(days=["tue"], **{"from": "22:00", "to": "06:00"})
    assert tuesday.is_open(at(2030, 3, 13, 3, 0))  # Wednesday 03:00: Tuesday's night
    assert not tuesday.is_open(at(2030, 3, 12, 3, 0))  # Tuesday 03:00: Monday was off


def test_the_last_opening_exactly_now_is_now() -> None:
    h = hours(days=["wed"])
    assert h.last_opening(at(2030, 3, 13, 8, 0)) == at(2030, 3, 13, 8, 0)
    assert h.last_opening(at(2030, 3, 13, 7, 59)) == at(2030, 3, 6, 8, 0)


def test_pre_wake_is_off_unless_asked() -> None:
    plain = OfficeHours("Europe/Berlin", (0,), 8 * 60, 19 * 60)
    assert plain.pre_wake is False
    assert "pre_wake" not in plain.as_table()
