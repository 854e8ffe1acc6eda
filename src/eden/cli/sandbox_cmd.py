"""`eden sandbox up | down | status`: a local stand-in for AWS, seeded and ready."""

from __future__ import annotations

from typing import Any

import click

from eden.cli.common import Options, common_options, done, install_hint, out, print_json
from eden.config import find_config_file
from eden.errors import SandboxError


def _sandbox() -> Any:
    try:
        import eden.sandbox as sandbox
    except ImportError as exc:  # moto is an optional dependency
        raise SandboxError(
            f"the sandbox needs moto's server ({exc.name} is missing)",
            hint=install_hint("sandbox"),
        ) from exc
    return sandbox


@click.group()
def sandbox() -> None:
    """A local AWS stand-in (moto) seeded with a reference ECS stack."""


@sandbox.command()
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port on 127.0.0.1 (default: a free one)."
)
@click.option(
    "--albs",
    type=click.IntRange(1, 20),
    default=1,
    show_default=True,
    help="Shared ALBs in the profile's pool (new environments go to the first with room).",
)
@common_options()
def up(port: int | None, albs: int, opts: Options) -> None:
    """Start the sandbox in the background, seed it, and write the `sandbox` profile."""
    sb = _sandbox()
    path = find_config_file(opts.config)
    info, seed = sb.up(path, port, albs)
    if opts.json:
        print_json({"running": True, **info.as_dict(), "seed": seed.as_dict(), "config": str(path)})
        return
    out.print(f"sandbox running at {info.endpoint_url} (pid {info.pid})")
    out.print(f"profile [bold]sandbox[/bold] written to {path}")
    out.print(f"try: eden create feature/login --image {seed.image_uris[0]} -p sandbox")


@sandbox.command()
@common_options()
def down(opts: Options) -> None:
    """Stop the sandbox (everything in it is gone)."""
    sb = _sandbox()
    stopped = bool(sb.down())
    message = "sandbox stopped" if stopped else "sandbox was not running"
    done(opts, message, {"running": False, "stopped": stopped})


@sandbox.command()
@common_options()
def status(opts: Options) -> None:
    """Say whether the sandbox runs; with --output json, its endpoint and seeded ids."""
    sb = _sandbox()
    info = sb.status()
    seed = sb.load_seed() if info else None
    if opts.json:
        data: dict[str, Any] = {"running": info is not None}
        if info:
            data.update(info.as_dict())
            data["seed"] = seed.as_dict() if seed else None
        print_json(data)
    elif info:
        out.print(
            f"sandbox running at {info.endpoint_url} (pid {info.pid}, since {info.started_at})"
        )
    else:
        out.print("sandbox is not running (start it with `eden sandbox up`)")
    if info is None:
        raise click.exceptions.Exit(1)
