"""The `eden` command. ``main()`` is the one place that turns errors into exit codes.

Commands are imported when they run, not before: `eden --version` and `eden --help`
load click and this package only (no boto3, rich or the engine), so they start in a
few tens of milliseconds. ``COMMANDS`` names each command's module and its one-line help
(a unit test holds the help equal to the command's own).
"""

from __future__ import annotations

import sys

import click

from eden import __version__
from eden.cli import timing
from eden.cli.globals import Globals, global_options
from eden.cli.lazy import LazyGroup
from eden.cli.report import report_error

EXIT_INTERNAL = 70

# name -> (module:attribute, the one-line help `eden --help` shows)
COMMANDS: dict[str, tuple[str, str]] = {
    "create": (
        "eden.cli.envs:create",
        "Create the environment for branch NAME, or deploy IMAGE to it if it exists.",
    ),
    "delete": (
        "eden.cli.envs:delete",
        "Delete environment NAME (a name, alias or branch) and every resource it has.",
    ),
    "ls": (
        "eden.cli.envs:ls",
        "List the environments of the profile, with their health and drift from the reference.",
    ),
    "show": (
        "eden.cli.envs:show",
        "Show environment NAME: its health (tasks, targets, rollout, why tasks stopped), its "
        "resources with ARNs, URL and deploy history.",
    ),
    "logs": (
        "eden.cli.dayto_cmd:logs",
        "Print the logs of environment NAME's tasks (every container that uses awslogs).",
    ),
    "exec": (
        "eden.cli.dayto_cmd:exec_command",
        "Open a shell (or run COMMAND) in a running task of environment NAME, with ECS Exec.",
    ),
    "diff": (
        "eden.cli.dayto_cmd:diff",
        "Show how environment NAME differs from what its reference makes today.",
    ),
    "vars": (
        "eden.cli.vars_cmd:vars_group",
        "An environment's own variables and secrets, kept across deploys.",
    ),
    "endpoints": ("eden.cli.envs:endpoints", "The endpoints document in S3 that client apps read."),
    "gc": (
        "eden.cli.gc_cmd:gc_command",
        "Delete environments not deployed for longer than the TTL (pinned ones stay).",
    ),
    "pin": ("eden.cli.gc_cmd:pin", "Keep environment NAME: the stale cleaner never deletes it."),
    "unpin": (
        "eden.cli.gc_cmd:unpin",
        "Let the stale cleaner delete NAME again once it is idle past the TTL.",
    ),
    "sleep": (
        "eden.cli.sleep_cmd:sleep",
        "Put environment NAME to sleep: its tasks stop, its resources stay, and the next request "
        "to its URL wakes it (through the waker). --idle: every idle environment.",
    ),
    "wake": (
        "eden.cli.sleep_cmd:wake",
        "Wake environment NAME: start its tasks, and once they are healthy send its requests "
        "to them again.",
    ),
    "config": ("eden.cli.config_cmd:config", "Profiles: what to clone and where environments go."),
    "state": (
        "eden.cli.state_cmd:state",
        "The state store: environments, events, leases, API keys, shared profiles.",
    ),
    "sandbox": (
        "eden.cli.sandbox_cmd:sandbox",
        "A local AWS stand-in (moto) seeded with a reference ECS stack.",
    ),
    "serve": (
        "eden.cli.serve_cmd:serve",
        "Serve the API (/api/v1), GitHub webhooks, /metrics and the dashboard (/).",
    ),
    "apikey": (
        "eden.cli.apikey_cmd:apikey",
        "API keys for `eden serve` (read: list and show; write: also create and delete).",
    ),
    "iam-policy": (
        "eden.cli.iam_cmd:iam_policy",
        "Print the IAM policy (JSON) that allows exactly the calls eden makes.",
    ),
    "github": (
        "eden.cli.github_cmd:github",
        "Pull request previews on GitHub (needs [api.github] in eden.toml).",
    ),
    "scale": (
        "eden.scaler.cli:scale",
        "Fast autoscaling for ECS services from per-task load (seconds, not minutes).",
    ),
}


@click.group(
    cls=LazyGroup,
    commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="eden", message="%(prog)s, version %(version)s")
@global_options
@click.pass_context
def app(ctx: click.Context, globals_: Globals) -> None:
    """eden: throw-away ECS environments per branch, and a fast autoscaler.

    \b
    Start with a local sandbox (no AWS account needed):
      eden sandbox up
      eden create feature/login --image <uri from `eden sandbox status -o json`>
      eden ls
      eden delete feature/login

    \b
    --profile/-p, --config, --output/-o and -v go before the command or after it:
      eden -p sandbox ls    is    eden ls -p sandbox
    """
    ctx.obj = globals_


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    timing.mark_start(whole_process=argv is None)
    Globals.reset_requested_output()
    try:
        # Not standalone: click returns (rather than raises) the code of a ctx.exit(N).
        code = app.main(args=args, prog_name="eden", standalone_mode=False)
        if isinstance(code, int):
            return code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        return report_error("Aborted", "aborted", None, 130)
    except KeyboardInterrupt:
        return report_error("Interrupted", "interrupted", None, 130)
    except Exception as exc:
        return _report_exception(exc, args)
    return 0


def _report_exception(exc: Exception, args: list[str]) -> int:
    """An eden error, a usage mistake click caught, or a bug: text on stderr, and with
    ``--output json`` the same as JSON on stdout."""
    from eden.errors import EdenError  # light, but only needed when something failed

    if isinstance(exc, EdenError):
        return report_error(
            type(exc).__name__, exc.message, exc.hint, exc.exit_code, where=exc.where,
            text=exc.render(),
        )
    if isinstance(exc, click.ClickException):
        return _report_click(exc)
    if "-vv" in args:
        raise exc
    return report_error(
        "InternalError",
        f"internal error: {type(exc).__name__}: {exc}",
        "run again with -vv and report the output",
        EXIT_INTERNAL,
    )


def _report_click(exc: click.ClickException) -> int:
    hint = None
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        hint = f"see `{exc.ctx.command_path} --help`"
    if not Globals.json_requested():
        exc.show()
        return exc.exit_code
    return report_error("UsageError", exc.format_message(), hint, exc.exit_code)


def run() -> None:
    """Console-script entry point.

    Once the command has finished, the process ends without tearing the interpreter down:
    freeing the heap of a command that loaded botocore's models costs 0.1-0.15 s of CPU,
    a sixth of a whole ``eden create``, for nothing. Everything eden opened is closed by
    then (engines, pools, stores: each in a ``with``), and the output is flushed first.
    """
    code = main()
    import contextlib
    import logging
    import os

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
