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
from eden.envs.engine import Engine
from eden.state.leases import LockPolicy
from eden.wiring import open_engine

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
    def engine(self, lock_policy: LockPolicy | None = None) -> Iterator[Engine]:
        with open_engine(self.load(), lock_policy=lock_policy) as engine:
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


def lock_options(fn: F) -> F:
    """--on-locked and --lock-timeout: what to do when another operation holds the env."""
    fn = click.option(
        "--lock-timeout",
        type=click.FloatRange(0),
        default=600,
        show_default=True,
        metavar="SECONDS",
        help="With --on-locked wait: how long to wait at most.",
    )(fn)
    fn = click.option(
        "--on-locked",
        type=click.Choice(["wait", "fail"]),
        envvar="EDEN_ON_LOCKED",
        default="wait",
        show_default=True,
        help="When another operation is changing this environment [env EDEN_ON_LOCKED].",
    )(fn)
    return fn


def wait_reporter(opts: Options) -> Callable[[Any, float], None]:
    """Says who holds the lease while we wait, at most every 5 seconds."""
    last = [-10.0]

    def report(holder: Any, waited: float) -> None:
        if waited - last[0] >= 5 and not opts.json:
            last[0] = waited
            who = holder.owner if holder else "another operation"
            err.print(f"  waiting for {who} to finish ({waited:.0f}s)")

    return report
