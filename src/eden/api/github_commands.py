"""``/eden deploy|delete|pin|wake`` comments on a pull request (``issue_comment``).

Commands need GitHub credentials (eden answers in the pull request). Collaborators only
(``author_association``); anyone else gets a polite refusal and nothing runs. A command
eden cannot read is answered with what it understands, and a 422 to GitHub.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from eden.api.context import ApiContext
from eden.api.pr_jobs import accepted, ignored, pr_job
from eden.api.settings import WebhookSettings
from eden.errors import NotFound
from eden.github.commands import Command, Comment, allowed, comment_of, is_command, parse, refusal
from eden.github.errors import CommandError, GitHubError
from eden.github.events import PullRequest, field_of, pull_request_of
from eden.github.service import GitHubService

EVENT = "issue_comment"


async def handle(
    context: ApiContext, hook: WebhookSettings, profile: str, payload: Any, delivery: str | None
) -> JSONResponse:
    action = field_of(payload, "action", what=EVENT)
    if action != "created":
        return ignored(context, EVENT, f"issue_comment {action!r}: only new comments are commands")
    comment = comment_of(payload)
    if not comment.on_pull_request:
        return ignored(context, EVENT, f"#{comment.number} is an issue, not a pull request")
    if comment.by_bot or not is_command(comment.body):
        return ignored(context, EVENT, "the comment is not an /eden command")
    github = context.github
    if github is None:
        return ignored(context, EVENT, "comment commands need GitHub credentials ([api.github])")
    previous = context.deliveries.get(delivery)
    if previous is not None:
        return accepted(context, EVENT, "redelivered", {"redelivery": True}, previous)
    if not allowed(comment):
        github.reply(comment.repository, comment.number, refusal(comment))
        context.metrics.webhook(EVENT, "refused")
        reason = f"@{comment.author} is not a collaborator ({comment.association})"
        return JSONResponse({"status": "refused", "reason": reason}, status_code=202)
    try:
        command = parse(comment)
    except CommandError as exc:
        github.reply(comment.repository, comment.number, f"@{comment.author} {exc.message}")
        raise
    pr_json = await run_in_threadpool(_pull, github, comment)
    pr = pull_request_of(pr_json, comment.repository)
    refused = _refusal(command, pr, hook)
    if refused is not None:
        github.reply(comment.repository, comment.number, f"@{comment.author} {refused}")
        context.metrics.webhook(EVENT, "refused")
        return JSONResponse({"status": "refused", "reason": refused}, status_code=202)
    if command.name in ("pin", "wake"):
        answer = await run_in_threadpool(_answer, context, github, profile, command, pr)
        github.reply(comment.repository, comment.number, f"@{comment.author} {answer}")
        context.metrics.webhook(EVENT, command.name)
        return JSONResponse({"status": "answered", "message": answer}, status_code=200)
    return await _run(
        context,
        hook,
        profile,
        command,
        pr,
        {**payload, "pull_request": pr_json, "number": pr.number},
        delivery,
    )


def _pull(github: GitHubService, comment: Comment) -> dict[str, Any]:
    try:
        return github.github.pull(comment.repository, comment.number)
    except GitHubError as exc:
        if exc.status == 404:
            raise NotFound(
                f"pull request #{comment.number} does not exist in {comment.repository}",
                hint="nothing was done; comment on an open pull request",
            ) from None
        raise


def _refusal(command: Command, pr: PullRequest, hook: WebhookSettings) -> str | None:
    """Why a collaborator's command cannot run on this pull request, or None."""
    if command.name == "deploy" and not pr.open:
        return f"#{pr.number} is closed: reopen it to deploy a preview."
    if command.name == "deploy" and pr.fork:
        if not hook.allow_forks:
            return "this pull request comes from a fork, and this repository does not deploy forks."
        return (
            f"this pull request comes from a fork: a maintainer approves its current commit "
            f"by adding the label `{hook.label}` (each new commit needs it again)."
        )
    return None


def _answer(
    context: ApiContext, github: GitHubService, profile: str, command: Command, pr: PullRequest
) -> str:
    engine = context.registry.engine(profile)
    record = engine.find_by_origin(pr.origin)
    if command.name == "wake":
        where = f"is running at {record.url}" if record else "does not exist (`/eden deploy`)"
        return (
            "eden cannot put previews to sleep yet, so there is nothing to wake: "
            f"the preview of #{pr.number} {where}."
        )
    if record is None:
        return f"#{pr.number} has no preview to pin; `/eden deploy` makes one."
    pinned = engine.pin(record.name)
    github.pinned(pinned)
    return f"pinned: the stale cleaner keeps the preview of #{pr.number} until it is deleted."


async def _run(
    context: ApiContext,
    hook: WebhookSettings,
    profile: str,
    command: Command,
    pr: PullRequest,
    payload: dict[str, Any],
    delivery: str | None,
) -> JSONResponse:
    kind = command.name  # deploy | delete
    reason = f"/eden {kind} from @{command.author}"
    op, work = await run_in_threadpool(
        lambda: pr_job(context, hook, profile, pr, payload, kind, reason)
    )
    op.detail = {
        "event": EVENT,
        "command": kind,
        "author": command.author,
        "delivery": delivery,
        "number": pr.number,
        "origin": pr.origin,
        "sha": pr.sha,
    }
    context.deliveries.add(delivery, op)
    context.operations.submit(op, work)
    return accepted(context, EVENT, kind, {"action": kind, "command": kind}, op)
