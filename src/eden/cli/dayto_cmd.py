"""`eden logs`, `eden exec` and `eden diff`: day two with an environment."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from eden.cli.common import Options, common_options, err, out, print_json, when
from eden.envs.health import Health
from eden.envs.logs import LogLine, LogReader, group_arn, parse_since
from eden.envs.observe import Observer, Survey
from eden.envs.records import EnvRecord
from eden.envs.shell import INSTALL_HINT, PLUGIN, command_string, plugin_argv
from eden.errors import EdenError, UsageError


@click.command()
@click.argument("name")
@click.option("--service", "service_role", metavar="S", help="Only this service (its role).")
@click.option("--container", metavar="C", help="Only this container (default: all of them).")
@click.option(
    "--since",
    default="10m",
    show_default=True,
    metavar="WHEN",
    help="From how long ago (10m, 2h, 1d, 1h30m) or from a time (2026-05-01T10:00Z).",
)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.option("--grep", metavar="TEXT", help="Only lines containing TEXT (case-sensitive).")
@common_options()
def logs(
    name: str,
    service_role: str | None,
    container: str | None,
    since: str,
    follow: bool,
    grep: str | None,
    opts: Options,
) -> None:
    """Print the logs of environment NAME's tasks (every container that uses awslogs).

    \b
    eden logs feature/login --since 1h --grep ERROR
    eden logs feature/login -f
    """
    start = parse_since(since, time.time())
    with opts.engine() as engine:
        observer = Observer(engine)
        record = observer.find(name)
        reader, notes, td_arn = observer.logs(record, service_role, container)
        for note in notes:
            err.print(f"note: {note}", markup=False)
        if not follow:
            lines, cut = reader.read(start, grep)
            _print_lines(lines, cut, notes, opts)
            return
        with _ctrl_c_stops() as stopped:
            try:
                _follow(reader, start, grep, td_arn, engine.profile.endpoint_url is None,
                        opts, stopped)  # fmt: skip
            except KeyboardInterrupt:  # a second Ctrl-C: stop at once
                stopped.set()
        if stopped.is_set():  # Ctrl-C is how a follow ends: no "aborted", just 130
            raise click.exceptions.Exit(130)


@contextmanager
def _ctrl_c_stops() -> Iterator[threading.Event]:
    """Ctrl-C sets the event the follow checks between polls (and between live-tail events),
    so it ends between two AWS calls: an interrupt inside one could leave a lock held or a
    connection half-read, and the process hung at exit (seen under load). A second Ctrl-C
    interrupts at once."""
    stopped = threading.Event()

    def on_sigint(signum: int, frame: Any) -> None:
        if stopped.is_set():
            raise KeyboardInterrupt
        stopped.set()

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (a test calling the command in a thread)
        yield stopped
        return
    try:
        yield stopped
    finally:
        signal.signal(signal.SIGINT, previous)


def _follow(
    reader: LogReader, start: float, grep: str | None, td_arn: str, live: bool, opts: Options,
    stopped: threading.Event,
) -> None:
    """Live tail on AWS (a streaming API the sandbox has not), else polling, until
    ``stopped`` is set."""
    emit = _emitter(opts)
    reader.sleep = stopped.wait  # a pause between polls ends at Ctrl-C
    if live:
        lines, _ = reader.read(start, grep)
        for line in lines:
            emit(line)
        arn = lambda group, region: group_arn(td_arn, group, region)  # noqa: E731
        if reader.live(emit, stopped.is_set, arn, grep):
            return
        start = max([start, *(line.at for line in lines)])
    reader.follow(start, emit, stopped.is_set, grep)


def _print_lines(lines: list[LogLine], cut: bool, notes: list[str], opts: Options) -> None:
    if opts.json:
        print_json({"lines": [x.as_dict() for x in lines], "truncated": cut, "notes": notes})
        return
    emit = _emitter(opts)
    for line in lines:
        emit(line)
    if cut:
        err.print("note: more lines than shown; narrow --since or add --grep", markup=False)
    if not lines:
        err.print("no log lines in that time (try a longer --since)", markup=False)


def _emitter(opts: Options) -> Any:
    def emit(line: LogLine) -> None:
        if opts.json:  # one object a line: a stream that tools can read as it comes
            text = json.dumps(line.as_dict())
        else:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(line.at))
            millis = int(line.at * 1000) % 1000
            text = f"{stamp}.{millis:03d}Z {line.container}/{line.task[:8]} {line.message}"
        click.echo(text)
        sys.stdout.flush()  # `eden logs -f | grep ...` sees each line when it comes

    return emit


@click.command(name="exec", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.option("--container", "-c", metavar="C", help="Container (default: the app's).")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@common_options(output=False)
@click.pass_context
def exec_command(
    ctx: click.Context, name: str, container: str | None, command: tuple[str, ...], opts: Options
) -> None:
    """Open a shell (or run COMMAND) in a running task of environment NAME, with ECS Exec.

    \b
    eden exec feature/login
    eden exec feature/login --container app -- ls -la /app
    """
    with opts.engine() as engine:
        observer = Observer(engine)
        record = observer.find(name)
        target = observer.exec_target(record, container)
        plugin = shutil.which(PLUGIN)
        if plugin is None:
            raise UsageError(
                f"the Session Manager plugin is not installed ({PLUGIN})", hint=INSTALL_HINT
            )
        ecs = engine.aws.ecs
        answer = ecs.execute_command(
            target.cluster, target.task_arn, target.container, command_string(command)
        )
        argv = plugin_argv(
            plugin,
            answer["session"],
            ecs.region(),
            os.environ.get("AWS_PROFILE", ""),
            ecs.endpoint_url(),
            target,
        )
    err.print(f"opening a session in {target.container} of task {target.task_id}", markup=False)
    ctx.exit(subprocess.call(argv))


@click.command()
@click.argument("name")
@common_options()
def diff(name: str, opts: Options) -> None:
    """Show how environment NAME differs from what its reference makes today.

    `-` lines are the environment now, `+` lines what `eden create NAME --refresh` sets.
    The image and the environment's own values (env-var overrides, names, desired count,
    tags) are not differences.
    """
    with opts.engine() as engine:
        observer = Observer(engine)
        record = observer.find(name)
        drift = observer.drift(record)
    if opts.json:
        print_json({"env": record.name, **drift.as_dict()})
        return
    if not drift.drifted:
        out.print(f"{record.name} matches its reference")
        return
    colours = {"-": "red", "+": "green", "@": "cyan"}
    for _section, lines in drift.diffs:
        for line in lines:
            out.print(line, style=colours.get(line[:1], ""), markup=False, highlight=False)
    fixed = [c.path for c in drift.changes if not c.refreshable]
    if fixed:
        out.print(f"only a new environment changes: {', '.join(fixed)}", markup=False)
    out.print(
        f"{drift.summary()}; apply with `eden create {record.branch} --refresh`", markup=False
    )


def read_health(observer: Observer, record: EnvRecord) -> tuple[Health | None, str | None]:
    """The environment's health, or why it could not be read (the record still shows)."""
    try:
        return observer.health(record), None
    except EdenError as exc:
        return None, exc.message


def print_health(health: Health | None, problem: str | None) -> None:
    """`eden show`'s health block: counts, rollout, targets, recent stops, problems."""
    if health is None:
        out.print(f"  health:      unknown ({problem})", markup=False)
        return
    out.print(f"  health:      {health.summary()}", markup=False)
    rollout = health.rollout or "-"
    if health.rollout_reason:
        rollout += f" ({health.rollout_reason})"
    out.print(
        f"    tasks:     {health.running} running, {health.pending} pending, "
        f"{health.desired} desired; rollout {rollout}, {health.deployments} deployment(s)",
        markup=False,
    )
    for target in health.targets:
        out.print(f"    target:    {target.text}", markup=False)
    for task in health.stopped:
        stop = task.stop.text if task.stop else "?"
        out.print(f"    stopped:   {when(task.stopped_at)} {task.id[:8]} {stop}", markup=False)
    for problem_text in health.problems:
        out.print(f"    problem:   {problem_text}", markup=False)


def survey_cells(survey: Survey | None) -> tuple[str, str]:
    """`eden ls`'s HEALTH and DRIFT cells."""
    if survey is None:
        return "-", "-"
    health = survey.health.summary() if survey.health else f"? {survey.error}"
    if survey.drift is None:
        drift = "?"
    else:
        drift = f"drifted ({len(survey.drift.changes)})" if survey.drift.drifted else "no"
    return health, drift
