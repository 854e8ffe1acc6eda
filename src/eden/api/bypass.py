"""CI's way past sign-in: the waker as a small reverse proxy (``[access] bypass_header``).

The ALB's bypass rule (``envs/resources/bypass_rule.py``) sends every request to the zone
that carries the bypass header with the secret to the waker target group, past the
environments' rules and their sign-in. The ALB only routes: it compares header values
case-insensitively and with wildcards, so the secret is checked again here, exactly.

For such a request:

* the ``Host`` must be one of a served profile's environments (else 404, as the waker
  answers any unknown host), and the profile must have a bypass with this header;
* the header's value must equal the secret in ``[access] bypass_secret_env`` of this
  process (compared in constant time); a wrong value, an empty one, or no secret set here
  all get the same 403, which never says which it was;
* a sleeping or waking environment is woken as any request to it would (the waker's
  answer); an awake one is proxied: method, path, query, body and headers (minus the
  hop-by-hop ones and the bypass header itself, which the application never sees) to one
  healthy target of the service's target group (DescribeTargetHealth, kept ``TARGETS_TTL``
  seconds), its answer streamed back. A body over ``MAX_BODY`` gets 413, no healthy
  target 503 with ``Retry-After``, a target that does not answer 502, a slow one 504.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import httpx
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from eden.config import Profile
from eden.config.access import bypass_secret
from eden.core import naming
from eden.errors import EdenError, UsageError

log = logging.getLogger("eden.waker.bypass")
MAX_BODY = 10 * 1024 * 1024  # bytes of a request body the proxy takes
TARGETS_TTL = 5.0  # seconds a target group's healthy targets are trusted
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0  # the ALB's default idle timeout
RETRY_AFTER = 5
# Headers of one connection, not of the request (RFC 9110 7.6.1), and the length, which
# the proxy sets itself.
HOP_BY_HOP = frozenset((
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade", "proxy-connection", "content-length",
))  # fmt: skip
_NO_STORE = {"Cache-Control": "no-store"}


def secret_matches(given: str | None, wanted: str | None) -> bool:
    """The header's value is the secret: exact, in time that does not depend on where
    they differ; False when either is missing or empty."""
    if not given or not wanted:
        return False
    return hmac.compare_digest(given.encode(), wanted.encode())


def forwarded_headers(
    headers: Iterable[tuple[str, str]], drop: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """The headers to pass on: without the hop-by-hop ones, those the ``Connection``
    header names, and ``drop`` (the bypass header: the application never sees the secret)."""
    pairs = list(headers)
    listed = {
        token.strip().lower()
        for key, value in pairs
        if key.lower() == "connection"
        for token in value.split(",")
    }
    skip = HOP_BY_HOP | listed | {d.lower() for d in drop}
    return [(k, v) for k, v in pairs if k.lower() not in skip]


def host_groups(profile: Profile, record: Any) -> dict[str, str]:
    """Host -> the target group of the service it routes to, from the stored names (as
    ``sleep_plan.hosts_of`` derives a group's hosts)."""
    groups = {s.role: s.target_group_arn for s in record.services if s.target_group_arn}
    if not groups:
        return {}
    out = {record.host.lower(): next(iter(groups.values()))}
    base = record.stored_names()
    if not profile.is_group or base is None:
        return out
    for member in profile.services:
        if member.role not in groups:
            continue
        try:
            names = naming.member_names(base, role=member.role, name_prefix=profile.name_prefix,
                                        domain_prefix=member.domain_prefix)  # fmt: skip
        except UsageError:
            continue
        out[names.host.lower()] = str(groups[member.role])
    return out


class Targets:
    """Healthy targets of a target group, read at most every ``ttl`` seconds each."""

    def __init__(
        self, ttl: float = TARGETS_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._kept: dict[str, tuple[float, tuple[tuple[str, int], ...]]] = {}
        self._turns = itertools.count()
        self._lock = threading.Lock()

    def healthy(
        self, arn: str, read: Callable[[str], list[dict[str, Any]]]
    ) -> tuple[tuple[str, int], ...]:
        with self._lock:
            kept = self._kept.get(arn)
        if kept is not None and self.clock() < kept[0]:
            return kept[1]
        found = tuple(
            (str(t["Target"]["Id"]), int(t["Target"]["Port"]))
            for t in read(arn)
            if t.get("TargetHealth", {}).get("State") == "healthy" and t["Target"].get("Port")
        )
        with self._lock:
            self._kept[arn] = (self.clock() + self.ttl, found)
        return found

    def pick(self, targets: tuple[tuple[str, int], ...]) -> tuple[str, int] | None:
        return sorted(targets)[next(self._turns) % len(targets)] if targets else None


def _text(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return PlainTextResponse(message + "\n", status, {**_NO_STORE, **(headers or {})})


FORBIDDEN = "the bypass header's value is not accepted here"


class Proxy:
    """Checks the secret and proxies one request to the environment's task."""

    def __init__(self, targets: Targets | None = None, environ: Mapping[str, str] = os.environ):
        self.targets = targets or Targets()
        self.environ = environ
        timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)

    def allowed(self, profile: Profile, given: str | None) -> bool:
        try:
            wanted = bypass_secret(profile.access, self.environ)
        except EdenError as exc:  # a malformed secret here: refused, and said in the log
            log.warning("the bypass secret of profile %s is unusable: %s", profile.name,
                        exc.message)  # fmt: skip
            return False
        if wanted is None:
            log.warning("a bypass request for profile %s, but $%s is not set for the waker",
                        profile.name, profile.access.bypass_secret_env if profile.access else "")
        return secret_matches(given, wanted)

    def forward(
        self, target_group: str, read: Callable[[str], list[dict[str, Any]]],
        method: str, path: str, headers: list[tuple[str, str]], body: bytes,
    ) -> Response:  # fmt: skip
        target = self.targets.pick(self.targets.healthy(target_group, read))
        if target is None:
            return _text(503, "the environment has no healthy task right now; retry shortly",
                         {"Retry-After": str(RETRY_AFTER)})  # fmt: skip
        host, port = target
        request = self.client.build_request(
            method, f"http://{host}:{port}{path}", headers=headers, content=body
        )
        try:
            answer = self.client.send(request, stream=True)
        except httpx.TimeoutException:
            return _text(504, f"the environment's task did not answer within {READ_TIMEOUT:.0f} s")
        except httpx.HTTPError as exc:
            return _text(502, f"the environment's task did not answer ({type(exc).__name__})")
        # The server adds its own Date and Server; repeated names (Set-Cookie) are kept.
        kept = forwarded_headers(answer.headers.multi_items(), drop=("date", "server"))
        # (closed by the stream's end, or after the answer when the client went away)
        response = StreamingResponse(_stream(answer), answer.status_code,
                                     background=BackgroundTask(answer.close))  # fmt: skip
        response.raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                 for k, v in kept]  # fmt: skip
        return response

    def close(self) -> None:
        self.client.close()


def _stream(answer: httpx.Response) -> Iterator[bytes]:
    try:
        yield from answer.iter_raw()
    except httpx.HTTPError as exc:  # the answer is on its way: it can only be cut short
        log.warning("the environment's answer broke off: %s", exc)
    finally:
        answer.close()

