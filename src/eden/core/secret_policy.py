"""The IAM policy for the previews' task execution role: the real secret boundary. Pure.

eden's ``deny_secrets`` and ``allow_secrets`` refuse a task definition before it is
registered; that is a guard rail for honest mistakes, not a boundary, because anyone who
can register a task definition or call AWS with the role can bypass eden. What a task
can read is decided by its execution role's IAM policy. This module writes that policy
from the same patterns (``eden iam-policy --secrets``):

* an ``Allow`` of ``secretsmanager:GetSecretValue`` and ``ssm:GetParameters`` (what ECS
  calls when a task starts) on the allowed patterns, in the environments' region and
  account (every secret and parameter there when the profile has no ``allow_secrets``);
* a ``Deny`` of reading the denied patterns, in every region and account. An explicit
  Deny wins over any Allow in any policy attached to the role, so it holds even if the
  role also has a broader policy.

A name pattern becomes ARN patterns the way the guard rail matches names: a leading ``/``
does not count (``/prod/*`` -> ``parameter/prod/*``, ``secret:prod/*`` and
``secret:/prod/*``), and a secret named exactly also matches with Secrets Manager's
six-character suffix (``secret:db-??????``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eden.core.secrets import SECRETS_MANAGER, SSM, Home, glob_re

READ_SECRET = "secretsmanager:GetSecretValue"
READ_PARAMETERS = "ssm:GetParameters"  # what ECS calls for a task's parameters
DENIED_ACTIONS = (READ_SECRET, "ssm:GetParameter", READ_PARAMETERS)


def resources(pattern: str, service: str, partition: str, region: str, account: str) -> list[str]:
    """The IAM resource patterns of ``service`` that ``pattern`` covers."""
    if pattern.startswith("arn:"):
        named = pattern.split(":")[2]
        return [pattern] if glob_re(named).fullmatch(service) else []
    name = pattern.removeprefix("/")
    base = f"arn:{partition}:{service}:{region}:{account}"
    if service == SSM:
        return [f"{base}:parameter/{name}"]
    names = [name, f"/{name}"]
    out = [f"{base}:secret:{n}" for n in names]
    if not name.endswith("*"):  # a whole name: the ARN has the secret's suffix
        out += [f"{base}:secret:{n}-??????" for n in names]
    return out


def _all(patterns: Iterable[str], service: str, *where: str) -> list[str]:
    out: list[str] = []
    for pattern in patterns:
        out += resources(pattern, service, *where)
    return list(dict.fromkeys(out))


def execution_role_policy(
    home: Home, deny: Iterable[str], allow: Iterable[str] = ()
) -> dict[str, Any]:
    """The policy document for the previews' execution role."""
    deny, allow = list(deny), list(allow) or ["*"]
    here = (home.partition, home.region, home.account)
    statements: list[dict[str, Any]] = []
    for sid, action, service in (
        ("EdenPreviewsReadSecrets", READ_SECRET, SECRETS_MANAGER),
        ("EdenPreviewsReadParameters", READ_PARAMETERS, SSM),
    ):
        allowed = _all(allow, service, *here)
        if allowed:
            statements.append(_statement(sid, "Allow", [action], allowed))
    denied = _all(deny, SECRETS_MANAGER, home.partition, "*", "*") + _all(
        deny, SSM, home.partition, "*", "*"
    )
    if denied:
        statements.append(_statement("EdenPreviewsNeverRead", "Deny", DENIED_ACTIONS, denied))
    return {"Version": "2012-10-17", "Statement": statements}


def _statement(sid: str, effect: str, actions: Iterable[str], res: list[str]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": effect,
        "Action": sorted(actions),
        "Resource": res if len(res) > 1 else res[0],
    }
