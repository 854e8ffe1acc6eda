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
            assert time.monotonic() < deadline, "the daemon did not scale up"
            time.sleep(0.2)
        metrics = get(f"http://127.0.0.1:{port}/metrics")
        assert "eden_scaler_leader 1" in metrics
        assert f'eden_scaler_observed_load{{service="{svc.cluster}/web"}} 40.0' in metrics
        status = json.loads(get(f"http://127.0.0.1:{port}/status"))
        assert status["services"][0]["updates_total"] >= 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
        task.stop()
    assert proc.returncode == 0, out
    assert "eden scaled" in out
