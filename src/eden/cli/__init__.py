"""The `eden` command. ``main()`` is the one place that turns errors into exit codes."""

from __future__ import annotations

import importlib
import sys

import click

from eden import __version__
from eden.cli.apikey_cmd import apikey
from eden.cli.common import err
from eden.cli.config_cmd import config
from eden.cli.dayto_cmd import diff, exec_command, logs
from eden.cli.envs import create, delete, endpoints, ls, show
from eden.cli.gc_cmd import gc_command, pin, unpin
from eden.cli.github_cmd import github
from eden.cli.iam_cmd import iam_policy
from eden.cli.sandbox_cmd import sandbox
from eden.cli.serve_cmd import serve
from eden.cli.state_cmd import state
from eden.errors import EdenError

EXIT_INTERNAL = 70


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="eden")
def app() -> None:
    """eden: throw-away ECS environments per branch, and a fast autoscaler.

    \b
    Start with a local sandbox (no AWS account needed):
      eden sandbox up
      eden create feature/login --image <uri from `eden sandbox status -o json`>
      eden ls
      eden delete feature/login
    """


for command in (
    create,
    delete,
    ls,
    show,
    logs,
    exec_command,
    diff,
    endpoints,
    gc_command,
    pin,
    unpin,
    config,
    state,
    sandbox,
    serve,
    apikey,
    iam_policy,
    github,
):
    app.add_command(command)


def _add_scaler() -> None:
    # The autoscaler lives in its own subpackage with its own optional dependencies.
    try:
        module = importlib.import_module("eden.scaler.cli")
    except ImportError:  # pragma: no cover - the scaler's extras are not installed
        return
    app.add_command(module.scale)


_add_scaler()


def main(argv: list[str] | None = None) -> int:
    try:
        # Not standalone: click returns (rather than raises) the code of a ctx.exit(N).
        code = app.main(args=argv, prog_name="eden", standalone_mode=False)
        if isinstance(code, int):
            return code
    except EdenError as exc:
        err.print(exc.render(), markup=False)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        err.print("aborted")
        return 130
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # a bug: say so plainly, and how to report it
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
        err.print("  fix:   run again with -vv and report the output", markup=False)
        if "-vv" in (argv or sys.argv):
            raise
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
