"""The bundle of things an integration test works with (kept out of conftest.py so that
test modules can import it by a name no other directory uses)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_rules import AwsRules

from eden.aws import Aws
from eden.aws.clients import AwsClients
from eden.envs.engine import Engine
from eden.sandbox.seed import SeedInfo
from eden.state import SqliteStore


@dataclass
class World:
    """What a test needs: the engine, its call log, a checker client and the seed."""

    engine: Engine
    clients: AwsClients
    checker: Aws
    seed: SeedInfo
    rules: AwsRules
    store: SqliteStore

    @property
    def image(self) -> str:
        return self.seed.image_uris[0]
