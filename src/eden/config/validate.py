"""Validation of a profile's top-level fields: merged values in, a ``Profile`` out.

Fields are checked in a fixed order and the first bad one raises ``ConfigError`` naming
it and saying how to fix it; the sub-tables are checked by ``eden.config.tables``. Values
that can be read from an ARN (the cluster, the region) are taken from it when not given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eden.config.model import (
    DEFAULT_DOMAIN_PREFIX,
    DEFAULT_NAME_PREFIX,
    DEFAULT_TTL_HOURS,
    FILE_FIELDS,
    FILE_TABLES,
    Profile,
    ServiceTemplate,
)
from eden.config.tables import endpoints_table, env_table
from eden.errors import ConfigError

_ARN_RE = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$")
_LISTENER_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/app/[^/]+/[^/]+/[^/]+$"
)
_ALB_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/app/[^/]+/[^/]+$"
)
_ZONE_RE = re.compile(r"^[A-Z0-9]{1,32}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_PREFIX_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_PROFILE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_URL_RE = re.compile(r"https?://[^\s/]+(/\S*)?")
RETRY_MODES = ("standard", "adaptive", "legacy")


def build_profile(name: str, values: Mapping[str, Any], *, where: str = "profile") -> Profile:
    """Validate merged values into a Profile; the first bad field raises ConfigError."""
    check_profile_name(name)
    _check_keys_and_types(values, where)
    reference, cluster = _reference_and_cluster(values, where)
    zone_id = _zone_id(values, where)
    listener, alb = _listener_or_alb(values, where)
    name_prefix, domain_prefix = _prefixes(values, where)
    region, endpoint_url = _aws_location(values, listener or alb or reference, where)
    desired, retry_mode, ttl_hours = _numbers_and_modes(values, where)
    container, state = _container_and_state(values, where)
    return Profile(
        name=name,
        cluster=cluster,
        services=(
            ServiceTemplate(
                role="app",
                reference_service=reference,
                container=container,
                domain_prefix=domain_prefix,
            ),
        ),
        zone_id=zone_id,
        listener_arns=(listener,) if listener else (),
        alb_arns=(alb,) if alb else (),
        name_prefix=name_prefix,
        endpoints=endpoints_table(values.get("endpoints"), where=where),
        region=region,
        endpoint_url=endpoint_url,
        env=env_table(values.get("env"), where=where),
        desired_count=desired,
        state=state,
        retry_mode=retry_mode,
        ttl_hours=ttl_hours,
        allow_exec=bool(values.get("allow_exec", False)),
    )


def check_profile_name(name: str) -> None:
    if not _PROFILE_RE.fullmatch(name):
        raise ConfigError(
            f"profile name {name!r} may only use letters, digits, '.', '_' and '-' (1-64)",
            hint="pick a simpler name, like `dev` or `staging`",
        )


def cluster_from_service_arn(reference: str) -> str | None:
    """The cluster in a new-format service ARN (``...:service/CLUSTER/NAME``), else None."""
    if _ARN_RE.fullmatch(reference):
        parts = reference.split(":", 5)[5].split("/")
        if len(parts) == 3 and parts[0] == "service":
            return parts[1]
    return None


def _check_keys_and_types(values: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(values) - set(FILE_FIELDS) - set(FILE_TABLES))
    if unknown:
        raise ConfigError(
            f"unknown field(s) {', '.join(unknown)}",
            where=where,
            hint=f"known fields: {', '.join([*FILE_FIELDS, *FILE_TABLES])}",
        )
    for key, kind in FILE_FIELDS.items():
        # bool is an int to Python, never to a user writing `desired_count = true`.
        wrong_bool = kind is not bool and isinstance(values.get(key), bool)
        if key in values and (wrong_bool or not isinstance(values[key], kind)):
            raise ConfigError(f"{key} must be a {kind.__name__}, got {values[key]!r}", where=where)


def _need(values: Mapping[str, Any], key: str, what: str, where: str) -> str:
    value = values.get(key)
    if not value:
        raise ConfigError(f"{key} is missing: {what}", where=where, hint=f'set {key} = "..."')
    return str(value)


def _reference_and_cluster(values: Mapping[str, Any], where: str) -> tuple[str, str]:
    reference = _need(values, "reference_service", "the ECS service to clone (name or ARN)", where)
    cluster = values.get("cluster") or cluster_from_service_arn(reference)
    if not cluster:
        raise ConfigError(
            "cluster is missing: the ECS cluster of the reference service",
            where=where,
            hint='set cluster = "my-cluster", or give reference_service as a full service ARN',
        )
    if not (_NAME_RE.fullmatch(reference) or _ARN_RE.fullmatch(reference)):
        raise ConfigError(
            f"reference_service {reference!r} is neither a service name nor an ARN", where=where
        )
    return reference, str(cluster)


def _zone_id(values: Mapping[str, Any], where: str) -> str:
    zone_id = _need(
        values, "zone_id", "the Route 53 hosted zone of the environments' host names", where
    ).removeprefix("/hostedzone/")
    if not _ZONE_RE.fullmatch(zone_id):
        raise ConfigError(
            f"zone_id {zone_id!r} is not a Route 53 hosted zone id",
            where=where,
            hint="copy the zone Id from `aws route53 list-hosted-zones` (like Z0123456789ABC)",
        )
    return zone_id


def _listener_or_alb(values: Mapping[str, Any], where: str) -> tuple[str | None, str | None]:
    listener = values.get("listener_arn")
    alb = values.get("alb_arn")
    if not listener and not alb:
        raise ConfigError(
            "listener_arn is missing: the HTTPS:443 listener of the shared ALB",
            where=where,
            hint="set listener_arn (or alb_arn, and eden finds its HTTPS:443 listener)",
        )
    if listener and not _LISTENER_ARN_RE.fullmatch(listener):
        raise ConfigError(f"listener_arn {listener!r} is not an ALB listener ARN", where=where)
    if alb and not _ALB_ARN_RE.fullmatch(alb):
        raise ConfigError(f"alb_arn {alb!r} is not an application load balancer ARN", where=where)
    return listener, alb


def _prefixes(values: Mapping[str, Any], where: str) -> tuple[str, str]:
    name_prefix = values.get("name_prefix", DEFAULT_NAME_PREFIX)
    # Target group names may not start with "internal-": AWS reserves it.
    if not _PREFIX_RE.fullmatch(name_prefix) or name_prefix.startswith("internal"):
        raise ConfigError(
            f"name_prefix {name_prefix!r} must be 1-16 lower-case letters, digits or '-', "
            "not starting with 'internal'",
            where=where,
            hint='for example name_prefix = "eden"',
        )
    domain_prefix = values.get("domain_prefix", DEFAULT_DOMAIN_PREFIX)
    if not _PREFIX_RE.fullmatch(domain_prefix):
        raise ConfigError(
            f"domain_prefix {domain_prefix!r} must be 1-16 lower-case letters, digits or '-'",
            where=where,
            hint='for example domain_prefix = "api"',
        )
    return name_prefix, domain_prefix


def _aws_location(
    values: Mapping[str, Any], arn: str, where: str
) -> tuple[str | None, str | None]:
    """The region (given, else the ARN's) and the optional endpoint URL."""
    region = values.get("region") or _region_from_arn(arn)
    if region and not _REGION_RE.fullmatch(region):
        raise ConfigError(f"region {region!r} is not an AWS region name", where=where)
    endpoint_url = values.get("endpoint_url")
    if endpoint_url and not _URL_RE.fullmatch(endpoint_url):
        raise ConfigError(f"endpoint_url {endpoint_url!r} is not an http(s) URL", where=where)
    return region, endpoint_url


def _numbers_and_modes(values: Mapping[str, Any], where: str) -> tuple[int | None, str, int]:
    desired = values.get("desired_count")
    if desired is not None and not 0 <= desired <= 1000:
        raise ConfigError(f"desired_count must be 0-1000, got {desired}", where=where)
    retry_mode = values.get("retry_mode", "standard")
    if retry_mode not in RETRY_MODES:
        raise ConfigError(
            f"retry_mode must be standard, adaptive or legacy, got {retry_mode!r}", where=where
        )
    ttl_hours = values.get("ttl_hours", DEFAULT_TTL_HOURS)
    if not 1 <= ttl_hours <= 24 * 365:
        raise ConfigError(f"ttl_hours must be 1-8760, got {ttl_hours}", where=where)
    return desired, retry_mode, ttl_hours


def _container_and_state(values: Mapping[str, Any], where: str) -> tuple[str | None, str | None]:
    container = values.get("container")
    if container is not None and not _NAME_RE.fullmatch(container):
        raise ConfigError(f"container {container!r} is not a container name", where=where)
    state = values.get("state")
    if state is not None and not state.startswith(("sqlite://", "dynamodb://")):
        raise ConfigError(
            f"state {state!r} must be a sqlite:///PATH or dynamodb://TABLE URL", where=where
        )
    return container, state


def _region_from_arn(arn: str) -> str | None:
    if _ARN_RE.fullmatch(arn):
        return arn.split(":")[3] or None
    return None
