"""The CLI's own exits, which only a broken or interrupted command reaches: Ctrl-C is 130,
a bug is 70 with what to do (never a bare traceback), and -vv shows the traceback."""

from __future__ import annotations

import click
import pytest

import eden.cli as cli


def _failing(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def boom(*_args: object, **_kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(cli.app, "main", boom)


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                          ) -> None:
    _failing(monkeypatch, KeyboardInterrupt())
    assert cli.main(["ls"]) == 130
    assert capsys.readouterr().err == "error: interrupted\n"


def test_an_abort_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                            ) -> None:
    _failing(monkeypatch, click.exceptions.Abort())
    assert cli.main(["delete", "x"]) == 130
    assert capsys.readouterr().err == "error: aborted\n"


def test_a_bug_exits_70_and_says_what_to_do(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _failing(monkeypatch, RuntimeError("the flux capacitor"))
    assert cli.main(["ls"]) == cli.EXIT_INTERNAL == 70
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("internal error: RuntimeError: the flux capacitor\n")
    assert "run again with -vv and report the output" in err


def test_with_vv_a_bug_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    _failing(monkeypatch, RuntimeError("the flux capacitor"))
    with pytest.raises(RuntimeError, match=r"^the flux capacitor$"):
        cli.main(["-vv", "ls"])
