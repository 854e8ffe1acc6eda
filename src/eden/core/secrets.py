"""Secrets a container reads, the paths a profile denies or allows, and redaction. Pure.

A container's ``secrets[].valueFrom`` (and a log driver's ``secretOptions``) names one of:

* a Secrets Manager secret by ARN, ``arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf``
  (the six characters after the last ``-`` are Secrets Manager's own suffix), optionally
  followed by ``:JSON_KEY:VERSION_STAGE:VERSION_ID`` (all three, any of them empty);
* an SSM parameter by ARN, ``arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`` (the parameter
  ``/team/db`` is ``parameter/team/db``);
* an SSM parameter by name, in the task's own region: ``/team/db`` or ``db``.

ECS takes a Secrets Manager secret by ARN only.

**Patterns** (a profile's ``deny_secrets`` and ``allow_secrets``) have IAM's wildcards and
nothing else: ``*`` is any run of characters (``/`` and ``:`` included), ``?`` one
character; matching is case-sensitive, as AWS's names and IAM's ARNs are. A pattern that
starts with ``arn:`` is matched against the secret's ARN (with and without the secret's
suffix); any other against its name, a leading ``/`` ignored on both sides, so ``/prod/*``
matches the parameter ``/prod/db`` and the secret ``prod/db``. Anything that cannot be
parsed (a reference task definition's odd value) is matched as it is written.

**Redaction**: a plain value is shown as ``****`` when its name looks like a secret
(``looks_secret``), and a URL's password is hidden (``postgres://app:****@db/x``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _random
from collections.abc import Iterable
from dataclasses import dataclass

from eden.errors import UsageError

SECRETS_MANAGER = "secretsmanager"
SSM = "ssm"
SERVICES = (SECRETS_MANAGER, SSM)
REDACTED = "****"

_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_SECRET_NAME_RE = re.compile(r"^[A-Za-z0-9/_+=.@!-]{1,512}$")
_PARAMETER_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-/]{1,2048}$")
_SUFFIX_RE = re.compile(r"-[A-Za-z0-9]{6}$")
_PATTERN_CHARS_RE = re.compile(r"^[A-Za-z0-9/_+=.@!:*?-]+$")
_URL_PASSWORD_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)([^/\s@]+)(@)")
ARN_FORMS = (
    "arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX, "
    "arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME, or a parameter name like /team/db"
)


@dataclass(frozen=True)
class Home:
    """Where the environments run: a parameter named without an ARN lives here."""

    partition: str
    region: str
    account: str


@dataclass(frozen=True)
class SecretRef:
    """What a ``valueFrom`` names: a secret or a parameter, where, and by which name."""

    service: str  # SECRETS_MANAGER | SSM
    partition: str
    region: str
    account: str
    name: str  # as in the ARN: a secret's name with its suffix, a parameter's without "/"

    @property
    def arn(self) -> str:
        kind = "secret:" if self.service == SECRETS_MANAGER else "parameter/"
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{kind}{self.name}"

    def names(self) -> set[str]:
        """What a name pattern is matched against: the name, and a secret's without its
        suffix (a name may end like a suffix, so both)."""
        out = {self.name}
        if self.service == SECRETS_MANAGER:
            out.add(_SUFFIX_RE.sub("", self.name))
        return {n.removeprefix("/") for n in out}

    def arns(self) -> set[str]:
        """What an ARN pattern is matched against."""
        out = {self.arn}
        if self.service == SECRETS_MANAGER:
            out.add(_SUFFIX_RE.sub("", self.arn))
        return out


def parse_value_from(value: str, home: Home, *, key: str = "") -> SecretRef:
    """A ``valueFrom`` as a user gives it; anything ECS would not read raises
    ``UsageError`` saying which form to use."""
    label = f"secret {key}: " if key else ""
    if value.startswith("arn:"):
        return _parse_arn(value, home, label)
    if not _PARAMETER_NAME_RE.fullmatch(value):
        raise UsageError(
            f"{label}{value!r} is neither an ARN nor an SSM parameter name",
            hint=f"give {ARN_FORMS} (a Secrets Manager secret's ARN: `aws secretsmanager "
            "describe-secret --secret-id NAME --query ARN`)",
        )
    if "/" in value and not value.startswith("/"):
        raise UsageError(
            f"{label}{value!r} has a '/' but does not start with one: it is no SSM "
            "parameter name, and ECS reads a Secrets Manager secret only by its ARN",
            hint=f"for a parameter write /{value}; for a secret give its ARN (`aws "
            f"secretsmanager describe-secret --secret-id {value} --query ARN`)",
        )
    return SecretRef(SSM, home.partition, home.region, home.account, value.removeprefix("/"))


def _parse_arn(value: str, home: Home, label: str) -> SecretRef:
    parts = value.split(":")
    if len(parts) < 6:
        raise UsageError(f"{label}{value!r} is not a whole ARN", hint=f"give {ARN_FORMS}")
    _, partition, service, region, account = parts[:5]
    resource = ":".join(parts[5:])
    if service not in SERVICES:
        raise UsageError(
            f"{label}{value} is a {service or 'service-less'} ARN: ECS reads secrets from "
            "Secrets Manager (secretsmanager) and SSM Parameter Store (ssm) only",
            hint=f"give {ARN_FORMS}",
        )
    if partition != home.partition:
        raise UsageError(
            f"{label}{value} is in partition {partition!r}, the environments in "
            f"{home.partition!r}: a task reads no secret of another partition",
            hint=f"use a secret or parameter in arn:{home.partition}:...",
        )
    if not _REGION_RE.fullmatch(region) or not _ACCOUNT_RE.fullmatch(account):
        raise UsageError(
            f"{label}{value} needs a region and a 12-digit account after the service",
            hint=f"for example arn:{home.partition}:{service}:{home.region}:{home.account}:...",
        )
    if service == SSM:
        name = resource.removeprefix("parameter/")
        if name == resource or not _PARAMETER_NAME_RE.fullmatch(name):
            raise UsageError(
                f"{label}{value} is no SSM parameter ARN",
                hint=f"the form is arn:{partition}:ssm:{region}:{account}:parameter/NAME "
                "(the parameter /team/db is parameter/team/db)",
            )
        return SecretRef(SSM, partition, region, account, name)
    fields = resource.removeprefix("secret:").split(":")
    if not resource.startswith("secret:") or not _SECRET_NAME_RE.fullmatch(fields[0]):
        raise UsageError(
            f"{label}{value} is no Secrets Manager secret ARN",
            hint=f"the form is arn:{partition}:secretsmanager:{region}:{account}:secret:"
            "NAME-SUFFIX",
        )
    if len(fields) not in (1, 4):
        raise UsageError(
            f"{label}{value}: after the secret's name ECS takes all three of "
            ":JSON_KEY:VERSION_STAGE:VERSION_ID, or none",
            hint="leave the ones you do not use empty, e.g. ...:secret:db-AbCdEf:password::",
        )
    return SecretRef(SECRETS_MANAGER, partition, region, account, fields[0])


def read_leniently(value: str, home: Home) -> SecretRef | None:
    """A ``valueFrom`` that eden did not write (the reference's): parsed when it can be."""
    try:
        return parse_value_from(value, home)
    except UsageError:
        return None


# --- patterns ---------------------------------------------------------------------------
def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a deny or allow pattern (None: it can)."""
    if not pattern:
        return "an empty pattern"
    if not _PATTERN_CHARS_RE.fullmatch(pattern):
        return (
            f"{pattern!r} has a character no secret name or ARN has (wildcards are * and "
            "? only, as in IAM)"
        )
    if pattern.startswith("arn:"):
        parts = pattern.split(":")
        service = parts[2] if len(parts) > 2 else ""
        if len(parts) < 6:
            return (
                f"{pattern!r} is not a whole ARN pattern "
                "(arn:PARTITION:SERVICE:REGION:ACCOUNT:...)"
            )
        if not any(glob_re(service).fullmatch(s) for s in SERVICES):
            return f"{pattern!r} names service {service!r}: secrets are in secretsmanager or ssm"
    return None


def glob_re(pattern: str) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one; the rest literal."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL)


def matches(pattern: str, value: str, home: Home) -> bool:
    """Whether ``pattern`` covers the secret ``value`` names."""
    ref = read_leniently(value, home)
    if pattern.startswith("arn:"):
        candidates = ref.arns() if ref else {value}
    else:
        candidates = ref.names() if ref else {value.removeprefix("/")}
        pattern = pattern.removeprefix("/")
    glob = glob_re(pattern)
    return any(glob.fullmatch(c) for c in candidates)


def first_match(patterns: Iterable[str], value: str, home: Home) -> str | None:
    """The first of ``patterns`` that covers ``value``, if any."""
    return next((p for p in patterns if matches(p, value, home)), None)


# --- redaction --------------------------------------------------------------------------
# Words in a variable's name that say its value is a secret. Whole words of the name
# (split at _ . -) for the short ones, anywhere for the long ones (DBPASSWORD, APITOKEN).
_SECRET_ANYWHERE = (
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "PRIVATE", "CREDENTIAL",
    "AUTHORIZATION", "SIGNATURE", "SALT", "DSN",
)  # fmt: skip
_SECRET_WORDS = frozenset({"KEY", "PWD", "PASS", "PW", "AUTH"})
# Per process: a fingerprint tells two values apart here and means nothing anywhere else.
_FINGERPRINT_KEY = _random.token_bytes(16)


def looks_secret(name: str) -> bool:
    upper = name.upper()
    words = set(re.split(r"[_.\-]+", upper))
    return bool(words & _SECRET_WORDS) or any(w in upper for w in _SECRET_ANYWHERE)


def redact(name: str, value: str) -> str:
    """``value`` as eden shows it: ``****`` for a secret-looking name (an empty value
    stays empty: it reveals nothing), a URL without its password, else as it is."""
    if looks_secret(name):
        return REDACTED if value else ""
    return _URL_PASSWORD_RE.sub(rf"\g<1>{REDACTED}\g<3>", value, count=1)


def fingerprint(name: str, value: str) -> str:
    """A redacted value that still compares (``eden diff`` tells a changed secret from an
    unchanged one): ``**** (3f2a9c1d)``, keyed per process so it cannot be looked up."""
    shown = redact(name, value)
    if shown == value:
        return value
    digest = hmac.new(_FINGERPRINT_KEY, value.encode(), hashlib.sha256).hexdigest()[:8]
    return f"{shown} ({digest})"
