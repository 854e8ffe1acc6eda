"""The FastAPI side of API keys: where a request carries its key, and the dependencies
that guard each route. Every refusal gets the same body, so a caller cannot tell a wrong
key from a revoked one. Issuing and verifying live in ``keys`` (no FastAPI there).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from eden.api.keys import SCOPES, hash_secret, issue_key, verify
from eden.api.problems import UNAUTHORIZED_MESSAGE, ApiProblem
from eden.state.base import ApiKey, StateStore

__all__ = ["SCOPES", "hash_secret", "issue_key", "requires", "secret_from", "verify"]


def secret_from(request: Request) -> str | None:
    """``x-api-key`` (the 2019 header) or ``Authorization: Bearer``."""
    header = request.headers.get("x-api-key")
    if header:
        return header.strip()
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


UNAUTHORIZED = ApiProblem(
    401, "Unauthorized", UNAUTHORIZED_MESSAGE, headers={"WWW-Authenticate": 'Bearer realm="eden"'}
)


def requires(scope: str, store_of: Callable[[Request], StateStore]) -> Callable[[Request], ApiKey]:
    """A dependency admitting keys with ``scope`` (write implies read)."""

    def dependency(request: Request) -> ApiKey:
        key = verify(store_of(request), secret_from(request))
        if key is None:
            raise UNAUTHORIZED
        if scope == "write" and key.scope != "write":
            raise ApiProblem(403, "Forbidden", "this API key is read-only; this call needs write")
        request.state.api_key = key
        return key

    return dependency
