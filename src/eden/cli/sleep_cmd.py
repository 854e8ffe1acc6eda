"""`eden sleep` and `eden wake`: an environment's tasks stopped while it is idle, and back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from eden.cli.common import Options, common_options, lock_options, out, print_json, when
from eden.cli.progress import progress, took
from eden.errors import UsageError
from eden.state.leases import LockPolicy

if TYPE_CHECKING:
    from eden.envs.outcome import Outcome
    from eden.envs.records import EnvRecord


def status_cell(record: EnvRecord) -> str:
    """``eden ls``: ready, or sleeping / waking for a ready environment not awake."""
    if record.power == "awake":
        return record.status
    return record.power if record.status == "ready" else f"{record.status} ({record.power})"


def power_line(record: EnvRecord) -> str:
    """``eden show``: since when it sleeps (or wakes), why, and what a wake restores."""
    nap = record.extra.get("sleep") or {}
    counts = ", ".join(f"{k} {v}" for k, v in (nap.get("counts") or {}).items())
    return (f"  {record.power}:    since {when(nap.get('since'))} ({nap.get('reason', '')}); "
            f"wakes to {counts} task(s)")  # fmt: skip


def cost_line(cost: dict[str, Any]) -> str:
    """``eden show``: what its tasks cost so far and what sleeping saved (an estimate)."""
    if cost["dollars"] is None:
        return f"unknown: {cost['unknown']}"
    return (f"${cost['dollars']:.2f} so far since {when(cost['since'])}, "
            f"${cost['saved_dollars']:.2f} saved by sleeping; ${cost['hourly']:.4f} an hour "
            f"awake (Fargate {cost['region']}, an estimate)")  # fmt: skip


@click.command()
@click.argument("name", required=False)
@click.option("--idle", is_flag=True, help="Every environment idle longer than idle_minutes.")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@lock_options
@common_options()
def sleep(
    name: str | None, idle: bool, dry_run: bool, on_locked: str, lock_timeout: float,
    opts: Options,
) -> None:  # fmt: skip
    """Put environment NAME to sleep: its tasks stop, its resources stay, and the next
    request to its URL wakes it (through the waker). --idle: every idle environment."""
    from eden.envs.sleep import Power

    if idle == bool(name):
        raise UsageError(
            "give either NAME or --idle", hint="eden sleep feature-x, or eden sleep --idle"
        )
    with opts.engine(LockPolicy.from_env(on_locked, lock_timeout)) as engine:
        if idle:
            from eden.cli.idle_cmd import sleep_idle

            sleep_idle(engine, dry_run, opts)
            return
        assert name is not None
        outcome = Power(engine).sleep(name, dry_run=dry_run, listener=progress(opts))
    _say(outcome, opts, dry_run)


@click.command()
@click.argument("name")
@click.option("--no-wait", is_flag=True, help="Start the tasks and return; the waker finishes.")
@click.option(
    "--timeout", type=click.FloatRange(1), default=600, show_default=True, metavar="SECONDS",
    help="How long to wait for healthy targets before giving up (the tasks keep starting).",
)  # fmt: skip
@lock_options
@common_options()
def wake(
    name: str, no_wait: bool, timeout: float, on_locked: str, lock_timeout: float, opts: Options
) -> None:
    """Wake environment NAME: start its tasks, and once they are healthy send its
    requests to them again."""
    from eden.envs.sleep import Power

    with opts.engine(LockPolicy.from_env(on_locked, lock_timeout)) as engine:
        power = Power(engine)
        outcome = power.wake(name, listener=progress(opts))
        if no_wait:
            _say(outcome, opts, False)
            return
        awake = power.wait_awake(outcome.env, timeout)
        record = power.record(outcome.env)
    if not awake:
        raise UsageError(
            f"{outcome.env} is still waking after {timeout:.0f}s: its targets are not healthy",
            hint=f"see `eden show {outcome.env}`; run `eden wake {outcome.env}` again to finish",
        )
    outcome.record = record
    outcome.messages.append(f"{outcome.env} is awake: requests reach its tasks again")
    _say(outcome, opts, False)


def _say(outcome: Outcome, opts: Options, dry_run: bool) -> None:
    if opts.json:
        print_json(outcome.plan.to_dict() if dry_run else outcome.as_dict())
        return
    if dry_run:
        for step in outcome.plan.steps:
            out.print(f"  {step.id}: {step.description}", markup=False)
        return
    for message in outcome.messages:
        out.print(message, markup=False)
    out.print(f"done in {took()}", markup=False)
