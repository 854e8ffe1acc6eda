"""What GitHub should show for a preview: pure functions from one ``Preview`` to the
deployment status, the check run (or commit status) and the sticky comment.

One state in, everything out: the three can never disagree, and a repair re-sends the
same state rather than guessing what was left half-done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eden.github.commands import COMMANDS, PREFIX

MARKER = "<!-- eden:preview -->"
PHASES = ("deploying", "ready", "failed", "deleted", "awaiting")
DEPLOYMENT_STATES = {
    "deploying": "in_progress",
    "ready": "success",
    "failed": "failure",
    "deleted": "inactive",
}
# What a deployment status must move to when the preview is no longer what it said.
LIVE_STATES = ("success", "in_progress", "queued", "pending")


@dataclass(frozen=True)
class Preview:
    """The truth about one pull request's preview at one moment."""

    repository: str
    number: int
    sha: str | None
    phase: str  # one of PHASES
    detail: str = ""  # why it failed, why it was deleted, what it waits for
    url: str | None = None
    image: str | None = None
    env: str | None = None
    last_deploy_at: float | None = None
    expires_at: float | None = None
    pinned: bool = False
    log_url: str | None = None
    at: float = 0.0
    profile: str | None = None  # the eden profile the preview lives in

    @property
    def environment(self) -> str:
        return f"preview/pr-{self.number}"

    @property
    def origin(self) -> str:
        return f"github:{self.repository.lower()}#{self.number}"

    @property
    def short_sha(self) -> str:
        return (self.sha or "unknown")[:7]


def when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def headline(p: Preview) -> str:
    """One line, at most 140 characters (GitHub's limit for status descriptions)."""
    text = {
        "deploying": f"Deploying {p.short_sha}",
        "ready": f"Ready: {p.url}",
        "failed": f"Failed: {p.detail}",
        "deleted": f"Deleted: {p.detail}",
        "awaiting": f"Waiting: {p.detail}",
    }[p.phase]
    return text if len(text) <= 140 else text[:139] + "…"


def deployment_state(p: Preview) -> str | None:
    return DEPLOYMENT_STATES.get(p.phase)


def check_run(p: Preview, name: str) -> dict[str, Any] | None:
    """The check run's fields (for a PATCH; a POST adds ``head_sha``)."""
    title = {
        "deploying": "Deploying the preview",
        "ready": "Preview ready",
        "failed": "Preview failed",
        "deleted": "Preview deleted",
    }.get(p.phase)
    if title is None:
        return None
    body: dict[str, Any] = {
        "name": name,
        "external_id": p.origin,
        "output": {"title": title, "summary": _summary(p)},
    }
    if p.phase == "deploying":
        body.update(status="in_progress", started_at=iso(p.at))
    else:
        conclusion = {"ready": "success", "failed": "failure", "deleted": "neutral"}[p.phase]
        body.update(status="completed", conclusion=conclusion, completed_at=iso(p.at))
    if p.phase == "ready" and p.url:
        body["details_url"] = p.url
    return body


def commit_status(p: Preview) -> str | None:
    """A commit status's state (a token cannot make check runs)."""
    return {"deploying": "pending", "ready": "success", "failed": "failure"}.get(p.phase)


def _summary(p: Preview) -> str:
    if p.phase == "ready":
        return f"The preview of {p.short_sha} serves at {p.url} (image `{p.image}`)."
    if p.phase == "deploying":
        return f"eden is deploying {p.short_sha}; this turns green once the preview serves."
    if p.phase == "failed":
        return f"The preview of {p.short_sha} failed: {p.detail}"
    return f"The preview was deleted: {p.detail}"


def comment(p: Preview) -> str:
    """The sticky comment: edited in place on every change, never posted twice."""
    state = {
        "deploying": "deploying",
        "ready": "ready",
        "failed": "failed",
        "deleted": "deleted",
        "awaiting": "waiting for approval",
    }[p.phase]
    lines = [MARKER, f"### eden preview: {state}", ""]
    if p.phase == "deleted":
        lines += [f"The preview of #{p.number} was deleted at {when(p.at)}: {p.detail}.", ""]
        lines += _footer()
        return "\n".join(lines)
    rows = [
        ("URL", p.url if p.phase == "ready" and p.url else f"not serving yet ({p.url or '-'})"),
        ("Image", f"`{p.image}`" if p.image else "-"),
        ("Commit", f"`{p.short_sha}`"),
        ("Status", _status_text(p)),
        ("Last deploy", when(p.last_deploy_at)),
        ("Expires", _expiry(p)),
    ]
    lines += ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows] + [""]
    lines += _footer()
    return "\n".join(lines)


def _status_text(p: Preview) -> str:
    if p.phase == "ready":
        return "ready: DNS in sync, service steady, targets healthy"
    if p.phase == "deploying":
        return f"deploying since {when(p.at)}"
    return f"{p.phase}: {_one_line(p.detail)}"


def _expiry(p: Preview) -> str:
    if p.pinned:
        return "pinned: the stale cleaner keeps it"
    if p.expires_at is None:
        return "-"
    return f"{when(p.expires_at)} if not deployed again (`{PREFIX} pin` keeps it)"


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _footer() -> list[str]:
    commands = ", ".join(f"`{PREFIX} {c}`" for c in COMMANDS)
    return [f"<sub>Collaborators can comment {commands}.</sub>"]
