"""An environment's own variables and secrets (``eden vars``), and the secret rules.

The variables are kept in the environment's record (``extra["vars"]``) and set in its
target container on every deploy, over the reference's and the profile's ``[env]``;
``create --env`` values of one deploy go over them (docs/config-and-secrets.md). A name
is a plain value or a secret, never both: ECS refuses a container that has a name in
``environment`` and in ``secrets``, so each layer's value replaces the other kind.

Every secret a preview's task definition reads (the reference's, the profile's, the
environment's own; ``secrets``, log ``secretOptions``, repository credentials) is checked
against the profile's ``deny_secrets`` and ``allow_secrets`` when the plan is made, before
anything is registered. That is a guard rail; the boundary is the execution role's IAM
policy (``eden iam-policy --secrets``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from eden.config import Profile
from eden.core.envvars import EnvVars, VarsChange
from eden.core.secrets import Home, first_match, looks_secret, parse_value_from, redact
from eden.errors import ConfigError, NotFound, UsageError

if TYPE_CHECKING:
    from eden.envs.records import EnvRecord

KEPT = "vars"  # the record's extra: the environment's own variables
PENDING = "vars_pending"  # set with --no-deploy: not in the running task definition yet


def home_of(profile: Profile) -> Home:
    """The partition, region and account the profile's environments run in."""
    arn = (profile.listener_arns or profile.alb_arns)[0]
    parts = arn.split(":")
    return Home(parts[1], profile.region or parts[3], parts[4])


def stored(record: EnvRecord | None) -> EnvVars:
    return EnvVars.from_record(record.extra.get(KEPT)) if record is not None else EnvVars()


def pending(record: EnvRecord) -> bool:
    return bool(record.extra.get(PENDING))


def check_change(profile: Profile, change: VarsChange, env: str = "NAME") -> list[str]:
    """Refuses a change the profile does not allow (before anything is read or made);
    returns what the user should know about the rest."""
    home = home_of(profile)
    notes = []
    for key, value in change.secrets.items():
        ref = parse_value_from(value, home, key=key)
        denied = first_match(profile.deny_secrets, value, home)
        if denied is not None:
            raise UsageError(
                f"secret {key}: {value} is denied by profile {profile.name} "
                f"(deny_secrets: {denied}): previews may not read it",
                hint="use a secret made for previews; the deny list is the profile's, so "
                "ask whoever keeps it if you think this one should be allowed",
            )
        if profile.allow_secrets and first_match(profile.allow_secrets, value, home) is None:
            raise UsageError(
                f"secret {key}: {value} is not in profile {profile.name}'s allow_secrets",
                hint=f"previews may read only {', '.join(profile.allow_secrets)}",
            )
        if (ref.region, ref.account) != (home.region, home.account):
            notes.append(
                f"note: {key} reads a secret in {ref.region}/{ref.account}, the environment "
                f"runs in {home.region}/{home.account}: its execution role needs access there"
            )
    for key in change.env:
        if looks_secret(key):
            notes.append(
                f"warning: {key} looks like a secret; its value is kept in plain text in "
                "eden's state and the task definition. Store it in Secrets Manager or SSM "
                f"and use `eden vars set {env} --secret {key}=ARN`"
            )
    return notes


def resolve(profile: Profile, record: EnvRecord | None, change: VarsChange | None) -> EnvVars:
    """The variables a deploy sets: the environment's own, with ``change`` made (under the
    environment's lease: a change is only ever made to an environment that exists)."""
    kept = stored(record)
    if change is None:
        return kept
    if record is None:
        raise NotFound(
            "no environment to set variables on (was it deleted meanwhile?)",
            hint="create it with `eden create BRANCH --image URI`, then set them",
        )
    check_change(profile, change)
    return kept.apply(change)


def apply_to_container(
    target: dict[str, Any],
    profile_env: Mapping[str, str],
    own: EnvVars,
    overrides: Mapping[str, str],
) -> None:
    """Sets the layers over the reference's container, in order: the profile's ``[env]``,
    the environment's own variables, the deploy's ``--env``. The last layer to name a
    variable decides whether it is a value or a secret."""
    none: Mapping[str, str] = {}
    layers = ((profile_env, none), (own.env, own.secrets), (overrides, none))
    if not any(values or refs for values, refs in layers):
        return
    env = {e["name"]: e["value"] for e in target.get("environment") or []}
    secrets = {s["name"]: s["valueFrom"] for s in target.get("secrets") or []}
    for values, refs in layers:
        for key, value in values.items():
            env[key] = value
            secrets.pop(key, None)
        for key, value in refs.items():
            secrets[key] = value
            env.pop(key, None)
    if env or "environment" in target:
        target["environment"] = [{"name": k, "value": v} for k, v in sorted(env.items())]
    if secrets or "secrets" in target:
        target["secrets"] = [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())]


def _reads(containers: list[dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """(container, what, valueFrom) of every secret the containers read."""
    for c in containers:
        name = str(c.get("name"))
        for s in c.get("secrets") or []:
            yield name, str(s["name"]), str(s["valueFrom"])
        for s in (c.get("logConfiguration") or {}).get("secretOptions") or []:
            yield name, f"log option {s['name']}", str(s["valueFrom"])
        creds = (c.get("repositoryCredentials") or {}).get("credentialsParameter")
        if creds:
            yield name, "repository credentials", str(creds)


def check_task_definition(
    params: Mapping[str, Any], profile: Profile, own: EnvVars, target: str, env: str
) -> None:
    """Refuses a task definition a preview may not register: one that reads a denied
    secret (or one outside ``allow_secrets``), or reads secrets with no execution role."""
    reads = list(_reads(params.get("containerDefinitions") or []))
    if reads and not params.get("executionRoleArn"):
        raise ConfigError(
            f"the task definition reads secrets ({reads[0][1]} of container {reads[0][0]}) "
            "but has no execution role: ECS fetches secrets with it",
            where=str(params.get("family", "")),
            hint="give the reference task definition an executionRoleArn, or set "
            "execution_role_arn in the profile",
        )
    home = home_of(profile)
    for container, key, value in reads:
        mine = container == target and own.secrets.get(key) == value
        denied = first_match(profile.deny_secrets, value, home)
        outside = (
            bool(profile.allow_secrets) and first_match(profile.allow_secrets, value, home) is None
        )
        if denied is None and not outside:
            continue
        rule = f"deny_secrets: {denied}" if denied else "not in allow_secrets"
        if mine:
            raise UsageError(
                f"secret {key} of {env} reads {value}, which profile {profile.name} no "
                f"longer lets previews read ({rule})",
                hint=f"remove it with `eden vars unset {env} {key}`, or point it at a "
                f"secret made for previews (`eden vars set {env} --secret {key}=ARN`)",
            )
        raise ConfigError(
            f"the reference's container {container} reads {key} from {value}, which "
            f"profile {profile.name} does not let previews read ({rule})",
            where=str(params.get("family", "")),
            hint="point the reference service at a secret made for previews, or change the "
            "profile's deny_secrets/allow_secrets; an environment that exists can replace "
            f"it with `eden vars set {env} --secret {key}=ARN`",
        )


def rows(record: EnvRecord, *, show_values: bool = False) -> list[dict[str, Any]]:
    """The environment's own variables for a listing: secrets with their ARN (a name, not
    a value), plain values redacted when their name looks secret unless asked."""
    own = stored(record)
    out: list[dict[str, Any]] = []
    for key, value in own.env.items():
        shown = value if show_values else redact(key, value)
        out.append(
            {"name": key, "kind": "value", "value": shown, "value_from": None,
             "redacted": shown != value}
        )  # fmt: skip
    for key, value in own.secrets.items():
        out.append(
            {"name": key, "kind": "secret", "value": None, "value_from": value,
             "redacted": False}
        )  # fmt: skip
    return sorted(out, key=lambda r: str(r["name"]))


def view(record: EnvRecord, *, show_values: bool = False) -> dict[str, Any]:
    """What ``eden vars ls -o json`` and ``GET /api/v1/vars/{name}`` answer."""
    last = record.extra.get("env_overrides") or {}
    return {
        "env": record.name,
        "vars": rows(record, show_values=show_values),
        "pending": pending(record),
        "last_deploy_env": {
            str(k): str(v) if show_values else redact(str(k), str(v)) for k, v in last.items()
        },
    }
