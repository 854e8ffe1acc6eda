"""`eden create | delete | ls | show | endpoints`: environments from the command line."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import click

from eden.cli import listing, timing
from eden.cli.common import (
    Options,
    common_options,
    lock_options,
    out,
    paint,
    print_json,
    wait_reporter,
    when,
)
from eden.cli.suggest import close_matches
from eden.core import endpoints_doc
from eden.core.envvars import parse_env_pairs
from eden.errors import ConfigError
from eden.state.leases import LockPolicy

if TYPE_CHECKING:  # the engine (and boto3 under it) loads when a command opens one
    from eden.envs.engine import Engine, Outcome
    from eden.envs.executor import StepResult
    from eden.envs.journal import OperationLog
    from eden.envs.plan import Step
    from eden.envs.readiness import Readiness


def _progress(opts: Options, image: str | None = None) -> Any:
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


def _notes(opts: Options) -> Any:
    """What a long step waits for (a draining service...): when it changes, or every 10 s."""
    if opts.json:
        return None
    last: dict[str, tuple[str, float]] = {}
    lock = threading.Lock()

    def note(step: Step, message: str) -> None:
        now = time.monotonic()
        with lock:
            shown, at = last.get(step.id, ("", -10.0))
            if message.split(" (")[0] == shown.split(" (")[0] and now - at < 10:
                return
            last[step.id] = (message, now)
        click.echo(f"  {paint('…', dim=True)} {message}", err=True)

    return note


def _ready_reporter(opts: Options) -> Any:
    """Says what the environment is still waiting for when that changes, or every 10 s."""
    last: list[Any] = [None, -10.0]

    def report(verdict: Readiness, waited: float) -> None:
        if opts.json or verdict.ready:
            return
        if verdict.waiting_for != last[0] or waited - last[1] >= 10:
            last[0], last[1] = verdict.waiting_for, waited
            click.echo(f"  {paint('…', dim=True)} {verdict.summary()} ({waited:.0f}s)", err=True)

    return report


def _print_plan(outcome: Outcome) -> None:
    from eden.envs.plan import render as plan_params

    plan = outcome.plan
    out.print(
        f"Plan: {plan.operation} [bold]{plan.env}[/bold] "
        f"({len(plan.steps)} steps, {plan.critical_path()} in sequence)"
    )
    for note in plan.notes:
        out.print(f"  note: {note}")
    for i, step in enumerate(plan.steps, 1):
        deps = f" after {', '.join(step.depends_on)}" if step.depends_on else ""
        out.print(f"{i}. {step.id}: {step.action}{deps}")
        out.print(f"   {step.description}")
        body = json.dumps(plan_params(dict(step.params)), indent=2, default=str)
        for line in body.splitlines():
            out.print(f"     {line}", markup=False)
        for what, how in step.decided_at_apply.items():
            out.print(f"   {what}: chosen at apply ({how})", markup=False)
    out.print("DRY RUN OK: nothing was changed")


@click.command()
@click.argument("name")
@click.option(
    "--image", required=True, metavar="URI", help="Container image for the target container."
)
@click.option("--alias", metavar="SHORT", help="Short name to use instead of the branch's slug.")
@click.option(
    "--env",
    "env_pairs",
    multiple=True,
    metavar="KEY=VAL",
    help="Environment variable for the target container (repeatable).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan (every AWS call and its inputs); change nothing.",
)
@click.option(
    "--keep-on-failure", is_flag=True, help="Keep what was made when a step fails (for debugging)."
)
@click.option(
    "--wait",
    "wait_ready",
    is_flag=True,
    help="Then wait until it serves: DNS in sync, service steady, targets healthy.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1, max=3600),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="With --wait: how long to wait at most.",
)
@lock_options
@common_options()
def create(
    name: str,
    image: str,
    alias: str | None,
    env_pairs: tuple[str, ...],
    dry_run: bool,
    keep_on_failure: bool,
    wait_ready: bool,
    timeout: float,
    on_locked: str,
    lock_timeout: float,
    opts: Options,
) -> None:
    """Create the environment for branch NAME, or deploy IMAGE to it if it exists.

    \b
    eden create feature/login \\
        --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:abc123
    """
    env = parse_env_pairs(env_pairs)
    said: list[str] = []
    with opts.engine(LockPolicy.from_env(on_locked, lock_timeout)) as engine:
        outcome = engine.create(
            name,
            image,
            alias=alias,
            env=env,
            dry_run=dry_run,
            keep_on_failure=keep_on_failure,
            listener=_progress(opts, image),
            on_wait=wait_reporter(opts),
            ready_timeout=timeout if wait_ready and not dry_run else None,
            on_ready=_ready_reporter(opts),
            notes=_notes(opts),
            on_message=None if opts.json else _say_now(said),
        )
    verb = "deployed" if outcome.operation == "deploy" else "created"
    summary = f"{verb} {paint(outcome.env, bold=True)} in {_took()}: {outcome.url}"
    _print_outcome(outcome, opts, dry_run, summary, said)


def _say_now(said: list[str]) -> Any:
    """Prints what the plan says (``feature-login exists: deploying ...``) before the
    work starts, and remembers it so that it is not printed again at the end."""

    def say(message: str) -> None:
        said.append(message)
        click.echo(message, err=True)

    return say


def _took() -> str:
    """One duration, and what it covers: the whole command, start-up included."""
    return f"{timing.elapsed():.2f}s (whole command)"


@click.command()
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Print what would be removed; change nothing.")
@lock_options
@common_options()
def delete(name: str, dry_run: bool, on_locked: str, lock_timeout: float, opts: Options) -> None:
    """Delete environment NAME (a name, alias or branch) and every resource it has.

    Deleting an environment that is already gone succeeds.
    """
    with opts.engine(LockPolicy.from_env(on_locked, lock_timeout)) as engine:
        outcome = engine.delete(
            name, dry_run=dry_run, listener=_progress(opts), on_wait=wait_reporter(opts)
        )
        if outcome.record is None and not outcome.plan.steps and not opts.json:
            _say_no_such(name, engine)
            return
    summary = f"deleted {paint(outcome.env, bold=True)} in {_took()}"
    _print_outcome(outcome, opts, dry_run, summary if outcome.plan.steps else None)


def _listed(opts: Options) -> list[Any]:
    """The profile's environments from the state store alone: listing calls no AWS API,
    so it opens no engine (and imports no boto3, a third of a second of CPU)."""
    from contextlib import closing

    from eden.state.base import open_store

    profile = opts.load()
    with closing(open_store(profile.state_url())) as store:
        return store.list_envs(profile.name)


def _say_no_such(name: str, engine: Engine) -> None:
    """Delete stays idempotent (exit 0), but says plainly that nothing had that name,
    and which names are close (a typo is the usual cause)."""
    click.echo(f"no environment named {name!r} in profile {engine.profile.name}: nothing to delete")
    matches = close_matches(name, engine.environments())
    if matches:
        click.echo(f"  did you mean: {', '.join(matches)}?")
    else:
        click.echo("  list them with `eden ls`")


def _print_outcome(
    outcome: Outcome, opts: Options, dry_run: bool, summary: str | None, said: Any = ()
) -> None:
    """JSON (a dry run: the plan's faithful form), the plan, or messages and a summary."""
    if opts.json:
        if dry_run:
            print_json(outcome.plan.to_dict())
        else:
            print_json({**outcome.as_dict(), "command_seconds": round(timing.elapsed(), 3)})
        return
    if dry_run:
        _print_plan(outcome)
        return
    for message in outcome.messages:
        if message not in said:
            click.echo(message)
    if summary:
        click.echo(summary)


@click.command(name="ls")
@common_options()
def ls(opts: Options) -> None:
    """List the environments of the profile."""
    records = _listed(opts)
    if opts.json:
        print_json([r.as_dict() for r in records])
        return
    if not records:
        click.echo("no environments (create one with `eden create BRANCH --image URI`)")
        return
    rows = [
        {
            "NAME": r.name,
            "BRANCH": r.branch,
            "URL": r.url,
            "IMAGE": r.image,
            "CREATED": when(r.created_at),
            "LAST DEPLOY": when(r.last_deploy_at),
            "STATUS": r.status,
        }
        for r in records
    ]
    # A terminal gets a table that fits it; a pipe gets every value whole.
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for line in listing.render(rows, width):
        click.echo(line)


@click.command()
@click.argument("name")
@common_options()
def show(name: str, opts: Options) -> None:
    """Show environment NAME: its resources with ARNs, URL and deploy history."""
    with opts.engine() as engine:
        record, events = engine.show(name)
        last = engine.last_operation(record.name)
    if opts.json:
        last_op = last.as_dict() if last else None
        print_json(
            {**record.as_dict(), "events": [e.as_dict() for e in events], "last_operation": last_op}
        )
        return
    out.print(f"[bold]{record.name}[/bold]  {record.url}  ({record.status})")
    out.print(f"  branch:      {record.branch}")
    if record.alias:
        out.print(f"  alias:       {record.alias}")
    out.print(f"  created:     {when(record.created_at)}")
    out.print(f"  last deploy: {when(record.last_deploy_at)}")
    for svc in record.services:
        out.print(f"  service {svc.role}:")
        out.print(f"    image:           {svc.image}")
        out.print(f"    task definition: {svc.task_definition_arn}")
        out.print(f"    service:         {svc.service_arn}")
        out.print(f"    target group:    {svc.target_group_arn}")
        out.print(f"    listener rule:   {svc.rule_arn}")
    if last is not None:
        _print_last_operation(last)
    out.print("  history (each operation's AWS reads and changes; start-up not counted):")
    for e in events:
        out.print(
            f"    {when(e.started_at)}  {e.action:<7} {e.result:<6} {e.seconds:6.2f}s  "
            f"{e.actor}  {e.image or ''}  {e.detail}",
            markup=False,
        )


def _print_last_operation(last: OperationLog) -> None:
    """The journal's view of the last operation: each step's last phase, and whether the
    operation ended at all (a process killed mid-way leaves it interrupted)."""
    ended = "interrupted (it never ended)" if last.interrupted else last.ended
    out.print(f"  last operation: {last.kind} {when(last.started_at)}, {ended}", markup=False)
    for step in last.steps:
        detail = f"  {step.detail}" if step.detail and step.phase != "start" else ""
        phase = "started, never ended" if step.phase == "start" else step.phase
        out.print(f"    {step.step:<16} {phase}{detail}", markup=False)


@click.group()
def endpoints() -> None:
    """The endpoints document in S3 that client apps read."""


@endpoints.command(name="show")
@common_options()
def endpoints_show(opts: Options) -> None:
    """Print the profile's endpoints document (JSON, whatever --output says: that is
    its form)."""
    with opts.engine() as engine:
        doc = engine.profile.endpoints
        if doc is None:
            raise ConfigError(
                f"profile {engine.profile.name} has no [endpoints] table",
                hint="add one with bucket, key and update_key to keep a document",
            )
        data = engine.aws.s3.get_json(doc.bucket, doc.key).doc
    print_json(data if data is not None else endpoints_doc.empty())


@endpoints.command(name="sync")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@common_options()
def endpoints_sync(dry_run: bool, opts: Options) -> None:
    """Rebuild eden's entries in the endpoints document from state (others are kept)."""
    with opts.engine() as engine:
        from eden.envs.endpoints_sync import sync_endpoints

        report = sync_endpoints(engine, dry_run=dry_run)
    if opts.json:
        print_json({"dry_run": dry_run, **report})
        return
    verb = "would " if dry_run else ""
    out.print(f"{verb}add or fix: {', '.join(report['added']) or 'nothing'}")
    out.print(f"{verb}remove: {', '.join(report['removed']) or 'nothing'}")
