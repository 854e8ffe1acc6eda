"""Delete then create of the same branch while the old service drains, and waiting until
an environment serves (``create --wait``), against the AWS model in moto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eden_world import World

from eden.aws.errors import refused
from eden.cli import main
from eden.config import write_profile
from eden.envs.readiness import Readiness
from eden.errors import ExecutionFailed, NotReady
from eden.sandbox.aws_model import Model

pytestmark = pytest.mark.integration


def test_a_recreate_waits_for_the_old_service_to_drain(
    world: World, aws_model_timings: Model
) -> None:
    aws_model_timings.drain_seconds = 300  # AWS's default deregistration delay
    world.engine.create("feature/again", world.image)
    world.engine.delete("feature/again")
    notes: list[str] = []

    def note(_step: Any, message: str) -> None:
        notes.append(message)
        aws_model_timings.advance(301)  # the old tasks stop while we wait

    out = world.engine.create("feature/again", world.image, notes=note)
    assert out.operation == "create" and out.record is not None
    assert notes and notes[0].startswith(
        "waiting for the earlier service eden-feature-again to finish draining"
    )
    assert world.checker.ecs.describe_service(world.seed.cluster, "eden-feature-again")


def test_a_create_whose_answer_was_lost_is_undone_and_can_run_again(
    world: World, aws_model_timings: Model
) -> None:
    """AWS made the service, then the answer was lost: the undo removes the service anyway,
    and a create right after waits while it drains."""
    aws_model_timings.drain_seconds = 300
    state = {"lost": False}

    def lose_the_answer(**_: Any) -> None:
        if not state["lost"]:
            state["lost"] = True
            raise refused("ServiceUnavailable", "the answer was lost", "CreateService")

    world.clients.on("after-call.ecs.CreateService", lose_the_answer)
    with pytest.raises(ExecutionFailed, match="the answer was lost"):
        world.engine.create("feature/retry", world.image)
    assert world.store.get("sandbox", "feature-retry") is None  # nothing of it is left
    found = world.checker.ecs.service_any_status(world.seed.cluster, "eden-feature-retry")
    assert found is not None and found["status"] == "DRAINING"
    notes: list[str] = []

    def note(_step: Any, message: str) -> None:
        notes.append(message)
        aws_model_timings.advance(301)

    out = world.engine.create("feature/retry", world.image, notes=note)
    assert out.operation == "create" and out.record is not None
    assert notes[0].startswith("waiting for the earlier service eden-feature-retry to finish")


def test_create_waits_until_the_environment_serves(
    world: World, aws_model_timings: Model
) -> None:
    aws_model_timings.start_seconds = 60  # a Fargate task's start
    seen: list[Readiness] = []

    def progress(verdict: Readiness, _waited: float) -> None:
        seen.append(verdict)
        if len(seen) == 1:
            aws_model_timings.advance(61)

    out = world.engine.create(
        "feature/ready", world.image, ready_timeout=120, on_ready=progress
    )
    assert out.ready is not None and out.ready.ready
    assert "tasks (0 of 1 running)" in seen[0].waiting_for
    assert "healthy targets (0 of 1)" in seen[0].waiting_for
    assert seen[-1].ready
    assert out.messages[-1].startswith("feature-ready is ready (waited ")


def test_create_that_never_serves_says_what_it_waited_for(
    world: World, aws_model_timings: Model
) -> None:
    aws_model_timings.start_seconds = 3600
    with pytest.raises(NotReady, match=r"not ready after 1s: waiting for tasks \(0 of 1 running\)"):
        world.engine.create("feature/stuck", world.image, ready_timeout=1)
    record = world.store.get("sandbox", "feature-stuck")
    assert record is not None and record.status == "ready"  # made, just not serving yet


def test_cli_create_wait_prints_when_ready(
    tmp_path: Path,
    profile_values: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    seeded: Any,
) -> None:
    config = tmp_path / "eden.toml"
    write_profile(config, "sandbox", profile_values)
    monkeypatch.setenv("EDEN_CONFIG", str(config))
    code = main(["create", "feature/cli-ready", "--image", seeded.image_uris[0], "--wait"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "feature-cli-ready is ready (waited " in captured.out
    code = main(
        ["create", "feature/cli-ready", "--image", seeded.image_uris[1], "--wait", "-o", "json"]
    )
    assert code == 0 and json.loads(capsys.readouterr().out)["ready"] is True
