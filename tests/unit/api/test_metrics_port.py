"""`eden serve --metrics-port`: /metrics without a key, and nothing else, on its own port."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from eden.api.metrics import Metrics
from eden.api.metrics_port import CONTENT_TYPE, MetricsPort


def test_metrics_need_no_key_and_nothing_else_is_served() -> None:
    metrics = Metrics()
    metrics.request("GET", "/api/v1/environments", 200)
    port = MetricsPort(metrics.render, "127.0.0.1", 0)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port.port}/metrics", timeout=5) as r:
            assert r.status == 200 and r.headers["Content-Type"] == CONTENT_TYPE
            text = r.read().decode()
        assert text == metrics.render()
        assert 'route="/api/v1/environments"' in text
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"http://127.0.0.1:{port.port}/api/v1/environments",
                                   timeout=5)
    finally:
        port.close()
    assert not port.thread.is_alive()
