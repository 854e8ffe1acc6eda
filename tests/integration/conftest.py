"""A real moto server over HTTP, seeded like the sandbox, with AWS's rules enforced."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aws_rules import AwsRules
from eden_world import World
from moto.server import ThreadedMotoServer
from moto_atomic import make_dynamodb_items_atomic
from moto_snapshot import fresh_seeded_account

from eden.aws import Aws
from eden.aws.clients import AwsClients
from eden.config import Profile, build_profile
from eden.sandbox.seed import SeedInfo, sandbox_profile_values
from eden.state import SqliteStore
from eden.wiring import aws_settings, open_engine

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        make_dynamodb_items_atomic(mp)  # DynamoDB's per-item atomicity, for the leases
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
        server.stop()


@pytest.fixture
def seeded(moto_url: str) -> SeedInfo:
    """A fresh account per test: moto reset, with the reference stack seeded in it."""
    return fresh_seeded_account(moto_url)


@pytest.fixture
def profile_values(seeded: SeedInfo, moto_url: str, tmp_path: Any) -> dict[str, Any]:
    values = sandbox_profile_values(seeded, moto_url)
    values["state"] = f"sqlite:///{tmp_path / 'state.db'}"
    return values


@pytest.fixture
def profile(profile_values: dict[str, Any]) -> Profile:
    return build_profile("sandbox", profile_values)


@pytest.fixture
def world(profile: Profile, seeded: SeedInfo, tmp_path: Any) -> Iterator[World]:
    checker = AwsClients(aws_settings(profile), role="test")
    clients = AwsClients(aws_settings(profile))
    rules = AwsRules(checker)
    rules.install(clients)
    store = SqliteStore(tmp_path / "state.db")
    with open_engine(profile, store=store, clients=clients, actor="test") as engine:
        yield World(engine, clients, Aws(checker), seeded, rules, store)
    store.close()
