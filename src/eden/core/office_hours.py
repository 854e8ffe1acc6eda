"""Office hours: when a profile's environments may be awake. Pure (the clock is an argument).

``[profiles.NAME.sleep.schedule]`` says a timezone, the weekdays and the hours::

    timezone = "Europe/Berlin"
    days = ["mon", "tue", "wed", "thu", "fri"]
    from = "08:00"
    to = "19:00"

Outside them `eden sleep --idle` puts every environment to sleep but pinned ones and ones
woken by hand since the last boundary (a hand wake lasts until the next boundary). A
schedule wakes nothing at the start of office hours (the first request does) unless the
profile asks for it with ``pre_wake = true``.

Hours may cross midnight (``from = "22:00"``, ``to = "06:00"``): a listed day's hours then
run into the next morning (Friday 22:00 to Saturday 06:00 for ``fri``). ``to = "24:00"``
means until midnight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eden.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
FIELDS = ("timezone", "days", "from", "to")
OPTIONAL = ("pre_wake",)
DAY = 24 * 60


@dataclass(frozen=True)
class OfficeHours:
    timezone: str
    days: tuple[int, ...]  # 0 = Monday: the day the hours begin
    start: int  # minutes after midnight
    end: int  # after start, or (crossing midnight) before it: the next day's; 1440 = 24:00
    pre_wake: bool = False  # wake what the schedule put to sleep when the hours begin

    @property
    def overnight(self) -> bool:
        return self.end < self.start

    def _local(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, ZoneInfo(self.timezone))

    def is_open(self, now: float) -> bool:
        local = self._local(now)
        minute = local.hour * 60 + local.minute
        today = local.weekday() in self.days
        if not self.overnight:
            return today and self.start <= minute < self.end
        yesterday = (local.weekday() - 1) % 7 in self.days
        return (today and minute >= self.start) or (yesterday and minute < self.end)

    def _boundaries(self, now: float) -> list[tuple[float, str]]:
        """Every opening and closing of the past eight days, as Unix seconds."""
        zone, today = ZoneInfo(self.timezone), self._local(now).date()
        out = []
        for back in range(9):
            day = today - timedelta(days=back)
            if day.weekday() not in self.days:
                continue
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            closes = self.end + (DAY if self.overnight else 0)
            for minute, kind in ((self.start, "open"), (closes, "close")):
                # Wall-clock arithmetic: 08:00 stays 08:00 across a daylight-saving change.
                at = midnight + timedelta(minutes=minute)
                out.append((at.timestamp(), kind))
        return out

    def last_boundary(self, now: float) -> float:
        """When office hours last began or ended, at or before ``now`` (Unix seconds)."""
        past = [at for at, _ in self._boundaries(now) if at <= now]
        return max(past) if past else now - 7 * 86400  # no office day in a week

    def last_opening(self, now: float) -> float | None:
        """When office hours last began, at or before ``now``; None: not in a week."""
        past = [at for at, kind in self._boundaries(now) if kind == "open" and at <= now]
        return max(past) if past else None

    def describe(self) -> str:
        days = ",".join(DAYS[d] for d in self.days)
        hhmm = [_hhmm(m) for m in (self.start, self.end)]
        night = " (to the next day)" if self.overnight else ""
        return f"{days} {hhmm[0]}-{hhmm[1]}{night} {self.timezone}"

    def as_table(self) -> dict[str, Any]:
        out = {"timezone": self.timezone, "days": [DAYS[d] for d in self.days],
               "from": _hhmm(self.start), "to": _hhmm(self.end)}  # fmt: skip
        return {**out, "pre_wake": True} if self.pre_wake else out


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def office_hours(raw: Any, *, where: str) -> OfficeHours | None:
    """Validates ``[sleep.schedule]``; every mistake says which field and what to write."""
    if raw is None:
        return None
    at = f"{where} [sleep.schedule]"
    if not isinstance(raw, Mapping):
        raise ConfigError("[sleep.schedule] must be a table", where=at)
    unknown = sorted(set(raw) - set(FIELDS) - set(OPTIONAL))
    missing = [f for f in FIELDS if f not in raw]
    if unknown or missing:
        raise ConfigError(
            f"[sleep.schedule] needs {', '.join(FIELDS)} (and may say {', '.join(OPTIONAL)})"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else ""),
            where=at,
            hint='e.g. timezone = "Europe/Berlin", days = ["mon", "tue", "wed", "thu", "fri"], '
            'from = "08:00", to = "19:00"',
        )
    zone = str(raw["timezone"])
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown timezone {zone!r}", where=at,
                          hint="use an IANA name such as Europe/Berlin or America/New_York"
                          ) from exc  # fmt: skip
    days = raw["days"]
    if not isinstance(days, list) or not days or any(str(d).lower() not in DAYS for d in days):
        raise ConfigError(f"days {days!r} must be a list of {', '.join(DAYS)}", where=at)
    start = _minutes(raw["from"], "from", at)
    end = DAY if str(raw["to"]) == "24:00" else _minutes(raw["to"], "to", at)
    if start == end:
        raise ConfigError(f"from {raw['from']!r} and to {raw['to']!r} are the same time: "
                          "office hours of no length", where=at,
                          hint='all day: from = "00:00", to = "24:00"; overnight: from = '
                          '"22:00", to = "06:00" (into the next day)')  # fmt: skip
    pre_wake = raw.get("pre_wake", False)
    if not isinstance(pre_wake, bool):
        raise ConfigError(f"pre_wake must be true or false, got {pre_wake!r}", where=at,
                          hint="pre_wake = true wakes, when office hours begin, what the "
                          "schedule put to sleep")  # fmt: skip
    chosen = tuple(sorted({DAYS.index(str(d).lower()) for d in days}))
    return OfficeHours(zone, chosen, start, end, pre_wake)


def _minutes(value: Any, key: str, at: str) -> int:
    found = _HHMM.fullmatch(str(value))
    if not found:
        said = "00:00-23:59, or 24:00 for to" if key == "to" else "00:00-23:59"
        raise ConfigError(f"{key} {value!r} is not a time of day HH:MM ({said})", where=at)
    return int(found.group(1)) * 60 + int(found.group(2))
