"""What a profile is: the typed values every other part of eden reads.

The model already holds lists of service templates and of shared listeners so that
environments with several services and several ALBs can follow without a rewrite; today
a profile describes one of each. ``FILE_FIELDS`` is the other half of the model: the
keys a ``[profiles.NAME]`` table may hold, and ``profile_to_toml_values`` writes a
profile back in that form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eden import paths
from eden.config.access import Access
from eden.config.cost import CostSettings
from eden.config.hooks import Hook
from eden.config.sleep import SleepSettings

DEFAULT_NAME_PREFIX = "eden"
DEFAULT_DOMAIN_PREFIX = "api"
DEFAULT_TTL_HOURS = 24
SINGLE_ROLE = "app"  # the role of a profile's one service, when it has no [services] table


@dataclass(frozen=True)
class EndpointsDoc:
    """The JSON document in S3 that client apps read to find environments."""

    bucket: str
    key: str = "endpoints.json"
    update_key: str = "api"
    env_type: str = "dev"
    name_prefix: str = ""
    # What every write of the document sets; unset: whatever the object has is kept.
    cache_control: str | None = None
    acl: str | None = None  # a canned ACL, e.g. "public-read" (buckets that allow ACLs)

    def write_overrides(self) -> dict[str, str]:
        """The PutObject parameters the profile sets on every write of the document."""
        out = {"CacheControl": self.cache_control, "ACL": self.acl}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class ServiceTemplate:
    """One reference ECS service an environment clones.

    ``role`` names the service inside an environment (``api``); ``domain_prefix`` is the
    first part of its host name (``api-feature-login.dev.example.com``).
    """

    role: str
    reference_service: str  # name or ARN
    container: str | None = None  # default: the container in the service's load balancer
    domain_prefix: str = DEFAULT_DOMAIN_PREFIX
    # Its key in the endpoints document's entry (a group's members share one entry);
    # default: the document's update_key for a single service, the role in a group.
    endpoint_key: str | None = None
    hooks: tuple[Hook, ...] = ()  # postdeploy, migrate, predestroy (``eden.config.hooks``)

    def hook(self, kind: str) -> Hook | None:
        return next((h for h in self.hooks if h.kind == kind), None)


@dataclass(frozen=True)
class Profile:
    name: str
    cluster: str
    services: tuple[ServiceTemplate, ...]
    zone_id: str
    # Either the HTTPS:443 listener of the shared ALB, or the ALB (its listener is looked up).
    listener_arns: tuple[str, ...] = ()
    alb_arns: tuple[str, ...] = ()
    name_prefix: str = DEFAULT_NAME_PREFIX
    endpoints: EndpointsDoc | None = None
    region: str | None = None
    endpoint_url: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    desired_count: int | None = None
    state: str | None = None
    retry_mode: str = "standard"
    ttl_hours: int = DEFAULT_TTL_HOURS  # the stale cleaner's idle limit; each deploy renews it
    # ECS Exec (`eden exec`): new and refreshed environments get enableExecuteCommand.
    # Off by default: a shell in a preview needs SSM permissions on the task role, and a
    # team opts in to it (docs/dayto.md lists them).
    allow_exec: bool = False
    # Secrets previews may read (docs/config-and-secrets.md): no preview's task definition
    # may read a secret matching ``deny_secrets``; with ``allow_secrets`` it may read only
    # those matching one. ``execution_role_arn``: the previews' own task execution role
    # (default: the reference's), which ``eden iam-policy --secrets`` is written for.
    deny_secrets: tuple[str, ...] = ()
    allow_secrets: tuple[str, ...] = ()
    execution_role_arn: str | None = None
    # Previews behind sign-in (an authenticate action on each rule), or open: None.
    access: Access | None = None
    # Sleep and wake (``[sleep]``): idle limit, the waker's address, the wake cool-down.
    sleep: SleepSettings = field(default_factory=SleepSettings)
    # The Fargate prices environments' costs are worked out with (``[cost]``; defaults:
    # eden's public prices for the region, core/cost.py).
    cost: CostSettings = field(default_factory=CostSettings)

    @property
    def service(self) -> ServiceTemplate:
        """The first (for a single-service profile, the only) service template."""
        return self.services[0]

    @property
    def is_group(self) -> bool:
        """Several services per environment (``[services.ROLE]`` tables)."""
        return len(self.services) > 1 or self.services[0].role != SINGLE_ROLE

    def state_url(self) -> str:
        return self.state or f"sqlite:///{paths.default_state_path()}"


# Keys of [profiles.NAME] in the TOML file, with the type each must have. Each is also
# read from the environment as EDEN_<KEY> (see ``eden.config.load``).
FILE_FIELDS: dict[str, type] = {
    "region": str,
    "endpoint_url": str,
    "cluster": str,
    "reference_service": str,
    "container": str,
    "listener_arn": str,
    "alb_arn": str,
    "listener_arns": list,
    "alb_arns": list,
    "zone_id": str,
    "name_prefix": str,
    "domain_prefix": str,
    "desired_count": int,
    "state": str,
    "retry_mode": str,
    "ttl_hours": int,
    "allow_exec": bool,
    "deny_secrets": list,
    "allow_secrets": list,
    "execution_role_arn": str,
}
# The sub-tables of [profiles.NAME]: [profiles.NAME.endpoints] and [profiles.NAME.env].
FILE_TABLES = ("endpoints", "env", "services", "access", "hooks", "sleep", "cost")
SERVICE_FIELDS = ("reference_service", "container", "domain_prefix", "endpoint_key", "hooks")
ENDPOINT_FIELDS = ("bucket", "key", "update_key", "env_type", "name_prefix", "cache_control", "acl")
CANNED_ACLS = (
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
)


def profile_to_toml_values(profile: Profile) -> dict[str, Any]:
    """The file form of a profile (inverse of ``build_profile``)."""
    svc = profile.service
    values: dict[str, Any] = {
        "region": profile.region,
        "endpoint_url": profile.endpoint_url,
        "cluster": profile.cluster,
        "reference_service": svc.reference_service,
        "container": svc.container,
        "listener_arn": profile.listener_arns[0] if profile.listener_arns else None,
        "alb_arn": profile.alb_arns[0] if profile.alb_arns else None,
        "zone_id": profile.zone_id,
        "name_prefix": profile.name_prefix,
        "domain_prefix": svc.domain_prefix,
        "desired_count": profile.desired_count,
        "state": profile.state,
    }
    if profile.retry_mode != "standard":
        values["retry_mode"] = profile.retry_mode
    if profile.ttl_hours != DEFAULT_TTL_HOURS:
        values["ttl_hours"] = profile.ttl_hours
    if profile.allow_exec:
        values["allow_exec"] = True
    for key in ("deny_secrets", "allow_secrets"):
        if getattr(profile, key):
            values[key] = list(getattr(profile, key))
    if profile.execution_role_arn:
        values["execution_role_arn"] = profile.execution_role_arn
    if profile.endpoints:
        e = profile.endpoints
        values["endpoints"] = {
            "bucket": e.bucket,
            "key": e.key,
            "update_key": e.update_key,
            "env_type": e.env_type,
            "name_prefix": e.name_prefix,
            "cache_control": e.cache_control,
            "acl": e.acl,
        }
        values["endpoints"] = {k: v for k, v in values["endpoints"].items() if v is not None}
    if profile.env:
        values["env"] = dict(profile.env)
    if svc.hooks:
        values["hooks"] = {h.kind: h.to_toml() for h in svc.hooks}
    if profile.access is not None and profile.access.table:
        values["access"] = dict(profile.access.table)
    if profile.sleep.as_table():
        values["sleep"] = profile.sleep.as_table()
    if profile.cost.as_table():
        values["cost"] = profile.cost.as_table()
    return {k: v for k, v in values.items() if v is not None}
