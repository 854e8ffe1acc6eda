"""Prometheus metrics in the text exposition format, without a client library.

Four families are all the server needs (requests, operations, their durations, what is in
flight); a dependency for that would cost more than these few lines. Everything is
guarded by one lock because request threads and operation workers update it together.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

Labels = tuple[tuple[str, str], ...]

DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def _labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = [*labels, *extra]
    if not pairs:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[Labels, int] = defaultdict(int)
        self._ops: dict[Labels, int] = defaultdict(int)
        self._op_buckets: dict[Labels, list[int]] = {}
        self._op_sum: dict[Labels, float] = defaultdict(float)
        self._in_flight = 0
        self._webhooks: dict[Labels, int] = defaultdict(int)
        self._waker: dict[Labels, int] = defaultdict(int)
        self._wakes: dict[Labels, int] = defaultdict(int)
        # More lines at each render (the environments' awake/sleeping/waking gauges).
        self.extra: Callable[[], list[str]] = list

    def request(self, method: str, route: str, status: int) -> None:
        with self._lock:
            self._requests[(("method", method), ("route", route), ("status", str(status)))] += 1

    def webhook(self, event: str, outcome: str) -> None:
        with self._lock:
            self._webhooks[(("event", event[:40]), ("outcome", outcome))] += 1

    def waker(self, outcome: str) -> None:
        with self._lock:
            self._waker[(("outcome", outcome),)] += 1

    def wake(self, profile: str) -> None:
        with self._lock:
            self._wakes[(("profile", profile),)] += 1

    def started(self) -> None:
        with self._lock:
            self._in_flight += 1

    def finished(self, operation: str, result: str, source: str, seconds: float) -> None:
        key: Labels = (("operation", operation), ("result", result), ("source", source))
        with self._lock:
            self._in_flight -= 1
            self._ops[key] += 1
            hist_key: Labels = (("operation", operation),)
            buckets = self._op_buckets.setdefault(hist_key, [0] * len(DURATION_BUCKETS))
            for i, bound in enumerate(DURATION_BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self._op_sum[hist_key] += seconds

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            lines += [
                "# HELP eden_api_requests_total HTTP requests answered, by route and status.",
                "# TYPE eden_api_requests_total counter",
            ]
            lines += [f"eden_api_requests_total{_labels(k)} {v}" for k, v in self._requests.items()]
            lines += [
                "# HELP eden_operations_total Create, deploy and delete operations run.",
                "# TYPE eden_operations_total counter",
            ]
            lines += [f"eden_operations_total{_labels(k)} {v}" for k, v in self._ops.items()]
            lines += [
                "# HELP eden_operation_seconds How long operations took.",
                "# TYPE eden_operation_seconds histogram",
            ]
            for key, buckets in self._op_buckets.items():
                for bound, count in zip(DURATION_BUCKETS, buckets, strict=True):
                    le = _labels(key, (("le", str(bound)),))
                    lines.append(f"eden_operation_seconds_bucket{le} {count}")
                total = sum(v for k, v in self._ops.items() if k[0] == key[0])
                lines.append(
                    f"eden_operation_seconds_bucket{_labels(key, (('le', '+Inf'),))} {total}"
                )
                lines.append(f"eden_operation_seconds_sum{_labels(key)} {self._op_sum[key]:.6f}")
                lines.append(f"eden_operation_seconds_count{_labels(key)} {total}")
            lines += [
                "# HELP eden_operations_in_flight Operations running now.",
                "# TYPE eden_operations_in_flight gauge",
                f"eden_operations_in_flight {self._in_flight}",
                "# HELP eden_webhooks_total GitHub deliveries, by event and what was done.",
                "# TYPE eden_webhooks_total counter",
            ]
            lines += [f"eden_webhooks_total{_labels(k)} {v}" for k, v in self._webhooks.items()]
            lines += [
                "# HELP eden_waker_requests_total Requests the waker answered, by the state "
                "of their environment (or unknown-host).",
                "# TYPE eden_waker_requests_total counter",
            ]
            lines += [f"eden_waker_requests_total{_labels(k)} {v}" for k, v in self._waker.items()]
            lines += [
                "# HELP eden_wakes_total Environments woken by a request to their URL.",
                "# TYPE eden_wakes_total counter",
            ]
            lines += [f"eden_wakes_total{_labels(k)} {v}" for k, v in self._wakes.items()]
        lines += self.extra()
        return "\n".join(lines) + "\n"
