"""`eden scale run` as a real process: serves /metrics and /status, stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from scaler_it_helpers import StubTask, create_service, desired_count, moto_clients

pytestmark = pytest.mark.integration

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> str:
    with _NO_PROXY.open(url, timeout=2) as response:
        return str(response.read().decode())


def test_run_serves_metrics_scales_and_stops_cleanly(moto_url: str, tmp_path: Path) -> None:
    clients = moto_clients(moto_url)
    svc = create_service(clients, desired=1)
    task = StubTask("127.0.0.31", 40)
    port = free_port()
    cfg = tmp_path / "scaler.toml"
    cfg.write_text("\n".join([
        "[scaler]", "tick = 0.5", f"metrics_port = {port}",
        f'lease_path = "{tmp_path / "lease.db"}"',
        "[aws]", 'region = "us-east-1"', f'endpoint_url = "{moto_url}"',
        'access_key_id = "testing"', 'secret_access_key = "testing"',
        "[[services]]", f'cluster = "{svc.cluster}"', 'service = "web"', "max = 10",
        "target = 10", 'discovery = "target_group"',
        f'target_group_arn = "{svc.target_group_arn}"',
    ]) + "\n")
    clients.client("elbv2").register_targets(
        TargetGroupArn=svc.target_group_arn, Targets=[{"Id": task.host, "Port": task.port}])
    proc = subprocess.Popen(
        [sys.executable, "-c", "from eden.scaler.cli import scale; scale()",
         "run", "--config", str(cfg)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while desired_count(clients, svc) < 4:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "waited 30 s for the daemon to scale to 4"
            time.sleep(0.2)
        metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert "eden_scaler_leader 1" in metrics
        assert f'eden_scaler_observed_load{{service="{svc.cluster}/web"}} 40.0' in metrics
        status = json.loads(get(f"http://127.0.0.1:{port}/status"))
        # 40 in flight at target 10 on one task: one panic step to 4 (the window fills
        # while the daemon's first ticks see it), and no more while those start.
        assert status["services"][0]["desired"] == 4
        assert status["services"][0]["updates_total"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()  # a daemon that ignored SIGTERM is not left running
            out, _ = proc.communicate(timeout=15)
            out += "\n(killed: still running 15 s after SIGTERM)"
        finally:
            task.stop()
    assert proc.returncode == 0, out
    assert "eden scaled" in out


def run_once(cfg: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from eden.cli import run; run()", "scale", "run",
         "--config", str(cfg), "--once", "--dry-run", *flags],
        capture_output=True, text=True, timeout=60,
    )


def test_v_shows_edens_debug_lines_and_vv_adds_botocores(moto_url: str, tmp_path: Path) -> None:
    clients = moto_clients(moto_url)
    svc = create_service(clients, desired=1)
    cfg = tmp_path / "scaler.toml"
    cfg.write_text("\n".join([
        "[scaler]", "metrics = false",
        "[aws]", 'region = "us-east-1"', f'endpoint_url = "{moto_url}"',
        "[[services]]", f'cluster = "{svc.cluster}"', 'service = "web"', "max = 10",
        "target = 10", 'discovery = "target_group"',
        f'target_group_arn = "{svc.target_group_arn}"',
    ]) + "\n")
    quiet, v, vv = run_once(cfg), run_once(cfg, "-v"), run_once(cfg, "-vv")
    for proc in (quiet, v, vv):
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == f"{svc.cluster}/web: 1 -> 1 (no data yet: hold)\n"
    decision = f"DEBUG eden.scaler: {svc.cluster}/web: load unknown on 0 endpoints"
    assert decision not in quiet.stderr and "botocore" not in quiet.stderr
    assert decision in v.stderr and "botocore" not in v.stderr
    assert decision in vv.stderr and "DEBUG botocore" in vv.stderr
