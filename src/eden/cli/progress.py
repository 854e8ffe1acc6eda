"""What `eden create` and `eden delete` say while they work: each step as it starts and
ends, what a long step waits for, what the plan says before the work, and one duration.

Printed with click (not rich) on stderr, so that a create's start-up stays small; all of
it is silent with ``--output json``.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import click

from eden.cli import listing, timing
from eden.cli.common import Options, paint

if TYPE_CHECKING:
    from eden.envs.executor import StepResult
    from eden.envs.plan import Step
    from eden.envs.readiness import Readiness


def progress(opts: Options, image: str | None = None) -> Any:
    """Prints each step as it starts and ends (stderr, text mode only). In a terminal the
    image is shown without its registry host, so that a line fits 80 columns more often
    (the summary and ``eden show`` keep the whole reference)."""
    if opts.json:
        return None
    lock = threading.Lock()
    short = listing.short_image(image) if image and sys.stderr.isatty() else None

    def describe(step: Step) -> str:
        text = step.description or step.id
        return text.replace(image, short) if image and short else text

    def listener(event: str, step: Step, result: StepResult | None) -> None:
        with lock:
            if event == "start":
                click.echo(f"  {paint('…', dim=True)} {describe(step)}", err=True)
            elif result is not None:
                mark = paint("✓", fg="green") if result.ok else paint("✗", fg="red")
                tail = f"  {paint(result.error, fg='red')}" if result.error else ""
                took = paint(f"({result.seconds:.2f}s)", dim=True)
                click.echo(f"  {mark} {describe(step)} {took}{tail}", err=True)

    return listener


def notes(opts: Options) -> Any:
    """What a long step waits for (a draining service...): when it changes, or every 10 s."""
    if opts.json:
        return None
    last: dict[str, tuple[str, float]] = {}
    lock = threading.Lock()

    def note(step: Step, message: str) -> None:
        now = time.monotonic()
        with lock:
            shown, at = last.get(step.id, ("", -10.0))
            # A hook's log lines are output, each shown; other notes only when they change.
            repeated = message.split(" (")[0] == shown.split(" (")[0] and now - at < 10
            if repeated and step.action != "ecs.run_hook":
                return
            last[step.id] = (message, now)
        click.echo(f"  {paint('…', dim=True)} {message}", err=True)

    return note


def ready_reporter(opts: Options) -> Any:
    """Says what the environment is still waiting for when that changes, or every 10 s."""
    last: list[Any] = [None, -10.0]

    def report(verdict: Readiness, waited: float) -> None:
        if opts.json or verdict.ready:
            return
        if verdict.waiting_for != last[0] or waited - last[1] >= 10:
            last[0], last[1] = verdict.waiting_for, waited
            click.echo(f"  {paint('…', dim=True)} {verdict.summary()} ({waited:.0f}s)", err=True)

    return report


def say_now(said: list[str]) -> Any:
    """Prints what the plan says (``feature-login exists: deploying ...``) before the
    work starts, and remembers it so that it is not printed again at the end."""

    def say(message: str) -> None:
        said.append(message)
        click.echo(message, err=True)

    return say


def took() -> str:
    """One duration, and what it covers: the whole command, start-up included."""
    return f"{timing.elapsed():.2f}s (whole command)"
