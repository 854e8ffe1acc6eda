"""`eden gc` (stale environments, orphans), `eden pin` and `eden unpin`."""

from __future__ import annotations

import sys

import click
from rich.progress import Progress

from eden.cli.common import Options, common_options, done, err, out, print_json
from eden.envs import gc
from eden.envs.engine import Engine
from eden.errors import EdenError, ExecutionFailed, UsageError


@click.command(name="gc")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option(
    "--ttl-hours", type=click.IntRange(1), help="Idle limit (default: the profile's, 24)."
)
@click.option(
    "--parallel",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Environments deleted at once.",
)
@click.option(
    "--orphans",
    is_flag=True,
    help="Instead: find resources tagged by eden that no environment claims.",
)
@click.option("--yes", is_flag=True, help="With --orphans: delete them without asking.")
@common_options()
def gc_command(
    dry_run: bool, ttl_hours: int | None, parallel: int, orphans: bool, yes: bool, opts: Options
) -> None:
    """Delete environments not deployed for longer than the TTL (pinned ones stay).

    Safe to run from a schedule: environments that another operation is changing
    are skipped, and running it again finishes what a previous run could not.
    """
    with opts.engine() as engine:
        if orphans:
            _orphans(engine, dry_run, yes, opts)
            return
        ttl = ttl_hours or engine.profile.ttl_hours
        candidates = gc.stale(engine.environments(), engine.clock(), ttl)
        if dry_run or not candidates:
            pruned = 0 if dry_run else gc.prune_history(engine)
            bypass = _bypass(engine, dry_run)
            if opts.json:
                stale = [r.name for r in candidates]
                print_json({"ttl_hours": ttl, "dry_run": dry_run, "stale": stale, "pruned": pruned,
                            "bypass": bypass})  # fmt: skip
            else:
                verb = "would delete" if candidates else "nothing to delete"
                out.print(f"{verb} ({len(candidates)} idle > {ttl}h)")
                for record in candidates:
                    out.print(f"  {record.name}  (branch {record.branch})", markup=False)
                _print_pruned(pruned, engine)
                _print_bypass(bypass, dry_run)
            return
        show_bar = sys.stderr.isatty() and not opts.json
        with Progress(console=err, disable=not show_bar, transient=True) as bar:
            task = bar.add_task("deleting stale environments", total=len(candidates))
            results = gc.collect(
                engine, candidates, parallel=parallel, on_done=lambda _: bar.advance(task)
            )
        pruned = gc.prune_history(engine)
        bypass = _bypass(engine, False)
    failed = [r for r in results if not r.ok]
    if opts.json:
        print_json({"ttl_hours": ttl, "results": [r.as_dict() for r in results],
                    "pruned": pruned, "bypass": bypass})  # fmt: skip
    else:
        for r in results:
            mark = "[green]✓[/green]" if r.ok else "[yellow]skipped[/yellow]"
            out.print(f"  {mark} {r.name}: {r.detail}")
        out.print(f"deleted {len(results) - len(failed)} of {len(results)} stale environment(s)")
        _print_pruned(pruned, engine)
        _print_bypass(bypass, False)
    if failed:
        raise ExecutionFailed(
            f"{len(failed)} environment(s) were not deleted",
            hint="run `eden gc` again; busy environments are retried then",
        )


def _bypass(engine: Engine, dry_run: bool) -> list[str]:
    """The ALBs' CI bypass rules put right (``envs/bypass_gc.py``)."""
    from eden.envs import bypass_gc

    secret = engine.executor.context.bypass_secret
    try:
        changes = bypass_gc.sweep(engine.aws, engine.profile, secret, dry_run=dry_run)
    except EdenError as exc:  # the environments' part is done: say so, and go on
        return [f"the CI bypass rules were not checked: {exc.message}"]
    return [c.describe() for c in changes]


def _print_bypass(changes: list[str], dry_run: bool) -> None:
    for change in changes:
        out.print(f"{'would ' if dry_run else ''}{change}", markup=False)


def _print_pruned(pruned: int, engine: Engine) -> None:
    if pruned:
        days = engine.store.retention_days
        out.print(f"pruned {pruned} events and journal entries older than {days} days")


def _orphans(engine: Engine, dry_run: bool, yes: bool, opts: Options) -> None:
    found = gc.find_orphans(engine)
    if opts.json and (dry_run or not found.by_env or not yes):
        print_json({"orphans": found.as_dict(), "deleted": False})
    elif not opts.json:
        if not found.by_env:
            out.print("no orphaned resources")
        for env, arns in found.as_dict().items():
            out.print(f"{env}:")
            for arn in arns:
                out.print(f"  {arn}", markup=False)
    if dry_run or not found.by_env:
        return
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"{len(found.by_env)} orphaned environment(s) found; not deleting",
                hint="add --yes to delete them",
            )
        click.confirm(f"delete {len(found.by_env)} orphaned environment(s)?", abort=True)
    results = gc.remove_orphans(engine, found)
    if opts.json:
        print_json(
            {"orphans": found.as_dict(), "deleted": True, "results": [r.as_dict() for r in results]}
        )
    else:
        for r in results:
            out.print(f"  {'✓' if r.ok else '✗'} {r.name}: {r.detail}", markup=False)
    if not all(r.ok for r in results):
        raise ExecutionFailed(
            "some orphaned resources could not be removed",
            hint="remove the resources listed above by hand",
        )


@click.command()
@click.argument("name")
@common_options()
def pin(name: str, opts: Options) -> None:
    """Keep environment NAME: the stale cleaner never deletes it."""
    _set_pin(name, True, opts)


@click.command()
@click.argument("name")
@common_options()
def unpin(name: str, opts: Options) -> None:
    """Let the stale cleaner delete NAME again once it is idle past the TTL."""
    _set_pin(name, False, opts)


def _set_pin(name: str, pinned: bool, opts: Options) -> None:
    """Pins or unpins, and says so, or says that it already was."""
    verb = "pinned" if pinned else "unpinned"
    with opts.engine() as engine:
        before, _ = engine.show(name)
        record = engine.pin(name, pinned)
    changed = before.pinned != pinned
    message = f"{verb} {record.name}" if changed else f"{record.name} was already {verb}"
    done(opts, message, {"name": record.name, "pinned": pinned, "changed": changed})
