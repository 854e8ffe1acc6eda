"""Turn a scraped body into one number per task: nginx stub_status or Prometheus text.

Parsing is strict: a body that does not look like the expected format raises
``MetricParseError`` and the scrape counts as missing data, never as zero load.

nginx ``stub_status`` counts the status request itself in ``Writing``, so in-flight requests
are ``Writing - 1`` (plus ``Reading`` when asked). ``Active connections`` also counts idle
keep-alive connections (``Waiting``), which is why it is not the default signal. Rates come
from counter deltas between two scrapes of the same task; the first scrape of a task, or one
after a counter reset, yields no rate (unknown), not zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

METRIC_KINDS: tuple[str, ...] = (
    "inflight",
    "inflight_reading",
    "active",
    "request_rate",
    "prometheus_gauge",
    "prometheus_counter",
)
RATE_KINDS = frozenset({"request_rate", "prometheus_counter"})


class MetricParseError(ValueError):
    """The body is not in the format the metric expects."""


@dataclass(frozen=True)
class StubStatus:
    active: int
    accepts: int
    handled: int
    requests: int
    reading: int
    writing: int
    waiting: int

    def in_flight(self, *, include_reading: bool = False) -> int:
        """Requests being served now, minus the status request that asked."""
        busy = max(self.writing - 1, 0)
        return busy + (self.reading if include_reading else 0)


_STUB_RE = re.compile(
    r"Active connections:\s*(\d+)\s*"
    r"server accepts handled requests\s*(\d+)\s+(\d+)\s+(\d+)\s*"
    r"Reading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)",
)


def parse_stub_status(text: str) -> StubStatus:
    match = _STUB_RE.search(text)
    if match is None:
        raise MetricParseError("not an nginx stub_status page")
    a, acc, han, req, rd, wr, wt = (int(g) for g in match.groups())
    return StubStatus(a, acc, han, req, rd, wr, wt)


@dataclass(frozen=True)
class Series:
    name: str
    labels: Mapping[str, str]
    value: float


_SERIES_RE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"
    r"(?:\{(?P<labels>.*)\})?"
    r"\s+(?P<value>\S+)(?:\s+-?\d+)?\s*$"
)
_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')
_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def _unescape(value: str) -> str:
    return re.sub(r"\\[\\\"n]", lambda m: _ESCAPES[m.group(0)], value)


def _parse_labels(raw: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    pos = 0
    raw = raw.strip()
    while pos < len(raw):
        match = _LABEL_RE.match(raw, pos)
        if match is None:
            raise MetricParseError(f"bad label set {{{raw}}}")
        labels[match.group(1)] = _unescape(match.group(2))
        pos = match.end()
    return labels


def _parse_value(raw: str) -> float:
    special = {"+Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}
    if raw in special:
        return special[raw]
    try:
        return float(raw)
    except ValueError as exc:
        raise MetricParseError(f"bad sample value {raw!r}") from exc


def parse_prometheus(text: str) -> list[Series]:
    """Every sample line of a Prometheus text exposition (comments and blanks skipped)."""
    out: list[Series] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _SERIES_RE.match(stripped)
        if match is None:
            raise MetricParseError(f"not a Prometheus sample line: {stripped[:80]!r}")
        labels = _parse_labels(match.group("labels") or "")
        out.append(Series(match.group("name"), labels, _parse_value(match.group("value"))))
    return out


def select_series(series: Iterable[Series], name: str, labels: Mapping[str, str]) -> float:
    """Sum of the series called ``name`` whose labels include ``labels``.

    Summing lets one config line cover a metric split by handler or method. No match is an
    error (missing data), not zero.
    """
    total, found = 0.0, False
    for s in series:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            if math.isnan(s.value):
                continue
            total += s.value
            found = True
    if not found:
        raise MetricParseError(f"no series {name} matching {dict(labels)}")
    return total


@dataclass(frozen=True)
class MetricSpec:
    """Which number to read from a task, and from which URL path."""

    kind: str = "inflight"
    path: str = "/nginx_status"
    prometheus_name: str = ""
    prometheus_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in METRIC_KINDS:
            raise ValueError(f"unknown metric {self.kind!r}; use one of {', '.join(METRIC_KINDS)}")
        if self.kind.startswith("prometheus") and not self.prometheus_name:
            raise ValueError("a prometheus metric needs prometheus_name")
        if not self.path.startswith("/"):
            raise ValueError("metric path must start with '/'")

    @property
    def is_rate(self) -> bool:
        return self.kind in RATE_KINDS


def read_raw(spec: MetricSpec, body: str) -> float:
    """The gauge value, or for rate kinds the counter to difference."""
    if spec.kind.startswith("prometheus"):
        return select_series(parse_prometheus(body), spec.prometheus_name, spec.prometheus_labels)
    status = parse_stub_status(body)
    if spec.kind == "inflight":
        return float(status.in_flight())
    if spec.kind == "inflight_reading":
        return float(status.in_flight(include_reading=True))
    if spec.kind == "active":
        return float(status.active)
    return float(status.requests)


class RateTracker:
    """Per-task counter memory for rates; forgets tasks that are gone (bounded memory)."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[float, float]] = {}

    def rate(self, key: str, at: float, counter: float) -> float | None:
        previous = self._last.get(key)
        self._last[key] = (at, counter)
        if previous is None:
            return None
        then, old = previous
        if at <= then or counter < old:
            return None  # same instant, or the counter reset (task restarted)
        return (counter - old) / (at - then)

    def retain(self, keys: Iterable[str]) -> None:
        keep = set(keys)
        for key in [k for k in self._last if k not in keep]:
            del self._last[key]

    def __len__(self) -> int:
        return len(self._last)
