"""eden behind a proxy that throttles, loses answers after the change was made, and goes
down: every create, deploy, delete and gc succeeds or fails with a clear message, and in
the end nothing is left behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from eden_world import World
from fault_proxy import FaultProxy
from inventory import inventory

from eden.envs import gc
from eden.errors import AwsUnreachable, EdenError
from eden.wiring import open_engine

pytestmark = pytest.mark.integration

ATTEMPTS = 8


@pytest.fixture
def proxy(moto_url: str) -> Iterator[FaultProxy]:
    with FaultProxy(moto_url, seed=20261125) as running:
        yield running


def _until_done(run: Callable[[], Any], failures: list[str]) -> Any:
    """Runs an operation again after each clear failure, as a user or a CI retry would."""
    for _ in range(ATTEMPTS):
        try:
            return run()
        except EdenError as exc:
            assert "internal error" not in exc.message
            assert "Error:" not in exc.message, f"a raw exception leaked: {exc.message}"
            assert exc.message, "a failure must say what failed"
            failures.append(f"{type(exc).__name__}: {exc.message}")
    raise AssertionError(f"still failing after {ATTEMPTS} attempts: {failures[-3:]}")


@pytest.mark.heavy(seconds=50)
def test_create_deploy_delete_converge_through_throttling_and_lost_answers(
    world: World, proxy: FaultProxy
) -> None:
    before = inventory(world.checker, world.seed)
    profile = replace(world.engine.profile, endpoint_url=proxy.url)
    proxy.set(throttle=0.15, lose=0.2)
    failures: list[str] = []
    branches = [f"feature/faulty-{i}" for i in range(4)]
    with open_engine(profile, store=world.store) as engine:
        for branch in branches:
            _until_done(lambda b=branch: engine.create(b, world.image), failures)
            deployed = _until_done(
                lambda b=branch: engine.create(b, world.seed.image_uris[1]), failures
            )
            assert deployed.record is not None and deployed.record.image == world.seed.image_uris[1]
        for branch in branches:
            _until_done(lambda b=branch: engine.delete(b), failures)
    proxy.set(throttle=0.0, lose=0.0)
    assert proxy.stats["throttled"] > 0
    assert sum(n for k, n in proxy.stats.items() if k.startswith("lost:")) > 0
    assert inventory(world.checker, world.seed) == before, failures
    assert gc.find_orphans(world.engine).by_env == {}
    assert world.store.list_envs("sandbox") == []


def test_gc_converges_through_faults(world: World, proxy: FaultProxy) -> None:
    before = inventory(world.checker, world.seed)
    for i in range(4):
        world.engine.create(f"feature/stale-{i}", world.image)
    profile = replace(world.engine.profile, endpoint_url=proxy.url)
    proxy.set(throttle=0.15, lose=0.25)
    with open_engine(profile, store=world.store, clock=lambda: 10**10) as engine:
        for _ in range(ATTEMPTS):
            left = gc.stale(engine.environments(), engine.clock(), ttl_hours=1)
            if not left:
                break
            for result in gc.collect(engine, left, parallel=4):
                assert result.ok or "internal error" not in result.detail
    proxy.set(throttle=0.0, lose=0.0)
    assert world.store.list_envs("sandbox") == []
    assert inventory(world.checker, world.seed) == before
    assert gc.find_orphans(world.engine).by_env == {}


def test_an_endpoint_that_resets_every_connection_is_unreachable(
    world: World, proxy: FaultProxy
) -> None:
    proxy.down = True
    profile = replace(world.engine.profile, endpoint_url=proxy.url)
    with (
        open_engine(profile, store=world.store) as engine,
        pytest.raises(AwsUnreachable, match="cannot reach AWS") as info,
    ):
        engine.create("feature/nowhere", world.image)
    assert info.value.where is not None and proxy.url in info.value.where
    assert world.store.get("sandbox", "feature-nowhere") is None
