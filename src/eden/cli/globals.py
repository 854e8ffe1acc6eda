"""The options every command takes: ``--profile/-p``, ``--config``, ``--output/-o``, ``-v``.

They are accepted before the command (``eden -p sandbox create ...``, as ``aws
--profile`` and ``kubectl -n`` users type them) and after it; after it wins. The
environment variables (``EDEN_PROFILE``, ``EDEN_CONFIG``) come after both flags.

``--output`` is also remembered the moment click parses it, so that ``main()`` can
answer in JSON even for an error raised before the command ran (a missing option).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

OUTPUT_CHOICES = ("text", "json")


@dataclass(frozen=True)
class Globals:
    """What was given before the command."""

    profile: str | None = None
    config: str | None = None
    output: str | None = None
    verbose: int = 0

    # The last --output click parsed in this process, and whether a JSON document was
    # printed on stdout already (both reset by each main()).
    _requested: ClassVar[list[str | None]] = [None]
    _printed: ClassVar[list[bool]] = [False]

    @classmethod
    def reset_requested_output(cls) -> None:
        cls._requested[0] = None
        cls._printed[0] = False

    @classmethod
    def json_requested(cls) -> bool:
        return cls._requested[0] == "json"

    @classmethod
    def printed_json(cls) -> None:
        cls._printed[0] = True

    @classmethod
    def json_error_wanted(cls) -> bool:
        """An error goes to stdout as JSON when JSON was asked for and stdout holds no
        document yet: a script always reads exactly one (``gc --orphans`` without
        ``--yes`` prints what it found, then fails: that list is the one document)."""
        return cls._requested[0] == "json" and not cls._printed[0]

    @classmethod
    def current(cls) -> Globals:
        """The group's options (none when a command runs on its own, as in tests)."""
        ctx = click.get_current_context(silent=True)
        found = ctx.find_object(Globals) if ctx is not None else None
        return found if found is not None else cls()


def _remember_output(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is not None:
        Globals._requested[0] = value
    return value


def option_decorators(*, output: bool = True) -> list[Callable[[F], F]]:
    """The shared options, for the group and for each command."""
    decorators: list[Callable[[F], F]] = [
        click.option(
            "--profile",
            "-p",
            metavar="NAME",
            help="Profile to use [env EDEN_PROFILE; default: the file's default_profile].",
        ),
        click.option(
            "--config",
            metavar="PATH",
            help="Profiles file [env EDEN_CONFIG; default ./eden.toml, then the user config dir].",
        ),
        click.option(
            "-v", "--verbose", count=True, help="Log what eden does (-vv: every AWS call)."
        ),
    ]
    if output:
        decorators.append(
            click.option(
                "--output",
                "-o",
                "output_format",
                type=click.Choice(OUTPUT_CHOICES),
                default=None,
                callback=_remember_output,
                help="How to print the result (and errors): text (the default) or json.",
            )
        )
    return decorators


def global_options(fn: F) -> F:
    """The group's copy of the options; passes ``globals_: Globals``."""

    def wrapper(
        *args: Any,
        profile: str | None,
        config: str | None,
        verbose: int,
        output_format: str | None,
        **kwargs: Any,
    ) -> Any:
        return fn(*args, globals_=Globals(profile, config, output_format, verbose), **kwargs)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    decorated: Any = wrapper
    for decorator in reversed(option_decorators()):
        decorated = decorator(decorated)
    return decorated  # type: ignore[no-any-return]
