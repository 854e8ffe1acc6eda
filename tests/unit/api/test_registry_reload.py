"""`eden serve` after `eden sandbox up` restarted the sandbox: the server reads the new
profiles file (new endpoint, new state) instead of showing the old state's environments."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from eden.api.registry import Registry
from eden.api.settings import ApiSettings
from eden.config import write_profile
from eden.state import SqliteStore
from state_records import record

LISTENER = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/eden-shared/"
    "50dc6c495c0c9188/f2f7dc8efc522ab2"
)


def _sandbox(config: Path, port: int, state: Path) -> None:
    """What `eden sandbox up` writes: the profile, at its port, with its state file."""
    values: dict[str, Any] = {
        "region": "us-east-1", "endpoint_url": f"http://127.0.0.1:{port}", "cluster": "sandbox",
        "reference_service": "api", "listener_arn": LISTENER, "zone_id": "ZSANDBOX",
        "state": f"sqlite:///{state}",
    }
    write_profile(config, "sandbox", values, default=True)


def test_a_new_sandbox_is_read_again_and_the_old_state_is_not_shown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "eden.toml"
    _sandbox(config, 40001, tmp_path / "one.db")
    old = SqliteStore(tmp_path / "one.db")
    old.put(record("ghost", profile="sandbox"))
    old.close()
    registry = Registry(ApiSettings(config=config))
    try:
        first = registry.profile()
        assert [r.name for r in registry.store(first).list_envs("sandbox")] == ["ghost"]
        assert registry.reloads == 0

        _sandbox(config, 40002, tmp_path / "two.db")  # the sandbox restarted
        with caplog.at_level(logging.WARNING, logger="eden.api"):
            again = registry.profile()
        assert registry.reloads == 1
        assert again.endpoint_url == "http://127.0.0.1:40002"
        assert registry.store(again).list_envs("sandbox") == []
        assert [r.getMessage() for r in caplog.records] == [
            f"{config} changed since the server read it (was the sandbox restarted?): "
            "profiles, state stores and AWS clients are read again from it"
        ]
        registry.profile()
        assert registry.reloads == 1  # unchanged file: nothing read again
    finally:
        registry.close()
