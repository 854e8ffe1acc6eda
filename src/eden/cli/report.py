"""How a failure reaches the user: readable text on stderr, and with ``--output json`` the
same facts as JSON on stdout (``{"error", "message", "hint", "exit_code", "where"}``), so
a script can parse a failure as it parses a result. Plain click output: no rich here, so
an error costs no extra imports."""

from __future__ import annotations

import json

import click

from eden.cli.globals import Globals


def report_error(
    error: str,
    message: str,
    hint: str | None,
    exit_code: int,
    *,
    where: str | None = None,
    text: str | None = None,
) -> int:
    """Prints the error (text always, JSON when asked) and returns its exit code."""
    if text is None:
        text = message if message.startswith(("error:", "internal error:")) else f"error: {message}"
        if hint:
            text += f"\n  fix:   {hint}"
    click.echo(text, err=True)
    if Globals.json_error_wanted():
        doc = {
            "error": error,
            "message": message,
            "hint": hint,
            "exit_code": exit_code,
            "where": where,
        }
        click.echo(json.dumps(doc, indent=2))
    return exit_code
