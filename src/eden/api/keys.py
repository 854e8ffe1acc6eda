"""API keys without the web framework: issue and verify (``eden apikey`` uses these too).

Only a SHA-256 of each secret is stored, so a leaked state file grants nothing. Secrets
are long random tokens, so an unsalted fast hash is enough (there is nothing to brute
force); the lookup is by hash and the final comparison is constant-time. Kept free of
FastAPI so the CLI manages keys without the ``api`` extra installed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from eden.errors import UsageError
from eden.state.base import ApiKey, StateStore

SCOPES = ("read", "write")
SECRET_PREFIX = "eden_"
MAX_SECRET_LEN = 256


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_key(store: StateStore, name: str, scope: str) -> tuple[ApiKey, str]:
    """A new key and its secret. The secret is returned once and never stored."""
    if scope not in SCOPES:
        raise UsageError(f"scope must be read or write, got {scope!r}")
    name = name.strip()
    if not name or len(name) > 100:
        raise UsageError("the key's name must be 1-100 characters", hint="e.g. --name ci-github")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=secrets.token_hex(6),
        name=name,
        secret_hash=hash_secret(secret),
        scope=scope,
        created_at=time.time(),
    )
    store.put_api_key(key)
    return key, secret


def verify(store: StateStore, secret: str | None) -> ApiKey | None:
    """The live key this secret belongs to, or None."""
    if not secret or len(secret) > MAX_SECRET_LEN:
        return None
    digest = hash_secret(secret)
    key = store.find_api_key(digest)
    if key is None or key.revoked:
        return None
    return key if hmac.compare_digest(key.secret_hash, digest) else None
