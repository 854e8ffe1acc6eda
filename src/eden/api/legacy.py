"""The 2019 API, kept call for call: existing CI scripts must not notice the rewrite.

``GET /api/v1/create?name=&image_uri=&profile=`` and ``GET /api/v1/delete?name=&profile=``
with an ``x-api-key`` header, answering ``{"status", "message", "name", "cname"}``. GET
for a write is the 2019 design, not a choice made here. Errors keep the same shape (see
``problems``) with a meaningful HTTP status; scripts that only read ``status`` still work.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from eden.api.context import ApiContext, ctx, write_key
from eden.api.jobs import create_job, delete_job
from eden.api.models import ERRORS, LegacyBody
from eden.envs.engine import Outcome
from eden.state.base import ApiKey

router = APIRouter(prefix="/api/v1", tags=["2019 compatible"], responses=ERRORS)

Name = Annotated[str, Query(min_length=1, max_length=255, description="The branch.")]
Profile = Annotated[
    str | None, Query(max_length=64, description="Profile (default: the server's).")
]


def _cname(outcome: Outcome) -> str:
    if outcome.record is not None:
        return outcome.record.host
    return outcome.url.removeprefix("https://")


@router.get("/create", response_model=LegacyBody)
def legacy_create(
    name: Name,
    image_uri: Annotated[str, Query(min_length=1, max_length=255, description="Image URI.")],
    context: Annotated[ApiContext, Depends(ctx)],
    _key: Annotated[ApiKey, Depends(write_key)],
    profile: Profile = None,
) -> LegacyBody:
    """Create the environment for branch ``name`` or deploy ``image_uri`` to it (2019 API)."""
    op, work = create_job(context, profile=profile, branch=name, image=image_uri, source="legacy")
    outcome = context.operations.run(op, work)
    verb = "deployed" if outcome.operation == "deploy" else "created"
    return LegacyBody(
        status="ok",
        message=f"{verb} {outcome.env} in {outcome.run.seconds:.1f}s",
        name=outcome.env,
        cname=_cname(outcome),
    )


@router.get("/delete", response_model=LegacyBody)
def legacy_delete(
    name: Name,
    context: Annotated[ApiContext, Depends(ctx)],
    _key: Annotated[ApiKey, Depends(write_key)],
    profile: Profile = None,
) -> LegacyBody:
    """Delete environment ``name`` (2019 API); already gone is a success."""
    op, work = delete_job(context, profile=profile, name=name, source="legacy")
    outcome = context.operations.run(op, work)
    message = " ".join(outcome.messages) or f"deleted {outcome.env} in {outcome.run.seconds:.1f}s"
    return LegacyBody(status="ok", message=message, name=outcome.env, cname=_cname(outcome))
