"""`eden vars ls | set | unset`: an environment's own variables and secrets.

They are kept with the environment and set on every deploy (``envs/variables.py``);
``create --env`` stays a value for one deploy. Setting or unsetting deploys at once
(every service, with the image it runs) unless ``--no-deploy``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from eden.cli.common import (
    Options,
    common_options,
    lock_options,
    paint,
    print_json,
    wait_reporter,
)
from eden.cli.progress import notes, progress, ready_reporter, say_now, took
from eden.core.envvars import VarsChange, parse_env_pairs
from eden.state.leases import LockPolicy

if TYPE_CHECKING:
    from eden.envs.records import EnvRecord
    from eden.envs.vars_ops import VarsResult


@click.group(name="vars")
def vars_group() -> None:
    """An environment's own variables and secrets, kept across deploys.

    \b
    eden vars set feature/login LOG_LEVEL=debug --secret DB_PASSWORD=arn:aws:secretsmanager:...
    eden vars ls feature/login
    eden vars unset feature/login LOG_LEVEL
    """


def _deploy_options(fn: Any) -> Any:
    fn = click.option(
        "--timeout",
        type=click.FloatRange(min=1, max=3600),
        default=600,
        show_default=True,
        metavar="SECONDS",
        help="With --wait: how long to wait at most.",
    )(fn)
    fn = click.option(
        "--wait", "wait_ready", is_flag=True, help="Then wait until the environment serves."
    )(fn)
    fn = click.option("--dry-run", is_flag=True, help="Print the deploy's plan; change nothing.")(
        fn
    )
    fn = click.option(
        "--no-deploy",
        is_flag=True,
        help="Only keep the change: the next deploy sets it (`eden vars set NAME` deploys).",
    )(fn)
    return fn


@vars_group.command(
    name="ls", short_help="List its variables and secrets (values that look secret hidden)."
)
@click.argument("name")
@click.option("--show-values", is_flag=True, help="Also the values of names that look secret.")
@common_options()
def vars_ls(name: str, show_values: bool, opts: Options) -> None:
    """List environment NAME's own variables: values (redacted when the name looks like a
    secret) and secrets (the ARN they are read from)."""
    from contextlib import closing

    from eden.envs import variables
    from eden.envs.ownership import Directory
    from eden.errors import NotFound
    from eden.state.base import open_store

    profile = opts.load()
    with closing(open_store(profile.state_url())) as store:
        record = Directory(store, profile.name).find(name)
    if record is None:
        raise NotFound(
            f"no environment {name!r} in profile {profile.name}", hint="list them with `eden ls`"
        )
    view = variables.view(record, show_values=show_values)
    if opts.json:
        print_json(view)
        return
    print_view(record.name, view)


def print_view(env: str, view: dict[str, Any]) -> None:
    rows = [
        (r["name"], r["kind"], r["value"] if r["kind"] == "value" else r["value_from"])
        for r in view["vars"]
    ]
    if not rows:
        click.echo(f"{env} has no variables of its own (`eden vars set {env} KEY=VALUE`)")
    for line in table(rows):
        click.echo(line)
    if any(r["redacted"] for r in view["vars"]):
        click.echo("(**** hides values whose names look secret: --show-values shows them)")
    if view["pending"]:
        click.echo(f"not deployed yet: `eden vars set {env}` deploys them")
    if view["last_deploy_env"]:
        pairs = ", ".join(f"{k}={v}" for k, v in view["last_deploy_env"].items())
        click.echo(f"the last deploy also had --env {pairs} (for that deploy only)")


def table(rows: list[tuple[str, str, str]]) -> list[str]:
    """NAME, KIND and VALUE, aligned; a value (an ARN to copy) is never cut or wrapped."""
    if not rows:
        return []
    name = max(len("NAME"), *(len(r[0]) for r in rows))
    kind = max(len("KIND"), *(len(r[1]) for r in rows))
    lines = [("NAME", "KIND", "VALUE"), *rows]
    return [f"{a:<{name}}  {b:<{kind}}  {c}".rstrip() for a, b, c in lines]


def brief(record: EnvRecord) -> list[str]:
    """Lines for `eden show`: the environment's own variables, redacted."""
    from eden.envs import variables

    rows = variables.rows(record)
    if not rows:
        return []
    shown = ", ".join(
        f"{r['name']}={r['value']}" if r["kind"] == "value" else f"{r['name']} <- {r['value_from']}"
        for r in rows
    )
    pending = " (not deployed yet)" if variables.pending(record) else ""
    return [f"  variables:   {shown}{pending}"]


@vars_group.command(name="set", short_help="Set variables or secrets, then deploy.")
@click.argument("name")
@click.argument("pairs", nargs=-1, metavar="[KEY=VALUE]...")
@click.option(
    "--secret",
    "secret_pairs",
    multiple=True,
    metavar="KEY=ARN",
    help="A secret ECS reads when a task starts: a Secrets Manager secret's ARN, or an SSM "
    "parameter's ARN or name (repeatable).",
)
@_deploy_options
@lock_options
@common_options()
def vars_set(
    name: str, pairs: tuple[str, ...], secret_pairs: tuple[str, ...], opts: Options,
    **deploy: Any,
) -> None:  # fmt: skip
    """Set variables of environment NAME (kept across deploys) and deploy them.

    \b
    eden vars set feature/login LOG_LEVEL=debug FEATURE_X=on
    eden vars set feature/login --secret DB_PASSWORD=arn:aws:secretsmanager:eu-west-1:...
    eden vars set feature/login --secret API_KEY=/previews/api-key --no-deploy
    eden vars set feature/login        # deploy the kept variables now
    """
    change = VarsChange(
        env=parse_env_pairs(pairs, option="", example="LOG_LEVEL=debug"),
        secrets=parse_env_pairs(
            secret_pairs, option="--secret", example="DB_PASSWORD=arn:aws:secretsmanager:..."
        ),
    )
    _run(name, change, opts, **deploy)


@vars_group.command(name="unset", short_help="Remove variables or secrets, then deploy.")
@click.argument("name")
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@_deploy_options
@lock_options
@common_options()
def vars_unset(name: str, keys: tuple[str, ...], opts: Options, **deploy: Any) -> None:
    """Remove variables (values or secrets) of environment NAME and deploy without them.

    A variable the reference sets comes back to the reference's value.
    """
    _run(name, VarsChange(unset=tuple(dict.fromkeys(keys))), opts, **deploy)


def _run(
    name: str,
    change: VarsChange,
    opts: Options,
    *,
    no_deploy: bool,
    dry_run: bool,
    wait_ready: bool,
    timeout: float,
    on_locked: str,
    lock_timeout: float,
) -> None:
    from eden.envs.vars_ops import VarsEditor

    said: list[str] = []
    with opts.engine(LockPolicy.from_env(on_locked, lock_timeout)) as engine:
        result = VarsEditor(engine).change(
            name,
            change,
            deploy=not no_deploy,
            dry_run=dry_run,
            listener=progress(opts),
            notes=notes(opts),
            on_wait=wait_reporter(opts),
            ready_timeout=timeout if wait_ready and not dry_run else None,
            on_ready=ready_reporter(opts),
            on_message=None if opts.json else say_now(said),
        )
    _print_result(result, opts, said)


def _print_result(result: VarsResult, opts: Options, said: list[str]) -> None:
    if opts.json:
        print_json(result.as_dict())
        return
    if result.outcome is not None and result.outcome.run.dry_run:
        from eden.cli.envs import print_plan

        print_plan(result.outcome)
        return
    for message in result.messages:
        if message not in said:
            click.echo(message)
    env = paint(result.record.name, bold=True)
    if result.deployed:
        assert result.outcome is not None
        click.echo(f"deployed {env} with its variables in {took()}: {result.outcome.url}")
    elif result.changed:
        click.echo(f"kept the variables of {env} for its next deploy")
