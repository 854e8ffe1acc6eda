"""GitHub's ``pull_request`` webhook: a push deploys the branch, closing the PR deletes it.

The signature (``X-Hub-Signature-256``, HMAC-SHA256 of the raw body with the shared
secret) is the only credential, so it is checked before the body is even parsed, with
a constant-time compare. GitHub gives up after 10 s, so the work is queued and the
answer is 202 with the operation to poll. A redelivery (same ``X-GitHub-Delivery``)
returns the operation of the first delivery instead of running twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from eden.api.context import ApiContext, ctx
from eden.api.jobs import Job, create_job, delete_job, failed_job
from eden.api.models import ERRORS
from eden.api.operations import Operation
from eden.api.problems import ApiProblem
from eden.api.settings import WebhookSettings
from eden.core import naming
from eden.core.images import validate_image
from eden.errors import EdenError, UsageError

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=ERRORS)

DEPLOY_ACTIONS = ("opened", "synchronize", "reopened")
DELETE_ACTIONS = ("closed",)


def signature(secret: str, raw: bytes) -> str:
    """What GitHub sends in ``X-Hub-Signature-256`` for ``raw`` (also used by the tests)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def verify_signature(secret: str | None, raw: bytes, header: str | None) -> None:
    if not secret:
        raise ApiProblem(
            401, "Unauthorized", "webhooks are not enabled here: the server has no webhook secret"
        )
    if not header or not hmac.compare_digest(signature(secret, raw), header.strip()):
        raise ApiProblem(401, "Unauthorized", "X-Hub-Signature-256 is missing or does not match")


def _field(payload: Any, *path: str) -> Any:
    value = payload
    for part in path:
        if not isinstance(value, dict) or part not in value:
            raise ApiProblem(400, "BadPayload", f"the pull_request payload has no {'.'.join(path)}")
        value = value[part]
    return value


_SHA_RE = re.compile(r"[0-9a-f]{7,64}")  # GitHub sends 40; git also has 64 (SHA-256)


@dataclass(frozen=True)
class PullRequest:
    """What eden takes from a ``pull_request`` delivery.

    ``origin`` keys the environment: the base repository and the PR number, never the head
    branch alone, so a fork whose branch is also called ``changes`` cannot reach the
    repository's own ``changes`` environment.
    """

    number: int
    repository: str  # the base repository, owner/name as GitHub spells it
    branch: str  # the environment's branch: head.ref, or owner/ref for a fork
    fork: bool
    sha: str | None

    @property
    def origin(self) -> str:
        return f"github:{self.repository.lower()}#{self.number}"


def pull_request_of(payload: Any) -> PullRequest:
    ref = _field(payload, "pull_request", "head", "ref")
    number = _field(payload, "number")
    repository = _field(payload, "repository", "full_name")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ApiProblem(400, "BadPayload", "number must be the pull request's number")
    if not isinstance(repository, str) or not isinstance(ref, str):
        raise ApiProblem(400, "BadPayload", "pull_request.head.ref must be a string")
    head = _field(payload, "pull_request", "head")
    head_repo = head.get("repo")
    head_name = head_repo.get("full_name") if isinstance(head_repo, dict) else None
    # A deleted fork has no head.repo; its label still says whose branch it was.
    fork = not isinstance(head_name, str) or head_name.lower() != repository.lower()
    branch = ref
    if fork:
        label = head.get("label")
        owner = label.split(":", 1)[0] if isinstance(label, str) and ":" in label else "fork"
        branch = f"{owner}/{ref}"
    sha = head.get("sha")
    return PullRequest(number, repository, branch, fork, sha if isinstance(sha, str) else None)


def image_for(hook: WebhookSettings, payload: Any) -> str:
    """The image CI pushed for this commit, by the profile's template.

    Registry paths are lower case, so the owner and repository names are lowered
    (GitHub's ``Hello-World`` is pushed as ``hello-world``). A commit that is not a full
    SHA (GitHub sends ``null`` in some redeliveries) is refused, never made ``:None``.
    """
    sha = _field(payload, "pull_request", "head", "sha")
    if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha.lower()):
        raise UsageError(
            f"the pull request's head commit is {sha!r}, not a commit SHA",
            hint="redeliver the event from GitHub once the commit exists",
        )
    sha = sha.lower()
    repo = _field(payload, "repository")
    values = {
        "registry": hook.registry,
        "owner": str(_field(repo, "owner", "login")).lower(),
        "repo": str(_field(repo, "name")).lower(),
        "full_name": str(_field(repo, "full_name")).lower(),
        "sha": sha,
        "short_sha": sha[:7],
        "branch": str(_field(payload, "pull_request", "head", "ref")),
        "number": str(_field(payload, "number")),
    }
    return hook.image_template.format(**values).lstrip("/")


def _deploy_job(
    context: ApiContext, hook: WebhookSettings, profile: str, pr: PullRequest, payload: Any
) -> Job:
    """The create-or-deploy job; a bad image is an accepted operation that failed, so the
    failure is where the other failures are (the operation), not a 422 GitHub ignores."""
    naming.validate_branch(pr.branch)
    try:
        image = image_for(hook, payload)
        validate_image(image)
    except EdenError as exc:
        return failed_job(context, profile=profile, target=pr.branch, error=exc)
    return create_job(
        context,
        profile=profile,
        branch=pr.branch,
        image=image,
        source="webhook",
        origin=pr.origin,
        adopt=not pr.fork,
    )


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # not JSON, or nested to death
        raise ApiProblem(
            400, "BadPayload", "the body is not JSON (content type must be application/json)"
        ) from None


def _ignored(context: ApiContext, event: str, reason: str) -> JSONResponse:
    context.metrics.webhook(event, "ignored")
    return JSONResponse({"status": "ignored", "reason": reason}, status_code=202)


@router.post("/github", status_code=202)
async def github(
    request: Request,
    context: Annotated[ApiContext, Depends(ctx)],
    profile: Annotated[str | None, Query(max_length=64)] = None,
    x_github_event: Annotated[str | None, Header(max_length=100)] = None,
    x_github_delivery: Annotated[str | None, Header(max_length=100)] = None,
    x_hub_signature_256: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Receive a GitHub delivery: ``pull_request`` events create, deploy or delete.

    Point the repository's webhook at ``/api/v1/webhooks/github?profile=NAME`` with content
    type ``application/json`` and the shared secret; select the *Pull requests* event.
    """
    raw = await request.body()
    settings = context.settings
    profile_name = profile or settings.webhook_profile or context.registry.default_profile()
    hook = settings.webhook_for(profile_name)
    verify_signature(hook.secret, raw, x_hub_signature_256)
    event = x_github_event or ""
    if event == "ping":
        context.metrics.webhook(event, "pong")
        return JSONResponse({"status": "ok", "message": "pong"}, status_code=200)
    if event != "pull_request":
        return _ignored(context, event, f"eden acts on pull_request events, not {event!r}")
    payload = _parse(raw)
    action = _field(payload, "action")
    if action not in DEPLOY_ACTIONS + DELETE_ACTIONS:
        return _ignored(context, event, f"pull_request action {action!r} changes no environment")
    previous = context.deliveries.get(x_github_delivery)
    if previous is not None:
        return _accepted(context, event, "redelivered", {"redelivery": True}, previous)
    pr = pull_request_of(payload)
    if action in DEPLOY_ACTIONS and pr.fork and not hook.allow_forks:
        return _ignored(
            context,
            event,
            f"pull request #{pr.number} comes from a fork ({pr.branch}); forks are not "
            "deployed unless the profile's webhook settings allow_forks = true",
        )
    kind = "deploy" if action in DEPLOY_ACTIONS else "delete"
    op, work = await run_in_threadpool(
        lambda: _job(context, hook, profile_name, pr, payload, kind)
    )
    op.detail = {
        "event": event,
        "action": action,
        "delivery": x_github_delivery,
        "number": pr.number,
        "origin": pr.origin,
        "fork": pr.fork,
        "sha": pr.sha,
        "merged": (payload.get("pull_request") or {}).get("merged"),
    }
    context.deliveries.add(x_github_delivery, op)
    context.operations.submit(op, work)
    return _accepted(context, event, kind, {"action": kind}, op)


def _accepted(
    context: ApiContext, event: str, outcome: str, extra: dict[str, Any], op: Operation
) -> JSONResponse:
    context.metrics.webhook(event, outcome)
    body = {"status": "accepted", **extra, "operation": op.as_dict()}
    return JSONResponse(body, status_code=202)


def _job(
    context: ApiContext,
    hook: WebhookSettings,
    profile: str,
    pr: PullRequest,
    payload: Any,
    kind: str,
) -> Job:
    if kind == "deploy":
        return _deploy_job(context, hook, profile, pr, payload)
    # A close deletes only the environment this pull request made (or, for one of the
    # repository's own branches, the one made for it before origins existed).
    return delete_job(
        context,
        profile=profile,
        name=pr.branch,
        source="webhook",
        origin=pr.origin,
        adopt=not pr.fork,
    )
