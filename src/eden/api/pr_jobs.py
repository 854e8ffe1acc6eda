"""A pull request's operations (deploy or delete), for its webhook deliveries and its
``/eden`` comment commands alike, wrapped with their GitHub reports when eden has them.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.responses import JSONResponse

from eden.api.context import ApiContext
from eden.api.jobs import Job, create_job, delete_job, failed_job
from eden.api.operations import Operation
from eden.api.settings import WebhookSettings
from eden.core import naming
from eden.core.images import validate_image
from eden.errors import EdenError, UsageError
from eden.github.events import PullRequest, field_of

_SHA_RE = re.compile(r"[0-9a-f]{7,64}")  # GitHub sends 40; git also has 64 (SHA-256)


def image_for(hook: WebhookSettings, payload: Any) -> str:
    """The image CI pushed for this commit, by the profile's template.

    Registry paths are lower case, so the owner and repository names are lowered
    (GitHub's ``Hello-World`` is pushed as ``hello-world``). A commit that is not a full
    SHA (GitHub sends ``null`` in some redeliveries) is refused, never made ``:None``.
    """
    sha = field_of(payload, "pull_request", "head", "sha")
    if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha.lower()):
        raise UsageError(
            f"the pull request's head commit is {sha!r}, not a commit SHA",
            hint="redeliver the event from GitHub once the commit exists",
        )
    sha = sha.lower()
    repo = field_of(payload, "repository")
    values = {
        "registry": hook.registry,
        "owner": str(field_of(repo, "owner", "login")).lower(),
        "repo": str(field_of(repo, "name")).lower(),
        "full_name": str(field_of(repo, "full_name")).lower(),
        "sha": sha,
        "short_sha": sha[:7],
        "branch": str(field_of(payload, "pull_request", "head", "ref")),
        "number": str(field_of(payload, "number")),
    }
    return hook.image_template.format(**values).lstrip("/")


def ignored(context: ApiContext, event: str, reason: str) -> JSONResponse:
    context.metrics.webhook(event, "ignored")
    return JSONResponse({"status": "ignored", "reason": reason}, status_code=202)


def accepted(
    context: ApiContext, event: str, outcome: str, extra: dict[str, Any], op: Operation
) -> JSONResponse:
    context.metrics.webhook(event, outcome)
    body = {"status": "accepted", **extra, "operation": op.as_dict()}
    return JSONResponse(body, status_code=202)


def pr_job(
    context: ApiContext,
    hook: WebhookSettings,
    profile: str,
    pr: PullRequest,
    payload: Any,
    kind: str,
    reason: str,
) -> Job:
    """The operation for a pull request (``kind`` deploy or delete), with its reports."""
    github = context.github
    if kind == "delete":
        # A close deletes only the environment this pull request made (or, for one of the
        # repository's own branches, the one made for it before origins existed).
        op, work = delete_job(
            context,
            profile=profile,
            name=pr.branch,
            source="webhook",
            origin=pr.origin,
            adopt=not pr.fork,
        )
        if github is not None:
            work = github.deleting(pr, profile, work, reason=reason)
        return op, work
    op, work = _deploy_job(context, hook, profile, pr, payload)
    if github is not None:
        ttl = context.registry.profile(profile).ttl_hours
        work = github.deploying(pr, profile, work, ttl_hours=ttl, log_url=github.log_url(op.id))
    return op, work


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
    github = context.settings.github
    role = github.service_for(pr.repository) if github is not None else None
    return create_job(
        context,
        profile=profile,
        branch=pr.branch,
        image=image,
        source="webhook",
        origin=pr.origin,
        adopt=not pr.fork,
        # Reporting to GitHub: "success" only once the environment really serves.
        ready_timeout=github.ready_timeout if github is not None and github.reports else None,
        role=role,
    )
