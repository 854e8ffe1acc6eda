"""REST v1: an environment's own variables and secrets (``eden vars``), kept across deploys.

Like ``/pins/{name}`` and ``/health/{name}``, they have a path of their own
(``/api/v1/vars/feature/login``): a branch name may hold ``/``, so
``/environments/{name}/vars`` could not be told from a branch called ``.../vars``.

``PUT`` sets the variables in its body and keeps the others; ``DELETE ?key=A&key=B``
removes those. Both deploy the environment (every service, with the image it runs) like
``PUT /environments/{name}`` does (``wait``, operations to poll), unless ``deploy=false``
keeps the change for the next deploy. A change the profile refuses (a denied secret, an
ARN ECS cannot read) is answered 422 before anything is read or changed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from eden.api.context import ApiContext
from eden.api.models import ERRORS, EnvKey
from eden.api.params import Ctx, ProfileQ, Reader, Writer
from eden.api.problems import ApiProblem
from eden.api.vars_models import CHANGE_RESPONSES, PutVars, VarsView
from eden.core.envvars import VarsChange
from eden.envs import variables
from eden.envs.vars_ops import VarsEditor

router = APIRouter(prefix="/api/v1", responses=ERRORS)

WaitQ = Annotated[
    Literal["true", "false", "ready"],
    Query(
        description="true: answer when deployed; ready: also wait until the environment "
        "serves; false: answer 202 at once with an operation to poll."
    ),
]
DeployQ = Annotated[
    bool,
    Query(description="false: only keep the change; the environment's next deploy sets it."),
]
DryRunQ = Annotated[bool, Query(description="Return the deploy's plan; change nothing.")]
ReadyTimeoutQ = Annotated[
    float, Query(gt=0, le=3600, description="With wait=ready: seconds to wait at most.")
]
TAG = "variables"


@router.get("/vars/{name:path}", tags=[TAG], response_model=VarsView)
def get_vars(
    name: str,
    context: Ctx,
    key: Reader,
    profile: ProfileQ = None,
    show_values: Annotated[
        bool, Query(description="Also values whose names look secret (needs a write key).")
    ] = False,
) -> dict[str, Any]:
    """The environment's own variables: plain values (``****`` where the name looks like a
    secret) and secrets (the ARN ECS reads them from: a name, not a value)."""
    if show_values and key.scope != "write":
        raise ApiProblem(403, "Forbidden", "show_values=true needs a write key")
    record = VarsEditor(context.registry.engine(profile)).find(name)
    return variables.view(record, show_values=show_values)


@router.put("/vars/{name:path}", tags=[TAG], responses=CHANGE_RESPONSES)
def put_vars(
    name: str,
    body: PutVars,
    context: Ctx,
    _key: Writer,
    profile: ProfileQ = None,
    wait: WaitQ = "true",
    deploy: DeployQ = True,
    dry_run: DryRunQ = False,
    ready_timeout: ReadyTimeoutQ = 600.0,
) -> Response:
    """Set variables and secrets of the environment (kept across deploys), then deploy."""
    change = VarsChange(env=body.env, secrets=body.secrets)
    return _change(context, profile, name, change, wait, deploy, dry_run, ready_timeout)


@router.delete("/vars/{name:path}", tags=[TAG], responses=CHANGE_RESPONSES)
def delete_vars(
    name: str,
    context: Ctx,
    _key: Writer,
    keys: Annotated[
        list[EnvKey],
        Query(alias="key", min_length=1, max_length=100, description="A variable to remove."),
    ],
    profile: ProfileQ = None,
    wait: WaitQ = "true",
    deploy: DeployQ = True,
    dry_run: DryRunQ = False,
    ready_timeout: ReadyTimeoutQ = 600.0,
) -> Response:
    """Remove variables or secrets of the environment (one not set is no error), then
    deploy without them."""
    change = VarsChange(unset=tuple(dict.fromkeys(keys)))
    return _change(context, profile, name, change, wait, deploy, dry_run, ready_timeout)


def _change(
    context: ApiContext,
    profile: str | None,
    name: str,
    change: VarsChange,
    wait: str,
    deploy: bool,
    dry_run: bool,
    ready_timeout: float,
) -> Response:
    """Checked at once (404, 422); deployed as an operation, like a PUT of the image."""
    engine = context.registry.engine(profile)
    editor = VarsEditor(engine)
    checked = editor.prepare(name, change, deploy=deploy)
    if dry_run or not checked.deploy:
        result = editor.change(name, change, deploy=deploy, dry_run=dry_run)
        return JSONResponse(result.as_dict())
    op = context.operations.new("vars", engine.profile.name, checked.record.branch, "api")
    timeout = ready_timeout if wait == "ready" else None

    def work() -> Any:
        return editor.deploy(checked, ready_timeout=timeout)

    if wait == "false":
        context.operations.submit(op, work)
        return JSONResponse(
            op.as_dict(), status_code=202, headers={"Location": f"/api/v1/operations/{op.id}"}
        )
    outcome = context.operations.run(op, work)
    record = outcome.record or checked.record
    data = {
        **variables.view(record),
        "changed": checked.changed,
        "deployed": True,
        "messages": checked.messages + outcome.messages,
        "outcome": outcome.as_dict(),
        "operation_id": op.id,
    }
    return JSONResponse(data)
