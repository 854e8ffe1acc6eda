"""Builds a Daemon from a config: the one place that creates AWS-backed collaborators.

Every boto3 client comes from ``eden.aws.clients.AwsClients`` and is built lazily here, never
at import time. The scaler uses fewer retries and shorter timeouts than the rest of eden: a
decision that waits 30 s for AWS is stale, and the next tick retries anyway.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from eden.aws.clients import AwsClients, AwsSettings
from eden.core.urls import is_loopback_url
from eden.scaler.actuator import Actuator, DryRunActuator, EcsActuator
from eden.scaler.aws_scaling import ScalingActivities, TakeOver
from eden.scaler.aws_sources import EcsTaskDiscovery, ServiceCounts, TargetGroupDiscovery
from eden.scaler.config import AwsConfig, ScalerConfig, ServiceConfig
from eden.scaler.daemon import Daemon
from eden.scaler.discovery import DiscoverySource
from eden.scaler.lease import AlwaysLeader, Lease, StoreLease, file_lease
from eden.scaler.notify import FanOut, Notifier, SnsNotifier, WebhookNotifier
from eden.state.base import open_store

SANDBOX_KEY = "sandbox"  # what eden's sandbox (moto on loopback) accepts, as eden.wiring


def credentials(aws: AwsConfig, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Keys from [aws], else the default chain; a loopback endpoint (the sandbox) gets the
    sandbox's fixed keys unless the environment has some, as eden's own commands do."""
    if aws.access_key_id or aws.secret_access_key:
        return aws.access_key_id, aws.secret_access_key
    if is_loopback_url(aws.endpoint_url) and not environ.get("AWS_ACCESS_KEY_ID"):
        return SANDBOX_KEY, SANDBOX_KEY
    return None, None


def aws_clients(config: ScalerConfig) -> AwsClients:
    a = config.aws
    key, secret = credentials(a, os.environ)
    return AwsClients(
        AwsSettings(
            region=a.region,
            endpoint_url=a.endpoint_url,
            access_key_id=key,
            secret_access_key=secret,
            max_attempts=2,
            connect_timeout=2.0,
            read_timeout=5.0,
        )
    )


def discovery_source(cfg: ServiceConfig, clients: AwsClients,
                     counts: ServiceCounts) -> DiscoverySource:
    ecs = clients.client("ecs")
    if cfg.discovery == "target_group":
        return TargetGroupDiscovery(ecs, clients.client("elbv2"), cfg.cluster, cfg.service,
                                    cfg.target_group_arn, ec2=clients.client("ec2"),
                                    counts=counts)
    return EcsTaskDiscovery(ecs, cfg.cluster, cfg.service, cfg.port, counts=counts)


def discovery_sources(config: ScalerConfig, clients: AwsClients,
                      given: dict[str, DiscoverySource] | None = None
                      ) -> dict[str, DiscoverySource]:
    """One source per service; the services of a cluster share their DescribeServices."""
    found = dict(given or {})
    per_cluster: dict[str, ServiceCounts] = {}
    for cfg in config.services:
        if cfg.key in found:
            continue
        counts = per_cluster.setdefault(cfg.cluster, ServiceCounts(
            clients.client("ecs"), cfg.cluster, max_age=config.refresh / 2))
        found[cfg.key] = discovery_source(cfg, clients, counts)
    return found


def notifier(config: ScalerConfig, clients: AwsClients) -> Notifier:
    out: list[Notifier] = []
    if config.notify.sns_topic_arn:
        out.append(SnsNotifier(clients.client("sns"), config.notify.sns_topic_arn))
    if config.notify.webhook_url:
        out.append(WebhookNotifier(config.notify.webhook_url))
    return FanOut(out)


def lease(config: ScalerConfig) -> Lease:
    if config.lease_state:
        return StoreLease(open_store(config.lease_state), ttl=config.lease_ttl)
    if not config.lease_path:
        return AlwaysLeader()
    return file_lease(Path(config.lease_path), ttl=config.lease_ttl)


def build_daemon(
    config: ScalerConfig,
    *,
    dry_run: bool = False,
    shadow: bool = False,
    clients: AwsClients | None = None,
    sources: dict[str, DiscoverySource] | None = None,
) -> Daemon:
    """The daemon ``eden scale run`` runs. ``shadow`` acts on nothing (like ``dry_run``)
    and reports AWS's own scaling activities next to eden's would-be counts."""
    # AwsClients records every call; a daemon that owns its clients trims that record
    # (a caller passing clients in, like a benchmark, owns and reads the record itself).
    housekeeping = None
    if clients is None:
        clients = aws_clients(config)
        housekeeping = clients.reset_calls
    found = discovery_sources(config, clients, sources)
    quiet = dry_run or shadow
    actuator: Actuator = DryRunActuator() if quiet else EcsActuator(clients.client("ecs"))
    watches = [ScalingActivities(clients.client("application-autoscaling"), cfg)
               for cfg in config.services] if shadow else []
    return Daemon(config, sources=found, actuator=actuator,
                  notifier=notifier(config, clients), lease=lease(config),
                  housekeeping=housekeeping, shadow=watches)


def take_over(config: ScalerConfig) -> TakeOver:
    """The guard that refuses, or takes over, services Application Auto Scaling scales."""
    return TakeOver(aws_clients(config).client("application-autoscaling"), config.services)
