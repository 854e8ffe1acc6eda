"""What every command shares: the common options, loading the profile, printing results."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from rich.console import Console

from eden.config import Profile, load_profile
from eden.engine import Engine
from eden.factory import open_engine

F = TypeVar("F", bound=Callable[..., Any])

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass(frozen=True)
class Options:
    profile: str | None
    config: str | None
    output: str
    verbose: int

    @property
    def json(self) -> bool:
        return self.output == "json"

    def load(self) -> Profile:
        return load_profile(self.profile, config=self.config)

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        with open_engine(self.load()) as engine:
            yield engine


def common_options(*, output: bool = True) -> Callable[[F], F]:
    """--profile/-p, --config, --output, -v on a command; passes ``opts: Options``."""

    def decorate(fn: F) -> F:
        def wrapper(
            *args: Any,
            profile: str | None,
            config: str | None,
            verbose: int,
            output_format: str = "text",
            **kwargs: Any,
        ) -> Any:
            setup_logging(verbose)
            opts = Options(profile, config, output_format, verbose)
            return fn(*args, opts=opts, **kwargs)

        wrapper.__name__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        decorated: Any = wrapper
        if output:
            decorated = click.option(
                "--output",
                "-o",
                "output_format",
                type=click.Choice(["text", "json"]),
                default="text",
                show_default=True,
                help="How to print the result.",
            )(decorated)
        decorated = click.option(
            "-v", "--verbose", count=True, help="Log what eden does (-vv: every AWS call)."
        )(decorated)
        decorated = click.option(
            "--config",
            envvar="EDEN_CONFIG",
            metavar="PATH",
            help="Profiles file [env EDEN_CONFIG; default ./eden.toml, then the user config dir].",
        )(decorated)
        decorated = click.option(
            "--profile",
            "-p",
            envvar="EDEN_PROFILE",
            metavar="NAME",
            help="Profile to use [env EDEN_PROFILE; default: the file's default_profile].",
        )(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    if verbose < 2:
        for noisy in ("botocore", "boto3", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
