"""`eden sandbox up | down | status`: a local stand-in for AWS, seeded and ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from eden.cli.common import Options, common_options, done, install_hint, out, print_json
from eden.config import find_config_file, read_file
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
@click.option(
    "--router-port",
    type=click.IntRange(1, 65535),
    help="Port of the local router on 127.0.0.1 (default: a free one).",
)
@click.option(
    "--start-delay",
    type=click.FloatRange(0, 600),
    help="Seconds a service's tasks take to start (default 0).",
)
@click.option(
    "--local-tasks/--no-local-tasks",
    default=True,
    show_default=True,
    help="Run a local nginx per task (needs nginx), or leave stand-in targets.",
)
@click.option(
    "--waker-port",
    type=click.IntRange(1, 65535),
    help="Where `eden serve` runs the waker on 127.0.0.1, written as the profile's [sleep] "
    "waker (default: the port it has, else a free one).",
)
@common_options()
def up(
    port: int | None,
    albs: int,
    router_port: int | None,
    start_delay: float | None,
    local_tasks: bool,
    waker_port: int | None,
    opts: Options,
) -> None:
    """Start the sandbox in the background, seed it, and write the `sandbox` profile.

    The options apply to a sandbox this command starts; one already running keeps its own
    (but `--albs` can grow its pool).
    """
    sb = _sandbox()
    path = find_config_file(opts.config)
    settings = {"EDEN_SANDBOX_LOCAL_TASKS": "1" if local_tasks else "0"}
    if router_port is not None:
        settings["EDEN_SANDBOX_ROUTER_PORT"] = str(router_port)
    if start_delay is not None:
        settings["EDEN_SANDBOX_START_SECONDS"] = str(start_delay)
    info, seed = sb.up(path, port, albs, settings, waker_port)
    plane = sb.plane(info)
    if opts.json:
        print_json(
            {
                "running": True,
                **info.as_dict(),
                **_plane_json(plane),
                "seed": seed.as_dict(),
                "config": str(path),
                "waker": _waker(path),
            }
        )
        return
    out.print(f"sandbox running at {info.endpoint_url} (pid {info.pid})")
    _print_plane(plane)
    out.print(f"profile [bold]sandbox[/bold] written to {path}")
    out.print(f"waker: `eden serve` runs it on {_waker(path)}; a request to a sleeping "
              "environment wakes it through the router")
    out.print(f"try: eden create feature/login --image {seed.image_uris[0]} -p sandbox")
    if plane:
        out.print(
            f"then: curl -H 'Host: api-feature-login.{seed.zone_name}' {plane['router']['url']}/"
        )


def _waker(path: Path) -> str:
    profiles = read_file(path).get("profiles", {})
    return str((profiles.get("sandbox", {}).get("sleep") or {}).get("waker", ""))


def _plane_json(plane: dict[str, Any] | None) -> dict[str, Any]:
    if plane is None:
        return {"router": None, "local_tasks": None}
    return {"router": plane.get("router"), "local_tasks": plane.get("local_tasks")}


def _print_plane(plane: dict[str, Any] | None) -> None:
    if plane is None:
        out.print("router: not running (see the sandbox log)")
        return
    router, tasks = plane.get("router") or {}, plane.get("local_tasks") or {}
    out.print(
        f"router at {router.get('url')} (the rules of listener {router.get('listener')}"
        " and of its pool's ALBs)"
    )
    if tasks.get("on"):
        out.print(f"local tasks: {tasks.get('running', 0)} nginx running")
    else:
        out.print(f"local tasks: off ({tasks.get('why_off')})")


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
    plane = sb.plane(info) if info else None
    if opts.json:
        data: dict[str, Any] = {"running": info is not None}
        if info:
            data.update(info.as_dict())
            data.update(_plane_json(plane))
            data["seed"] = seed.as_dict() if seed else None
        print_json(data)
    elif info:
        out.print(
            f"sandbox running at {info.endpoint_url} (pid {info.pid}, since {info.started_at})"
        )
        _print_plane(plane)
    else:
        out.print("sandbox is not running (start it with `eden sandbox up`)")
    if info is None:
        raise click.exceptions.Exit(1)
