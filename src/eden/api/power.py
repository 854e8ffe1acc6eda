"""REST v1: sleep and wake (``PUT`` / ``DELETE /api/v1/sleeping/{name}``), and the
environments' awake/sleeping/waking gauges for ``/metrics``.

Like pins: PUT puts the environment to sleep, DELETE wakes it. A wake answers when the
tasks are starting (``power: waking``); the server restores the rules in the background
once the targets are healthy (the waker's finisher), so a client polls
``GET /api/v1/environments/{name}`` until ``power`` is ``awake``.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from eden.api.metrics import _labels
from eden.api.models import ERRORS
from eden.api.params import Ctx, ProfileQ, Writer
from eden.api.registry import Registry
from eden.api.rest import env_view
from eden.api.waker import Target
from eden.envs.sleep import Power
from eden.envs.usage import cost_view
from eden.state.leases import LockPolicy

router = APIRouter(prefix="/api/v1", responses=ERRORS)
NO_WAIT = LockPolicy(mode="fail")  # a request never queues behind a deploy: 409 at once


@router.put("/sleeping/{name:path}", tags=["environments"])
def sleep_environment(
    name: str, context: Ctx, _key: Writer, profile: ProfileQ = None
) -> dict[str, Any]:
    """Put an environment to sleep (`eden sleep`): its tasks stop, its resources stay,
    and a request to its URL wakes it. 422 when it is not awake."""
    engine = context.registry.engine(profile)
    outcome = Power(engine).sleep(name, reason="by the API", policy=NO_WAIT)
    assert outcome.record is not None
    return {**env_view(outcome.record, engine.profile), **outcome.run.as_dict()}


@router.delete("/sleeping/{name:path}", tags=["environments"])
def wake_environment(
    name: str, context: Ctx, _key: Writer, profile: ProfileQ = None
) -> dict[str, Any]:
    """Wake an environment (`eden wake --no-wait`): its tasks start now, and its rules go
    back once they are healthy. 422 when it is awake."""
    engine = context.registry.engine(profile)
    outcome = Power(engine).wake(name, by="the API", policy=NO_WAIT)
    assert outcome.record is not None
    if context.waker is not None:
        context.waker.finish_later(engine, Target(engine.profile.name, outcome.env))
    return {**env_view(outcome.record, engine.profile), **outcome.run.as_dict()}


COST_GAUGES = (
    ("eden_environment_cost_dollars", "dollars",
     "What each environment's Fargate tasks cost so far (USD, an estimate: docs/sleep-wake.md)."),
    ("eden_environment_saved_dollars", "saved_dollars",
     "What sleeping saved each environment so far (USD, an estimate)."),
)  # fmt: skip


def power_gauges(registry: Registry, now: float | None = None) -> list[str]:
    """``eden_environments{profile,power}``: how many are awake, sleeping and waking; and
    each environment's cost so far and saved by sleeping (left out where unknown)."""
    lines = [
        "# HELP eden_environments Environments of each profile, by power state.",
        "# TYPE eden_environments gauge",
    ]
    costs: list[tuple[tuple[tuple[str, str], ...], dict[str, Any]]] = []
    at = time.time() if now is None else now
    for profile in registry.all_profiles():
        counts = {"awake": 0, "sleeping": 0, "waking": 0}
        for record in registry.store(profile).list_envs(profile.name):
            counts[record.power] = counts.get(record.power, 0) + 1
            costs.append(((("profile", profile.name), ("env", record.name)),
                          cost_view(record, profile, at)))  # fmt: skip
        for power, count in counts.items():
            labels = _labels((("profile", profile.name), ("power", power)))
            lines.append(f"eden_environments{labels} {count}")
    for metric, key, about in COST_GAUGES:
        lines += [f"# HELP {metric} {about}", f"# TYPE {metric} gauge"]
        lines += [f"{metric}{_labels(labels)} {shown[key]}" for labels, shown in costs
                  if shown[key] is not None]  # fmt: skip
    return lines
