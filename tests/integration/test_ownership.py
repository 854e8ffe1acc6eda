"""Who owns a name: an operation never acts on another branch's or origin's environment.

Two branch names can slug to one environment name (``Foo`` and ``FOO`` are both ``foo``),
and two pull requests can have the same head branch (a fork's ``mallory:changes`` and the
repository's own ``changes``). These tests race such pairs and check that the second one
is refused instead of deleting or overwriting the first.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from eden_world import World

from eden.aws.clients import AwsClients
from eden.errors import UsageError
from eden.state.leases import LockPolicy
from eden.wiring import aws_settings, open_engine

pytestmark = pytest.mark.integration


def _gate_first_call(clients: AwsClients, until: threading.Event) -> threading.Event:
    """Holds the first AWS call of ``clients`` until ``until`` is set; returns 'reached'."""
    reached = threading.Event()

    def hold(**_: Any) -> None:
        if not reached.is_set():
            reached.set()
            assert until.wait(30), "the gate was never opened"

    clients.on("before-call.*.*", hold)
    return reached


def test_a_delete_racing_a_create_of_a_colliding_branch_is_refused(world: World) -> None:
    """The delete checks ownership before its lease (nothing there yet) and again under it."""
    profile = world.engine.profile
    delete_waits = threading.Event()
    create_clients = AwsClients(aws_settings(profile))
    # The create holds the lease and is reading AWS; its record is not written yet.
    reading = _gate_first_call(create_clients, until=delete_waits)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            with open_engine(profile, store=world.store, clients=create_clients) as engine:
                engine.create("Foo", world.image)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    creator = threading.Thread(target=create)
    creator.start()
    try:
        assert reading.wait(30), "the create never reached AWS"
        with (
            open_engine(
                profile, store=world.store, lock_policy=LockPolicy(mode="wait", timeout=60)
            ) as engine,
            pytest.raises(UsageError, match="the name 'foo' belongs to branch 'Foo'"),
        ):
            engine.delete("FOO", on_wait=lambda _holder, _waited: delete_waits.set())
        assert delete_waits.is_set(), "the delete never had to wait for the create's lease"
    finally:
        delete_waits.set()
        creator.join(60)
    assert not creator.is_alive() and errors == []
    record = world.store.get("sandbox", "foo")
    assert record is not None and record.branch == "Foo" and record.status == "ready"
    assert world.checker.ecs.describe_service(profile.cluster, "eden-foo") is not None


def test_a_pin_waits_for_a_delete_and_never_brings_the_record_back(world: World) -> None:
    world.engine.create("feature/pinned", world.image)
    profile = world.engine.profile
    pin_waits = threading.Event()
    delete_clients = AwsClients(aws_settings(profile))
    deleting = _gate_first_call(delete_clients, until=pin_waits)
    errors: list[BaseException] = []

    def delete() -> None:
        try:
            with open_engine(profile, store=world.store, clients=delete_clients) as engine:
                engine.delete("feature/pinned")
        except BaseException as exc:
            errors.append(exc)

    deleter = threading.Thread(target=delete)
    deleter.start()
    try:
        assert deleting.wait(30), "the delete never reached AWS"
        with (
            open_engine(profile, store=world.store) as engine,
            pytest.raises(Exception, match="was deleted meanwhile"),
        ):
            engine.pin("feature/pinned", on_wait=lambda _h, _w: pin_waits.set())
    finally:
        pin_waits.set()
        deleter.join(60)
    assert not deleter.is_alive() and errors == []
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
