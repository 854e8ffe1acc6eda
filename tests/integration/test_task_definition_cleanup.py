"""Revisions AWS could not delete are reported, and a later delete finishes the job."""

from __future__ import annotations

from typing import Any

import pytest
from eden_world import World

from eden.errors import ExecutionFailed

pytestmark = pytest.mark.integration

FAMILY = "eden-feature-revisions"


def test_a_revision_left_behind_fails_the_delete_and_the_next_one_removes_it(
    world: World,
) -> None:
    world.engine.create("feature/revisions", world.image)
    world.engine.create("feature/revisions", world.seed.image_uris[1])
    kept: list[str] = []
    reported: list[bool] = []

    def keep_one(params: dict[str, Any], **_: Any) -> None:  # AWS does not delete it...
        if not kept:
            kept.append(params["taskDefinitions"].pop())

    def report_it(parsed: dict[str, Any], **_: Any) -> None:  # ...and says so, once
        if kept and not reported:
            reported.append(True)
            parsed["failures"] = [{"arn": kept[0], "reason": "TASK_DEFINITION_IN_USE"}]

    world.clients.on("before-parameter-build.ecs.DeleteTaskDefinitions", keep_one)
    world.clients.on("after-call.ecs.DeleteTaskDefinitions", report_it)
    with pytest.raises(ExecutionFailed, match=r"could not delete 1 task definition revision"):
        world.engine.delete("feature/revisions")
    record = world.store.get("sandbox", "feature-revisions")
    assert record is not None and record.status == "failed"
    # The revisions are deregistered (INACTIVE) now; the next delete must still find them.
    assert world.checker.ecs.task_definition_arns(FAMILY) == []
    world.clients.reset_calls()
    out = world.engine.delete("feature/revisions")
    assert out.plan.step("task_definition").params["arns"] == kept  # found among INACTIVE
    assert world.store.get("sandbox", "feature-revisions") is None
    deleted = [c for c in world.clients.calls() if c.operation == "DeleteTaskDefinitions"]
    assert deleted, "the second delete deleted the revisions left behind"
