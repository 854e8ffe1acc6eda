"""Values into DynamoDB items and back, and the keys events and journal entries sort by.

The low-level item form (``{"attr": {"S": "..."}}``) is what the client speaks; these
helpers are the one place that writes and reads it.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

Item = dict[str, Any]  # one item in DynamoDB's low-level form: {"attr": {"S": "..."}}


class _Ticker:
    """Nanoseconds since the epoch that never repeat or go back within a process.

    Breaks ties between events (or journal entries) written with the same time, so they
    come back in write order like SQLite's autoincrement ids. Across processes the order
    of ties follows the hosts' clocks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return self._last


_TICKS = _Ticker()


def time_sk(at: float) -> str:
    """Sorts by time (epoch seconds, zero-padded, to the microsecond), then write order.

    The uuid keeps two processes that tick the same nanosecond from overwriting each
    other's entry. Fixed width is what makes text order time order, hence the range.
    """
    if not 0 <= at < 1e17:
        raise ValueError(f"event and journal times must be epoch seconds >= 0, got {at!r}")
    return f"{at:024.6f}#{_TICKS.next():020d}#{uuid.uuid4().hex}"


def escape_name(name: str) -> str:
    """A name made safe to join into a key with ``#``."""
    return name.replace("%", "%25").replace("#", "%23")


def env_pk(prefix: str, profile: str, env: str) -> str:
    return f"{prefix}#{escape_name(profile)}#{escape_name(env)}"


def item_key(pk: str, sk: str) -> Item:
    if not sk:
        # DynamoDB refuses empty key strings; say which, instead of a ValidationException.
        raise ValueError(f"DynamoDB keys cannot be empty (an empty name under {pk})")
    return {"pk": as_s(pk), "sk": as_s(sk)}


def _finite(x: float) -> None:
    if not math.isfinite(x):
        raise ValueError(f"DynamoDB cannot store the number {x!r}")


def as_s(value: str) -> dict[str, str]:
    return {"S": value}


def as_n(value: float) -> dict[str, str]:
    # repr() is the shortest text that reads back as the same float; Decimal turns it
    # into DynamoDB's number syntax (what boto3's own serializer sends).
    _finite(value)
    return {"N": str(Decimal(repr(float(value))))}


def as_attr(value: str | float | None) -> dict[str, Any]:
    """A string, a number or None as a DynamoDB attribute; read back by ``value_of``."""
    if value is None:
        return {"NULL": True}
    return as_s(value) if isinstance(value, str) else as_n(value)


def value_of(item: Item, attr: str) -> Any:
    """What ``as_attr`` wrote: a str, a float, or None (also for an absent attribute)."""
    value = item.get(attr, {"NULL": True})
    if "S" in value:
        return str(value["S"])
    if "N" in value:
        return float(value["N"])
    return None


def as_opt_n(value: float | None) -> dict[str, Any]:
    return {"NULL": True} if value is None else as_n(value)


def str_of(item: Item, attr: str) -> str:
    return str(item[attr]["S"])


def float_of(item: Item, attr: str) -> float:
    # Numbers travel as text; float() of DynamoDB's exact decimal is the float we wrote.
    return float(item[attr]["N"])


def error_code(exc: Exception) -> str | None:
    """The AWS error code of a botocore ``ClientError``, without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None
