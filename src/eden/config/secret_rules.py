"""Validation of a profile's secret rules: ``deny_secrets``, ``allow_secrets`` and the
previews' own ``execution_role_arn`` (docs/config-and-secrets.md).

Patterns are checked here, when the profile loads, so a typo in a deny list stops every
command at once instead of letting a secret through later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eden.core.secrets import pattern_problem
from eden.errors import ConfigError

_ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
_EXAMPLE = 'deny_secrets = ["/prod/*", "arn:aws:secretsmanager:*:*:secret:prod/*"]'


def secret_patterns(values: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """``deny_secrets`` or ``allow_secrets``: a list of IAM-style patterns (see
    ``eden.core.secrets``), each checked, without repeats."""
    raw = values.get(key, [])
    if not isinstance(raw, list | tuple) or any(not isinstance(p, str) for p in raw):
        raise ConfigError(f"{key} must be a list of strings", where=where, hint=_EXAMPLE)
    for pattern in raw:
        problem = pattern_problem(pattern)
        if problem is not None:
            raise ConfigError(
                f"{key}: {problem}",
                where=where,
                hint="a name pattern (/prod/*, prod/*) or an ARN pattern "
                "(arn:aws:ssm:*:*:parameter/prod/*); * and ? are the only wildcards",
            )
    return tuple(dict.fromkeys(raw))


def execution_role(values: Mapping[str, Any], where: str) -> str | None:
    """The previews' task execution role, when they are not to use the reference's."""
    role = values.get("execution_role_arn")
    if role is None:
        return None
    if not _ROLE_ARN_RE.fullmatch(str(role)):
        raise ConfigError(
            f"execution_role_arn {role!r} is not an IAM role ARN",
            where=where,
            hint='for example execution_role_arn = "arn:aws:iam::123456789012:role/eden-previews"',
        )
    return str(role)
