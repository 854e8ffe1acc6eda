"""Office hours: when a profile's environments may be awake. Pure (the clock is an argument).

``[profiles.NAME.sleep.schedule]`` says a timezone, the weekdays and the hours::

    timezone = "Europe/Berlin"
    days = ["mon", "tue", "wed", "thu", "fri"]
    from = "08:00"
    to = "19:00"

Outside them `eden sleep --idle` puts every environment to sleep but pinned ones and ones
woken by hand since the last boundary (a hand wake lasts until the next boundary). A
schedule never wakes anything at the start of office hours: the first request does.
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


@dataclass(frozen=True)
class OfficeHours:
    timezone: str
    days: tuple[int, ...]  # 0 = Monday
    start: int  # minutes after midnight
    end: int

    def _local(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, ZoneInfo(self.timezone))

    def is_open(self, now: float) -> bool:
        local = self._local(now)
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.days and self.start <= minute < self.end

    def last_boundary(self, now: float) -> float:
        """When office hours last began or ended, at or before ``now`` (Unix seconds)."""
        local = self._local(now)
        for back in range(8):
            day = (local - timedelta(days=back)).date()
            if day.weekday() not in self.days:
                continue
            for minute in (self.end, self.start):
                at = datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                              tzinfo=ZoneInfo(self.timezone))  # fmt: skip
                if at.timestamp() <= now:
                    return at.timestamp()
        return now - 7 * 86400  # no office day in a week: nothing was woken "since"

    def describe(self) -> str:
        days = ",".join(DAYS[d] for d in self.days)
        hhmm = [f"{m // 60:02d}:{m % 60:02d}" for m in (self.start, self.end)]
        return f"{days} {hhmm[0]}-{hhmm[1]} {self.timezone}"

    def as_table(self) -> dict[str, Any]:
        return {"timezone": self.timezone, "days": [DAYS[d] for d in self.days],
                "from": f"{self.start // 60:02d}:{self.start % 60:02d}",
                "to": f"{self.end // 60:02d}:{self.end % 60:02d}"}  # fmt: skip


def office_hours(raw: Any, *, where: str) -> OfficeHours | None:
    """Validates ``[sleep.schedule]``; every mistake says which field and what to write."""
    if raw is None:
        return None
    at = f"{where} [sleep.schedule]"
    if not isinstance(raw, Mapping):
        raise ConfigError("[sleep.schedule] must be a table", where=at)
    unknown = sorted(set(raw) - set(FIELDS))
    missing = [f for f in FIELDS if f not in raw]
    if unknown or missing:
        raise ConfigError(
            f"[sleep.schedule] needs exactly {', '.join(FIELDS)}"
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
    start, end = _minutes(raw["from"], "from", at), _minutes(raw["to"], "to", at)
    if start >= end:
        raise ConfigError(f"from {raw['from']!r} must be before to {raw['to']!r}", where=at,
                          hint="office hours within one day, e.g. 08:00 to 19:00")  # fmt: skip
    return OfficeHours(zone, tuple(sorted({DAYS.index(str(d).lower()) for d in days})), start, end)


def _minutes(value: Any, key: str, at: str) -> int:
    found = _HHMM.fullmatch(str(value))
    if not found:
        raise ConfigError(f"{key} {value!r} is not a time of day HH:MM (00:00-23:59)", where=at)
    return int(found.group(1)) * 60 + int(found.group(2))
