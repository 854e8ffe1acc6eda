"""`eden scale` through click's CliRunner."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from eden.errors import ConfigError, NotFound, UsageError
from eden.scaler.cli import scale


def invoke(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(scale, list(args))
    return result.exit_code, result.output, result.exception


@pytest.mark.parametrize("command", [[], ["run"], ["status"], ["simulate"]])
def test_every_command_has_help(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0 and "Usage:" in out


def test_simulate_text() -> None:
    code, out, _ = invoke("simulate", "--trace", "spike", "--policy", "target")
    assert code == 0
    assert "time to react            2.0 s" in out
    assert "under-provisioned" in out and "scale changes" in out


def test_simulate_json_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "spike.png"
    code, out, _ = invoke("simulate", "--trace", "spike", "--policy", "seed",
                          "--start-delay", "20", "--capacity", "200", "--plot", str(png),
                          "--output", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["policy"] == "seed" and doc["scale_changes"] > 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_steady_says_no_onset() -> None:
    code, out, _ = invoke("simulate", "--trace", "steady")
    assert code == 0 and "n/a (no load onset)" in out


def test_simulate_reads_a_trace_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.json"
    f.write_text(json.dumps({"interval": 1, "load": [100] * 30 + [900] * 60}))
    code, out, _ = invoke("simulate", "--trace", str(f), "--capacity", "100")
    assert code == 0 and "trace mine" in out


def test_simulate_errors_are_eden_errors() -> None:
    _, _, exc = invoke("simulate", "--trace", "nope")
    assert isinstance(exc, UsageError)
    _, _, exc = invoke("simulate", "--trace", "spike", "--capacity", "0")
    assert isinstance(exc, UsageError)


def test_run_with_missing_config_is_a_config_error(tmp_path: Path) -> None:
    _, _, exc = invoke("run", "--config", str(tmp_path / "none.toml"))
    assert isinstance(exc, ConfigError)


STATUS_DOC = {
    "leader": True,
    "owner": "host:1",
    "services": [{"service": "c/web", "observed_load": 42.0, "desired": 5, "ecs_desired": 5,
                  "running": 4, "pending": 1, "reason": "at target"}],
}


@pytest.fixture
def status_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(STATUS_DOC).encode()
            self.send_response(200 if self.path == "/status" else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_status_text_and_json(status_server: str) -> None:
    code, out, _ = invoke("status", "--url", status_server)
    assert code == 0 and "c/web" in out and "42.0" in out and "at target" in out
    code, out, _ = invoke("status", "--url", status_server, "--output", "json")
    assert json.loads(out) == STATUS_DOC


def test_status_from_config_port(tmp_path: Path, status_server: str) -> None:
    port = status_server.rsplit(":", 1)[1]
    cfg = tmp_path / "scaler.toml"
    cfg.write_text(f'[scaler]\nmetrics_port = {port}\n[[services]]\ncluster = "c"\n'
                   'service = "web"\nmax = 3\ntarget = 5\n')
    code, out, _ = invoke("status", "--config", str(cfg))
    assert code == 0 and "leader: yes" in out


def test_status_without_daemon_is_not_found() -> None:
    _, _, exc = invoke("status", "--url", "http://127.0.0.1:1")
    assert isinstance(exc, NotFound)
    _, _, exc = invoke("status")
    assert isinstance(exc, UsageError)
