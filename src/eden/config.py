"""Profiles: what eden clones, where it puts things, and how it reaches AWS.

A profile lives in a TOML file (``--config``, ``$EDEN_CONFIG``, ``./eden.toml``, then
the user config dir) under ``[profiles.NAME]``. Values are merged with the precedence
flag > ``EDEN_*`` environment variable > file > default, then validated field by field so
that one message names the field and says how to fix it.

The model already holds lists of service templates and of shared listeners so that
environments with several services and several ALBs can follow without a rewrite; today
a profile describes one of each.
"""

from __future__ import annotations

import configparser
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eden import paths, tomlw
from eden.errors import ConfigError

CONFIG_FILE_NAME = "eden.toml"
DEFAULT_NAME_PREFIX = "eden"
DEFAULT_DOMAIN_PREFIX = "api"
DEFAULT_TTL_HOURS = 24

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
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PROFILE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class EndpointsDoc:
    """The JSON document in S3 that client apps read to find environments."""

    bucket: str
    key: str = "endpoints.json"
    update_key: str = "api"
    env_type: str = "dev"
    name_prefix: str = ""


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

    @property
    def service(self) -> ServiceTemplate:
        """The profile's one service template (several come with multi-service support)."""
        return self.services[0]

    def state_url(self) -> str:
        return self.state or f"sqlite:///{paths.default_state_path()}"


# Keys of [profiles.NAME] in the TOML file, with the type each must have.
_TOP_FIELDS: dict[str, type] = {
    "region": str,
    "endpoint_url": str,
    "cluster": str,
    "reference_service": str,
    "container": str,
    "listener_arn": str,
    "alb_arn": str,
    "zone_id": str,
    "name_prefix": str,
    "domain_prefix": str,
    "desired_count": int,
    "state": str,
    "retry_mode": str,
    "ttl_hours": int,
}
_ENDPOINT_FIELDS = ("bucket", "key", "update_key", "env_type", "name_prefix")
_TABLE_FIELDS = ("endpoints", "env")


def find_config_file(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The file to read: the flag, ``$EDEN_CONFIG``, ``./eden.toml``, the user config dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = (os.environ if environ is None else environ).get("EDEN_CONFIG")
    if env:
        return Path(env).expanduser()
    local = Path.cwd() / CONFIG_FILE_NAME
    if local.exists():
        return local
    return paths.config_dir() / CONFIG_FILE_NAME


def read_file(path: Path) -> dict[str, Any]:
    """The whole config file as a dict; an empty one when the file does not exist."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML: {exc}",
            where=str(path),
            hint="fix the syntax, or move the file away and run `eden config init`",
        ) from exc


def write_profile(
    path: Path, name: str, values: Mapping[str, Any], *, default: bool = False
) -> None:
    """Add or replace one profile in the file, keeping every other profile as it was."""
    _check_profile_name(name)
    data = read_file(path)
    profiles = dict(data.get("profiles", {}))
    profiles[name] = {k: v for k, v in values.items() if v is not None and v != {}}
    data["profiles"] = profiles
    if default or "default_profile" not in data:
        data["default_profile"] = name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(tomlw.dumps(data), encoding="utf-8")
    tmp.replace(path)


def remove_profile(path: Path, name: str) -> bool:
    data = read_file(path)
    profiles = dict(data.get("profiles", {}))
    if name not in profiles:
        return False
    del profiles[name]
    data["profiles"] = profiles
    if data.get("default_profile") == name:
        del data["default_profile"]
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(tomlw.dumps(data), encoding="utf-8")
    tmp.replace(path)
    return True


def profile_names(path: Path) -> list[str]:
    return sorted(read_file(path).get("profiles", {}))


def resolve_profile_name(
    flag: str | None, data: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> str:
    """flag > $EDEN_PROFILE > the file's ``default_profile`` > the only profile > ``default``."""
    if flag:
        return flag
    env = (os.environ if environ is None else environ).get("EDEN_PROFILE")
    if env:
        return env
    if isinstance(data.get("default_profile"), str):
        return str(data["default_profile"])
    profiles = data.get("profiles", {})
    if len(profiles) == 1:
        return str(next(iter(profiles)))
    return "default"


def load_profile(
    name: str | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Profile:
    """Read, merge and validate one profile. Raises ConfigError naming the bad field."""
    env = os.environ if environ is None else environ
    path = find_config_file(config, env)
    data = read_file(path)
    profile_name = resolve_profile_name(name, data, env)
    profiles = data.get("profiles", {})
    if profile_name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        if not path.exists():
            hint = "run `eden sandbox up` for a local sandbox profile, or `eden config init`"
        else:
            hint = f"pick one of the profiles in the file ({known}) with --profile, or add it"
        raise ConfigError(
            f"profile {profile_name!r} not found in {path}",
            where=str(path),
            hint=hint,
        )
    raw = profiles[profile_name]
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[profiles.{profile_name}] must be a table", where=str(path))
    merged = merge_values(raw, env, overrides or {})
    return build_profile(profile_name, merged, where=f"{path} [profiles.{profile_name}]")


def merge_values(
    file_values: Mapping[str, Any], environ: Mapping[str, str], flags: Mapping[str, Any]
) -> dict[str, Any]:
    """flag > EDEN_<FIELD> env var > file. Defaults are applied by ``build_profile``."""
    merged: dict[str, Any] = dict(file_values)
    for key, kind in _TOP_FIELDS.items():
        env_value = environ.get(f"EDEN_{key.upper()}")
        if env_value is not None and env_value != "":
            merged[key] = _coerce(key, env_value, kind, where=f"$EDEN_{key.upper()}")
    for key, value in flags.items():
        if value is not None:
            merged[key] = value
    return merged


def _coerce(key: str, value: str, kind: type, *, where: str) -> Any:
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{key} must be a whole number, got {value!r}", where=where) from None
    return value


def build_profile(name: str, values: Mapping[str, Any], *, where: str = "profile") -> Profile:
    """Validate merged values into a Profile; the first bad field raises ConfigError."""
    _check_profile_name(name)
    unknown = sorted(set(values) - set(_TOP_FIELDS) - set(_TABLE_FIELDS))
    if unknown:
        raise ConfigError(
            f"unknown field(s) {', '.join(unknown)}",
            where=where,
            hint=f"known fields: {', '.join([*_TOP_FIELDS, *_TABLE_FIELDS])}",
        )
    for key, kind in _TOP_FIELDS.items():
        # bool is an int to Python, never to a user writing `desired_count = true`.
        wrong_bool = kind is not bool and isinstance(values.get(key), bool)
        if key in values and (wrong_bool or not isinstance(values[key], kind)):
            raise ConfigError(f"{key} must be a {kind.__name__}, got {values[key]!r}", where=where)

    def need(key: str, what: str) -> str:
        value = values.get(key)
        if not value:
            raise ConfigError(f"{key} is missing: {what}", where=where, hint=f'set {key} = "..."')
        return str(value)

    reference = need("reference_service", "the ECS service to clone (name or ARN)")
    cluster = values.get("cluster") or _cluster_from_service_arn(reference)
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
    zone_id = need("zone_id", "the Route 53 hosted zone of the environments' host names")
    zone_id = zone_id.removeprefix("/hostedzone/")
    if not _ZONE_RE.fullmatch(zone_id):
        raise ConfigError(
            f"zone_id {zone_id!r} is not a Route 53 hosted zone id",
            where=where,
            hint="copy the zone Id from `aws route53 list-hosted-zones` (like Z0123456789ABC)",
        )
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

    name_prefix = values.get("name_prefix", DEFAULT_NAME_PREFIX)
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
    region = values.get("region") or _region_from_arn(listener or alb or reference)
    if region and not _REGION_RE.fullmatch(region):
        raise ConfigError(f"region {region!r} is not an AWS region name", where=where)
    endpoint_url = values.get("endpoint_url")
    if endpoint_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", endpoint_url):
        raise ConfigError(f"endpoint_url {endpoint_url!r} is not an http(s) URL", where=where)
    desired = values.get("desired_count")
    if desired is not None and not 0 <= desired <= 1000:
        raise ConfigError(f"desired_count must be 0-1000, got {desired}", where=where)
    retry_mode = values.get("retry_mode", "standard")
    if retry_mode not in ("standard", "adaptive", "legacy"):
        raise ConfigError(
            f"retry_mode must be standard, adaptive or legacy, got {retry_mode!r}", where=where
        )
    ttl_hours = values.get("ttl_hours", DEFAULT_TTL_HOURS)
    if not 1 <= ttl_hours <= 24 * 365:
        raise ConfigError(f"ttl_hours must be 1-8760, got {ttl_hours}", where=where)
    container = values.get("container")
    if container is not None and not _NAME_RE.fullmatch(container):
        raise ConfigError(f"container {container!r} is not a container name", where=where)
    state = values.get("state")
    if state is not None and not state.startswith(("sqlite://", "dynamodb://")):
        raise ConfigError(
            f"state {state!r} must be a sqlite:///PATH or dynamodb://TABLE URL", where=where
        )

    return Profile(
        name=name,
        cluster=str(cluster),
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
        endpoints=_endpoints(values.get("endpoints"), where=where),
        region=region,
        endpoint_url=endpoint_url,
        env=_env_table(values.get("env"), where=where),
        desired_count=desired,
        state=state,
        retry_mode=retry_mode,
        ttl_hours=ttl_hours,
    )


def _endpoints(raw: Any, *, where: str) -> EndpointsDoc | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError("[endpoints] must be a table", where=where)
    unknown = sorted(set(raw) - set(_ENDPOINT_FIELDS))
    if unknown:
        raise ConfigError(
            f"unknown field(s) in [endpoints]: {', '.join(unknown)}",
            where=where,
            hint=f"known fields: {', '.join(_ENDPOINT_FIELDS)}",
        )
    for key in _ENDPOINT_FIELDS:
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(f"endpoints.{key} must be a string", where=where)
    bucket = raw.get("bucket")
    if not bucket:
        raise ConfigError(
            "endpoints.bucket is missing: the S3 bucket of the endpoints document",
            where=where,
            hint="set bucket, or remove the [endpoints] table to skip the document",
        )
    if not _BUCKET_RE.fullmatch(bucket):
        raise ConfigError(f"endpoints.bucket {bucket!r} is not an S3 bucket name", where=where)
    doc = EndpointsDoc(bucket=bucket)
    for key in _ENDPOINT_FIELDS[1:]:
        if raw.get(key) is not None:
            doc = replace(doc, **{key: raw[key]})
    if not doc.key or not doc.update_key:
        raise ConfigError("endpoints.key and endpoints.update_key must not be empty", where=where)
    return doc


def _env_table(raw: Any, *, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError('[env] must be a table of NAME = "value"', where=where)
    out: dict[str, str] = {}
    for key, value in raw.items():
        if not _ENV_KEY_RE.fullmatch(key):
            raise ConfigError(f"env var name {key!r} is not valid", where=where)
        if not isinstance(value, str | int | float | bool):
            raise ConfigError(f"env.{key} must be a string", where=where)
        out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def _check_profile_name(name: str) -> None:
    if not _PROFILE_RE.fullmatch(name):
        raise ConfigError(
            f"profile name {name!r} may only use letters, digits, '.', '_' and '-' (1-64)",
            hint="pick a simpler name, like `dev` or `staging`",
        )


def _cluster_from_service_arn(reference: str) -> str | None:
    # New-format service ARNs carry the cluster: ...:service/CLUSTER/NAME
    if _ARN_RE.fullmatch(reference):
        parts = reference.split(":", 5)[5].split("/")
        if len(parts) == 3 and parts[0] == "service":
            return parts[1]
    return None


def _region_from_arn(arn: str) -> str | None:
    if _ARN_RE.fullmatch(arn):
        return arn.split(":")[3] or None
    return None


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
    if profile.endpoints:
        e = profile.endpoints
        values["endpoints"] = {
            "bucket": e.bucket,
            "key": e.key,
            "update_key": e.update_key,
            "env_type": e.env_type,
            "name_prefix": e.name_prefix,
        }
    if profile.env:
        values["env"] = dict(profile.env)
    return {k: v for k, v in values.items() if v is not None}


# --- the 2019 tool's INI file ------------------------------------------------------------

_INI_KEYS = {
    "reference_service_arn": "reference_service",
    "master_alb_arn": "alb_arn",
    "dynamic_zone_id": "zone_id",
    "name_prefix": "name_prefix",
    "domain_name_prefix": "domain_prefix",
    "target_cluster": "cluster",
    "target_container": "container",
    "region": "region",
}
_INI_ENDPOINT_KEYS = {
    "endpoint_s3_bucket_name": "bucket",
    "endpoint_s3_key": "key",
    "endpoint_update_key": "update_key",
    "endpoint_env_type": "env_type",
    "endpoint_name_prefix": "name_prefix",
}


def import_ini(path: Path) -> dict[str, dict[str, Any]]:
    """Profiles of the 2019 tool's INI file (``~/.eden/config``), in eden's TOML form.

    Each section is a profile (``[profile NAME]`` is read as ``NAME``). Every imported
    profile is validated, so a broken one is reported before anything is written.
    """
    if not path.exists():
        raise ConfigError(f"{path} does not exist", hint="give the path of the 2019 config file")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"{path} is not an INI file: {exc}", where=str(path)) from exc
    out: dict[str, dict[str, Any]] = {}
    for section in parser.sections():
        name = section.removeprefix("profile ").strip()
        values: dict[str, Any] = {}
        endpoints: dict[str, str] = {}
        for key, value in parser.items(section):
            value = value.strip().strip('"')
            if key in _INI_KEYS:
                values[_INI_KEYS[key]] = value
            elif key in _INI_ENDPOINT_KEYS:
                endpoints[_INI_ENDPOINT_KEYS[key]] = value
            # Unknown keys (the 2019 tool's API settings, comments) are dropped on purpose.
        if endpoints:
            values["endpoints"] = endpoints
        build_profile(name, values, where=f"{path} [{section}]")
        out[name] = values
    if not out:
        raise ConfigError(f"{path} has no profiles (INI sections)", where=str(path))
    return out
