"""HTTP to GitHub's REST API: authentication, retries, and both kinds of rate limit.

Every call goes through ``Transport.call``. GitHub's rules, followed here:

* **Secondary rate limits** answer 403 or 429, usually with ``retry-after`` (seconds);
  without it GitHub asks to wait at least a minute.
* **The primary rate limit** answers 403 or 429 with ``x-ratelimit-remaining: 0`` and
  ``x-ratelimit-reset`` (epoch seconds); no call is sent again before that moment.
* **5xx and lost connections** are retried with a short backoff.

eden never waits longer than ``max_wait`` per call in all: a longer limit raises
``GitHubRateLimited`` and the report is retried later, so GitHub can never hold up an
environment operation for long.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from eden import __version__
from eden.github.auth import Auth
from eden.github.errors import GitHubError, GitHubRateLimited, GitHubUnreachable

log = logging.getLogger("eden.github")

API_VERSION = "2022-11-28"
MAX_ATTEMPTS = 5
RETRY_STATUSES = (500, 502, 503, 504)
SECONDARY_DEFAULT_WAIT = 60.0  # GitHub: "wait at least one minute" when it gives no time
MAX_PAGES = 30


class Transport:
    def __init__(
        self,
        base_url: str,
        auth: Auth,
        *,
        timeout: float = 10.0,
        max_wait: float = 10.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._http = http or httpx.Client(timeout=timeout, follow_redirects=False)
        self._lock = threading.Lock()
        self._exhausted_until = 0.0  # the primary limit's reset, once it reached 0

    def close(self) -> None:
        self._http.close()

    # --- the calls --------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        repository: str | None,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """One call; its JSON answer (None for 204). Non-2xx raises ``GitHubError``."""
        response = self._exchange(method, path, repository, json, params)
        return _json(response) if response.status_code != 204 else None

    def pages(
        self, path: str, *, repository: str, params: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a listed resource, following ``Link: rel="next"``."""
        url: str | None = path
        query: dict[str, Any] | None = {"per_page": 100, **(params or {})}
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self._exchange("GET", url, repository, None, query)
            items = _json(response)
            yield from items if isinstance(items, list) else []
            nxt = response.links.get("next", {}).get("url")
            url, query = (nxt, None) if nxt else (None, None)

    # --- one exchange, with its retries -------------------------------------------------
    def _exchange(
        self,
        method: str,
        path: str,
        repository: str | None,
        body: Any,
        params: dict[str, Any] | None,
        bearer: str | None = None,
    ) -> httpx.Response:
        url = path if path.startswith("http") else self.base_url + path
        where = f"{method} {path}"
        waited = 0.0
        refreshed = False
        for attempt in range(MAX_ATTEMPTS):
            waited += self._wait_for_primary_reset(where, waited)
            headers = self._headers(repository, bearer)
            try:
                response = self._http.request(
                    method, url, headers=headers, json=body, params=params
                )
            except httpx.TransportError as exc:
                waited += self._backoff(attempt, waited, where, f"no answer ({exc})")
                continue
            self._note_primary(response)
            status = response.status_code
            if status in RETRY_STATUSES:
                waited += self._backoff(attempt, waited, where, f"answered {status}")
                continue
            wait = self._rate_limit_wait(response)
            if wait is not None:
                waited += self._limited(wait, waited, where)
                continue
            if status == 401 and bearer is None and not refreshed and self.auth.uses_app:
                self.auth.forget(repository)  # an installation token revoked or expired early
                refreshed = True
                continue
            if status >= 400:
                raise _refused(response, where)
            return response
        raise GitHubUnreachable(f"GitHub did not answer {where} after {MAX_ATTEMPTS} tries")

    def _headers(self, repository: str | None, bearer: str | None) -> dict[str, str]:
        authorization = bearer or self.auth.header(repository, self._fetch_for_auth)
        return {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"eden/{__version__}",
            "Authorization": authorization,
        }

    def _fetch_for_auth(self, method: str, path: str, bearer: str) -> dict[str, Any]:
        answer = _json(self._exchange(method, path, None, None, None, bearer=bearer))
        if not isinstance(answer, dict):
            raise GitHubError(f"GitHub's answer to {method} {path} is not an object")
        return answer

    # --- waiting ---------------------------------------------------------------------
    def _backoff(self, attempt: int, waited: float, where: str, what: str) -> float:
        delay: float = min(0.25 * float(1 << attempt), 4.0)
        if attempt + 1 >= MAX_ATTEMPTS or waited + delay > self.max_wait:
            raise GitHubUnreachable(
                f"GitHub {what} for {where}",
                hint="eden tries again with the next event for this pull request",
            )
        log.info("GitHub %s for %s; retrying in %.2fs", what, where, delay)
        self._sleep(delay)
        return delay

    def _limited(self, wait: float, waited: float, where: str) -> float:
        if waited + wait > self.max_wait:
            raise GitHubRateLimited(
                f"GitHub's rate limit holds {where} for {wait:.0f}s more", reset_in=wait
            )
        log.info("GitHub rate-limited %s; waiting %.1fs", where, wait)
        self._sleep(wait)
        return wait

    def _wait_for_primary_reset(self, where: str, waited: float) -> float:
        with self._lock:
            remaining = self._exhausted_until - self._clock()
        if remaining <= 0:
            return 0.0
        return self._limited(remaining, waited, where)

    def _note_primary(self, response: httpx.Response) -> None:
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = _float(response.headers.get("x-ratelimit-reset"))
            if reset is not None:
                with self._lock:
                    self._exhausted_until = max(self._exhausted_until, reset)

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when the answer is a rate limit; None when it is not one."""
        if response.status_code not in (403, 429):
            return None
        retry_after = _float(response.headers.get("retry-after"))
        if retry_after is not None:
            return max(0.0, retry_after)
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = _float(response.headers.get("x-ratelimit-reset")) or self._clock()
            return max(0.0, reset - self._clock())
        if "rate limit" in _message(response).lower() or response.status_code == 429:
            return SECONDARY_DEFAULT_WAIT
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise GitHubError(
            f"GitHub's answer ({response.status_code}) is not JSON", status=response.status_code
        ) from None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _refused(response: httpx.Response, where: str) -> GitHubError:
    status = response.status_code
    message = _message(response) or response.reason_phrase
    hints = {
        401: "the token or App credentials are wrong or expired",
        403: "the token or App lacks a permission (deployments, issues, checks or "
        "statuses: write; pull requests: read)",
        404: "the repository or pull request does not exist, or eden may not see it",
    }
    return GitHubError(
        f"GitHub answered {status} to {where}: {message}", status=status, hint=hints.get(status)
    )
