"""A profile's secret rules: deny_secrets, allow_secrets, execution_role_arn. No I/O."""

from __future__ import annotations

from typing import Any

import pytest
from config_helpers import ACCOUNT, values

from eden.config import build_profile, merge_values, profile_to_toml_values
from eden.errors import ConfigError

ROLE = f"arn:aws:iam::{ACCOUNT}:role/eden-previews"


def test_secret_rules_load_and_write_back() -> None:
    deny = ["/prod/*", "arn:aws:secretsmanager:*:*:secret:prod/*", "/prod/*"]
    p = build_profile(
        "dev", values(deny_secrets=deny, allow_secrets=["/previews/*"], execution_role_arn=ROLE)
    )
    assert p.deny_secrets == ("/prod/*", "arn:aws:secretsmanager:*:*:secret:prod/*")
    assert p.allow_secrets == ("/previews/*",)
    assert p.execution_role_arn == ROLE
    again = build_profile("dev", profile_to_toml_values(p))
    assert (again.deny_secrets, again.allow_secrets, again.execution_role_arn) == (
        p.deny_secrets, p.allow_secrets, ROLE,
    )  # fmt: skip
    plain = build_profile("dev", values())
    assert (plain.deny_secrets, plain.allow_secrets, plain.execution_role_arn) == ((), (), None)
    assert "deny_secrets" not in profile_to_toml_values(plain)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"deny_secrets": "/prod/*"}, "deny_secrets must be a list"),
        ({"deny_secrets": ["/prod/*", 3]}, "deny_secrets must be a list of strings"),
        ({"deny_secrets": [""]}, "deny_secrets: an empty pattern"),
        ({"deny_secrets": ["/prod/[a-z]*"]}, "wildcards are \\* and \\? only"),
        ({"allow_secrets": ["arn:aws:s3:::b/*"]}, "allow_secrets: .* names service 's3'"),
        ({"execution_role_arn": "eden-previews"}, "is not an IAM role ARN"),
        ({"execution_role_arn": f"arn:aws:iam::{ACCOUNT}:user/x"}, "is not an IAM role ARN"),
    ],
)
def test_bad_secret_rules_name_the_field(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_profile("dev", values(**extra))


def test_lists_come_from_the_environment_comma_separated() -> None:
    merged = merge_values({}, {"EDEN_DENY_SECRETS": " /prod/*, /shared/prod/* ,"}, {})
    assert merged["deny_secrets"] == ["/prod/*", "/shared/prod/*"]
    assert build_profile("dev", values(**merged)).deny_secrets == ("/prod/*", "/shared/prod/*")
