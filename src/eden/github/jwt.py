"""The JSON Web Token a GitHub App signs to ask for installation tokens (RS256).

A JWT is three base64url parts; the only hard part is the RSA signature, which
``cryptography`` does (RSASSA-PKCS1-v1_5 with SHA-256, what RS256 means). No JWT library:
eden only ever signs this one shape of token. GitHub accepts at most 10 minutes of
validity and recommends back-dating ``iat`` by 60 s against clock drift.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from eden.errors import ConfigError

LIFETIME = 540  # seconds after ``now``; GitHub refuses more than 600 in all
BACKDATE = 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _load_key(pem: str) -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:  # pragma: no cover - part of the api extra
        raise ConfigError(
            "signing as a GitHub App needs the `cryptography` package",
            hint="pip install 'eden[api]' (or pip install cryptography)",
        ) from None
    try:
        key = load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"the GitHub App private key is not a usable PEM key: {exc}",
            hint="use the .pem file GitHub generated for the App (private_key_file)",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("the GitHub App private key must be an RSA key (GitHub makes RSA)")
    return key


def app_jwt(app_id: str, private_key_pem: str, now: float) -> str:
    """A JWT for ``GET /repos/.../installation`` and ``POST .../access_tokens``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = _load_key(private_key_pem)
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {"iat": int(now) - BACKDATE, "exp": int(now) + LIFETIME, "iss": str(app_id)}
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"
