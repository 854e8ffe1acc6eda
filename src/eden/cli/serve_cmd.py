"""`eden serve`: the HTTP API, webhooks and dashboard, on loopback unless told otherwise.

With no options it serves the profiles file the CLI uses and its default profile, so
after `eden sandbox up` it works against the sandbox out of the box.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from eden.cli.common import Options, common_options, err, install_hint
from eden.errors import UsageError

if TYPE_CHECKING:
    from eden.config import Profile


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Background operations run at once (wait=false, webhooks).",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    metavar="PORT",
    help="Also serve /metrics with no key on this port (same --host); for Prometheus.",
)
@click.option(
    "--waker-port",
    type=click.IntRange(0, 65535),
    metavar="PORT",
    help="Also serve the waker (requests to sleeping environments) on this port (same "
    "--host). Default: the port of the profile's [sleep] waker when it is 127.0.0.1.",
)
@common_options(output=False)
def serve(
    host: str, port: int, workers: int, metrics_port: int | None, waker_port: int | None,
    opts: Options,
) -> None:  # fmt: skip
    """Serve the API (/api/v1), GitHub webhooks, /metrics and the dashboard (/).

    /metrics on the API's port needs a read key, like the rest; --metrics-port serves it
    without one on a port of its own.
    """
    try:
        import uvicorn

        from eden.api import create_app, load_settings
    except ImportError as exc:  # the API is an optional extra
        raise UsageError(
            f"`eden serve` needs the API extra ({exc.name} is missing)",
            hint=install_hint("api"),
        ) from exc
    settings = load_settings(opts.config, profile=opts.profile)
    settings.workers = workers
    profile = opts.load()  # fail now, with the CLI's message, if the profile is unusable
    app = create_app(settings)
    err.print(
        f"eden API on http://{host}:{port}  (profile {profile.name}, docs at /docs)",
        markup=False,
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print("note: listening beyond loopback; put TLS in front of it", markup=False)
    metrics = None
    if metrics_port is not None:
        from eden.api.metrics_port import MetricsPort

        metrics = MetricsPort(app.state.eden.metrics.render, host, metrics_port)
        err.print(f"metrics (no key) on http://{host}:{metrics.port}/metrics", markup=False)
    waker = _start_waker(app, host, waker_port, profile)
    try:
        level = "warning" if opts.verbose == 0 else "info"
        uvicorn.run(app, host=host, port=port, log_level=level)
    finally:
        if metrics is not None:
            metrics.close()
        if waker is not None:
            waker.stop()


def _start_waker(app: Any, host: str, port: int | None, profile: Profile) -> Any:
    """The waker's own server (its own app: nothing of the API is reachable through it)."""
    local = profile.sleep.waker
    if port is None and local is not None and local.ip == "127.0.0.1":
        port = local.port
    if port is None:
        return None
    from eden.api.serving import ServerThread
    from eden.api.waker import create_waker_app

    server = ServerThread(create_waker_app(app.state.eden.waker), host, port).start()
    err.print(f"waker on http://{host}:{server.port} (requests to sleeping environments)",
              markup=False)  # fmt: skip
    return server
