"""What `eden` says as a new user meets it: an unknown name, a second pin, a deploy
announced before it runs, one duration, and `ls` in a pipe."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from eden_world import World

from eden.cli import main
from eden.cli.listing import cell_width
from eden.config import write_profile
from eden.sandbox.seed import SeedInfo


@pytest.fixture
def cli_env(
    tmp_path: Path, profile_values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Path:
    path = tmp_path / "eden.toml"
    write_profile(path, "sandbox", profile_values)
    monkeypatch.setenv("EDEN_CONFIG", str(path))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_deleting_a_name_that_never_existed_says_so_and_suggests_close_ones(
    cli_env: Path, seeded: SeedInfo, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "create", "feature/login", "--image", seeded.image_uris[0])
    assert code == 0, err
    code, out, _ = run(capsys, "delete", "feature/logn")
    assert code == 0  # still idempotent
    assert out.splitlines() == [
        "no environment named 'feature/logn' in profile sandbox: nothing to delete",
        "  did you mean: feature-login (branch feature/login)?",
    ]
    assert world.store.get("sandbox", "feature-login") is not None  # untouched
    code, out, _ = run(capsys, "delete", "does-not-exist")
    assert code == 0
    assert out.splitlines() == [
        "no environment named 'does-not-exist' in profile sandbox: nothing to delete",
        "  list them with `eden ls`",
    ]


def test_pin_twice_says_it_already_was(
    cli_env: Path, seeded: SeedInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "create", "feature/pin", "--image", seeded.image_uris[0])[0] == 0
    assert run(capsys, "pin", "feature/pin")[1] == "pinned feature-pin\n"
    assert run(capsys, "pin", "feature/pin")[1] == "feature-pin was already pinned\n"
    code, out, _ = run(capsys, "unpin", "feature/pin", "-o", "json")
    assert code == 0 and json.loads(out) == {"name": "feature-pin", "pinned": False,
                                             "changed": True}
    assert run(capsys, "unpin", "feature/pin")[1] == "feature-pin was already unpinned\n"


def test_a_deploy_is_announced_before_its_steps_and_not_again_after(
    cli_env: Path, seeded: SeedInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "create", "feature/login", "--image", seeded.image_uris[0])[0] == 0
    code, out, err = run(capsys, "create", "feature/login", "--image", seeded.image_uris[1])
    assert code == 0, err
    announce = f"feature-login exists: deploying {seeded.image_uris[1]}"
    lines = err.splitlines()
    assert lines[0] == announce
    assert any(line.strip().startswith("… register task definition") for line in lines[1:])
    assert announce not in out
    assert re.fullmatch(
        r"deployed feature-login in \d+\.\d\ds \(whole command\): "
        r"https://api-feature-login\.dev\.example\.com\n",
        out,
    ), out


def test_json_gives_the_whole_command_time_beside_the_changes_time(
    cli_env: Path, seeded: SeedInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "create", "feature/t", "--image", seeded.image_uris[0], "-o", "json")
    doc = json.loads(out)
    assert code == 0 and doc["command_seconds"] >= doc["seconds"] > 0


def test_ls_in_a_pipe_prints_every_value_whole(
    cli_env: Path, seeded: SeedInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    branch = "feature/" + "x" * 200
    assert run(capsys, "create", branch, "--image", seeded.image_uris[0])[0] == 0
    code, out, _ = run(capsys, "ls")
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == [
        "NAME", "BRANCH", "URL", "IMAGE", "CREATED", "LAST", "DEPLOY", "STATUS", "HEALTH", "DRIFT"
    ]
    cells = row.split()
    assert cells[1] == branch and cells[3] == seeded.image_uris[0] and cells[8] == "ready"


def test_a_taken_alias_asks_for_another_alias_not_for_alias(
    cli_env: Path, seeded: SeedInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    image = seeded.image_uris[0]
    assert run(capsys, "create", "feature/one", "--image", image, "--alias", "demo")[0] == 0
    code, _, err = run(capsys, "create", "feature/two", "--image", image, "--alias", "demo")
    assert code == 2
    assert err.splitlines() == [
        "error: the name 'demo' is already used by branch 'feature/one'",
        "  fix:   the alias 'demo' is taken: pick another --alias",
    ]
    code, _, err = run(capsys, "create", "demo", "--image", image)  # no alias: suggest one
    assert code == 2
    assert err.splitlines()[-1] == "  fix:   give this branch its own short name with --alias"


def _on_a_terminal(argv: list[str], env: dict[str, str], columns: int = 80) -> str:
    """Everything ``argv`` prints on a pseudo-terminal ``columns`` wide, without colours."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "eden", *argv], stdin=slave, stdout=slave,
                            stderr=slave, env=env)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"waited 60 s for {argv} to end; it printed:\n{seen!r}"
            if not select.select([master], [], [], left)[0]:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the process closed the terminal
                chunk = b""
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=30) == 0, seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return re.sub(r"\x1b\[[0-9;]*m", "", seen.decode()).replace("\r\n", "\n")


def test_at_80_columns_ls_fits_and_progress_shows_the_image_without_its_registry(
    cli_env: Path, seeded: SeedInfo, tmp_path: Path
) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "EDEN_CONFIG": str(cli_env), "LANG": "C.UTF-8"}
    image = seeded.image_uris[0]
    said = _on_a_terminal(["create", "日本語ブランチ", "--image", image], env)
    assert "register task definition eden-ri-ben-yu-buranchi with image api:v1" in said
    assert "created ri-ben-yu-buranchi in" in said and image not in said.split("created")[0]
    listed = _on_a_terminal(["ls"], env).splitlines()
    assert all(cell_width(line) <= 80 for line in listed), listed
    # The health has room (the sandbox's service reports none running yet); the URL (70
    # characters) has not.
    assert listed[0].split() == ["NAME", "BRANCH", "IMAGE", "STATUS", "HEALTH", "DRIFT"]
    cells = listed[1].split()
    assert cells[:4] == ["ri-ben-yu-buranchi", "日本語ブランチ", "api:v1", "ready"]
    listed = _on_a_terminal(["ls", "--no-status"], env).splitlines()
    assert listed[0].split() == ["NAME", "BRANCH", "IMAGE", "LAST", "DEPLOY", "STATUS"]
