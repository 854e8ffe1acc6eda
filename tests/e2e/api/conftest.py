"""`eden serve` as a real process on the sandbox profile, with moto as the sandbox.

The layout is what `eden sandbox up` leaves behind: a profiles file whose default is the
``sandbox`` profile, and the sandbox's own state file under the user's data directory.
The server is started with no profile flag, as a user would after `sandbox up`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from eden.cli.apikey_cmd import apikey
from eden.config import write_profile
from eden.sandbox.seed import SeedInfo, sandbox_clients, sandbox_profile_values, seed
from moto_server import empty_moto

SERVE = "import sys; from eden.cli.serve_cmd import serve; serve(sys.argv[1:], prog_name='eden')"


@dataclass
class Served:
    url: str
    config: Path
    env: dict[str, str]
    seeded: SeedInfo
    write_key: str
    read_key: str
    log: Path
    waker_url: str = ""  # `eden serve` runs the profile's 127.0.0.1 waker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _key(config: Path, env: dict[str, str], scope: str) -> str:
    """A key made the way an operator makes one: `eden apikey create`."""
    result = CliRunner().invoke(
        apikey,
        ["create", "--name", f"e2e-{scope}", "--scope", scope, "--config", str(config)],
        env=env,
    )
    assert result.exit_code == 0, result.output
    secret = [line for line in result.output.splitlines() if line.startswith("eden_")]
    assert len(secret) == 1, result.output
    return secret[0]


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with empty_moto() as url:
        yield url


@pytest.fixture(scope="module")
def served(moto: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("serve")
    env = {
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_DATA_HOME": str(tmp / "data"),
        "EDEN_CONFIG": "",
        "EDEN_PROFILE": "",
    }
    seeded = seed(sandbox_clients(moto))
    config = tmp / "eden.toml"
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the sandbox state path follows XDG_DATA_HOME
    try:
        values = sandbox_profile_values(seeded, moto)
        # `eden serve` runs the waker on this port (a 127.0.0.1 waker is served by default).
        waker_port = _free_port()
        values["sleep"] = {"waker": f"127.0.0.1:{waker_port}"}
        write_profile(config, "sandbox", values, default=True)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    write_key = _key(config, env, "write")
    read_key = _key(config, env, "read")
    port = _free_port()
    log = tmp / "serve.log"
    proc_env = {**os.environ, **env}
    proc_env.pop("EDEN_CONFIG")
    proc_env.pop("EDEN_PROFILE")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, "--config", str(config), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=proc_env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        # A deadline for a hang: on a loaded machine importing the server takes seconds.
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"eden serve did not start: {log.read_text()}")
            time.sleep(0.1)
        waker_url = f"http://127.0.0.1:{waker_port}"
        yield Served(url, config, env, seeded, write_key, read_key, log, waker_url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
