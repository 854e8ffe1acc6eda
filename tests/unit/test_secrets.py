"""Secret references, deny/allow patterns, redaction and the execution role's policy: the
pure parts of per-environment secrets (eden.core.secrets, eden.core.secret_policy)."""

from __future__ import annotations

import re

import pytest

from eden.core.secret_policy import execution_role_policy, resources
from eden.core.secrets import (
    SECRETS_MANAGER,
    SSM,
    Home,
    SecretRef,
    fingerprint,
    first_match,
    looks_secret,
    matches,
    parse_value_from,
    pattern_problem,
    redact,
)
from eden.errors import UsageError

HOME = Home("aws", "eu-west-1", "123456789012")
SM = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
PARAM = "arn:aws:ssm:eu-west-1:123456789012:parameter/"


@pytest.mark.parametrize(
    ("value", "ref"),
    [
        (f"{SM}prod/db-AbCdEf", SecretRef(SECRETS_MANAGER, "aws", "eu-west-1", "123456789012",
                                          "prod/db-AbCdEf")),
        (f"{SM}db-AbCdEf:password::", SecretRef(SECRETS_MANAGER, "aws", "eu-west-1",
                                                "123456789012", "db-AbCdEf")),
        (f"{SM}db-AbCdEf::AWSPREVIOUS:", SecretRef(SECRETS_MANAGER, "aws", "eu-west-1",
                                                   "123456789012", "db-AbCdEf")),
        (f"{PARAM}team/db", SecretRef(SSM, "aws", "eu-west-1", "123456789012", "team/db")),
        ("/team/db", SecretRef(SSM, "aws", "eu-west-1", "123456789012", "team/db")),
        ("db_url", SecretRef(SSM, "aws", "eu-west-1", "123456789012", "db_url")),
        ("arn:aws:ssm:us-east-1:210987654321:parameter/x",
         SecretRef(SSM, "aws", "us-east-1", "210987654321", "x")),
    ],
)  # fmt: skip
def test_value_from_forms_ecs_reads(value: str, ref: SecretRef) -> None:
    assert parse_value_from(value, HOME) == ref


def test_a_parameter_by_name_has_the_arn_aws_gives_it() -> None:
    assert parse_value_from("/team/db", HOME).arn == f"{PARAM}team/db"
    assert parse_value_from(f"{SM}db-AbCdEf:k::", HOME).arn == f"{SM}db-AbCdEf"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x", "partition 'aws-cn'"),
        ("arn:aws:kms:eu-west-1:123456789012:key/abc", "is a kms ARN: ECS reads secrets"),
        ("arn:aws:s3:::bucket/key", "is a s3 ARN"),
        ("arn:aws:ssm:eu-west-1:123:parameter/x", "12-digit account"),
        ("arn:aws:ssm:europe:123456789012:parameter/x", "needs a region"),
        ("arn:aws:ssm:eu-west-1:123456789012:document/x", "is no SSM parameter ARN"),
        (f"{SM}", "is no Secrets Manager secret ARN"),
        (f"{SM}db-AbCdEf:password", "all three of :JSON_KEY:VERSION_STAGE:VERSION_ID"),
        (f"{SM}db-AbCdEf:a:b", "all three"),
        ("arn:aws:ssm", "is not a whole ARN"),
        ("prod/db", "has a '/' but does not start with one"),
        ("my secret", "neither an ARN nor an SSM parameter name"),
        ("", "neither an ARN nor an SSM parameter name"),
    ],
)
def test_value_from_that_ecs_cannot_read_says_which_form(value: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_value_from(value, HOME, key="DB")


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("/prod/*", "/prod/db", True),
        ("/prod/*", f"{PARAM}prod/db", True),
        ("/prod/*", f"{SM}prod/db-AbCdEf", True),  # a leading / does not count
        ("prod/*", "/prod/db", True),
        ("/prod/*", "/production/db", False),
        ("/prod*", "/production/db", True),
        ("/prod/*", "/Prod/db", False),  # case-sensitive, like AWS names and IAM
        ("/prod/*", "/staging/prod/db", False),  # anchored at the start
        ("*/prod/*", "/staging/prod/db", True),
        ("/prod/db", "/prod/db2", False),
        ("/prod/db?", "/prod/db2", True),
        ("/prod/db?", "/prod/db", False),
        ("prod/db", f"{SM}prod/db-AbCdEf", True),  # a whole name, with the secret's suffix
        ("prod/db", f"{SM}prod/db-AbCdEf:password::", True),  # the JSON key does not count
        ("*", "/anything", True),
        ("arn:aws:secretsmanager:*:*:secret:prod/*", f"{SM}prod/db-AbCdEf", True),
        ("arn:aws:secretsmanager:*:*:secret:prod/*", f"{SM}staging/db-AbCdEf", False),
        ("arn:aws:secretsmanager:*:*:secret:prod/db", f"{SM}prod/db-AbCdEf", True),
        ("arn:aws:secretsmanager:*:*:secret:prod/*", "/prod/db", False),  # a parameter
        ("arn:aws:ssm:*:*:parameter/prod/*", "/prod/db", True),  # a name, as its ARN
        ("arn:aws:ssm:us-east-1:*:parameter/prod/*", "/prod/db", False),  # runs in eu-west-1
        ("arn:aws:*", f"{PARAM}x", True),  # * crosses ':'
        ("arn:aws:ssm:*:*:parameter/[pq]rod/*", f"{PARAM}prod/x", False),  # [ is literal
        ("odd*", "odd value from a reference", True),  # unparsable: matched as written
    ],
)
def test_deny_patterns_match_like_iam(pattern: str, value: str, expected: bool) -> None:
    assert matches(pattern, value, HOME) is expected


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("", "an empty pattern"),
        ("/prod/[ab]*", "wildcards are * and ? only"),
        ("/prod/ *", "wildcards are * and ? only"),
        ("arn:aws:s3:::prod/*", "names service 's3'"),
        ("arn:aws:ssm", "not a whole ARN pattern"),
    ],
)
def test_bad_patterns_are_refused(pattern: str, problem: str) -> None:
    found = pattern_problem(pattern)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "pattern", ["/prod/*", "prod", "*", "arn:aws:*:*:*:*", "arn:aws:ssm:*:*:parameter/p?"]
)
def test_good_patterns_pass(pattern: str) -> None:
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True), ("dbpassword", True), ("API_KEY", True), ("apiKey", True),
        ("GITHUB_TOKEN", True), ("SECRET_KEY_BASE", True), ("BASIC_AUTH", True),
        ("SENTRY_DSN", True), ("AWS_SECRET_ACCESS_KEY", True), ("PRIVATE_PEM", True),
        ("LOG_LEVEL", False), ("KEYCLOAK_URL", False), ("AUTHOR", False), ("PORT", False),
        ("SORT_KEY", True),  # over-redacting a harmless name is the safe mistake
    ],
)  # fmt: skip
def test_which_names_look_secret(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_redaction() -> None:
    assert redact("DB_PASSWORD", "hunter2") == "****"
    assert redact("DB_PASSWORD", "") == ""  # nothing to hide
    assert redact("LOG_LEVEL", "debug") == "debug"
    assert redact("DATABASE_URL", "postgres://app:hunter2@db:5432/x") == (
        "postgres://app:****@db:5432/x"
    )
    assert redact("CACHE", "redis://:pw@cache:6379") == "redis://:****@cache:6379"
    assert redact("HOME_URL", "https://example.com/a@b") == "https://example.com/a@b"


def test_fingerprints_compare_without_showing() -> None:
    one, same, other = (fingerprint("TOKEN", v) for v in ("abc", "abc", "abd"))
    assert one == same and one != other
    assert one.startswith("**** (") and "abc" not in one
    assert fingerprint("MODE", "fast") == "fast"


def test_a_name_pattern_becomes_the_arns_iam_matches() -> None:
    where = ("aws", "eu-west-1", "123456789012")
    assert resources("/prod/*", SSM, *where) == [f"{PARAM}prod/*"]
    assert resources("/prod/*", SECRETS_MANAGER, *where) == [f"{SM}prod/*", f"{SM}/prod/*"]
    assert resources("prod/db", SECRETS_MANAGER, *where) == [
        f"{SM}prod/db", f"{SM}/prod/db", f"{SM}prod/db-??????", f"{SM}/prod/db-??????",
    ]  # fmt: skip
    arn = "arn:aws:secretsmanager:*:*:secret:prod/*"
    assert resources(arn, SECRETS_MANAGER, *where) == [arn]
    assert resources(arn, SSM, *where) == []


def test_execution_role_policy_allows_the_allowed_and_denies_the_denied() -> None:
    doc = execution_role_policy(HOME, ["/prod/*"], ["/previews/*"])
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["EdenPreviewsReadSecrets"] == {
        "Sid": "EdenPreviewsReadSecrets", "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [f"{SM}previews/*", f"{SM}/previews/*"],
    }  # fmt: skip
    assert by_sid["EdenPreviewsReadParameters"]["Resource"] == f"{PARAM}previews/*"
    assert by_sid["EdenPreviewsReadParameters"]["Action"] == ["ssm:GetParameters"]
    deny = by_sid["EdenPreviewsNeverRead"]
    assert deny["Effect"] == "Deny"
    assert deny["Action"] == [
        "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters"]
    assert deny["Resource"] == [
        "arn:aws:secretsmanager:*:*:secret:prod/*", "arn:aws:secretsmanager:*:*:secret:/prod/*",
        "arn:aws:ssm:*:*:parameter/prod/*",
    ]  # fmt: skip


def test_without_an_allow_list_the_allow_is_the_account_and_the_deny_does_the_work() -> None:
    doc = execution_role_policy(HOME, [])
    assert [s["Effect"] for s in doc["Statement"]] == ["Allow", "Allow"]
    assert doc["Statement"][1]["Resource"] == f"{PARAM}*"


def test_an_arn_of_five_fields_is_not_whole() -> None:
    with pytest.raises(UsageError, match="is not a whole ARN"):
        parse_value_from("arn:aws:ssm:eu-west-1:123456789012", HOME)


@pytest.mark.parametrize("pattern", ["arn:aws", "arn:aws:ssm:*:*"])
def test_an_arn_pattern_of_fewer_than_six_fields_is_not_whole(pattern: str) -> None:
    assert pattern_problem(pattern) == (
        f"{pattern!r} is not a whole ARN pattern (arn:PARTITION:SERVICE:REGION:ACCOUNT:...)"
    )


def test_first_match_is_the_first_pattern_that_covers_the_value() -> None:
    patterns = ["/staging/*", "/prod/d*", "/prod/*"]
    assert first_match(patterns, "/prod/db", HOME) == "/prod/d*"
    assert first_match(patterns, "/dev/db", HOME) is None


def test_a_fingerprint_is_eight_hex_digits() -> None:
    assert re.fullmatch(r"\*\*\*\* \([0-9a-f]{8}\)", fingerprint("TOKEN", "abc"))
