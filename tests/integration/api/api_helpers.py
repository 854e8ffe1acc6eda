"""Small helpers the API tests share (a module, not conftest, so tests can import it)."""

from __future__ import annotations

import time
from typing import Any

import httpx


def wait_for(
    client: httpx.Client, href: str, headers: dict[str, str], timeout: float = 60.0
) -> dict[str, Any]:
    """Poll an operation until it is done; the deadline only guards against a hang."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(href, headers=headers)
        assert r.status_code == 200, r.text
        op: dict[str, Any] = r.json()
        if op["status"] in ("succeeded", "failed"):
            return op
        if time.monotonic() > deadline:
            raise AssertionError(f"operation still {op['status']} after {timeout}s: {op}")
        time.sleep(0.05)
