"""`eden create | delete | ls | show | endpoints`: environments from the command line."""

from __future__ import annotations

import json
import shutil
import sys
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
from eden.cli.dayto_cmd import print_health, read_health, survey_cells
from eden.cli.progress import notes, progress, ready_reporter, say_now, took
from eden.cli.sleep_cmd import cost_line, power_line, status_cell
from eden.cli.suggest import close_matches
from eden.cli.vars_cmd import brief as vars_brief
from eden.core import endpoints_doc
from eden.core.envvars import parse_env_pairs
from eden.envs.observe import Observer, Survey, refresh_inputs
from eden.envs.usage import cost_view
from eden.errors import ConfigError, UsageError
from eden.state.leases import LockPolicy

if TYPE_CHECKING:  # for annotations only
    from eden.config import Profile
    from eden.envs.engine import Engine, Outcome
    from eden.envs.journal import OperationLog
    from eden.envs.records import EnvRecord


def print_plan(outcome: Outcome) -> None:
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
    "--image",
    "images",
    multiple=True,
    metavar="[ROLE=]URI",
    help="Container image for the target container (with --refresh: default, the current). "
    "A group's services by role: --image api=URI --image web=URI (the others keep or take "
    "their reference's image).",
)
@click.option("--alias", metavar="SHORT", help="Short name to use instead of the branch's slug.")
@click.option(
    "--env",
    "env_pairs",
    multiple=True,
    metavar="KEY=VAL",
    help="Environment variable for the target container (repeatable).",
)
@click.option("--dry-run", is_flag=True,
              help="Print the plan (every AWS call and its inputs); change nothing.")
@click.option("--keep-on-failure", is_flag=True,
              help="Keep what was made when a step fails (for debugging).")
@click.option("--wait", "wait_ready", is_flag=True,
              help="Then wait until it serves: DNS in sync, service steady, targets healthy.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1, max=3600),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="With --wait: how long to wait at most.",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Also bring an existing environment up to date with the reference (task "
    "definition, service settings, health check), keeping its own values; deletes nothing.",
)
@lock_options
@common_options()
def create(
    name: str,
    images: tuple[str, ...],
    alias: str | None,
    env_pairs: tuple[str, ...],
    dry_run: bool,
    keep_on_failure: bool,
    wait_ready: bool,
    timeout: float,
    refresh: bool,
    on_locked: str,
    lock_timeout: float,
    opts: Options,
) -> None:
    """Create the environment for branch NAME, or deploy IMAGE to it if it exists.

    \b
    eden create feature/login \\
        --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:abc123
    eden create feature/login --refresh
    """
    env = parse_env_pairs(env_pairs)
    image, by_role = split_images(images)
    if image is None and not by_role and not refresh and not opts_is_group(opts):
        raise UsageError(
            "--image is required", hint="give the image to deploy, or --refresh to redeploy "
            "an existing environment's image with the reference's settings"
        )
    said: list[str] = []
    with opts.engine(LockPolicy.from_env(on_locked, lock_timeout)) as engine:
        if refresh and not engine.profile.is_group:
            name, image, env = refresh_inputs(Observer(engine), name, image, env)
        outcome = engine.create(
            name,
            image,
            images=by_role,
            alias=alias,
            env=env,
            dry_run=dry_run,
            keep_on_failure=keep_on_failure,
            listener=progress(opts, image),
            on_wait=wait_reporter(opts),
            ready_timeout=timeout if wait_ready and not dry_run else None,
            on_ready=ready_reporter(opts),
            notes=notes(opts),
            on_message=None if opts.json else say_now(said),
            refresh=refresh,
        )
    verb = "deployed" if outcome.operation == "deploy" else "created"
    summary = f"{verb} {paint(outcome.env, bold=True)} in {took()}: {outcome.url}"
    _print_outcome(outcome, opts, dry_run, summary, said)


def split_images(values: tuple[str, ...]) -> tuple[str | None, dict[str, str]]:
    """``--image URI`` (the only or first service's) and ``--image ROLE=URI`` (a group's):
    an image reference never holds '=', so the two cannot be confused."""
    plain = [v for v in values if "=" not in v]
    if len(plain) > 1:
        raise UsageError(
            f"{len(plain)} images given without a service role",
            hint="give one --image URI, or name each service: --image api=URI --image web=URI",
        )
    by_role = dict(v.split("=", 1) for v in values if "=" in v)
    return (plain[0] if plain else None), by_role


def opts_is_group(opts: Options) -> bool:
    return opts.load().is_group


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
            name,
            dry_run=dry_run,
            listener=progress(opts),
            on_wait=wait_reporter(opts),
            notes=notes(opts),
        )
        if outcome.record is None and not outcome.plan.steps and not opts.json:
            _say_no_such(name, engine)
            return
    summary = f"deleted {paint(outcome.env, bold=True)} in {took()}"
    _print_outcome(outcome, opts, dry_run, summary if outcome.plan.steps else None)


def _records_only(opts: Options) -> list[Any]:
    """The profile's environments from the state store alone (``ls --no-status``): no AWS
    call, so no engine is opened."""
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
        print_plan(outcome)
        return
    for message in outcome.messages:
        if message not in said:
            click.echo(message)
    if summary:
        click.echo(summary)


@click.command(name="ls")
@click.option(
    "--no-status", is_flag=True, help="Only what eden remembers: no health or drift from AWS."
)
@common_options()
def ls(no_status: bool, opts: Options) -> None:
    """List the environments of the profile, with their health and drift from the reference."""
    if no_status:
        records, surveys = _records_only(opts), {}
    else:
        with opts.engine() as engine:
            records = engine.environments()
            surveys = Observer(engine).survey(records)
    if opts.json:
        profile, now = opts.load(), time.time()
        print_json([_listed(r, surveys.get(r.name), profile, now) for r in records])
        return
    unread = {s.error for s in surveys.values() if s.health is None and s.error}
    if surveys and len(unread) == 1 and all(s.health is None for s in surveys.values()):
        click.echo(f"note: health not read ({unread.pop()}); use --no-status to skip it",
                   err=True)
    if not records:
        click.echo("no environments (create one with `eden create BRANCH --image URI`)")
        return
    # Which shared ALB: when the profile has a pool of them (or its environments are spread).
    pool = opts.load()
    pooled = len(pool.listener_arns or pool.alb_arns) > 1 or len({r.alb for r in records}) > 1
    rows = []
    for r in records:
        row = {"NAME": r.name, "BRANCH": r.branch, "URL": r.url, "IMAGE": r.image,
               "CREATED": when(r.created_at), "LAST DEPLOY": when(r.last_deploy_at),
               "STATUS": status_cell(r)}
        if pooled:
            row["ALB"] = r.alb or "-"
        if not no_status:
            row["HEALTH"], row["DRIFT"] = survey_cells(surveys.get(r.name))
        rows.append(row)
    # A terminal gets a table that fits it; a pipe gets every value whole.
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for line in listing.render(rows, width):
        click.echo(line)


def _listed(
    record: EnvRecord, survey: Survey | None, profile: Profile, now: float
) -> dict[str, Any]:
    data = record.as_dict() | {"cost": cost_view(record, profile, now)}
    return data | survey.brief() if survey is not None else data


@click.command()
@click.argument("name")
@common_options()
def show(name: str, opts: Options) -> None:
    """Show environment NAME: its health (tasks, targets, rollout, why tasks stopped), its
    resources with ARNs, URL and deploy history."""
    with opts.engine() as engine:
        record, events = engine.show(name)
        last = engine.last_operation(record.name)
        health, problem = read_health(Observer(engine), record)
        costs = cost_view(record, engine.profile, engine.clock())
    if opts.json:
        last_op = last.as_dict() if last else None
        print_json(
            {
                **record.as_dict(),
                "cost": costs,
                "health": health.as_dict() if health else None,
                "health_error": problem,
                "events": [e.as_dict() for e in events],
                "last_operation": last_op,
            }
        )
        return
    out.print(f"[bold]{record.name}[/bold]  {record.url}  ({status_cell(record)})")
    out.print(f"  branch:      {record.branch}")
    if record.alias:
        out.print(f"  alias:       {record.alias}")
    out.print(f"  created:     {when(record.created_at)}")
    out.print(f"  last deploy: {when(record.last_deploy_at)}")
    if record.power != "awake":
        out.print(power_line(record), markup=False)
    out.print(f"  cost:        {cost_line(costs)}", markup=False)
    if record.alb:
        out.print(f"  shared ALB:  {record.alb}  ({record.extra['alb_arn']})", markup=False)
    print_health(health, problem)
    for svc in record.services:
        out.print(f"  service {svc.role}:")
        out.print(f"    image:           {svc.image}")
        out.print(f"    task definition: {svc.task_definition_arn}")
        out.print(f"    service:         {svc.service_arn}")
        out.print(f"    target group:    {svc.target_group_arn}")
        out.print(f"    listener rule:   {svc.rule_arn}")
    for line in vars_brief(record):
        out.print(line, markup=False)
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
