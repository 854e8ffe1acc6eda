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
    code, out, _ = invoke("simulate", "--trace", "spike", "--policy", "target",
                          "--start-delay", "30")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("trace spike (600 s), capacity 200/task, target 140/task, start delay "
                        "30 s, drain 30 s, 1-minute minimum billing")
    assert lines[1] == "policy target"
    assert lines[2] == "  time to react            3 s after the load rose at t=60 s"
    assert lines[3].startswith("  under-provisioned        ")
    assert "x the oracle's)" in lines[5]  # cost, as a ratio to the clairvoyant schedule
    assert lines[8].startswith("  queueing p95 / p99       ")


def test_simulate_says_what_a_zero_reaction_means() -> None:
    code, out, _ = invoke("simulate", "--trace", "spike", "--policy", "threshold")
    assert code == 0
    assert ("time to react            0 s: on the tick that first saw the rise at t=60 s (the "
            "model has no scrape or API latency; see the reaction-time benchmark)") in out


def test_simulate_json_side_by_side_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "spike.png"
    code, out, _ = invoke("simulate", "--trace", "spike", "--policy", "seed,target",
                          "--policy", "oracle", "--start-delay", "20-40", "--plot", str(png),
                          "--output", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert [r["policy"] for r in doc["results"]] == ["seed", "target", "oracle"]
    assert doc["oracle"] == doc["results"][2]  # run once, shown in both places
    assert doc["results"][0]["scale_changes"] > 0
    assert set(doc["results"][1]) >= {"time_to_react_s", "under_provisioned_task_s",
                                      "over_provisioned_task_s", "cost_task_s", "wait_p99_s",
                                      "refused_share", "scale_ins"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert doc["plot"] == str(png)


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if absent
    _, _, exc = invoke("simulate", "--trace", "step", "--plot", str(tmp_path / "x.png"))
    assert isinstance(exc, UsageError)
    assert exc.message == "--plot needs matplotlib, which is not installed"
    assert exc.hint is not None and "pip install 'matplotlib>=3.8'" in exc.hint
    assert not (tmp_path / "x.png").exists()


def test_simulate_steady_says_no_onset() -> None:
    code, out, _ = invoke("simulate", "--trace", "steady")
    assert code == 0
    assert "time to react            n/a (the load never rose above 1.25x its start)" in out


def test_simulate_reads_a_trace_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.json"
    f.write_text(json.dumps({"interval": 1, "load": [100] * 30 + [900] * 60}))
    code, out, _ = invoke("simulate", "--trace", str(f), "--capacity", "100")
    assert code == 0 and out.startswith("trace mine (90 s)")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--trace", "nope"], "trace file nope does not exist"),
     (["--trace", "spike", "--capacity", "0"], "--capacity and --target must be positive"),
     (["--trace", "spike", "--target", "250"], "--target 250 is above --capacity 200"),
     (["--trace", "spike", "--min", "0"], "--min must be at least 1"),
     (["--trace", "spike", "--start-delay", "soon"], "--start-delay 'soon' is not"),
     (["--trace", "spike", "--start-delay", "90-20"], "the maximum is below the minimum"),
     (["--trace", "spike", "--policy", "magic"], "unknown policy 'magic'")],
)
def test_simulate_errors_are_eden_errors(args: list[str], message: str) -> None:
    _, _, exc = invoke("simulate", *args)
    assert isinstance(exc, UsageError)
    assert message in exc.message


def test_run_with_missing_config_is_a_config_error(tmp_path: Path) -> None:
    _, _, exc = invoke("run", "--config", str(tmp_path / "none.toml"))
    assert isinstance(exc, ConfigError)
    assert exc.message == f"config file {tmp_path / 'none.toml'} does not exist"


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
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


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
    assert exc.message.startswith("no scaler daemon answering at http://127.0.0.1:1/status")
    _, _, exc = invoke("status")
    assert isinstance(exc, UsageError)
    assert exc.message == "need --url or --config to find the daemon"
