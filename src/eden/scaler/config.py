"""``scaler.toml``: which services to watch and how, validated field by field.

Every problem names the field (``services[1].max``) and says what would work, so a daemon
never starts half-configured. Example::

    [scaler]
    tick = 1.0                  # seconds between decisions
    metrics_port = 9464         # Prometheus /metrics and /status on metrics_host
    lease_state = "dynamodb://eden?region=eu-west-1"  # only with two or more replicas
    # (or lease_path = "/var/lib/eden/scaler.db": replicas on one machine)

    [aws]
    region = "eu-west-1"

    [notify]
    sns_topic_arn = "arn:aws:sns:eu-west-1:123456789012:scaling"
    webhook_url = "https://hooks.slack.com/services/..."

    [[services]]
    cluster = "prod"
    service = "web"
    min = 2
    max = 40
    target = 70                 # per task, in the metric's unit
    metric = "inflight"         # inflight | inflight_reading | active | request_rate |
                                # prometheus_gauge | prometheus_counter
    policy = "target"           # target | threshold | seed
    discovery = "ecs"           # ecs (task IPs) | target_group (ALB targets)
    port = 80
    path = "/nginx_status"
"""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eden.errors import ConfigError
from eden.scaler.governor import Bounds
from eden.scaler.metrics import METRIC_KINDS, MetricSpec
from eden.scaler.policy_registry import POLICY_NAMES
from eden.scaler.target_tracking import TargetSettings

DISCOVERY_KINDS = ("ecs", "target_group")


@dataclass(frozen=True)
class ServiceConfig:
    cluster: str
    service: str
    metric: MetricSpec
    policy: str
    settings: TargetSettings
    bounds: Bounds
    discovery: str = "ecs"
    port: int = 80
    target_group_arn: str = ""
    sample: bool = True
    take_over: bool = False  # act even where Application Auto Scaling policies are attached

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.service}"


@dataclass(frozen=True)
class AwsConfig:
    region: str | None = None
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None


@dataclass(frozen=True)
class NotifyConfig:
    sns_topic_arn: str = ""
    webhook_url: str = ""


@dataclass(frozen=True)
class ScalerConfig:
    services: tuple[ServiceConfig, ...]
    tick: float = 1.0
    refresh: float = 5.0
    scrape_timeout: float = 0.5
    scrape_concurrency: int = 256
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9464  # 0 picks a free port (logged at start)
    metrics_enabled: bool = True
    lease_path: str = ""
    lease_state: str = ""  # a state store URL (dynamodb://TABLE?region=R) shared by replicas
    lease_ttl: float = 10.0
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    aws: AwsConfig = field(default_factory=AwsConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)


class _Fields:
    """Reads typed values out of one TOML table, naming the field in every error."""

    def __init__(self, table: Mapping[str, Any], where: str, source: str) -> None:
        self.table, self.where, self.source = table, where, source

    def fail(self, key: str, problem: str, hint: str) -> ConfigError:
        place = f"{self.where}.{key}" if self.where else key
        return ConfigError(f"{place} {problem}", where=self.source, hint=hint)

    def number(self, key: str, default: float, *, low: float = 0.0, strict: bool = True) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, got {value!r}", f"set {key} = {default}")
        if value < low or (strict and value == low):
            raise self.fail(key, f"must be {'>' if strict else '>='} {low:g}", f"e.g. {default}")
        return float(value)

    def integer(self, key: str, default: int | None, *, low: int = 0) -> int:
        value = self.table.get(key, default)
        if value is None:
            raise self.fail(key, "is required", f"set {key} = <integer>")
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(key, f"must be an integer >= {low}, got {value!r}", f"e.g. {low}")
        return value

    def text(self, key: str, default: str | None = None, choices: tuple[str, ...] = ()) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise self.fail(key, "is required", f'set {key} = "..."')
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {value!r}", f'set {key} = "..."')
        if choices and value not in choices:
            raise self.fail(key, f"is {value!r}", f"use one of: {', '.join(choices)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}", f"{key} = {default}")
        return value

    def table_of(self, key: str) -> Mapping[str, Any]:
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table", f"write [{key}]")
        return value


def _metric(f: _Fields) -> MetricSpec:
    metric_kind = f.text("metric", "inflight", METRIC_KINDS)
    labels = f.table_of("prometheus_labels")
    if not all(isinstance(v, str) for v in labels.values()):
        raise f.fail("prometheus_labels", "values must be strings", 'e.g. {handler = "/"}')
    default_path = "/metrics" if metric_kind.startswith("prometheus") else "/nginx_status"
    try:
        return MetricSpec(
            kind=metric_kind,
            path=f.text("path", default_path),
            prometheus_name=f.text("prometheus_name", ""),
            prometheus_labels=dict(labels),
        )
    except ValueError as exc:
        raise f.fail("metric", str(exc), "see the metric section of docs/scaler.md") from exc


def _limits(f: _Fields, tick: float) -> None:
    """The limits eden cannot honour, refused before anything runs."""
    if f.table.get("min", 1) == 0:
        raise f.fail("min", "= 0 needs something to wake the service when requests come, "
                     "and eden has no waker yet: a service at 0 tasks would stay there",
                     "set min = 1 (or more)")
    factor = f.table.get("scale_in_factor")
    if factor == 1 and not isinstance(factor, bool):
        raise f.fail("scale_in_factor", "= 1 would never scale in (1/1 of the count per step)",
                     "set scale_in = false to say that, or a factor above 1 (2 = halving)")
    capacity, target = f.table.get("capacity"), f.table.get("target")
    if isinstance(capacity, int | float) and isinstance(target, int | float) and \
            not isinstance(capacity, bool) and 0 < capacity < target:
        raise f.fail("target", f"{target:g} is above the capacity of a task ({capacity:g}): "
                     "the service would run overloaded at its target",
                     "set target below capacity, e.g. 0.7 x capacity as Knative does")
    for window in ("stable_window", "panic_window", "scale_in_delay"):
        value = f.table.get(window)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < tick:
            raise f.fail(window, f"({value:g} s) is shorter than the tick ({tick:g} s): it "
                         "would hold at most one sample", f"set {window} >= scaler.tick")


def _policy_settings(f: _Fields, tick: float) -> tuple[TargetSettings, Bounds]:
    _limits(f, tick)
    min_tasks = f.integer("min", 1, low=1)
    max_tasks = f.integer("max", None, low=max(min_tasks, 1))
    if "target" not in f.table:
        raise f.fail("target", "is required", "set target = <load per task>, e.g. 70")
    try:
        settings = TargetSettings(
            target=f.number("target", 70.0),
            stable_window=f.number("stable_window", 60.0),
            panic_window=f.number("panic_window", 6.0),
            panic_threshold=f.number("panic_threshold", 2.0, low=1.0),
            tolerance=f.number("tolerance", 0.1, strict=False),
        )
        bounds = Bounds(
            min_tasks=min_tasks,
            max_tasks=max_tasks,
            max_step_up=f.integer("max_step_up", 0) or None,
            scale_in=f.flag("scale_in", True),
            scale_in_delay=f.number("scale_in_delay", 120.0),
            scale_in_factor=f.number("scale_in_factor", 2.0, low=1.0),
            scale_in_cooldown=f.number("scale_in_cooldown", 0.0, strict=False),
            scale_in_band=f.number("scale_in_band", 0.1, strict=False),
            min_task_age=f.number("min_task_age", 180.0, strict=False),
        )
    except ValueError as exc:
        raise ConfigError(f"{f.where}: {exc}", where=f.source,
                          hint="check target, windows and bounds") from exc
    return settings, bounds


def _service(raw: Mapping[str, Any], index: int, source: str, tick: float) -> ServiceConfig:
    f = _Fields(raw, f"services[{index}]", source)
    metric = _metric(f)
    settings, bounds = _policy_settings(f, tick)
    f.number("capacity", 1.0)  # validated above against target; a number when given
    discovery = f.text("discovery", "ecs", DISCOVERY_KINDS)
    tg = f.text("target_group_arn", "")
    if discovery == "target_group" and not tg:
        raise f.fail("target_group_arn", "is required with discovery = \"target_group\"",
                     "set target_group_arn to the service's ALB target group ARN")
    return ServiceConfig(
        cluster=f.text("cluster"),
        service=f.text("service"),
        metric=metric,
        policy=f.text("policy", "target", POLICY_NAMES),
        settings=settings,
        bounds=bounds,
        discovery=discovery,
        port=f.integer("port", 80, low=1),
        target_group_arn=tg,
        sample=f.text("sample", "auto", ("auto", "all")) == "auto",
        take_over=f.flag("take_over", False),
    )


def parse_config(doc: Mapping[str, Any], source: str = "scaler.toml") -> ScalerConfig:
    top = _Fields(doc, "", source)
    raw_services = doc.get("services")
    if not isinstance(raw_services, list) or not raw_services:
        raise ConfigError("no [[services]] to scale", where=source,
                          hint="add a [[services]] table with cluster, service, max, target")
    tick = _Fields(top.table_of("scaler"), "scaler", source).number("tick", 1.0)
    services = tuple(_service(raw, i, source, tick) for i, raw in enumerate(raw_services))
    keys = [s.key for s in services]
    if len(set(keys)) != len(keys):
        raise ConfigError("a service is listed twice", where=source,
                          hint="each cluster/service pair may appear once")
    s = _Fields(top.table_of("scaler"), "scaler", source)
    a = _Fields(top.table_of("aws"), "aws", source)
    n = _Fields(top.table_of("notify"), "notify", source)
    return ScalerConfig(
        services=services,
        tick=s.number("tick", 1.0),
        refresh=s.number("refresh", 5.0),
        scrape_timeout=s.number("scrape_timeout", 0.5),
        scrape_concurrency=s.integer("scrape_concurrency", 256, low=1),
        metrics_host=s.text("metrics_host", "127.0.0.1"),
        metrics_port=s.integer("metrics_port", 9464),
        metrics_enabled=s.flag("metrics", True),
        lease_path=s.text("lease_path", ""),
        lease_state=s.text("lease_state", ""),
        lease_ttl=s.number("lease_ttl", 10.0),
        owner=s.text("owner", "") or f"{socket.gethostname()}:{os.getpid()}",
        aws=AwsConfig(
            region=a.text("region", "") or None,
            endpoint_url=a.text("endpoint_url", "") or None,
            access_key_id=a.text("access_key_id", "") or None,
            secret_access_key=a.text("secret_access_key", "") or None,
        ),
        notify=NotifyConfig(n.text("sns_topic_arn", ""), n.text("webhook_url", "")),
    )


def load_config(path: Path) -> ScalerConfig:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist",
                          hint="pass --config with a scaler.toml (see docs/scaler.md)") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", where=str(path),
                          hint="fix the TOML syntax") from exc
    return parse_config(doc, str(path))
