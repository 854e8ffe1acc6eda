"""Who owns a name: an operation never acts on another branch's or origin's environment.

Two branch names can slug to one environment name (``Foo`` and ``FOO`` are both ``foo``),
and two pull requests can have the same head branch (a fork's ``mallory:changes`` and the
repository's own ``changes``). These tests race such pairs and check that the second one
is refused instead of deleting or overwriting the first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from eden_world import World

from eden.aws.clients import AwsClients
from eden.envs.engine import Engine
from eden.errors import NotFound, UsageError
from eden.state.leases import LockPolicy
from eden.wiring import aws_settings, open_engine

pytestmark = pytest.mark.integration


def _race(world: World, first: Callable[[Engine], object], second: Callable[[Any], None]) -> None:
    """Runs ``first`` (in a thread, with its own clients) until its first AWS call, which
    is held until ``second`` has to wait for the lease ``first`` holds; ``second`` gets
    the on_wait callback to pass along. Both run to their ends; ``first`` must succeed."""
    profile = world.engine.profile
    waiting = threading.Event()
    reached = threading.Event()
    clients = AwsClients(aws_settings(profile))

    def hold(**_: Any) -> None:
        if not reached.is_set():
            reached.set()
            assert waiting.wait(30), "the second operation never waited for the lease"

    clients.on("before-call.*.*", hold)
    errors: list[BaseException] = []

    def run_first() -> None:
        try:
            with open_engine(profile, store=world.store, clients=clients) as engine:
                first(engine)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=run_first)
    thread.start()
    try:
        assert reached.wait(30), "the first operation never reached AWS"
        second(lambda _holder, _waited: waiting.set())
        assert waiting.is_set(), "the second operation never had to wait for the lease"
    finally:
        waiting.set()
        thread.join(60)
    assert not thread.is_alive() and errors == []


def test_a_delete_racing_a_create_of_a_colliding_branch_is_refused(world: World) -> None:
    """The delete checks ownership before its lease (nothing there yet) and again under it."""
    profile = world.engine.profile

    def delete(on_wait: Any) -> None:
        policy = LockPolicy(mode="wait", timeout=60)
        with (
            open_engine(profile, store=world.store, lock_policy=policy) as engine,
            pytest.raises(UsageError, match="the name 'foo' belongs to branch 'Foo'"),
        ):
            engine.delete("FOO", on_wait=on_wait)

    _race(world, lambda engine: engine.create("Foo", world.image), delete)
    record = world.store.get("sandbox", "foo")
    assert record is not None and record.branch == "Foo" and record.status == "ready"
    assert world.checker.ecs.describe_service(profile.cluster, "eden-foo") is not None


def test_a_pin_waits_for_a_delete_and_never_brings_the_record_back(world: World) -> None:
    world.engine.create("feature/pinned", world.image)

    def pin(on_wait: Any) -> None:
        with (
            open_engine(world.engine.profile, store=world.store) as engine,
            pytest.raises(NotFound, match="was deleted meanwhile"),
        ):
            engine.pin("feature/pinned", on_wait=on_wait)

    _race(world, lambda engine: engine.delete("feature/pinned"), pin)
    assert world.store.get("sandbox", "feature-pinned") is None


def test_an_origin_only_ever_touches_its_own_environment(world: World) -> None:
    engine = world.engine
    own = "github:acme/api#1"
    fork = "github:acme/api#2"
    engine.create("changes", world.image, origin=own)
    # Another pull request whose branch slugs to the same name is refused, both ways.
    with pytest.raises(UsageError, match="belongs to github:acme/api#1, not to github:acme/api#2"):
        engine.create("changes", world.seed.image_uris[1], origin=fork)
    gone = engine.delete("changes", origin=fork)
    assert gone.plan.steps == () and gone.messages == [
        "no environment for github:acme/api#2: nothing to delete"
    ]
    record = world.store.get("sandbox", "changes")
    assert record is not None and record.origin == own and record.image == world.image
    # Its own origin deploys and deletes it, whatever the branch is called by then.
    assert engine.create("changes", world.seed.image_uris[1], origin=own).operation == "deploy"
    assert engine.delete("renamed-branch", origin=own).plan.steps != ()
    assert world.store.get("sandbox", "changes") is None


def test_an_environment_from_before_origins_is_adopted_only_when_asked(world: World) -> None:
    engine = world.engine
    engine.create("legacy", world.image)  # no origin: made before webhooks carried one
    with pytest.raises(UsageError, match="belongs to a branch deployed by hand"):
        engine.create("legacy", world.image, origin="github:acme/api#7")
    out = engine.create("legacy", world.seed.image_uris[1], origin="github:acme/api#7", adopt=True)
    assert out.operation == "deploy"
    record = world.store.get("sandbox", "legacy")
    assert record is not None and record.origin == "github:acme/api#7"
