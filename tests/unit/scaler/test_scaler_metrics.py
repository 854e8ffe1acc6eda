"""Parsing real-format nginx stub_status pages and Prometheus expositions."""

from __future__ import annotations

import math
import re

import pytest

from eden.scaler.metrics import (
    MetricParseError,
    MetricSpec,
    RateTracker,
    parse_prometheus,
    parse_stub_status,
    read_raw,
    select_series,
)

# Verbatim shape of nginx's stub_status (trailing spaces included).
STUB = (
    "Active connections: 291 \n"
    "server accepts handled requests\n"
    " 16630948 16630948 31070465 \n"
    "Reading: 6 Writing: 179 Waiting: 106 \n"
)
IDLE = (
    "Active connections: 1 \nserver accepts handled requests\n 3 3 7 \n"
    "Reading: 0 Writing: 1 Waiting: 0 \n"
)
PROM = """\
# HELP http_requests_in_flight Requests being served.
# TYPE http_requests_in_flight gauge
http_requests_in_flight{handler="/api",method="GET"} 12
http_requests_in_flight{handler="/api",method="POST"} 3
http_requests_in_flight{handler="/health",method="GET"} 1
# TYPE http_requests_total counter
http_requests_total{code="200",path="a \\"quoted\\", b"} 1.5e3 1700000000000
http_requests_total{code="500"} 20
process_open_fds 17
weird_nan NaN
"""


def test_stub_status_fields() -> None:
    s = parse_stub_status(STUB)
    assert (s.active, s.accepts, s.handled, s.requests) == (291, 16630948, 16630948, 31070465)
    assert (s.reading, s.writing, s.waiting) == (6, 179, 106)


def test_in_flight_excludes_the_status_request() -> None:
    s = parse_stub_status(STUB)
    assert s.in_flight() == 178
    assert s.in_flight(include_reading=True) == 184
    assert parse_stub_status(IDLE).in_flight() == 0


@pytest.mark.parametrize(
    ("kind", "value"),
    [("inflight", 178), ("inflight_reading", 184), ("active", 291), ("request_rate", 31070465)],
)
def test_read_raw_stub_kinds(kind: str, value: float) -> None:
    assert read_raw(MetricSpec(kind=kind), STUB) == value


@pytest.mark.parametrize("body", ["", "<html>502 Bad Gateway</html>", "Active connections: x"])
def test_stub_status_garbage_is_an_error_not_zero(body: str) -> None:
    with pytest.raises(MetricParseError, match="not an nginx stub_status page"):
        parse_stub_status(body)


def test_prometheus_parses_labels_escapes_timestamps() -> None:
    series = parse_prometheus(PROM)
    assert len(series) == 7
    quoted = next(s for s in series if s.labels.get("code") == "200")
    assert quoted.labels["path"] == 'a "quoted", b'
    assert quoted.value == 1500.0
    assert math.isnan(next(s for s in series if s.name == "weird_nan").value)


def test_prometheus_selects_by_name_and_label_subset() -> None:
    series = parse_prometheus(PROM)
    assert select_series(series, "http_requests_in_flight", {}) == 16
    assert select_series(series, "http_requests_in_flight", {"handler": "/api"}) == 15
    assert select_series(series, "process_open_fds", {}) == 17
    with pytest.raises(MetricParseError,
                       match=re.escape("no series http_requests_in_flight matching "
                                       "{'handler': '/nope'}")):
        select_series(series, "http_requests_in_flight", {"handler": "/nope"})
    with pytest.raises(MetricParseError, match=re.escape("no series weird_nan matching {}")):
        select_series(series, "weird_nan", {})  # NaN is no value


def test_prometheus_spec_reads_gauge_and_counter() -> None:
    gauge = MetricSpec(kind="prometheus_gauge", path="/metrics",
                       prometheus_name="http_requests_in_flight",
                       prometheus_labels={"method": "GET"})
    assert read_raw(gauge, PROM) == 13
    counter = MetricSpec(kind="prometheus_counter", path="/metrics",
                         prometheus_name="http_requests_total")
    assert counter.is_rate and read_raw(counter, PROM) == 1520


def test_prometheus_rejects_garbage() -> None:
    with pytest.raises(MetricParseError, match="not a Prometheus sample line"):
        parse_prometheus("this is { not prometheus")
    with pytest.raises(MetricParseError, match=re.escape('bad label set {a="1" b="2"}')):
        parse_prometheus('x{a="1" b="2"} 3')
    with pytest.raises(MetricParseError, match="bad sample value 'abc'"):
        parse_prometheus("x abc")


def test_spec_validation() -> None:
    with pytest.raises(ValueError, match="unknown metric 'cpu'; use one of inflight"):
        MetricSpec(kind="cpu")
    with pytest.raises(ValueError, match="a prometheus metric needs prometheus_name"):
        MetricSpec(kind="prometheus_gauge")
    with pytest.raises(ValueError, match="metric path must start with '/'"):
        MetricSpec(path="nginx_status")


def test_rate_from_counter_deltas() -> None:
    r = RateTracker()
    assert r.rate("a", 0.0, 1000) is None  # first sight: unknown, not zero
    assert r.rate("a", 2.0, 1100) == 50.0
    assert r.rate("a", 3.0, 10) is None  # counter reset: task restarted
    assert r.rate("a", 4.0, 30) == 20.0
    assert r.rate("a", 4.0, 40) is None  # no time passed


def test_rate_tracker_forgets_gone_tasks() -> None:
    r = RateTracker()
    for i in range(100):
        r.rate(f"t{i}", 0.0, 1)
    r.retain(["t1", "t2"])
    assert len(r) == 2
