"""Validation of a profile's top-level fields: merged values in, a ``Profile`` out.

Fields are checked in a fixed order and the first bad one raises ``ConfigError`` naming
it and saying how to fix it; the sub-tables are checked by ``eden.config.tables``. Values
that can be read from an ARN (the cluster, the region) are taken from it when not given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eden.config.access import access_table
from eden.config.cost import cost_table
from eden.config.fields import refuse_unknown
from eden.config.hooks import hooks_table
from eden.config.model import (
    DEFAULT_DOMAIN_PREFIX,
    DEFAULT_NAME_PREFIX,
    DEFAULT_TTL_HOURS,
    FILE_FIELDS,
    FILE_TABLES,
    SERVICE_FIELDS,
    SINGLE_ROLE,
    Profile,
    ServiceTemplate,
)
from eden.config.secret_rules import execution_role, secret_patterns
from eden.config.sleep import sleep_table
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
    services, cluster = _services_and_cluster(values, where)
    zone_id = _zone_id(values, where)
    listeners, albs = _listeners_or_albs(values, where)
    name_prefix = _name_prefix(values, where)
    arn = (listeners or albs or (services[0].reference_service,))[0]
    region, endpoint_url = _aws_location(values, arn, where)
    desired, retry_mode, ttl_hours = _numbers_and_modes(values, where)
    state = _state(values, where)
    access = access_table(values.get("access"), where=where)
    sleep = sleep_table(values.get("sleep"), where=where)
    if access is not None and access.bypass_header and sleep.waker is None:
        raise ConfigError(
            "access.bypass_header needs a waker: CI's requests go through it",
            where=f"{where} [sleep] waker",
            hint='set waker = "IP:PORT" in [sleep] (where the ALB reaches `eden serve '
            "--waker-port`), or remove bypass_header",
        )
    if access is not None and access.bypass_header and sleep.waker and sleep.waker.function_arn:
        raise ConfigError(
            "access.bypass_header needs the waker of `eden serve --waker-port`: CI's requests "
            "go through it to the tasks, and the Lambda waker of deploy/template.yaml runs "
            "outside the VPC",
            where=f"{where} [sleep] waker",
            hint='set waker = "IP:PORT" (where the ALB reaches `eden serve --waker-port`), or '
            "remove bypass_header",
        )
    return Profile(
        name=name,
        cluster=cluster,
        services=services,
        zone_id=zone_id,
        listener_arns=listeners,
        alb_arns=albs,
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
        deny_secrets=secret_patterns(values, "deny_secrets", where),
        allow_secrets=secret_patterns(values, "allow_secrets", where),
        execution_role_arn=execution_role(values, where),
        access=access,
        sleep=sleep,
        cost=cost_table(values.get("cost"), where=where),
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


def _services_and_cluster(
    values: Mapping[str, Any], where: str
) -> tuple[tuple[ServiceTemplate, ...], str]:
    """One service (top-level ``reference_service``...) or a group (``[services.ROLE]``)."""
    if "services" not in values:
        reference, cluster = _reference_and_cluster(values, where)
        container = _container(values.get("container"), where)
        domain_prefix = _domain_prefix(values.get("domain_prefix", DEFAULT_DOMAIN_PREFIX), where)
        hooks = hooks_table(values.get("hooks"), where=where)
        single = ServiceTemplate(SINGLE_ROLE, reference, container, domain_prefix, hooks=hooks)
        return (single,), cluster
    both = sorted(
        k for k in ("reference_service", "container", "domain_prefix", "hooks") if k in values
    )
    if both:
        raise ConfigError(
            f"{', '.join(both)} and [services] are both set",
            where=where,
            hint="give one service with reference_service, or a group with one "
            "[profiles.NAME.services.ROLE] table per service, not both (a group's hooks go "
            "in [profiles.NAME.services.ROLE.hooks])",
        )
    group = _group(values["services"], where)
    found = values.get("cluster") or cluster_from_service_arn(group[0].reference_service)
    if not found:
        raise ConfigError(
            "cluster is missing: the ECS cluster of the reference services",
            where=where,
            hint='set cluster = "my-cluster"',
        )
    return group, str(found)


_ROLE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$")


def _group(raw: Any, where: str) -> tuple[ServiceTemplate, ...]:
    """``[services.ROLE]`` tables: each service of an environment, the first one first."""
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError("[services] must hold one table per service", where=where)
    out = []
    for role, table in raw.items():
        at = f"{where} [services.{role}]"
        if not _ROLE_RE.fullmatch(str(role)):
            raise ConfigError(
                f"service role {role!r} must be 1-12 lower-case letters, digits or '-'",
                where=at,
                hint="roles name resources (eden-feature-x-api): keep them short, like api",
            )
        if not isinstance(table, Mapping):
            raise ConfigError(f"[services.{role}] must be a table", where=at)
        refuse_unknown(table, SERVICE_FIELDS, where=at)
        reference = _need(table, "reference_service", "the ECS service to clone", at)
        if not (_NAME_RE.fullmatch(reference) or _ARN_RE.fullmatch(reference)):
            raise ConfigError(f"reference_service {reference!r} is not a service", where=at)
        key = table.get("endpoint_key")
        if key is not None and (not isinstance(key, str) or not key):
            raise ConfigError("endpoint_key must be a non-empty string", where=at)
        out.append(
            ServiceTemplate(
                role=str(role),
                reference_service=reference,
                container=_container(table.get("container"), at),
                domain_prefix=_domain_prefix(table.get("domain_prefix", role), at),
                endpoint_key=key,
                hooks=hooks_table(table.get("hooks"), where=at),
            )
        )
    prefixes = [s.domain_prefix for s in out]
    if len(set(prefixes)) != len(prefixes):
        raise ConfigError(
            "two services share a domain_prefix: their hosts would be the same",
            where=where,
            hint="give each service its own domain_prefix",
        )
    return tuple(out)


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


def _listeners_or_albs(
    values: Mapping[str, Any], where: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The shared ALBs: their HTTPS listeners, or the ALBs themselves (a pool of several
    with ``listener_arns`` / ``alb_arns``; new environments go to one with room)."""
    listeners = _arn_list(values, "listener_arn", where)
    albs = _arn_list(values, "alb_arn", where)
    if not listeners and not albs:
        raise ConfigError(
            "listener_arn is missing: the HTTPS:443 listener of the shared ALB",
            where=where,
            hint="set listener_arn (or alb_arn, and eden finds its HTTPS:443 listener)",
        )
    for listener in listeners:
        if not _LISTENER_ARN_RE.fullmatch(listener):
            raise ConfigError(f"listener_arn {listener!r} is not an ALB listener ARN", where=where)
    for alb in albs:
        if not _ALB_ARN_RE.fullmatch(alb):
            raise ConfigError(
                f"alb_arn {alb!r} is not an application load balancer ARN", where=where
            )
    if listeners and albs:
        raise ConfigError(
            "both listener ARNs and ALB ARNs are set",
            where=where,
            hint="name the shared ALBs one way: listener_arn(s) or alb_arn(s)",
        )
    return listeners, albs


def _arn_list(values: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """``key`` (one ARN) and ``keys`` (a list of them), in that order, without repeats."""
    many = values.get(f"{key}s", [])
    if any(not isinstance(v, str) for v in many):
        raise ConfigError(f"{key}s must be a list of ARNs", where=where)
    found = [values[key]] if values.get(key) else []
    return tuple(dict.fromkeys([*found, *many]))


def _name_prefix(values: Mapping[str, Any], where: str) -> str:
    name_prefix = values.get("name_prefix", DEFAULT_NAME_PREFIX)
    # Target group names may not start with "internal-": AWS reserves it.
    if not _PREFIX_RE.fullmatch(name_prefix) or name_prefix.startswith("internal"):
        raise ConfigError(
            f"name_prefix {name_prefix!r} must be 1-16 lower-case letters, digits or '-', "
            "not starting with 'internal'",
            where=where,
            hint='for example name_prefix = "eden"',
        )
    return str(name_prefix)


def _domain_prefix(domain_prefix: Any, where: str) -> str:
    if not isinstance(domain_prefix, str) or not _PREFIX_RE.fullmatch(domain_prefix):
        raise ConfigError(
            f"domain_prefix {domain_prefix!r} must be 1-16 lower-case letters, digits or '-'",
            where=where,
            hint='for example domain_prefix = "api"',
        )
    return domain_prefix


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


def _container(container: Any, where: str) -> str | None:
    if container is not None and (
        not isinstance(container, str) or not _NAME_RE.fullmatch(container)
    ):
        raise ConfigError(f"container {container!r} is not a container name", where=where)
    return container


def _state(values: Mapping[str, Any], where: str) -> str | None:
    state = values.get("state")
    if state is not None and not state.startswith(("sqlite://", "dynamodb://")):
        raise ConfigError(
            f"state {state!r} must be a sqlite:///PATH or dynamodb://TABLE URL", where=where
        )
    return state


def _region_from_arn(arn: str) -> str | None:
    if _ARN_RE.fullmatch(arn):
        return arn.split(":")[3] or None
    return None
