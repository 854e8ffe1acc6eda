"""``eden scale``: run the daemon, ask it for status, or replay a trace through a policy.

Commands raise EdenError subclasses; eden's top-level ``main()`` turns them into exit codes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from eden.errors import AwsError, EdenError, NotFound, UsageError
from eden.scaler.config import ScalerConfig, load_config
from eden.scaler.daemon import Daemon
from eden.scaler.discovery import describe_failure
from eden.scaler.exporter import Exporter, json_route
from eden.scaler.sim_cli import simulate_cmd
from eden.scaler.status import render_prometheus

_OUTPUT = click.Choice(["text", "json"])


@click.group(name="scale")
def scale() -> None:
    """Fast autoscaling for ECS services from per-task load (seconds, not minutes)."""


@scale.command()
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="scaler.toml listing the services to watch.")
@click.option("--dry-run", is_flag=True,
              help="Decide and log what eden would do, never call UpdateService.")
@click.option("--shadow", is_flag=True,
              help="Like --dry-run, and log what the service's own AWS scaling did next to "
                   "eden's would-be counts (compare before switching).")
@click.option("--once", is_flag=True, help="Make one decision per service, print it, exit.")
@click.option("--verbose", "-v", count=True,
              help="-v: log every decision (eden's debug lines); -vv: add botocore's.")
def run(config_path: Path, dry_run: bool, shadow: bool, once: bool, verbose: int) -> None:
    """Watch the configured services and scale them every tick."""
    from eden.scaler.wiring import build_daemon, take_over

    config = load_config(config_path)
    setup_logging(verbose)
    daemon = build_daemon(config, dry_run=dry_run, shadow=shadow)
    guard = None if dry_run or shadow else take_over(config)
    if once:
        if guard is not None:
            guard.check()  # refuse; a single decision never suspends AWS's scaling
        lines = asyncio.run(_run_once(daemon))
        if lines:
            click.echo("\n".join(lines))
        failures = daemon.discovery_failures()
        if failures:
            raise once_failure(failures)
        return
    if guard is not None:
        guard.claim()
    try:
        asyncio.run(_serve(daemon, config))
    finally:
        if guard is not None:
            guard.release()


def setup_logging(verbose: int) -> None:
    """eden's own lines at INFO (-v: DEBUG); other libraries' only at -vv.

    botocore at DEBUG logs every request and whole XML answers (megabytes an hour against
    a few hundred targets), which is what -vv is for and -v is not.
    """
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    logging.getLogger("eden").setLevel(logging.DEBUG if verbose >= 1 else logging.INFO)


async def _run_once(daemon: Daemon) -> list[str]:
    await daemon.refresh_lease()
    decisions = await daemon.tick()
    await daemon.drain()
    lines = []
    for status, decision in zip(daemon.statuses, decisions, strict=True):
        if decision is not None:
            lines.append(f"{status.service}: {decision.current} -> {decision.desired} "
                         f"({status.reason})")
        elif status.reason.startswith("asleep"):
            lines.append(f"{status.service}: {status.reason}")
    return lines


def once_failure(failures: list[tuple[str, Exception]]) -> EdenError:
    """The error ``--once`` exits with when discovery failed for any service."""
    first = failures[0][1]
    if len(failures) == 1 and isinstance(first, EdenError):
        return first
    listed = "; ".join(f"{name}: {describe_failure(exc)}" for name, exc in failures)
    hint = first.hint if isinstance(first, EdenError) else None
    return AwsError(f"discovery failed for {len(failures)} service(s): {listed}", hint=hint)


async def _serve(daemon: Daemon, config: ScalerConfig) -> None:
    exporter = Exporter({
        "/metrics": lambda: ("text/plain; version=0.0.4",
                             render_prometheus(daemon.statuses, leader=daemon.leader)),
        "/status": json_route(lambda: _status_doc(daemon)),
    })
    if config.metrics_enabled:
        port = await exporter.start(config.metrics_host, config.metrics_port)
        logging.getLogger("eden.scaler").info(
            "metrics on http://%s:%d/metrics", config.metrics_host, port)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, daemon.stop)
    try:
        await daemon.run()
    finally:
        await exporter.stop()


def _status_doc(daemon: Daemon) -> dict[str, Any]:
    return {"leader": daemon.leader, "owner": daemon.config.owner,
            "services": [s.as_dict() for s in daemon.statuses]}


@scale.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="scaler.toml; the daemon's address is taken from [scaler].")
@click.option("--url", help="The daemon's base URL, e.g. http://127.0.0.1:9464.")
@click.option("--output", type=_OUTPUT, default="text", show_default=True)
def status(config_path: Path | None, url: str | None, output: str) -> None:
    """Show what a running daemon sees and decided, per service."""
    if url is None:
        if config_path is None:
            raise UsageError("need --url or --config to find the daemon")
        config = load_config(config_path)
        if not config.metrics_enabled or not config.metrics_port:
            raise UsageError("the config gives no fixed metrics port to ask",
                             hint="set scaler.metrics_port (and metrics = true) or pass --url")
        url = f"http://{config.metrics_host}:{config.metrics_port}"
    doc = _fetch_status(url.rstrip("/") + "/status")
    if output == "json":
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"leader: {'yes' if doc.get('leader') else 'no'} ({doc.get('owner', '?')})")
    header = f"{'SERVICE':30} {'LOAD':>9} {'DESIRED':>7} {'ECS':>5} {'RUN':>5} {'PEND':>5}  REASON"
    click.echo(header)
    for s in doc.get("services", []):
        load = s.get("observed_load")
        shown = "-" if load is None else f"{load:.1f}"
        click.echo(f"{s['service']:30} {shown:>9} {s['desired']:>7} {s['ecs_desired']:>5} "
                   f"{s['running']:>5} {s['pending']:>5}  {s['reason']}")


def _fetch_status(url: str) -> dict[str, Any]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=3.0) as response:
            doc = json.loads(response.read().decode())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise NotFound(f"no scaler daemon answering at {url}: {exc}",
                       hint="start one with `eden scale run --config scaler.toml`") from exc
    if not isinstance(doc, dict):
        raise NotFound(f"{url} did not return a scaler status document")
    return doc


scale.add_command(simulate_cmd)
