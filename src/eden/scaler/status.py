"""What the daemon knows about each service, rendered for /metrics (Prometheus) and /status.

One small mutable record per service, overwritten every tick: memory does not grow with
uptime. Counters only ever increase, as Prometheus expects.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ServiceStatus:
    service: str
    policy: str
    observed_load: float | None = None
    stable_load: float | None = None
    panic_load: float | None = None
    desired: int = 0
    ecs_desired: int = 0
    running: int = 0
    pending: int = 0
    endpoints: int = 0
    scraped: int = 0
    panic: bool = False
    reason: str = "starting"
    ticks_total: int = 0
    scrape_errors_total: int = 0
    updates_total: int = 0
    update_errors_total: int = 0
    last_error: str = ""
    discovery_error: str = ""
    last_tick_unix: float = 0.0
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=20))

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["events"] = list(self.events)
        return out


_GAUGES: tuple[tuple[str, str, str], ...] = (
    ("observed_load", "eden_scaler_observed_load", "Load observed on the last tick (total)."),
    ("stable_load", "eden_scaler_stable_load", "Mean load over the stable window."),
    ("panic_load", "eden_scaler_panic_load", "Mean load over the panic window."),
    ("desired", "eden_scaler_desired_tasks", "Task count the policy wants."),
    ("ecs_desired", "eden_scaler_ecs_desired_tasks", "Desired count ECS reports."),
    ("running", "eden_scaler_running_tasks", "Running tasks ECS reports."),
    ("pending", "eden_scaler_pending_tasks", "Tasks starting (capacity on the way)."),
    ("endpoints", "eden_scaler_endpoints", "Task endpoints discovered."),
    ("panic", "eden_scaler_panic", "1 while the policy is in panic mode."),
)
_COUNTERS: tuple[tuple[str, str, str], ...] = (
    ("ticks_total", "eden_scaler_ticks_total", "Decisions made."),
    ("scrape_errors_total", "eden_scaler_scrape_errors_total", "Scrapes that failed."),
    ("updates_total", "eden_scaler_updates_total", "Desired-count changes made."),
    ("update_errors_total", "eden_scaler_update_errors_total", "UpdateService calls failed."),
)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return "NaN"
    number = float(value)  # type: ignore[arg-type]
    return "NaN" if math.isnan(number) else repr(number)


def render_prometheus(statuses: Iterable[ServiceStatus], *, leader: bool) -> str:
    rows = list(statuses)
    lines = [
        "# HELP eden_scaler_leader 1 when this replica holds the lease and acts.",
        "# TYPE eden_scaler_leader gauge",
        f"eden_scaler_leader {1 if leader else 0}",
    ]
    for kind, table in (("gauge", _GAUGES), ("counter", _COUNTERS)):
        for attr, name, help_text in table:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            for s in rows:
                lines.append(f'{name}{{service="{_label(s.service)}"}} '
                             f"{_number(getattr(s, attr))}")
    lines += [
        "# HELP eden_scaler_decision_info The last decision's reason.",
        "# TYPE eden_scaler_decision_info gauge",
    ]
    for s in rows:
        lines.append(f'eden_scaler_decision_info{{service="{_label(s.service)}",'
                     f'policy="{_label(s.policy)}",reason="{_label(s.reason)}"}} 1')
    return "\n".join(lines) + "\n"
