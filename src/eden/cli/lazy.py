"""A click group whose commands are imported only when they run.

Importing every command module up front costs what they import (boto3, the engine,
rich...), about 30 times the CPU of an empty Python, before `eden --version` can answer.
The group knows each command by ``"module:attribute"`` and its one-line help, so
`eden --help` lists them without importing any.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click


class LazyGroup(click.Group):
    def __init__(self, *args: Any, commands: Mapping[str, tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = dict(commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = self.lazy.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target[0].split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:  # an optional part whose extra is not installed
            if exc.name is None or not exc.name.startswith("eden"):
                return _missing_extra(cmd_name, exc)
            raise
        command: click.Command = getattr(module, attribute)
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Like click's, from the stored one-line help instead of the loaded commands."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                rows.append((name, loaded.get_short_help_str(limit)))
            else:
                stand_in = click.Command(name, help=self.lazy[name][1])
                rows.append((name, stand_in.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _missing_extra(name: str, exc: ImportError) -> click.Command:
    """A stand-in that says which package is missing when the command is run."""

    @click.command(name=name, context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def missing(args: tuple[str, ...]) -> None:
        from eden.errors import UsageError

        raise UsageError(
            f"`eden {name}` needs {exc.name}, which is not installed",
            hint=f"pip install {exc.name}, or reinstall eden-ecs",
        )

    return missing
