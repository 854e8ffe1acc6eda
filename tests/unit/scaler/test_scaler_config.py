"""scaler.toml: defaults, every field validated with the field named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eden.errors import ConfigError
from eden.scaler.config import load_config, parse_config

FULL = """
[scaler]
tick = 0.5
refresh = 3
metrics_port = 0
metrics = false
lease_path = "/tmp/x.db"

[aws]
region = "eu-west-1"
endpoint_url = "http://127.0.0.1:5000"

[notify]
sns_topic_arn = "arn:aws:sns:eu-west-1:123456789012:scaling"
webhook_url = "http://127.0.0.1:9/hook"

[[services]]
cluster = "prod"
service = "web"
min = 2
max = 40
target = 70
policy = "threshold"
discovery = "target_group"
target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1"
scale_in = false
max_step_up = 10

[[services]]
cluster = "prod"
service = "api"
max = 8
target = 5
metric = "prometheus_gauge"
prometheus_name = "http_requests_in_flight"
prometheus_labels = { handler = "/api" }
sample = "all"
"""


def test_full_config(tmp_path: Path) -> None:
    path = tmp_path / "scaler.toml"
    path.write_text(FULL)
    cfg = load_config(path)
    assert cfg.tick == 0.5 and cfg.refresh == 3
    assert cfg.metrics_port == 0 and not cfg.metrics_enabled
    assert cfg.aws.region == "eu-west-1" and cfg.notify.webhook_url
    web, api = cfg.services
    assert web.key == "prod/web" and web.policy == "threshold"
    assert web.bounds.min_tasks == 2 and web.bounds.max_step_up == 10
    assert not web.bounds.scale_in and web.discovery == "target_group"
    assert api.metric.path == "/metrics" and api.metric.prometheus_labels == {"handler": "/api"}
    assert not api.sample and api.settings.target == 5


def test_defaults() -> None:
    cfg = parse_config({"services": [{"cluster": "c", "service": "s", "max": 3, "target": 1}]})
    svc = cfg.services[0]
    assert cfg.tick == 1.0 and cfg.metrics_port == 9464 and cfg.lease_path == ""
    assert svc.metric.kind == "inflight" and svc.metric.path == "/nginx_status"
    assert svc.policy == "target" and svc.settings.stable_window == 60
    assert svc.bounds.scale_in_delay == 60 and svc.discovery == "ecs" and svc.sample


BASE: dict[str, Any] = {"cluster": "c", "service": "s", "max": 3, "target": 1}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max": None}, "services[0].max"),
        ({"target": None}, "services[0].target"),
        ({"max": "ten"}, "services[0].max"),
        ({"min": 5}, "services[0].max"),
        ({"target": -1}, "services[0].target"),
        ({"metric": "cpu"}, "services[0].metric"),
        ({"policy": "magic"}, "services[0].policy"),
        ({"discovery": "target_group"}, "services[0].target_group_arn"),
        ({"metric": "prometheus_gauge"}, "services[0].metric"),
        ({"scale_in": "yes"}, "services[0].scale_in"),
        ({"cluster": None}, "services[0].cluster"),
    ],
)
def test_errors_name_the_field(change: dict[str, Any], field: str) -> None:
    svc = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(ConfigError) as err:
        parse_config({"services": [svc]})
    assert field in err.value.message
    assert err.value.hint


def test_no_services_and_duplicates() -> None:
    with pytest.raises(ConfigError, match="no \\[\\[services\\]\\]"):
        parse_config({})
    with pytest.raises(ConfigError, match="twice"):
        parse_config({"services": [BASE, BASE]})
    with pytest.raises(ConfigError, match=r"scaler\.tick"):
        parse_config({"services": [BASE], "scaler": {"tick": 0}})


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[services]\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(bad)
