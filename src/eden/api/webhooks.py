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
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from eden.api.context import ApiContext, ctx
from eden.api.jobs import Job, create_job, delete_job
from eden.api.models import ERRORS
from eden.api.problems import ApiProblem
from eden.api.settings import WebhookSettings

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


def image_for(hook: WebhookSettings, payload: Any) -> str:
    """The image CI pushed for this commit, by the profile's template."""
    sha = str(_field(payload, "pull_request", "head", "sha"))
    repo = _field(payload, "repository")
    values = {
        "registry": hook.registry,
        "owner": str(_field(repo, "owner", "login")),
        "repo": str(_field(repo, "name")),
        "full_name": str(_field(repo, "full_name")),
        "sha": sha,
        "short_sha": sha[:7],
        "branch": str(_field(payload, "pull_request", "head", "ref")),
        "number": str(_field(payload, "number")),
    }
    return hook.image_template.format(**values).lstrip("/")


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
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(
            400, "BadPayload", "the body is not JSON (content type must be application/json)"
        ) from None
    action = _field(payload, "action")
    if action not in DEPLOY_ACTIONS + DELETE_ACTIONS:
        return _ignored(context, event, f"pull_request action {action!r} changes no environment")
    previous = context.deliveries.get(x_github_delivery)
    if previous is not None:
        context.metrics.webhook(event, "redelivered")
        return JSONResponse(
            {"status": "accepted", "redelivery": True, "operation": previous.as_dict()},
            status_code=202,
        )
    branch = _field(payload, "pull_request", "head", "ref")
    if not isinstance(branch, str):
        raise ApiProblem(400, "BadPayload", "pull_request.head.ref must be a string")
    if action in DEPLOY_ACTIONS:
        image = image_for(hook, payload)
        job: Job = await run_in_threadpool(
            lambda: create_job(
                context, profile=profile_name, branch=branch, image=image, source="webhook"
            )
        )
        kind = "deploy"
    else:
        job = await run_in_threadpool(
            lambda: delete_job(context, profile=profile_name, name=branch, source="webhook")
        )
        kind = "delete"
    op, work = job
    op.detail = {
        "event": event,
        "action": action,
        "delivery": x_github_delivery,
        "number": payload.get("number"),
        "sha": (payload.get("pull_request") or {}).get("head", {}).get("sha"),
        "merged": (payload.get("pull_request") or {}).get("merged"),
    }
    context.deliveries.add(x_github_delivery, op)
    context.operations.submit(op, work)
    context.metrics.webhook(event, kind)
    return JSONResponse(
        {"status": "accepted", "action": kind, "operation": op.as_dict()}, status_code=202
    )
