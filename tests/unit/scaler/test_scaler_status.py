"""/metrics output parses as Prometheus text; the exporter serves both routes."""

from __future__ import annotations

import asyncio
import json

from eden.scaler.exporter import Exporter, json_route
from eden.scaler.metrics import parse_prometheus, select_series
from eden.scaler.scrape import ScrapeError, http_get
from eden.scaler.status import ServiceStatus, render_prometheus


def sample_statuses() -> list[ServiceStatus]:
    a = ServiceStatus("prod/web", "target", observed_load=123.5, desired=4, ecs_desired=3,
                      running=3, reason='scale up "fast"\nnow', panic=True, updates_total=2)
    b = ServiceStatus("prod/api", "seed")  # nothing observed yet: NaN, not 0
    return [a, b]


def test_metrics_text_round_trips_through_our_parser() -> None:
    text = render_prometheus(sample_statuses(), leader=True)
    series = parse_prometheus(text)
    assert select_series(series, "eden_scaler_leader", {}) == 1
    assert select_series(series, "eden_scaler_observed_load", {"service": "prod/web"}) == 123.5
    assert select_series(series, "eden_scaler_desired_tasks", {"service": "prod/web"}) == 4
    assert select_series(series, "eden_scaler_panic", {"service": "prod/web"}) == 1
    info = [s for s in series if s.name == "eden_scaler_decision_info"]
    assert info[0].labels["reason"] == 'scale up "fast"\nnow'
    assert "eden_scaler_observed_load{service=\"prod/api\"} NaN" in text


def test_exporter_serves_metrics_and_status() -> None:
    async def scenario() -> None:
        statuses = sample_statuses()
        exporter = Exporter({
            "/metrics": lambda: ("text/plain", render_prometheus(statuses, leader=False)),
            "/status": json_route(lambda: {"services": [s.as_dict() for s in statuses]}),
        })
        port = await exporter.start("127.0.0.1", 0)
        metrics = await http_get("127.0.0.1", port, "/metrics", 2.0)
        assert "eden_scaler_leader 0" in metrics
        doc = json.loads(await http_get("127.0.0.1", port, "/status?x=1", 2.0))
        assert doc["services"][0]["service"] == "prod/web"
        try:
            await http_get("127.0.0.1", port, "/nope", 2.0)
        except ScrapeError as exc:
            assert "404" in str(exc)
        else:
            raise AssertionError("expected a 404")
        await exporter.stop()

    asyncio.run(scenario())
