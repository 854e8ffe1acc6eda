"""Two scaler replicas over one state store: only one leads, a dead leader is replaced."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from eden.scaler.lease import StoreLease
from eden.state import open_store


@pytest.mark.parametrize("kind", ["sqlite", "dynamodb"])
def test_one_leader_over_the_state_store(kind: str, tmp_path: Path, moto_url: str) -> None:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'lease.db'}"
    else:
        url = f"dynamodb://scaler-{time.monotonic_ns()}?region=us-east-1&endpoint_url={moto_url}"
        store = open_store(url)
        store.create_table()  # type: ignore[attr-defined]
    now = [1000.0]
    a = StoreLease(open_store(url), ttl=10, clock=lambda: now[0])
    b = StoreLease(open_store(url), ttl=10, clock=lambda: now[0])
    assert a.try_acquire("a") and not b.try_acquire("b")
    assert a.holder() == b.holder() == "a"
    now[0] += 5
    assert a.try_acquire("a") and not b.try_acquire("b")  # renewed
    now[0] += 11  # a died without releasing: b takes over after the TTL
    assert b.try_acquire("b") and not a.try_acquire("a")
    b.release("b")
    assert a.try_acquire("a")
