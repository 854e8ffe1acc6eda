"""`eden iam-policy`: the least-privilege IAM policy for what eden does."""

from __future__ import annotations

import click

from eden.aws.permissions import policy_json
from eden.cli.common import Options, common_options
from eden.config import Profile
from eden.core.arns import alb_of_listener
from eden.errors import ConfigError


@click.command(name="iam-policy")
@click.option("--scaler", is_flag=True, help="Also what the autoscaler calls.")
@click.option(
    "--state",
    "state_kind",
    type=click.Choice(["sqlite", "dynamodb"]),
    default="sqlite",
    show_default=True,
    help="dynamodb: also what the DynamoDB state store calls.",
)
@click.option(
    "--api", is_flag=True, help="What the HTTP API needs (on Lambda: with the DynamoDB state)."
)
@click.option("--exec", "with_exec", is_flag=True, help="Also ECS Exec (`eden exec`).")
@click.option(
    "--for-profile",
    is_flag=True,
    help="Scope the resources to the profile's cluster, prefix, ALB, zone and bucket.",
)
@click.option(
    "--secrets",
    "for_secrets",
    is_flag=True,
    help="Instead: the policy for the previews' task execution role, from the profile's "
    "deny_secrets and allow_secrets (the real boundary; see docs/config-and-secrets.md).",
)
@common_options(output=False)
def iam_policy(
    scaler: bool, state_kind: str, api: bool, with_exec: bool, for_profile: bool,
    for_secrets: bool, opts: Options,
) -> None:  # fmt: skip
    """Print the IAM policy (JSON) that allows exactly the calls eden makes.

    \b
    eden iam-policy > eden-policy.json
    eden iam-policy --state dynamodb --scaler --for-profile -p dev
    eden iam-policy --secrets -p dev > previews-execution-role.json
    """
    if for_secrets:
        _secrets_policy(opts.load())
        return
    features = ["environments"]
    if state_kind == "dynamodb" or api:
        features.append("state-dynamodb")
    if scaler:
        features.append("scaler")
    if with_exec:
        features.append("exec")
    profile = opts.load() if for_profile else None
    values = _profile_values(profile) if profile else None
    albs = [_name_and_id(a) for a in _albs(profile)] if profile else []
    click.echo(policy_json(features, values, albs))


def _profile_values(profile: Profile) -> dict[str, str]:
    """The placeholders one profile fills in."""
    albs = _albs(profile)
    if not albs:
        raise ConfigError("the profile names no shared ALB", hint="set listener_arn or alb_arn")
    alb = albs[0]
    parts = alb.split(":")
    values = {
        "partition": parts[1],
        "region": parts[3],
        "account": parts[4],
        "cluster": profile.cluster,
        "prefix": profile.name_prefix,
        "alb": _name_and_id(alb),
        "zone": profile.zone_id,
    }
    if profile.endpoints:
        values.update(bucket=profile.endpoints.bucket, key=profile.endpoints.key)
    return values


def _secrets_policy(profile: Profile) -> None:
    """The execution role's policy on stdout; on stderr, which role it belongs to."""
    import json

    from eden.core.secret_policy import execution_role_policy
    from eden.envs.variables import home_of

    document = execution_role_policy(
        home_of(profile), profile.deny_secrets, profile.allow_secrets
    )
    click.echo(json.dumps(document, indent=2))
    role = profile.execution_role_arn or "the reference task definition's execution role"
    click.echo(f"attach it to {role} (with AmazonECSTaskExecutionRolePolicy)", err=True)
    if not profile.execution_role_arn:
        click.echo(
            "note: previews share that role with the reference service; set "
            "execution_role_arn in the profile to give them their own", err=True
        )
    if not profile.allow_secrets:
        click.echo(
            "note: the profile has no allow_secrets: the Allow covers every secret and "
            "parameter of the account in its region, and the Deny is what keeps previews out",
            err=True,
        )


def _albs(profile: Profile) -> list[str]:
    """Every shared ALB of the profile's pool (their environments' rules live there)."""
    found = [alb_of_listener(arn) for arn in profile.listener_arns] + list(profile.alb_arns)
    return [a for a in found if a]


def _name_and_id(alb_arn: str) -> str:
    return alb_arn.split(":loadbalancer/app/", 1)[1]
