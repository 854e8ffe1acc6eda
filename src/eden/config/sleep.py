"""``[profiles.NAME.sleep]``: how environments of the profile sleep and wake.

    [profiles.dev.sleep]
    idle_minutes = 30              # `eden sleep --idle`: no request for this long
    waker = "10.0.3.17:8081"       # where the ALB reaches `eden serve --waker-port`, or
                                   # a Lambda function's ARN (deploy/template.yaml)
    cooldown_seconds = 60          # a host wakes its environment at most once per this

    [profiles.dev.sleep.schedule]  # office hours (core/office_hours.py); optional
    timezone = "Europe/Berlin"
    days = ["mon", "tue", "wed", "thu", "fri"]
    from = "08:00"
    to = "19:00"

``waker`` is registered as an IP target of the waker target group on each shared ALB,
so it must be an address the ALB can reach (on AWS a private IP of the VPC; in the
sandbox 127.0.0.1). Without it, `eden sleep` refuses: nothing would wake the environment.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.config.fields import refuse_unknown
from eden.core.office_hours import OfficeHours, office_hours
from eden.errors import ConfigError

DEFAULT_IDLE_MINUTES = 30
DEFAULT_COOLDOWN = 60
FIELDS = ("idle_minutes", "waker", "cooldown_seconds", "schedule")


@dataclass(frozen=True)
class Waker:
    """The waker: an IP target of the waker target group (``eden serve --waker-port``), or
    a Lambda function (``deploy/template.yaml``'s WakerFunction) in a lambda target group."""

    ip: str
    port: int
    function_arn: str | None = None

    def __str__(self) -> str:
        return self.function_arn or f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class SleepSettings:
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    waker: Waker | None = None
    cooldown_seconds: int = DEFAULT_COOLDOWN
    schedule: OfficeHours | None = None  # office hours ([sleep.schedule]); None: none

    def as_table(self) -> dict[str, Any]:
        """The file form, defaults left out."""
        out: dict[str, Any] = {}
        if self.idle_minutes != DEFAULT_IDLE_MINUTES:
            out["idle_minutes"] = self.idle_minutes
        if self.waker is not None:
            out["waker"] = str(self.waker)
        if self.cooldown_seconds != DEFAULT_COOLDOWN:
            out["cooldown_seconds"] = self.cooldown_seconds
        if self.schedule is not None:
            out["schedule"] = self.schedule.as_table()
        return out


def sleep_table(raw: Any, *, where: str) -> SleepSettings:
    """Validates ``[sleep]``; absent gives the defaults (and no waker)."""
    if raw is None:
        return SleepSettings()
    at = f"{where} [sleep]"
    if not isinstance(raw, Mapping):
        raise ConfigError("[sleep] must be a table", where=where)
    refuse_unknown(raw, FIELDS, where=at, table="sleep")
    idle = _int(raw, "idle_minutes", DEFAULT_IDLE_MINUTES, 1, 7 * 24 * 60, at)
    cooldown = _int(raw, "cooldown_seconds", DEFAULT_COOLDOWN, 1, 3600, at)
    waker = parse_waker(raw["waker"], at) if raw.get("waker") is not None else None
    return SleepSettings(idle, waker, cooldown, office_hours(raw.get("schedule"), where=where))


def _int(raw: Mapping[str, Any], key: str, default: int, low: int, high: int, at: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{key} must be a whole number {low}-{high}, got {value!r}", where=at)
    return value


_LAMBDA_RE = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}$")


def parse_waker(value: Any, at: str) -> Waker:
    """``"IP:PORT"``: an IPv4 address (ALB IP targets are IPv4 or IPv6 in the VPC; eden
    registers IPv4) and a port; or the ARN of a Lambda function (no version or alias:
    the permission the template gives the ALB names the function)."""
    hint = 'write it as "IP:PORT", e.g. "10.0.3.17:8081" (the address eden serve --waker-port '
    hint += "listens on, as the ALB reaches it), or the ARN of the waker's Lambda function "
    hint += "(the WakerFunctionArn output of deploy/template.yaml)"
    if isinstance(value, str) and value.startswith("arn:"):
        if not _LAMBDA_RE.fullmatch(value):
            raise ConfigError(f"waker {value!r} is not the ARN of a Lambda function", where=at,
                              hint=hint)  # fmt: skip
        return Waker("", 0, value)
    if not isinstance(value, str) or value.count(":") != 1:
        raise ConfigError(f"waker {value!r} is not IP:PORT", where=at, hint=hint)
    ip, _, port = value.partition(":")
    try:
        address = ipaddress.IPv4Address(ip)
        number = int(port)
    except ValueError as exc:
        raise ConfigError(f"waker {value!r} is not IP:PORT ({exc})", where=at, hint=hint) from exc
    if not 1 <= number <= 65535:
        raise ConfigError(f"waker port {number} is not 1-65535", where=at, hint=hint)
    return Waker(str(address), number)
