"""Builds a Daemon from a config: the one place that creates AWS-backed collaborators.

Every boto3 client comes from ``eden.aws.clients.AwsClients`` and is built lazily here, never
at import time. The scaler uses fewer retries and shorter timeouts than the rest of eden: a
decision that waits 30 s for AWS is stale, and the next tick retries anyway.
"""

from __future__ import annotations

from pathlib import Path

from eden.aws.clients import AwsClients, AwsSettings
from eden.scaler.actuator import Actuator, DryRunActuator, EcsActuator
from eden.scaler.config import ScalerConfig, ServiceConfig
from eden.scaler.daemon import Daemon
from eden.scaler.discovery import DiscoverySource, EcsTaskDiscovery, TargetGroupDiscovery
from eden.scaler.lease import AlwaysLeader, Lease, StoreLease, file_lease
from eden.scaler.notify import FanOut, Notifier, SnsNotifier, WebhookNotifier
from eden.state.base import open_store


def aws_clients(config: ScalerConfig) -> AwsClients:
    a = config.aws
    return AwsClients(
        AwsSettings(
            region=a.region,
            endpoint_url=a.endpoint_url,
            access_key_id=a.access_key_id,
            secret_access_key=a.secret_access_key,
            max_attempts=2,
            connect_timeout=2.0,
            read_timeout=5.0,
        )
    )


def discovery_source(cfg: ServiceConfig, clients: AwsClients) -> DiscoverySource:
    ecs = clients.client("ecs")
    if cfg.discovery == "target_group":
        return TargetGroupDiscovery(ecs, clients.client("elbv2"), cfg.cluster, cfg.service,
                                    cfg.target_group_arn)
    return EcsTaskDiscovery(ecs, cfg.cluster, cfg.service, cfg.port)


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
    clients: AwsClients | None = None,
    sources: dict[str, DiscoverySource] | None = None,
) -> Daemon:
    # AwsClients records every call; a daemon that owns its clients trims that record
    # (a caller passing clients in, like a benchmark, owns and reads the record itself).
    housekeeping = None
    if clients is None:
        clients = aws_clients(config)
        housekeeping = clients.reset_calls
    found = dict(sources or {})
    for cfg in config.services:
        if cfg.key not in found:
            found[cfg.key] = discovery_source(cfg, clients)
    actuator: Actuator = DryRunActuator() if dry_run else EcsActuator(clients.client("ecs"))
    return Daemon(config, sources=found, actuator=actuator,
                  notifier=notifier(config, clients), lease=lease(config),
                  housekeeping=housekeeping)
