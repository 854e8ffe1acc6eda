"""The lease over eden's SQLite store: one holder at a time, takeover after expiry, release."""

from __future__ import annotations

from pathlib import Path

import pytest

from eden.errors import ConfigError
from eden.scaler.lease import AlwaysLeader, file_lease


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_only_one_owner_holds_the_lease(tmp_path: Path) -> None:
    clock = Clock()
    a = file_lease(tmp_path / "lease.db", ttl=10, clock=clock)
    b = file_lease(tmp_path / "lease.db", ttl=10, clock=clock)
    assert a.try_acquire("a")
    assert not b.try_acquire("b")
    clock.now += 5
    assert a.try_acquire("a")  # renewal extends the expiry
    clock.now += 8
    assert not b.try_acquire("b")
    assert a.holder() == "a"


def test_takeover_after_expiry(tmp_path: Path) -> None:
    clock = Clock()
    a = file_lease(tmp_path / "lease.db", ttl=10, clock=clock)
    b = file_lease(tmp_path / "lease.db", ttl=10, clock=clock)
    assert a.try_acquire("a")
    clock.now += 10.5  # a crashed and stopped renewing
    assert b.try_acquire("b")
    assert not a.try_acquire("a")
    assert b.holder() == "b"


def test_release_hands_over_at_once(tmp_path: Path) -> None:
    a = file_lease(tmp_path / "lease.db")
    b = file_lease(tmp_path / "lease.db")
    assert a.try_acquire("a")
    a.release("a")
    assert a.holder() is None
    assert b.try_acquire("b")


def test_the_lease_file_is_created_with_its_directory(tmp_path: Path) -> None:
    lease = file_lease(tmp_path / "shared" / "lease.db")
    assert lease.try_acquire("a")
    assert (tmp_path / "shared" / "lease.db").is_file()


def test_unusable_lease_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=r"cannot open lease file .*lease\.db"):
        file_lease(blocker / "sub" / "lease.db")


def test_single_replica_is_always_leader() -> None:
    lease = AlwaysLeader()
    assert lease.try_acquire("x") and lease.holder() is None
