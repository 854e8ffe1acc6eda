"""GitHub's webhook: ``pull_request`` deploys and deletes previews, ``issue_comment``
carries ``/eden`` commands. What each delivery means is decided in ``eden.github``; this
route checks it is GitHub's, picks the profile, and turns the decision into operations.

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

from eden.api import github_commands
from eden.api.context import ApiContext, ctx
from eden.api.models import ERRORS
from eden.api.pr_jobs import accepted, ignored, image_for, pr_job
from eden.api.problems import ApiProblem
from eden.api.settings import WebhookSettings
from eden.errors import NotFound, UsageError
from eden.github.events import decide, delivery_pull_request, field_of

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=ERRORS)

EVENTS = ("pull_request", "issue_comment")


def signature(secret: str, raw: bytes) -> str:
    """What GitHub sends in ``X-Hub-Signature-256`` for ``raw`` (also used by the tests)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def verify_signature(secrets: list[str], raw: bytes, header: str | None) -> str:
    """The configured secret the body was signed with (each compared in constant time)."""
    if not secrets:
        raise ApiProblem(
            401, "Unauthorized", "webhooks are not enabled here: the server has no webhook secret"
        )
    given = (header or "").strip()
    matched = [s for s in secrets if hmac.compare_digest(signature(s, raw), given)]
    if not header or not matched:
        raise ApiProblem(401, "Unauthorized", "X-Hub-Signature-256 is missing or does not match")
    return matched[0]


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # not JSON, or nested to death
        raise ApiProblem(
            400, "BadPayload", "the body is not JSON (content type must be application/json)"
        ) from None


def profile_for(context: ApiContext, query: str | None, payload: Any) -> str:
    """The profile a delivery acts with: its repository's, when repositories are mapped;
    else ``?profile=``, the webhook profile, or the default one."""
    settings = context.settings
    mapped = settings.github.repositories if settings.github else {}
    if not mapped:
        return query or settings.webhook_profile or context.registry.default_profile()
    repository = str(field_of(payload, "repository", "full_name", what="delivery"))
    profile = mapped.get(repository.lower())
    if profile is None:
        raise NotFound(
            f"repository {repository} is not mapped to an eden profile: nothing was done",
            hint=f'add "{repository}" = "PROFILE" under [api.github.repositories] in eden.toml',
        )
    if query is not None and query != profile:
        raise UsageError(
            f"repository {repository} deploys with profile {profile!r}, not {query!r}",
            hint="drop ?profile= from the webhook URL; the repository picks the profile",
        )
    return profile


@router.post("/github", status_code=202)
async def github(
    request: Request,
    context: Annotated[ApiContext, Depends(ctx)],
    profile: Annotated[str | None, Query(max_length=64)] = None,
    x_github_event: Annotated[str | None, Header(max_length=100)] = None,
    x_github_delivery: Annotated[str | None, Header(max_length=100)] = None,
    x_hub_signature_256: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Receive a GitHub delivery: ``pull_request`` events create, deploy or delete;
    ``issue_comment`` events carry ``/eden deploy|delete|pin|wake``.

    Point the repository's webhook (or GitHub App) at ``/api/v1/webhooks/github`` with
    content type ``application/json`` and the shared secret; select *Pull requests* and
    *Issue comments*.
    """
    raw = await request.body()
    secret = verify_signature(context.settings.secrets(), raw, x_hub_signature_256)
    event = x_github_event or ""
    if event == "ping":
        context.metrics.webhook(event, "pong")
        return JSONResponse({"status": "ok", "message": "pong"}, status_code=200)
    if event not in EVENTS:
        return ignored(context, event, f"eden acts on {' and '.join(EVENTS)} events, not {event!r}")
    payload = _parse(raw)
    profile_name = profile_for(context, profile, payload)
    hook = context.settings.webhook_for(profile_name)
    if hook.secret != secret:  # signed, but with another profile's secret
        raise ApiProblem(401, "Unauthorized", "X-Hub-Signature-256 is missing or does not match")
    repository = payload.get("repository") if isinstance(payload, dict) else None
    if context.github is not None and isinstance(repository, dict):
        context.github.seen(str(repository.get("full_name", "")), profile_name, payload)
    if event == "issue_comment":
        return await github_commands.handle(context, hook, profile_name, payload, x_github_delivery)
    return await _pull_request(context, hook, profile_name, payload, x_github_delivery)


async def _pull_request(
    context: ApiContext, hook: WebhookSettings, profile: str, payload: Any, delivery: str | None
) -> JSONResponse:
    event = "pull_request"
    action = field_of(payload, "action")
    pr = delivery_pull_request(payload)
    label = payload.get("label") if isinstance(payload.get("label"), dict) else {}
    decision = decide(str(action), pr, hook.policy, label.get("name"))
    if decision.action == "ignore":
        return ignored(context, event, decision.reason)
    previous = context.deliveries.get(delivery)
    if previous is not None:
        return accepted(context, event, "redelivered", {"redelivery": True}, previous)
    if decision.action == "revoke":
        if context.github is not None:
            context.github.revoke(pr, hook.label, profile)
        context.metrics.webhook(event, "revoked")
        return JSONResponse({"status": "revoked", "reason": decision.reason}, status_code=202)
    kind = decision.action
    op, work = await run_in_threadpool(
        lambda: pr_job(context, hook, profile, pr, payload, kind, decision.reason)
    )
    op.detail = {
        "event": event,
        "action": action,
        "delivery": delivery,
        "number": pr.number,
        "origin": pr.origin,
        "fork": pr.fork,
        "sha": pr.sha,
        "merged": pr.merged,
        "reason": decision.reason,
    }
    context.deliveries.add(delivery, op)
    context.operations.submit(op, work)
    return accepted(context, event, kind, {"action": kind}, op)


__all__ = ["image_for", "router", "signature", "verify_signature"]
