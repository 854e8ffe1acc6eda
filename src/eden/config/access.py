"""``[profiles.NAME.access]``: previews behind the company's sign-in, with a way in for CI.

Each environment's listener rule gets an ``authenticate-oidc`` (any OpenID Connect
provider) or ``authenticate-cognito`` action before its ``forward``: the ALB signs people
in and only then passes the request on. With ``bypass_header``, CI gets past the sign-in
with a shared secret in that header: one rule per ALB (not per environment) sends such
requests to eden's waker, which checks the secret and proxies to the environment
(``envs/resources/bypass_rule.py``, ``api/bypass.py``, docs/teams.md).

Secrets never sit in the profile file: the OIDC client secret and the CI bypass value
are read from environment variables when a rule is made (``client_secret_env``,
``bypass_secret_env``), and never written to state, plans or logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from eden.config.fields import refuse_unknown
from eden.errors import ConfigError

KINDS = ("oidc", "cognito")
OIDC_URLS = ("issuer", "authorization_endpoint", "token_endpoint", "user_info_endpoint")
FIELDS = (
    "type",
    *OIDC_URLS,
    "client_id",
    "client_secret_env",
    "scope",
    "session_timeout",
    "user_pool_arn",
    "user_pool_client_id",
    "user_pool_domain",
    "bypass_header",
    "bypass_secret_env",
)
DEFAULT_SECRET_ENV = "EDEN_OIDC_CLIENT_SECRET"
DEFAULT_BYPASS_ENV = "EDEN_BYPASS_SECRET"
MAX_SESSION_TIMEOUT = 604_800  # seconds: what the ALB accepts at most (7 days)
_HTTPS_RE = re.compile(r"^https://[^\s/]+(/\S*)?$")
_USER_POOL_RE = re.compile(r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/\S+$")
_HEADER_RE = re.compile(r"^[A-Za-z0-9-]{1,40}$")
_ENV_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# The bypass secret is an ALB http-header condition value: at most 128 characters, and
# ``*`` and ``?`` would be wildcards there (a secret "*" would let every value through).
BYPASS_SECRET_MIN, BYPASS_SECRET_MAX = 24, 128
_SECRET_RE = re.compile(r"^[A-Za-z0-9._~+/=-]+$")
_OWN_HEADERS = frozenset(
    ("host", "cookie", "authorization", "connection", "content-length", "content-type",
     "transfer-encoding", "upgrade", "te", "trailer", "keep-alive", "proxy-authorization")
)  # fmt: skip


@dataclass(frozen=True)
class Access:
    kind: str  # "oidc" or "cognito"
    settings: Mapping[str, Any]  # the ALB's AuthenticateOidcConfig / ...CognitoConfig, no secret
    client_secret_env: str = DEFAULT_SECRET_ENV
    bypass_header: str | None = None  # a request carrying it (with the secret) skips sign-in
    bypass_secret_env: str = DEFAULT_BYPASS_ENV
    table: Mapping[str, Any] | None = None  # as written in the file (to write it back)


def access_table(raw: Any, *, where: str) -> Access | None:
    """Validates ``[access]``; absent means previews are open to anyone who reaches them."""
    if raw is None:
        return None
    at = f"{where} [access]"
    if not isinstance(raw, Mapping):
        raise ConfigError("[access] must be a table", where=where)
    refuse_unknown(raw, FIELDS, where=at, table="access")
    kind = raw.get("type")
    if kind not in KINDS:
        raise ConfigError(
            f"access.type must be one of {', '.join(KINDS)}, got {kind!r}",
            where=at,
            hint='type = "oidc" (any OpenID Connect provider) or "cognito" (a user pool)',
        )
    settings = _oidc(raw, at) if kind == "oidc" else _cognito(raw, at)
    header = raw.get("bypass_header")
    if header is not None and (not isinstance(header, str) or not _HEADER_RE.fullmatch(header)):
        raise ConfigError(
            f"access.bypass_header {header!r} is not an HTTP header name",
            where=at,
            hint='use letters, digits and "-", e.g. bypass_header = "X-Eden-Bypass"',
        )
    if header is not None and _refused_header(header.lower()):
        raise ConfigError(
            f"access.bypass_header {header!r} is a header the ALB or browsers set themselves",
            where=at,
            hint='pick a header of your own, e.g. bypass_header = "X-Eden-Bypass"',
        )
    if header is None and "bypass_secret_env" in raw:
        raise ConfigError(
            "access.bypass_secret_env is set but access.bypass_header is not",
            where=at,
            hint='name the header CI sends, e.g. bypass_header = "X-Eden-Bypass", or remove '
            "bypass_secret_env",
        )
    return Access(
        kind=kind,
        settings=settings,
        client_secret_env=_env_name(raw, "client_secret_env", DEFAULT_SECRET_ENV, at),
        bypass_header=header.lower() if header else None,
        bypass_secret_env=_env_name(raw, "bypass_secret_env", DEFAULT_BYPASS_ENV, at),
        table=dict(raw),
    )


def _oidc(raw: Mapping[str, Any], at: str) -> dict[str, Any]:
    for key in (*OIDC_URLS, "client_id"):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f"access.{key} is missing",
                where=at,
                hint="copy it from your identity provider's OpenID configuration "
                "(https://IDP/.well-known/openid-configuration)",
            )
        if key in OIDC_URLS and not _HTTPS_RE.fullmatch(value):
            raise ConfigError(f"access.{key} {value!r} must be a full https:// URL", where=at)
    settings: dict[str, Any] = {
        "Issuer": raw["issuer"],
        "AuthorizationEndpoint": raw["authorization_endpoint"],
        "TokenEndpoint": raw["token_endpoint"],
        "UserInfoEndpoint": raw["user_info_endpoint"],
        "ClientId": raw["client_id"],
    }
    return settings | _common(raw, at)


def _cognito(raw: Mapping[str, Any], at: str) -> dict[str, Any]:
    arn = raw.get("user_pool_arn")
    if not isinstance(arn, str) or not _USER_POOL_RE.fullmatch(arn):
        raise ConfigError(
            f"access.user_pool_arn {arn!r} is not a Cognito user pool ARN",
            where=at,
            hint="like arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC",
        )
    for key in ("user_pool_client_id", "user_pool_domain"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ConfigError(f"access.{key} is missing", where=at)
    settings = {
        "UserPoolArn": arn,
        "UserPoolClientId": raw["user_pool_client_id"],
        "UserPoolDomain": raw["user_pool_domain"],
    }
    return settings | _common(raw, at)


def _common(raw: Mapping[str, Any], at: str) -> dict[str, Any]:
    scope = raw.get("scope", "openid")
    timeout = raw.get("session_timeout", MAX_SESSION_TIMEOUT)
    if not isinstance(scope, str) or not scope:
        raise ConfigError("access.scope must be a non-empty string", where=at)
    if isinstance(timeout, bool) or not isinstance(timeout, int):
        raise ConfigError("access.session_timeout must be a number of seconds", where=at)
    if not 1 <= timeout <= MAX_SESSION_TIMEOUT:
        raise ConfigError(
            f"access.session_timeout must be 1 to {MAX_SESSION_TIMEOUT} seconds (7 days)",
            where=at,
        )
    return {
        "Scope": scope,
        "SessionTimeout": timeout,
        "OnUnauthenticatedRequest": "authenticate",
    }


def _env_name(raw: Mapping[str, Any], key: str, default: str, at: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not _ENV_RE.fullmatch(value):
        raise ConfigError(
            f"access.{key} {value!r} is not an environment variable name",
            where=at,
            hint=f'the name of the variable that holds it, e.g. {key} = "{default}"',
        )
    return value


def _refused_header(name: str) -> bool:
    return name in _OWN_HEADERS or name.startswith(("x-forwarded-", "x-amzn-"))


def client_secret(access: Access | None, environ: Mapping[str, str]) -> str | None:
    """The OIDC client secret from the environment (None: not OIDC, or not set)."""
    if access is None or access.kind != "oidc":
        return None
    return environ.get(access.client_secret_env) or None


def require_client_secret(access: Access | None, environ: Mapping[str, str]) -> None:
    """Refuses, before anything is made, a new OIDC rule without its client secret."""
    if access is not None and access.kind == "oidc" and not client_secret(access, environ):
        raise ConfigError(
            f"the OIDC client secret is not set: ${access.client_secret_env} is empty",
            where="[access] client_secret_env",
            hint=f"export {access.client_secret_env}=... (your identity provider's client "
            "secret for this ALB); eden reads it only to make listener rules",
        )
    if access is not None and access.bypass_header and bypass_secret(access, environ) is None:
        raise ConfigError(
            f"the CI bypass secret is not set: ${access.bypass_secret_env} is empty",
            where="[access] bypass_secret_env",
            hint=f"export {access.bypass_secret_env}=$(openssl rand -hex 32) here and for "
            "`eden serve` (the waker checks it), and give CI the same value",
        )


class Secrets(TypedDict):
    client_secret: str | None
    bypass_secret: str | None


def secrets(access: Access | None, environ: Mapping[str, str]) -> Secrets:
    """What the executor's ``Apply`` carries: the secrets read from the environment (a
    malformed bypass secret is left out here: ``require_client_secret`` says what is wrong
    before a create makes anything, and commands that make no rule need none)."""
    try:
        bypass = bypass_secret(access, environ)
    except ConfigError:
        bypass = None
    return {"client_secret": client_secret(access, environ), "bypass_secret": bypass}


def bypass_secret(access: Access | None, environ: Mapping[str, str]) -> str | None:
    """The CI bypass secret (None: no bypass, or not set); refuses one an ALB condition
    cannot hold as a literal value."""
    if access is None or not access.bypass_header:
        return None
    value = environ.get(access.bypass_secret_env) or None
    if value is not None and not (
        BYPASS_SECRET_MIN <= len(value) <= BYPASS_SECRET_MAX and _SECRET_RE.fullmatch(value)
    ):
        raise ConfigError(
            f"${access.bypass_secret_env} is not a usable bypass secret: it must be "
            f"{BYPASS_SECRET_MIN}-{BYPASS_SECRET_MAX} characters of letters, digits and . _ ~ "
            "+ / = - (an ALB header condition takes at most 128, and * or ? are wildcards)",
            where="[access] bypass_secret_env",
            hint=f"export {access.bypass_secret_env}=$(openssl rand -hex 32)",
        )
    return value
