"""The options every command takes (before or after it), errors as JSON, and a CLI that
imports nothing heavy for --version and --help."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from eden.cli import COMMANDS, app, main
from eden.config import write_profile

LISTENER = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/50dc6c495c0c9188/"
    "f2f7dc8efc522ab2"
)


def _profile(**extra: Any) -> dict[str, Any]:
    return {"cluster": "main", "reference_service": "api", "listener_arn": LISTENER,
            "zone_id": "Z0123456789ABC", **extra}


@pytest.fixture
def two_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "eden.toml"
    write_profile(path, "alpha", _profile(name_prefix="alpha"))
    write_profile(path, "beta", _profile(name_prefix="beta"))
    monkeypatch.delenv("EDEN_CONFIG", raising=False)
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    monkeypatch.chdir(tmp_path)  # ./eden.toml is this file
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "args, profile",
    [
        (["-p", "beta", "config", "show", "-o", "json"], "beta"),
        (["--profile", "beta", "-o", "json", "config", "show"], "beta"),
        (["config", "show", "-p", "beta", "--output", "json"], "beta"),
        (["-p", "alpha", "config", "show", "-p", "beta", "-o", "json"], "beta"),  # after wins
    ],
)
def test_options_before_or_after_the_command(
    two_profiles: Path, capsys: pytest.CaptureFixture[str], args: list[str], profile: str
) -> None:
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    shown = json.loads(out)
    assert (shown["profile"], shown["name_prefix"]) == (profile, profile)


def test_a_flag_before_the_command_beats_the_environment(
    two_profiles: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDEN_PROFILE", "alpha")
    code, out, _ = _run(capsys, "-p", "beta", "-o", "json", "config", "show")
    assert code == 0 and json.loads(out)["profile"] == "beta"
    code, out, _ = _run(capsys, "-o", "json", "config", "show")
    assert code == 0 and json.loads(out)["profile"] == "alpha"


def test_config_before_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "elsewhere.toml"
    write_profile(path, "gamma", _profile())
    monkeypatch.delenv("EDEN_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "--config", str(path), "config", "ls", "-o", "json")
    assert code == 0 and json.loads(out)["profiles"] == ["gamma"]


def test_an_eden_error_with_output_json_is_json_on_stdout_and_text_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDEN_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "none.toml"
    code, out, err = _run(capsys, "-o", "json", "ls", "--config", str(missing))
    assert code == 3
    doc = json.loads(out)
    assert doc["error"] == "ConfigError" and doc["exit_code"] == 3
    assert doc["message"].startswith("no eden config file yet")
    assert "eden sandbox up" in doc["hint"] and str(missing) in doc["where"]
    assert err.startswith("error: no eden config file yet") and "fix:" in err


def test_a_usage_error_click_catches_is_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "delete", "-o", "json")
    assert code == 2
    doc = json.loads(out)
    assert doc == {
        "error": "UsageError",
        "message": "Missing argument 'NAME'.",
        "hint": "see `eden delete --help`",
        "exit_code": 2,
        "where": None,
    }
    assert "Missing argument 'NAME'" in err
    code, out, err = _run(capsys, "delete")  # text only without -o json
    assert code == 2 and out == "" and "Missing argument 'NAME'" in err


def test_the_listed_help_is_each_commands_own() -> None:
    for name, (target, short) in COMMANDS.items():
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        first = " ".join((command.help or "").split("\n\n")[0].split())
        assert short == first, name
    assert sorted(COMMANDS) == sorted(app.list_commands(click.Context(app)))


HEAVY = ("boto3", "botocore", "rich", "eden.envs", "eden.aws", "eden.config", "eden.state")


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help_import_nothing_heavy(args: list[str]) -> None:
    probe = (
        "import sys\n"
        "from eden.cli import main\n"
        f"code = main({args!r})\n"
        f"heavy = sorted(m for m in sys.modules if m.startswith({HEAVY!r}))\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "0 []"
    assert ("eden, version" in done.stdout) == (args == ["--version"])


def test_the_install_hint_names_the_checkout_eden_runs_from() -> None:
    from eden.cli.common import install_hint

    root = Path(__file__).resolve().parents[3]
    assert install_hint("api") == f"pip install -e '{root}[api]'"


def test_a_failure_after_a_json_result_leaves_that_one_document_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from eden.cli.common import Options, common_options, print_json
    from eden.errors import UsageError

    @click.command(name="half-done")
    @common_options()
    def half_done(opts: Options) -> None:
        print_json({"found": ["feature-forgotten"]})
        raise UsageError("found some; not deleting", hint="add --yes")

    app.add_command(half_done)
    try:
        code, out, err = _run(capsys, "half-done", "-o", "json")
    finally:
        app.commands.pop("half-done")
    assert code == 2
    assert json.loads(out) == {"found": ["feature-forgotten"]}  # one document, parseable
    assert err.startswith("error: found some; not deleting")
