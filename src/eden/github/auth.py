"""Who eden is on GitHub: a token, or a GitHub App acting through installation tokens.

An App signs a short JWT (``jwt.py``), finds the installation on a repository (the
webhook says it; otherwise ``GET /repos/{owner}/{repo}/installation``) and exchanges the
JWT for an installation token, which is cached until a minute before it expires. Only an
App may create check runs; a token falls back to commit statuses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from eden.github.jwt import app_jwt

REFRESH_MARGIN = 60.0  # seconds before expiry that a cached installation token is renewed

Fetch = Callable[[str, str, str], dict[str, Any]]  # (method, path, bearer) -> JSON


class Auth(Protocol):
    uses_app: bool

    def header(self, repository: str | None, fetch: Fetch) -> str:
        """The Authorization header value for a call about ``repository``."""
        ...

    def forget(self, repository: str | None) -> None:
        """Drop a cached credential GitHub refused (401), so the next call gets a new one."""
        ...


class TokenAuth:
    uses_app = False

    def __init__(self, token: str):
        self._token = token

    def header(self, repository: str | None, fetch: Fetch) -> str:
        return f"Bearer {self._token}"

    def forget(self, repository: str | None) -> None:
        return None


class AppAuth:
    uses_app = True

    def __init__(self, app_id: str, private_key: str, clock: Callable[[], float] = time.time):
        self.app_id = app_id
        self._key = private_key
        self._clock = clock
        self._lock = threading.Lock()
        self._installations: dict[str, int] = {}
        self._tokens: dict[int, tuple[str, float]] = {}  # installation -> (token, expires)

    def remember_installation(self, repository: str, installation_id: int) -> None:
        """The webhook names the installation: no lookup needed for that repository."""
        with self._lock:
            self._installations[repository.lower()] = installation_id

    def jwt(self) -> str:
        return app_jwt(self.app_id, self._key, self._clock())

    def header(self, repository: str | None, fetch: Fetch) -> str:
        if repository is None:
            return f"Bearer {self.jwt()}"
        installation = self._installation(repository, fetch)
        now = self._clock()
        with self._lock:
            cached = self._tokens.get(installation)
        if cached is not None and cached[1] - REFRESH_MARGIN > now:
            return f"Bearer {cached[0]}"
        answer = fetch(
            "POST", f"/app/installations/{installation}/access_tokens", f"Bearer {self.jwt()}"
        )
        token = str(answer["token"])
        expires = _epoch(str(answer.get("expires_at", ""))) or now + 3600.0
        with self._lock:
            self._tokens[installation] = (token, expires)
        return f"Bearer {token}"

    def _installation(self, repository: str, fetch: Fetch) -> int:
        key = repository.lower()
        with self._lock:
            known = self._installations.get(key)
        if known is not None:
            return known
        answer = fetch("GET", f"/repos/{repository}/installation", f"Bearer {self.jwt()}")
        installation = int(answer["id"])
        self.remember_installation(repository, installation)
        return installation

    def forget(self, repository: str | None) -> None:
        if repository is None:
            return
        with self._lock:
            installation = self._installations.get(repository.lower())
            if installation is not None:
                self._tokens.pop(installation, None)


def _epoch(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
