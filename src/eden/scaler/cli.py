"""``eden scale``: run the daemon, ask it for status, or replay a trace through a policy.

Commands raise EdenError subclasses; eden's top-level ``main()`` turns them into exit codes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
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
from eden.scaler.governor import Bounds
from eden.scaler.policy_registry import POLICY_NAMES, make_policy
from eden.scaler.simulate import SimResult, SimSettings, simulate
from eden.scaler.status import render_prometheus
from eden.scaler.target_tracking import TargetSettings
from eden.scaler.traces import load_trace

_OUTPUT = click.Choice(["text", "json"])


@click.group(name="scale")
def scale() -> None:
    """Fast autoscaling for ECS services from per-task load (seconds, not minutes)."""


@scale.command()
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="scaler.toml listing the services to watch.")
@click.option("--dry-run", is_flag=True, help="Decide and log, never call UpdateService.")
@click.option("--once", is_flag=True, help="Make one decision per service, print it, exit.")
@click.option("--verbose", "-v", count=True,
              help="-v: log every decision (eden's debug lines); -vv: add botocore's.")
def run(config_path: Path, dry_run: bool, once: bool, verbose: int) -> None:
    """Watch the configured services and scale them every tick."""
    from eden.scaler.wiring import build_daemon

    config = load_config(config_path)
    setup_logging(verbose)
    daemon = build_daemon(config, dry_run=dry_run)
    if once:
        lines = asyncio.run(_run_once(daemon))
        if lines:
            click.echo("\n".join(lines))
        failures = daemon.discovery_failures()
        if failures:
            raise once_failure(failures)
        return
    asyncio.run(_serve(daemon, config))


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


@scale.command(name="simulate")
@click.option("--trace", "trace_ref", required=True,
              help="Trace JSON file, or a built-in name: step, spike, ramp, steady, diurnal.")
@click.option("--policy", type=click.Choice(POLICY_NAMES), default="target", show_default=True)
@click.option("--start-delay", type=float, default=30.0, show_default=True,
              help="Seconds from asking for a task to it serving.")
@click.option("--capacity", type=float, default=200.0, show_default=True,
              help="Requests in flight one task can serve.")
@click.option("--target", type=float, default=None,
              help="Target load per task [default: 0.7 x capacity, as Knative].")
@click.option("--min", "min_tasks", type=int, default=1, show_default=True)
@click.option("--max", "max_tasks", type=int, default=100, show_default=True)
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False),
              help="Write a PNG of load, running and desired capacity.")
@click.option("--output", type=_OUTPUT, default="text", show_default=True)
def simulate_cmd(trace_ref: str, policy: str, start_delay: float, capacity: float,
                 target: float | None, min_tasks: int, max_tasks: int, plot: Path | None,
                 output: str) -> None:
    """Replay a load trace through a policy and score it."""
    trace = load_trace(trace_ref)
    try:
        settings = TargetSettings(target=target if target is not None else 0.7 * capacity)
        bounds = Bounds(min_tasks=min_tasks, max_tasks=max_tasks)
        sim = SimSettings(capacity=capacity, start_delay=start_delay)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    result = simulate(trace, make_policy(policy, settings, bounds), sim)
    if plot is not None:
        from eden.scaler.plot import write_plot

        write_plot([result], capacity, plot)
    if output == "json":
        click.echo(json.dumps({**result.summary(), "plot": str(plot) if plot else None}))
        return
    click.echo(_describe(result, trace.duration, sim, settings.target, plot))


def _describe(r: SimResult, duration: float, sim: SimSettings, target: float,
              plot: Path | None) -> str:
    react = "no reaction" if r.time_to_react is None else f"{r.time_to_react:.1f} s"
    if r.time_to_react is None and not any(
        load > 1.25 * r.series.load[0] for load in r.series.load[:1] + r.series.load
    ):
        react = "n/a (no load onset)"
    rows = [
        f"trace {r.trace} ({math.ceil(duration)} s), policy {r.policy}, "
        f"capacity {sim.capacity:g}/task, target {target:g}/task, "
        f"start delay {sim.start_delay:g} s",
        f"  time to react            {react}",
        f"  under-provisioned        {r.under_task_seconds:.0f} task-s",
        f"  over-provisioned         {r.over_task_seconds:.0f} task-s",
        f"  scale changes            {r.scale_changes}",
        f"  peak tasks               {r.peak_tasks}",
    ]
    if plot is not None:
        rows.append(f"  plot                     {plot}")
    return "\n".join(rows)
