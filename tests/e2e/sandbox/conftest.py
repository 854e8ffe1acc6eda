"""The sandbox's data plane on an in-process moto server (the suite's AWS model), with
local tasks switched on for the test and off again after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_e2e_helpers import NGINX, Sandbox

from eden.config import build_profile
from eden.sandbox import aws_model, dataplane
from eden.sandbox.seed import sandbox_clients, sandbox_profile_values, seed
from eden.wiring import open_engine
from moto_server import empty_moto, reset


@pytest.fixture(scope="module")
def moto_process_server() -> Iterator[str]:
    with empty_moto() as url:
        yield url


@pytest.fixture
def moto_server(moto_process_server: str) -> str:
    """An empty moto: its state is the process's, and local tasks would otherwise start
    for every service earlier tests left behind."""
    reset(moto_process_server)
    return moto_process_server


@pytest.fixture
def local_tasks(
    moto_server: str, aws_model_timings: aws_model.Model, tmp_path: Path
) -> Iterator[Sandbox]:
    """Local tasks ON (the suite's default is off), the router up, the stack seeded."""
    if NGINX is None:
        pytest.skip("nginx binary not installed (apt nginx-light)")
    plane = dataplane.start(
        aws_model_timings, dataplane.PlaneSettings(state_dir=tmp_path / "plane")
    )
    try:
        info = seed(sandbox_clients(moto_server))
        values = sandbox_profile_values(info, moto_server)
        values["state"] = f"sqlite:///{tmp_path / 'state.db'}"
        yield Sandbox(moto_server, info, plane, aws_model_timings, values)
    finally:
        plane.stop()


@pytest.fixture
def engine(local_tasks: Sandbox) -> Iterator[Any]:
    with open_engine(build_profile("sandbox", local_tasks.profile_values), actor="test") as eng:
        yield eng
