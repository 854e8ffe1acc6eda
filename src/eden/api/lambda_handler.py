"""AWS Lambda entry point: the same app behind Mangum (function URL or API Gateway).

The app is built on the first invocation, not at import, so a broken profiles file shows
up as a clear error in the first response's log rather than an import failure, and cold
starts that only answer ``/healthz`` build nothing else. Configuration comes from
``$EDEN_CONFIG`` (a profiles file shipped with the function) and ``$EDEN_WEBHOOK_SECRET``.
"""

from __future__ import annotations

import threading
from typing import Any

from mangum import Mangum

from eden.api.app import create_app
from eden.api.settings import load_settings

_lock = threading.Lock()
_adapter: Mangum | None = None


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
