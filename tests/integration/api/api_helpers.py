"""Small helpers the API tests share (a module, not conftest, so tests can import it)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from eden.state import EnvRecord
from state_records import record

PREFIXES = ("feature/", "fix/", "chore/")
STATUSES = ("ready", "ready", "failed", "creating")


def fleet_record(i: int, profile: str) -> EnvRecord:
    """The ``i``-th environment of a made-up fleet: branches and statuses take turns."""
    rec = record(f"env-{i:03d}", profile=profile, status=STATUSES[i % 4],
                 image=f"repo/api:{i}", created_at=1000.0 + i)
    rec.branch = f"{PREFIXES[i % 3]}env-{i:03d}"
    return rec


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
