"""AWS Lambda entry points: the API behind Mangum (function URL or API Gateway), the
waker (``waker_handler``) as the target of an ALB's lambda target group, and the idle and
office-hours sweep (``sweep_handler``) on a schedule.

The app is built on the first invocation, not at import, so a broken profiles file shows
up as a clear error in the first response's log rather than an import failure, and cold
starts that only answer ``/healthz`` build nothing else. Configuration comes from
``$EDEN_CONFIG`` (a profiles file shipped with the function) and ``$EDEN_WEBHOOK_SECRET``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from mangum import Mangum

from eden.api.app import create_app
from eden.api.metrics import Metrics
from eden.api.registry import Registry
from eden.api.settings import ApiSettings, load_settings
from eden.api.waker import Waker, create_waker_app

_lock = threading.Lock()
_adapter: Mangum | None = None
_waker: Mangum | None = None


def _build() -> Mangum:
    settings = load_settings()
    # Lambda freezes the process between invocations: a background operation would stall,
    # so webhooks and wait=false still queue work, but in a one-worker pool.
    settings.workers = 1
    return Mangum(create_app(settings), lifespan="off", api_gateway_base_path="/")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _adapter
    with _lock:
        if _adapter is None:
            _adapter = _build()
    return _adapter(event, context)


def waker_adapter(settings: ApiSettings) -> Mangum:
    """The waker's own app (nothing of the API is reachable through it) for ALB events
    (``requestContext.elb``). No background threads: Lambda freezes the process once it
    has answered, so the wake's UpdateService runs before the answer."""
    waker = Waker(Registry(settings), Metrics(), background=False)
    return Mangum(create_waker_app(waker), lifespan="off")


def waker_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The waker behind an ALB (deploy/template.yaml's WakerFunction)."""
    global _waker
    with _lock:
        if _waker is None:
            _waker = waker_adapter(load_settings())
    return _waker(event, context)


def run_sweeps(registry: Registry, *, now: float) -> dict[str, Any]:
    """``eden sleep --idle`` for every profile with a waker (without one nothing sleeps).
    A profile that fails is reported and the others still run."""
    from eden.envs.idle import sweep
    from eden.envs.sleep import Power

    swept: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for profile in registry.all_profiles():
        if not profile.sleep.waker:
            continue
        try:
            result = sweep(Power(registry.engine(profile.name)), now=now, dry_run=False)
        except Exception as exc:  # one profile's AWS or store trouble must not stop the rest
            errors[profile.name] = f"{type(exc).__name__}: {exc}"
            continue
        swept[profile.name] = result.as_dict()
    return {"profiles": swept, "errors": errors}


def sweep_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The sweep on a schedule (deploy/template.yaml's SleepSweepFunction, every 5 minutes):
    idle environments sleep, and outside office hours every one but the pinned and the
    woken by hand; with ``pre_wake`` it wakes them when office hours begin."""
    registry = Registry(load_settings())
    try:
        return run_sweeps(registry, now=time.time())
    finally:
        registry.close()
