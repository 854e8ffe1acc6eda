"""REST v1: environments and the operations that change them.

Branch names contain ``/``, so an environment is addressed either in the path
(``/api/v1/environments/feature/login``, the rest of the path is the name) or with
``?name=`` on the collection, for clients that cannot put a slash in a path segment.
PUT is create-or-deploy and safe to repeat; DELETE of something already gone succeeds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from eden.api import cursors, listing
from eden.api.context import ApiContext
from eden.api.jobs import Job, create_job, delete_job
from eden.api.models import ERRORS, NOT_MODIFIED, EnvironmentList, PutEnvironment
from eden.api.params import Ctx, ProfileQ, Reader, Writer
from eden.api.problems import ApiProblem
from eden.config import Profile
from eden.envs.records import EnvRecord

router = APIRouter(prefix="/api/v1", responses=ERRORS)

WaitQ = Annotated[
    Literal["true", "false", "ready"],
    Query(
        description="true: answer when the change is made; ready: also wait until the "
        "environment serves (DNS in sync, service steady, targets healthy); false: answer "
        "202 at once with an operation to poll."
    ),
]
DeleteWaitQ = Annotated[
    Literal["true", "false"],
    Query(description="false: answer 202 at once with an operation to poll."),
]
ReadyTimeoutQ = Annotated[
    float, Query(gt=0, le=3600, description="With wait=ready: seconds to wait at most.")
]
NameQ = Annotated[str, Query(min_length=1, max_length=255, description="Branch or name.")]


def env_view(record: EnvRecord, profile: Profile) -> dict[str, Any]:
    """A record as the API shows it: everything, plus when the stale cleaner may take it
    and what it cost."""
    return listing.full_view(record, profile)


def _answer(context: ApiContext, job: Job, wait: str) -> Response:
    op, work = job
    if wait == "false":
        context.operations.submit(op, work)
        return JSONResponse(
            op.as_dict(), status_code=202, headers={"Location": f"/api/v1/operations/{op.id}"}
        )
    outcome = context.operations.run(op, work)
    data = {**outcome.as_dict(), "operation_id": op.id}
    return JSONResponse(data, status_code=op.http_status or 200)


StatusQ = Annotated[
    list[Literal["creating", "ready", "failed", "deleting", "true", "false"]] | None,
    Query(
        description="Only environments with this status (repeat it for several). "
        "`true`/`false` alone are the old spelling of `health`.",
    ),
]
HealthQ = Annotated[
    bool,
    Query(description="Also each environment's health and drift, read from AWS (slower)."),
]
PrefixQ = Annotated[
    str,
    Query(max_length=255, description="Only branches that start with this (case-sensitive), "
          "e.g. `feature/`."),
]
ViewQ = Annotated[
    Literal["full", "summary"],
    Query(description="summary: name, branch, url, status, image and times only "
          "(about a tenth of full)."),
]
LimitQ = Annotated[
    int | None,
    Query(ge=1, le=listing.MAX_LIMIT, description="Environments per page, 1-500 (default: "
          "100 with view=summary; every environment with view=full, as before pages)."),
]
CursorQ = Annotated[
    str | None,
    Query(min_length=1, max_length=cursors.MAX_LENGTH,
          description="Where to go on: `next_cursor` of the previous page (opaque)."),
]


@router.get(
    "/environments", tags=["environments"], response_model=EnvironmentList,
    responses=NOT_MODIFIED,
)
def list_environments(
    request: Request,
    context: Ctx,
    _key: Reader,
    profile: ProfileQ = None,
    status: StatusQ = None,
    health: HealthQ = False,
    branch_prefix: PrefixQ = "",
    view: ViewQ = "full",
    limit: LimitQ = None,
    cursor: CursorQ = None,
) -> Response:
    """Environments by profile and name, a page at a time, with filters.

    The answer carries an `ETag`: send it back in `If-None-Match` and an unchanged list
    is a `304` with no body. Follow `next` (or the `Link` header) until it is null.
    """
    query = listing.ListQuery.of(
        profile=profile, status=status or [], health=health, branch_prefix=branch_prefix,
        view=view, limit=limit, cursor=cursor,
    )
    return listing.answer(context, request, query)


@router.get("/environments/{name:path}", tags=["environments"], responses=NOT_MODIFIED)
def get_environment(
    name: str, request: Request, context: Ctx, _key: Reader, profile: ProfileQ = None
) -> Response:
    """One environment (by name, alias or branch) with its deploy history.

    With `If-None-Match` holding the `ETag` of the last answer: `304` while nothing shown
    (the record, its events, its last operation) changed.
    """
    engine = context.registry.engine(profile)
    record, events = engine.show(name)
    last = engine.last_operation(record.name)
    body = {
        **env_view(record, engine.profile),
        "events": [e.as_dict() for e in events],
        "last_operation": last.as_dict() if last else None,
    }
    return listing.json_answer(request, body, None, {})


@router.put("/pins/{name:path}", tags=["environments"])
def pin_environment(
    name: str, context: Ctx, _key: Writer, profile: ProfileQ = None
) -> dict[str, Any]:
    """Exempt an environment from the stale-environment cleaner (`eden pin`)."""
    engine = context.registry.engine(profile)
    return env_view(engine.pin(name, True), engine.profile)


@router.delete("/pins/{name:path}", tags=["environments"])
def unpin_environment(
    name: str, context: Ctx, _key: Writer, profile: ProfileQ = None
) -> dict[str, Any]:
    """Let the stale-environment cleaner take it again once idle past the TTL."""
    engine = context.registry.engine(profile)
    return env_view(engine.pin(name, False), engine.profile)


@router.put("/environments/{name:path}", tags=["environments"], status_code=200)
def put_environment(
    name: str,
    body: PutEnvironment,
    context: Ctx,
    _key: Writer,
    profile: ProfileQ = None,
    wait: WaitQ = "true",
    ready_timeout: ReadyTimeoutQ = 600.0,
) -> Response:
    """Create the environment for branch ``name``, or deploy the image to it."""
    job = create_job(
        context,
        profile=profile,
        branch=name,
        image=body.image,
        source="api",
        alias=body.alias,
        env=body.env,
        dry_run=body.dry_run,
        keep_on_failure=body.keep_on_failure,
        ready_timeout=ready_timeout if wait == "ready" else None,
    )
    return _answer(context, job, wait)


@router.put("/environments", tags=["environments"], status_code=200)
def put_environment_by_query(
    name: NameQ,
    body: PutEnvironment,
    context: Ctx,
    key: Writer,
    profile: ProfileQ = None,
    wait: WaitQ = "true",
    ready_timeout: ReadyTimeoutQ = 600.0,
) -> Response:
    """The same as ``PUT /environments/{name}``, with the branch in ``?name=``."""
    return put_environment(name, body, context, key, profile, wait, ready_timeout)


@router.delete("/environments/{name:path}", tags=["environments"])
def delete_environment(
    name: str,
    context: Ctx,
    _key: Writer,
    profile: ProfileQ = None,
    wait: DeleteWaitQ = "true",
    dry_run: bool = False,
) -> Response:
    """Delete the environment and every resource it has; already gone is a success."""
    job = delete_job(context, profile=profile, name=name, source="api", dry_run=dry_run)
    return _answer(context, job, wait)


@router.delete("/environments", tags=["environments"])
def delete_environment_by_query(
    name: NameQ,
    context: Ctx,
    key: Writer,
    profile: ProfileQ = None,
    wait: DeleteWaitQ = "true",
    dry_run: bool = False,
) -> Response:
    """The same as ``DELETE /environments/{name}``, with the name in ``?name=``."""
    return delete_environment(name, context, key, profile, wait, dry_run)


@router.get("/operations/{op_id}", tags=["operations"])
def get_operation(
    op_id: Annotated[str, Path(max_length=64)], context: Ctx, _key: Reader
) -> dict[str, Any]:
    """A background operation: queued, running, succeeded (with the result) or failed."""
    op = context.operations.get(op_id)
    if op is None:
        raise ApiProblem(404, "NotFound", f"no operation {op_id[:64]!r} (kept: the last 1000)")
    return op.as_dict()


@router.get("/operations", tags=["operations"])
def list_operations(
    context: Ctx, _key: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> dict[str, Any]:
    """The most recent operations, newest first."""
    return {"operations": [op.as_dict() for op in context.operations.recent(limit)]}


@router.get("/whoami", tags=["auth"])
def whoami(request: Request, key: Reader) -> dict[str, Any]:
    """The calling key's id, name and scope (the dashboard shows buttons by scope)."""
    return key.as_dict()
