"""What every command shares: the common options, loading the profile, printing results.

Light to import: the engine, the profile loader and rich load when a command first
needs them, so a command module costs little until it runs.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from eden.cli.globals import Globals, option_decorators

if TYPE_CHECKING:
    from rich.console import Console

    from eden.config import Profile
    from eden.envs.engine import Engine
    from eden.state.leases import LockPolicy

F = TypeVar("F", bound=Callable[..., Any])


class _LazyConsole:
    """A rich Console made on first use (importing rich costs more than all of click)."""

    def __init__(self, **kwargs: Any):
        self._kwargs = kwargs
        self._console: Console | None = None

    def _get(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._kwargs)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


out: Console = _LazyConsole(highlight=False, soft_wrap=True)  # type: ignore[assignment]
err: Console = _LazyConsole(stderr=True, highlight=False, soft_wrap=True)  # type: ignore[assignment]


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
        from eden.config import load_profile

        return load_profile(self.profile, config=self.config)

    @contextmanager
    def engine(self, lock_policy: LockPolicy | None = None) -> Iterator[Engine]:
        from eden.wiring import open_engine

        with open_engine(self.load(), lock_policy=lock_policy) as engine:
            yield engine


def common_options(*, output: bool = True) -> Callable[[F], F]:
    """--profile/-p, --config, --output/-o, -v on a command; passes ``opts: Options``.

    Each may also be given before the command (``eden -p sandbox ls``); given after it,
    it wins. Unset, the profile and the file come from $EDEN_PROFILE and $EDEN_CONFIG.
    """

    def decorate(fn: F) -> F:
        def wrapper(
            *args: Any,
            profile: str | None,
            config: str | None,
            verbose: int,
            output_format: str | None = None,
            **kwargs: Any,
        ) -> Any:
            before = Globals.current()
            opts = Options(
                profile or before.profile or os.environ.get("EDEN_PROFILE") or None,
                config or before.config or os.environ.get("EDEN_CONFIG") or None,
                output_format or before.output or "text",
                verbose + before.verbose,
            )
            setup_logging(opts.verbose)
            return fn(*args, opts=opts, **kwargs)

        wrapper.__name__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        decorated: Any = wrapper
        for decorator in reversed(option_decorators(output=output)):
            decorated = decorator(decorated)
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
    Globals.printed_json()


def install_hint(extra: str) -> str:
    """How to add an optional part: from the checkout eden runs from (``pip install -e``),
    else from PyPI, where the distribution is eden-ecs."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / "src" / "eden").is_dir():
        return f"pip install -e '{root}[{extra}]'"
    return f"pip install 'eden-ecs[{extra}]'"


def paint(text: str, **style: Any) -> str:
    """``click.style`` unless NO_COLOR is set (click.echo drops styles off a terminal).

    The create and delete paths print with this and ``click.echo``, not rich: importing
    rich would add to every ``eden create`` process's start-up."""
    return text if os.environ.get("NO_COLOR") else click.style(text, **style)


def done(opts: Options, message: str, data: dict[str, Any]) -> None:
    """A command's one-line result: ``message`` (rich markup) as text, ``data`` as JSON."""
    if opts.json:
        print_json(data)
    else:
        out.print(message)


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
            click.echo(f"  waiting for {who} to finish ({waited:.0f}s)", err=True)

    return report
