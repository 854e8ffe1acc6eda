"""``python -m eden.sandbox.moto_server``: moto's server, with eden's AWS model installed.

The sandbox runs this instead of ``python -m moto.server`` so that it behaves like AWS where
eden relies on it (a deleted service drains, a new one starts, an ALB has quotas: see
``aws_model``), and so that it has a data plane (``dataplane``): a router following the
shared listener's rules, and a local nginx per task of each service. Settings come from
the environment:

* ``EDEN_SANDBOX_DRAIN_SECONDS`` (default 5: a preview's short deregistration delay);
* ``EDEN_SANDBOX_START_SECONDS`` (default 0): how long a task takes to start;
* ``EDEN_SANDBOX_ROUTER_PORT`` (default 0: a free port) for the router on 127.0.0.1;
* ``EDEN_SANDBOX_LOCAL_TASKS`` (default 1): 0 keeps moto's stand-in targets instead.
"""

from __future__ import annotations

import logging
import os
import sys

from moto.server import main

from eden.sandbox import dataplane, plane_files
from eden.sandbox.aws_model import Model, install


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


def _port(name: str) -> int:
    value = os.environ.get(name, "0")
    if not value.isdigit() or int(value) > 65535:
        sys.exit(f"eden sandbox: {name}={value!r} is not a port (1-65535, or 0 for any)")
    return int(value)


def start_plane(model: Model) -> dataplane.DataPlane:
    """The router and the local tasks, with their address written for the CLI."""
    settings = dataplane.PlaneSettings(
        state_dir=plane_files.state_dir(),
        router_port=_port("EDEN_SANDBOX_ROUTER_PORT"),
        local_tasks=os.environ.get("EDEN_SANDBOX_LOCAL_TASKS", "1") != "0",
    )
    try:
        plane = dataplane.start(model, settings)
    except OSError as exc:
        sys.exit(
            f"eden sandbox: the router cannot listen on 127.0.0.1:{settings.router_port} "
            f"({exc}); choose another port with `eden sandbox up --router-port PORT`"
        )
    plane_files.write({"pid": os.getpid(), **plane.info()})
    return plane


def serve(argv: list[str]) -> None:
    """moto until SIGTERM, then the data plane is stopped (every task with it)."""
    handler = logging.StreamHandler()  # to moto.log, beside moto's own request log
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    logging.getLogger("eden.sandbox").addHandler(handler)
    logging.getLogger("eden.sandbox").setLevel(logging.INFO)
    aws = install(
        Model(
            drain_seconds=_seconds("EDEN_SANDBOX_DRAIN_SECONDS", 5.0),
            start_seconds=_seconds("EDEN_SANDBOX_START_SECONDS", 0.0),
        )
    )
    plane = start_plane(aws)
    try:
        main(argv)  # moto turns SIGTERM into SystemExit(0), so this `finally` runs
    finally:
        plane.stop()


if __name__ == "__main__":
    try:
        serve(sys.argv[1:])
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise
        # Stopped as asked, with the tasks already stopped: skip freeing moto's whole
        # object graph, which takes a second and keeps `eden sandbox down` waiting.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
