"""The real API server (uvicorn, 127.0.0.1, a free port) in front of a real moto server.

Builds on ``tests/integration/conftest.py`` (``moto_url``, ``seeded``, ``profile_values``):
each test gets a fresh account, a profiles file with the ``sandbox`` profile, a state
store holding one read and one write key, and a server configured for webhooks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_helpers import fleet_record
from moto_snapshot import fresh_seeded_account

from eden.api import ApiSettings, WebhookSettings, create_app
from eden.api.auth import issue_key
from eden.api.serving import ServerThread
from eden.config import write_profile
from eden.sandbox.seed import SeedInfo, sandbox_clients, sandbox_profile_values
from eden.state import SqliteStore

WEBHOOK_SECRET = "It's a Secret to Everybody"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@dataclass
class Api:
    url: str
    client: httpx.Client  # no key
    read_key: str
    write_key: str
    store: SqliteStore
    seeded: SeedInfo
    moto_url: str
    config: Path

    def as_writer(self) -> dict[str, str]:
        return {"x-api-key": self.write_key}

    def as_reader(self) -> dict[str, str]:
        return {"x-api-key": self.read_key}

    def push_image(self, tag: str, repository: str = "api") -> str:
        """Tag the seeded api:v1 image as ``repository:tag`` in moto's ECR, as CI would
        push a commit."""
        ecr = sandbox_clients(self.moto_url).client("ecr")
        image = ecr.batch_get_image(repositoryName="api", imageIds=[{"imageTag": "v1"}])
        manifest = image["images"][0]["imageManifest"]
        ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)
        return f"{REGISTRY}/{repository}:{tag}"


@contextmanager
def running_api(
    tmp: Path,
    moto_url: str,
    seeded: SeedInfo,
    values: dict[str, Any],
    *,
    allow_forks: bool = False,
) -> Iterator[Api]:
    """A profiles file, a store with a read and a write key, and the server on a free port."""
    with pytest.MonkeyPatch.context() as mp:
        # No user's profile or state leaks in, whatever the machine running the tests has.
        mp.delenv("EDEN_PROFILE", raising=False)
        mp.delenv("EDEN_CONFIG", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(tmp / "xdg-config"))
        mp.setenv("XDG_DATA_HOME", str(tmp / "xdg-data"))
        config = tmp / "eden.toml"
        write_profile(config, "sandbox", values, default=True)
        store = SqliteStore(tmp / "state.db")
        _, read_secret = issue_key(store, "reader", "read")
        _, write_secret = issue_key(store, "writer", "write")
        settings = ApiSettings(
            config=config,
            store=store,
            webhook=WebhookSettings(
                secret=WEBHOOK_SECRET,
                registry=REGISTRY,
                image_template="{registry}/{repo}:{sha}",
                allow_forks=allow_forks,
            ),
        )
        try:
            with (
                ServerThread(create_app(settings)) as server,
                httpx.Client(base_url=server.url, timeout=60) as client,
            ):
                yield Api(
                    server.url, client, read_secret, write_secret, store, seeded, moto_url, config
                )
        finally:
            store.close()


@pytest.fixture
def api(
    tmp_path: Path, profile_values: dict[str, Any], seeded: SeedInfo, moto_url: str
) -> Iterator[Api]:
    """A fresh account and server per test."""
    with running_api(tmp_path, moto_url, seeded, profile_values) as running:
        yield running


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory, moto_url: str) -> Iterator[Api]:
    """One account and server for a whole module, for tests that must not change anything
    (auth refusals, bad input): seeding costs seconds, and they only prove nothing happens."""
    seeded = fresh_seeded_account(moto_url)
    tmp = tmp_path_factory.mktemp("shared-api")
    values = sandbox_profile_values(seeded, moto_url)
    values["state"] = f"sqlite:///{tmp / 'state.db'}"
    with running_api(tmp, moto_url, seeded, values) as running:
        yield running


@pytest.fixture
def api_allowing_forks(
    tmp_path: Path, profile_values: dict[str, Any], seeded: SeedInfo, moto_url: str
) -> Iterator[Api]:
    """Like ``api``, with webhooks that deploy pull requests from forks."""
    with running_api(tmp_path, moto_url, seeded, profile_values, allow_forks=True) as running:
        yield running


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory, moto_url: str) -> Iterator[Api]:
    """One server for a module, its store holding 100 environments in `sandbox` and 20
    in `other` (a second profile on the same state), written straight into the store.
    For tests that only read."""
    seeded = fresh_seeded_account(moto_url)
    tmp = tmp_path_factory.mktemp("fleet")
    values = sandbox_profile_values(seeded, moto_url)
    values["state"] = f"sqlite:///{tmp / 'state.db'}"
    with running_api(tmp, moto_url, seeded, values) as api:
        write_profile(api.config, "other", values)
        for i in range(100):
            api.store.put(fleet_record(i, "sandbox"))
        for i in range(20):
            api.store.put(fleet_record(i, "other"))
        yield api
