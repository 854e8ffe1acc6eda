"""REST v1, day two: an environment's health, its last log lines and its drift.

Like ``/pins/{name}``, these address the environment in a path of their own
(``/api/v1/health/feature/login``): names contain ``/``, so a suffix after the name
(``/environments/{name}/logs``) could not be told from a branch called ``.../logs``.
They read AWS on each request; the list's ``?status=true`` (``rest.py``) does the same
for every environment at once.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query

from eden.api.models import ERRORS
from eden.api.params import Ctx, ProfileQ, Reader
from eden.envs.logs import parse_since
from eden.envs.observe import Observer

router = APIRouter(prefix="/api/v1", responses=ERRORS)

SinceQ = Annotated[
    str, Query(min_length=1, max_length=40, description="10m, 2h, 1d, or a time with a zone.")
]
TextQ = Annotated[str | None, Query(min_length=1, max_length=255)]
LimitQ = Annotated[int, Query(ge=1, le=10_000, description="The last LIMIT lines.")]


@router.get("/health/{name:path}", tags=["day two"])
def environment_health(
    name: str, context: Ctx, _key: Reader, profile: ProfileQ = None
) -> dict[str, Any]:
    """Task counts, rollout, targets (with reason codes) and why tasks stopped, in words."""
    observer = Observer(context.registry.engine(profile))
    record = observer.find(name)
    return {"env": record.name, **observer.health(record).as_dict()}


@router.get("/logs/{name:path}", tags=["day two"])
def environment_logs(
    name: str,
    context: Ctx,
    _key: Reader,
    profile: ProfileQ = None,
    since: SinceQ = "10m",
    grep: TextQ = None,
    service: TextQ = None,
    container: TextQ = None,
    limit: LimitQ = 200,
) -> dict[str, Any]:
    """The last log lines of the environment's tasks (every container using awslogs)."""
    start = parse_since(since, time.time())
    observer = Observer(context.registry.engine(profile))
    record = observer.find(name)
    reader, notes, _td = observer.logs(record, service, container)
    lines, truncated = reader.read(start, grep, limit)
    return {
        "env": record.name,
        "lines": [line.as_dict() for line in lines],
        "truncated": truncated,
        "notes": notes,
    }


@router.get("/diff/{name:path}", tags=["day two"])
def environment_diff(
    name: str, context: Ctx, _key: Reader, profile: ProfileQ = None
) -> dict[str, Any]:
    """How the environment differs from what its reference makes today (`eden diff`)."""
    observer = Observer(context.registry.engine(profile))
    record = observer.find(name)
    return {"env": record.name, **observer.drift(record).as_dict()}
