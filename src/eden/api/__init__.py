"""eden's HTTP API: REST v1, the 2019 routes, GitHub webhooks, metrics and a dashboard.

Import ``create_app``, ``ApiSettings``, ``WebhookSettings`` and ``load_settings`` from here;
the rest is internal. They load on first use, so ``eden.api.keys`` (used by
``eden apikey``) imports without FastAPI installed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eden.api.app import create_app
    from eden.api.settings import ApiSettings, WebhookSettings, load_settings

_EXPORTS = {
    "create_app": "eden.api.app",
    "ApiSettings": "eden.api.settings",
    "WebhookSettings": "eden.api.settings",
    "load_settings": "eden.api.settings",
}

__all__ = ["ApiSettings", "WebhookSettings", "create_app", "load_settings"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'eden.api' has no attribute {name!r}")
