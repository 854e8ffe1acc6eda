"""Builds boto3 clients once, with eden's retry policy and an optional endpoint URL.

Nothing here runs at import time: a client exists only after ``AwsClients.client()``
is first called, so the CLI's ``--help`` never touches credentials and tests can point
every client at a moto server. The factory also records each call (and can inject a
fixed latency per call) so benchmarks can count calls and round trips on the critical
path without patching anything.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

from eden.aws.errors import add_translation


@dataclass(frozen=True)
class AwsSettings:
    """How to reach AWS. ``endpoint_url`` is set for the sandbox (moto server)."""

    region: str | None = None
    endpoint_url: str | None = None
    retry_mode: str = "standard"  # botocore: legacy | standard | adaptive
    max_attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_pool_connections: int = 64
    # Sandbox only: credentials moto accepts. Real AWS uses the default chain.
    access_key_id: str | None = None
    secret_access_key: str | None = None


@dataclass(frozen=True)
class CallRecord:
    """One AWS API call as the client saw it (start and end in monotonic seconds)."""

    service: str
    operation: str
    start: float
    end: float


# botocore reads a service's model (megabytes of JSON for EC2) once per session. One loader
# for the process makes every later session's clients about 5 times cheaper (nine clients:
# 0.1 s of CPU instead of 0.5 s): `eden serve` and the scaler build a session per profile,
# and the tests one per test.
_LOADER = botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))
_SESSION_LOCK = threading.Lock()


# A session whose region and keys the settings give reads nothing from the environment, so
# every AwsClients of those settings shares one: making a session registers some hundreds of
# botocore handlers, a third of what building a set of clients cost the tests (the sandbox
# and the tests give both). With the keys left to the credential chain, each AwsClients
# still gets a session of its own, read from the environment as it is then.
@dataclass
class _Shared:
    session: Any
    # A botocore session is not thread-safe: clients of a shared one are built one at a time.
    lock: threading.Lock = field(default_factory=threading.Lock)


_SHARED_SESSIONS: dict[AwsSettings, _Shared] = {}


def _session_for(settings: AwsSettings) -> tuple[Any, threading.Lock | None]:
    """The session for ``settings``, and the lock its clients are built under if it is
    shared (None: the session is the caller's own)."""
    if not (settings.region and settings.access_key_id and settings.secret_access_key):
        return _new_session(settings), None
    with _SESSION_LOCK:
        shared = _SHARED_SESSIONS.get(settings)
    if shared is None:
        made = _Shared(_new_session(settings))
        with _SESSION_LOCK:
            shared = _SHARED_SESSIONS.setdefault(settings, made)
    return shared.session, shared.lock


def _new_session(settings: AwsSettings) -> Any:
    with _SESSION_LOCK:
        core = botocore.session.get_session()
        core.register_component("data_loader", _LOADER)
        session = boto3.session.Session(
            botocore_session=core,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=settings.secret_access_key,
        )
        # Every client class gets the mixin that turns AWS's answers into eden errors.
        session.events.register("creating-client-class", add_translation)
        # boto3 appends its own data directory to the loader's path for every session.
        _LOADER.search_paths[:] = list(dict.fromkeys(_LOADER.search_paths))
    return session


MAX_RECORDS = 100_000  # a long-running daemon must not grow without bound


@dataclass
class _Recorder:
    latency: float = 0.0
    calls: deque[CallRecord] = field(default_factory=lambda: deque(maxlen=MAX_RECORDS))
    lock: threading.Lock = field(default_factory=threading.Lock)
    starts: dict[int, float] = field(default_factory=dict)


# Every (service, operation) eden's own clients have called in this process: the test
# suite checks each is granted by eden's IAM policy (eden.aws.permissions).
CALLED: set[tuple[str, str]] = set()
_CALLED_LOCK = threading.Lock()


class AwsClients:
    """A lazily built, thread-safe set of boto3 clients sharing one session.

    ``role`` is "eden" for the clients eden works with; the sandbox's seeding and the
    tests' own checking clients say otherwise, so their calls are not taken for eden's.
    """

    def __init__(self, settings: AwsSettings, *, inject_latency: float = 0.0, role: str = "eden"):
        self.settings = settings
        self.role = role
        self._session: Any = None
        self._shared_lock: threading.Lock | None = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._recorder = _Recorder(latency=inject_latency)
        self._handlers: list[tuple[str, Any]] = []

    @property
    def region(self) -> str:
        return str(self._get_session().region_name or "us-east-1")

    def client(self, service: str, region: str | None = None) -> Any:
        """The boto3 client for ``service`` (in ``region``, default the session's), built on
        first use and then shared.

        boto3 clients are thread-safe; sessions are not, so building happens under a lock.
        """
        key = service if region is None else f"{service}@{region}"
        existing = self._clients.get(key)
        if existing is not None:
            return existing
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._build(service, region)
            return self._clients[key]

    def on(self, event: str, handler: Any) -> None:
        """Registers a botocore event handler on every client, now and later built.

        Tests use it to hold moto to AWS's rules (``before-call.ecs.CreateService``...).
        """
        with self._lock:
            self._handlers.append((event, handler))
            for client in self._clients.values():
                client.meta.events.register(event, handler)

    def calls(self) -> list[CallRecord]:
        """The calls made so far (the last 100,000), in the order they finished."""
        with self._recorder.lock:
            return list(self._recorder.calls)

    def reset_calls(self) -> None:
        with self._recorder.lock:
            self._recorder.calls.clear()

    def _get_session(self) -> Any:
        if self._session is None:
            session, lock = _session_for(self.settings)
            self._shared_lock = lock  # first: whoever sees the session sees its lock
            self._session = session
        return self._session

    def _build(self, service: str, region: str | None = None) -> Any:
        s = self.settings
        retries: Any = {"mode": s.retry_mode, "max_attempts": s.max_attempts}
        config = Config(
            retries=retries,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            max_pool_connections=s.max_pool_connections,
        )
        session = self._get_session()
        if region is not None:
            config = config.merge(Config(region_name=region))
        elif session.region_name is None:
            # Route 53 and the sandbox are region-agnostic; botocore still wants one.
            config = config.merge(Config(region_name="us-east-1"))
        if self._shared_lock is None:  # this set's own session: self._lock is held
            client = session.client(service, endpoint_url=s.endpoint_url, config=config)
        else:
            with self._shared_lock:
                client = session.client(service, endpoint_url=s.endpoint_url, config=config)
        events = client.meta.events
        events.register("before-call.*.*", self._before_call)
        events.register("after-call.*.*", self._after_call)
        # botocore emits after-call-error with only ``exception`` and ``context`` (no model),
        # so the operation's name travels in the context from before-call.
        events.register("after-call-error.*.*", self._after_call)
        for event, handler in self._handlers:
            events.register(event, handler)
        return client

    def _before_call(self, model: Any, context: Any = None, **_: Any) -> None:
        rec = self._recorder
        if rec.latency:
            # Models the control plane's round trip, once per logical call (not per retry).
            time.sleep(rec.latency)
        if context is not None:
            context["eden_start"] = time.monotonic() - rec.latency
            context["eden_call"] = (model.service_model.service_name, model.name)

    def _after_call(self, model: Any = None, context: Any = None, **_: Any) -> None:
        end = time.monotonic()
        start = context.get("eden_start", end) if context is not None else end
        if model is not None:
            service, operation = model.service_model.service_name, model.name
        else:
            service, operation = (context or {}).get("eden_call", ("?", "?"))
        record = CallRecord(service, operation, start, end)
        with self._recorder.lock:
            self._recorder.calls.append(record)
        if self.role == "eden" and (service, operation) not in CALLED:
            with _CALLED_LOCK:
                CALLED.add((service, operation))
