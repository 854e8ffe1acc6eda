"""scaler.toml: defaults, every field validated with the field named."""

from __future__ import annotations

import re
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
    assert svc.bounds.scale_in_delay == 120 and svc.discovery == "ecs" and svc.sample
    assert svc.bounds.scale_in_cooldown == 0 and svc.bounds.scale_in_band == 0.1
    assert svc.bounds.min_task_age == 180 and svc.bounds.scale_in_factor == 2
    assert svc.settings.panic_basis == "ready" and not svc.take_over


def test_policy_knobs_and_take_over() -> None:
    cfg = parse_config({"services": [{**BASE, "scale_in_delay": 300, "scale_in_cooldown": 60,
                                      "scale_in_band": 0, "min_task_age": 0,
                                      "take_over": True, "capacity": 5}]})
    b = cfg.services[0].bounds
    assert (b.scale_in_delay, b.scale_in_cooldown, b.scale_in_band, b.min_task_age) == (
        300, 60, 0, 0)
    assert cfg.services[0].take_over


@pytest.mark.parametrize(
    ("change", "scaler", "message"),
    [
        ({"min": 0}, {}, r"services\[0\]\.min = 0 needs something to wake the service"),
        ({"scale_in_factor": 1}, {}, r"services\[0\]\.scale_in_factor = 1 would never scale in"),
        ({"scale_in_factor": 1.0}, {}, r"scale_in_factor = 1 would never scale in"),
        ({"scale_in_factor": 0.5}, {}, r"services\[0\]\.scale_in_factor must be > 1"),
        ({"target": 250, "capacity": 200}, {},
         r"services\[0\]\.target 250 is above the capacity of a task \(200\)"),
        ({"panic_window": 0.5}, {"tick": 1.0},
         r"services\[0\]\.panic_window \(0\.5 s\) is shorter than the tick \(1 s\)"),
        ({"stable_window": 2, "panic_window": 2}, {"tick": 5},
         r"services\[0\]\.stable_window \(2 s\) is shorter than the tick \(5 s\)"),
        ({"scale_in_delay": 0}, {}, r"services\[0\]\.scale_in_delay \(0 s\) is shorter"),
        ({"scale_in_band": 1}, {}, r"scale_in_band must be in \[0, 1\)"),
    ],
)
def test_limits_eden_cannot_honour_are_refused(change: dict[str, Any], scaler: dict[str, Any],
                                               message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        parse_config({"services": [{**BASE, **change}], "scaler": scaler})
    assert err.value.hint


def test_a_target_at_capacity_and_windows_of_one_tick_are_fine() -> None:
    cfg = parse_config({"services": [{**BASE, "target": 200, "capacity": 200,
                                      "panic_window": 1, "scale_in_delay": 1}]})
    assert cfg.services[0].settings.target == 200
    assert cfg.services[0].settings.panic_window == 1


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
    with pytest.raises(ConfigError, match=re.escape(field)) as err:
        parse_config({"services": [svc]})
    assert err.value.message.startswith(field)
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
