"""Profiles shared through the team store: state init, config push | pull | ls | rm."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from eden.cli import main
from eden.config import load_profile, write_profile


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_push_pull_ls_rm_through_dynamodb(
    tmp_path: Path, profile_values: dict[str, Any], moto_url: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = f"eden-team-{time.monotonic_ns()}"
    state = f"dynamodb://{table}?region=us-east-1&endpoint_url={moto_url}"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    mine = tmp_path / "mine.toml"
    theirs = tmp_path / "theirs.toml"
    write_profile(mine, "sandbox", {**profile_values, "state": state})

    code, out, err = run(capsys, "state", "init", "--config", str(mine))
    assert code == 0, err
    assert table in out
    code, out, err = run(capsys, "config", "push", "sandbox", "--config", str(mine))
    assert code == 0, err
    code, out, _ = run(capsys, "config", "ls", "--state", state, "-o", "json")
    assert json.loads(out)["profiles"] == ["sandbox"]

    # A CI runner with an empty config pulls the team's profile and uses it.
    code, out, err = run(capsys, "config", "pull", "sandbox", "--state", state,
                         "--config", str(theirs))
    assert code == 0, err
    assert load_profile("sandbox", config=theirs) == load_profile("sandbox", config=mine)
    code, out, err = run(capsys, "config", "pull", "sandbox", "--state", state,
                         "--config", str(theirs))
    assert code == 2 and "--force" in err
    code, out, err = run(capsys, "config", "pull", "nope", "--state", state,
                         "--config", str(theirs))
    assert code == 4 and "not in the team store" in err

    code, out, err = run(capsys, "config", "rm", "sandbox", "--state", state)
    assert code == 0, err
    code, out, _ = run(capsys, "config", "ls", "--state", state, "-o", "json")
    assert json.loads(out)["profiles"] == []
    code, out, err = run(capsys, "config", "rm", "sandbox", "--config", str(theirs))
    assert code == 0, err
    code, out, err = run(capsys, "config", "rm", "sandbox", "--config", str(theirs))
    assert code == 4
