"""The waker: what a request to a sleeping environment's URL reaches, and what wakes it.

A sleeping environment's listener rule forwards to the waker target group of its ALB,
whose one IP target is this app (``eden serve --waker-port``). It is its own app on its
own port, not a route of the API: the ALB exposes it to the internet, and through it
nothing but the waker may be reached (no API route, no dashboard, no /docs).

For each request:

* the ``Host`` header must be a DNS name (at most 253 characters of letters, digits,
  dots and hyphens; a port is dropped) that is the host of an environment of a profile
  this server serves; anything else gets 404 and touches nothing (no AWS call, and the
  state store is read at most once a second however many unknown hosts arrive);
* a sleeping environment is woken once per cool-down (``[sleep] cooldown_seconds``),
  across every replica: the first request takes a lease in the state store that is
  never released, only left to expire, and only its holder calls UpdateService, from a
  background thread (the request itself is answered at once);
* a waking one is checked at most every 2 s (another lease): once every target group has
  a healthy target its rules go back to the environment's groups;
* the answer is a small page that refreshes itself (``Accept: text/html``), or 503 with
  ``Retry-After`` for API clients; either way nothing about the environment but its host.

A request carrying a profile's CI bypass header (``[access] bypass_header``) came through
the ALB's bypass rule, past sign-in: ``api/bypass.py`` checks its secret and proxies it
to the environment (a sleeping one is woken as above).
"""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from eden.api import bypass
from eden.api.metrics import Metrics
from eden.api.registry import Registry
from eden.envs.engine import Engine
from eden.envs.sleep import Power
from eden.envs.sleep_plan import WAKER_HEALTH_PATH, hosts_of
from eden.errors import EdenError, LockedError
from eden.state.leases import LockPolicy, new_owner, shared_key

log = logging.getLogger("eden.waker")
HOST_MAX = 253
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
RETRY_AFTER = 5  # seconds: an API client's next try; the page refreshes every 2 s
CHECK_EVERY = 2.0  # seconds between health checks of one waking environment
MAP_TTL = 1.0  # seconds the host map is trusted before the state store is read again
FINISH_WITHIN = 900.0  # seconds a background finisher waits for healthy targets
NO_WAIT = LockPolicy(mode="fail", ttl=30.0)


def clean_host(raw: str | None) -> str | None:
    """The request's host as a DNS name (lower case, no port), or None when it is not one."""
    if not raw or len(raw) > HOST_MAX + 6:
        return None
    host = raw.strip().lower()
    if host.count(":") == 1:
        host, _, port = host.partition(":")
        if not port.isdigit():
            return None
    host = host.removesuffix(".")
    if len(host) > HOST_MAX or not _HOST_RE.fullmatch(host):
        return None
    return host


def page(host: str) -> str:
    shown = html.escape(host)
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        '<meta http-equiv="refresh" content="2">'
        f"<title>Waking up {shown}</title></head>"
        "<body style=\"font-family:sans-serif;text-align:center;margin-top:20vh\">"
        f"<h1>Waking up {shown}</h1>"
        "<p>This preview environment was asleep to save cost. Its tasks are starting; "
        "this page reloads by itself until they answer.</p></body></html>"
    )


@dataclass(frozen=True)
class Target:
    profile: str
    name: str


class Waker:
    """Finds the environment of a host, wakes it once, and finishes the wake."""

    def __init__(
        self, registry: Registry, metrics: Metrics, *, clock: Callable[[], float] = time.time,
        background: bool = True,
    ):  # fmt: skip
        self.registry = registry
        self.metrics = metrics
        self.clock = clock
        # False on Lambda, which freezes the process once it has answered: the wake runs
        # before the answer (one UpdateService), and the page's reloads finish it.
        self.background = background
        self._map: dict[str, Target] = {}
        self._built = float("-inf")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._finishers: dict[Target, threading.Thread] = {}
        self._threads: list[threading.Thread] = []  # every one started, joined at close
        self.proxy = bypass.Proxy()

    def lookup(self, host: str) -> Target | None:
        with self._lock:
            if time.monotonic() - self._built >= MAP_TTL:
                self._map = self._build()
                self._built = time.monotonic()
            return self._map.get(host)

    def _build(self) -> dict[str, Target]:
        found: dict[str, Target] = {}
        for profile in self.registry.all_profiles():
            for record in self.registry.store(profile).list_envs(profile.name):
                for host in hosts_of(profile, record):
                    found[host] = Target(profile.name, record.name)
        return found

    def answer(self, raw_host: str | None, accept: str) -> Response:
        host = clean_host(raw_host)
        target = self.lookup(host) if host else None
        if host is None or target is None:
            self.metrics.waker("unknown-host")
            return PlainTextResponse("no preview environment has this host\n", 404)
        engine = self.registry.engine(target.profile)
        record = engine.store.get(target.profile, target.name)
        if record is None:
            self.metrics.waker("unknown-host")
            return PlainTextResponse("no preview environment has this host\n", 404)
        if record.power == "sleeping":
            self._wake(engine, target)
        elif record.power == "waking":
            self._check(engine, target)
        self.metrics.waker(record.power)
        headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
        if "text/html" in accept:
            return Response(page(host), 503, headers, media_type="text/html")
        return PlainTextResponse(f"{host} is waking up; retry in a few seconds\n", 503, headers)

    def bypass_headers(self) -> set[str]:
        """The CI bypass headers of the profiles served (lower case)."""
        return {
            p.access.bypass_header
            for p in self.registry.all_profiles()
            if p.access is not None and p.access.bypass_header
        }

    def through(self, headers: Any, method: str, path: str, body: bytes) -> Response:
        """A request that came through an ALB's bypass rule: checked, then proxied to the
        environment (or, asleep, answered as any request to it)."""
        host = clean_host(headers.get("host"))
        target = self.lookup(host) if host else None
        engine = self.registry.engine(target.profile) if target else None
        access = engine.profile.access if engine else None
        if host is None or engine is None or target is None:
            self.metrics.waker("unknown-host")
            return PlainTextResponse("no preview environment has this host\n", 404)
        if access is None or not access.bypass_header or access.bypass_header not in headers:
            return self.answer(host, headers.get("accept", ""))  # another profile's header
        if not self.proxy.allowed(engine.profile, headers.get(access.bypass_header)):
            self.metrics.waker("bypass-refused")
            return PlainTextResponse(bypass.FORBIDDEN + "\n", 403, {"Cache-Control": "no-store"})
        record = engine.store.get(target.profile, target.name)
        group = bypass.host_groups(engine.profile, record).get(host) if record else None
        if record is None or group is None:
            self.metrics.waker("unknown-host")
            return PlainTextResponse("no preview environment has this host\n", 404)
        if record.power != "awake":
            return self.answer(host, headers.get("accept", ""))
        self.metrics.waker("bypass")
        sent = bypass.forwarded_headers(headers.items(), drop=(access.bypass_header,))
        return self.proxy.forward(group, engine.aws.elbv2.target_health, method, path, sent, body)

    def _wake(self, engine: Engine, target: Target) -> None:
        """Only the request that takes the cool-down lease wakes (on any replica); the
        wake itself runs in the background, so even that request is answered at once."""
        key = shared_key(f"wake:{target.profile}:{target.name}")
        owner = new_owner()
        cooldown = float(engine.profile.sleep.cooldown_seconds)
        if not engine.store.acquire_lock(key, owner, cooldown, self.clock()):
            return

        def wake() -> bool:
            try:
                Power(engine).wake(target.name, by="a request to its URL", policy=NO_WAIT)
            except LockedError:
                engine.store.release_lock(key, owner)  # a deploy holds it: the next request
                return False
            except EdenError as exc:
                log.warning("waking %s/%s failed: %s", target.profile, target.name, exc.message)
                self.metrics.waker("wake-failed")
                return False
            log.info("woke %s/%s on a request to its URL", target.profile, target.name)
            self.metrics.wake(target.profile)
            return True

        self.finish_later(engine, target, first=wake)

    def _check(self, engine: Engine, target: Target) -> None:
        key = shared_key(f"wake-check:{target.profile}:{target.name}")
        if engine.store.acquire_lock(key, new_owner(), CHECK_EVERY, self.clock()):
            self._finish(engine, target)

    def _finish(self, engine: Engine, target: Target) -> str:
        try:
            return Power(engine).finish(target.name, policy=NO_WAIT)
        except LockedError:
            return "waking"
        except EdenError as exc:
            log.warning("finishing the wake of %s failed: %s", target.name, exc.message)
            return "waking"

    def finish_later(
        self, engine: Engine, target: Target, first: Callable[[], bool] | None = None
    ) -> None:
        """A thread that runs ``first`` (the wake), then restores the rules once the
        targets are healthy, so a wake finishes even when no further request arrives.
        Without background threads (Lambda): both at once, and later requests finish it."""
        if not self.background:
            if first is None or first():
                self._finish(engine, target)
            return

        def run() -> None:
            if first is not None and not first():
                return
            deadline = time.monotonic() + FINISH_WITHIN
            while not self._stop.wait(CHECK_EVERY / 4):
                if self._finish(engine, target) != "waking" or time.monotonic() > deadline:
                    return

        with self._lock:
            running = self._finishers.get(target)
            if running is not None and running.is_alive() and first is None:
                return
            thread = threading.Thread(target=run, name=f"waker:{target.name}", daemon=True)
            self._finishers[target] = thread
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=10)
        self.proxy.close()


def create_waker_app(waker: Waker) -> FastAPI:
    """The waker's own app: its health check, and every other path to ``answer``."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.waker = waker

    @app.get(WAKER_HEALTH_PATH)
    def health() -> PlainTextResponse:
        return PlainTextResponse("ok\n")

    def guarded(answer: Callable[[], Response]) -> Response:
        try:
            return answer()
        except EdenError as exc:  # the state store or AWS: say so, and to come back
            log.warning("the waker could not answer: %s", exc.message)
            waker.metrics.waker("error")
            return PlainTextResponse(
                "the waker cannot reach its state store or AWS right now; retry shortly\n",
                503, {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"},
            )

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                            "OPTIONS"])  # fmt: skip
    async def wake(request: Request) -> Response:
        headers = request.headers
        named = await run_in_threadpool(guarded_headers, waker)
        if named & set(headers.keys()):
            body = await bounded_body(request)
            if body is None:
                return PlainTextResponse(f"the body is larger than {bypass.MAX_BODY} bytes\n",
                                         413)  # fmt: skip
            raw = request.scope.get("raw_path") or request.url.path.encode()
            path = raw.decode("latin-1") + (f"?{request.url.query}" if request.url.query else "")
            return await run_in_threadpool(
                guarded, lambda: waker.through(headers, request.method, path, body)
            )
        return await run_in_threadpool(
            guarded, lambda: waker.answer(headers.get("host"), headers.get("accept", ""))
        )

    return app


def guarded_headers(waker: Waker) -> set[str]:
    try:
        return waker.bypass_headers()
    except EdenError as exc:  # a broken profiles file: no bypass until it is mended
        log.warning("the waker could not read the profiles: %s", exc.message)
        return set()


async def bounded_body(request: Request) -> bytes | None:
    """The request's body, or None when it is larger than the proxy takes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > bypass.MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > bypass.MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
