"""``/eden deploy|delete|pin|wake`` in a pull request's comments (``issue_comment``).

Only the repository's collaborators may command eden: GitHub says who wrote a comment in
``comment.author_association`` (OWNER, MEMBER, COLLABORATOR); everyone else gets a polite
refusal. Parsing is pure; the webhook route acts on the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.github.errors import CommandError
from eden.github.events import field_of

PREFIX = "/eden"
COMMANDS = {
    "deploy": "create or redeploy this pull request's preview from its head commit",
    "delete": "delete the preview",
    "pin": "keep the preview: the stale cleaner never deletes it",
    "wake": "wake a sleeping preview",
}
ALLOWED = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
USAGE = "\n".join(f"- `{PREFIX} {name}`: {what}" for name, what in COMMANDS.items())


@dataclass(frozen=True)
class Command:
    name: str  # one of COMMANDS
    repository: str
    number: int
    author: str
    association: str
    comment_id: int


@dataclass(frozen=True)
class Comment:
    """An ``issue_comment`` delivery that may hold a command."""

    repository: str
    number: int
    on_pull_request: bool
    body: str
    author: str
    association: str
    comment_id: int
    by_bot: bool


def comment_of(payload: Any) -> Comment:
    what = "issue_comment"
    issue = field_of(payload, "issue", what=what)
    comment = field_of(payload, "comment", what=what)
    number = field_of(issue, "number", what="issue")
    body = comment.get("body") if isinstance(comment, Mapping) else None
    user = comment.get("user") if isinstance(comment, Mapping) else None
    if not isinstance(number, int) or isinstance(number, bool):
        raise CommandError("issue.number must be a number")
    return Comment(
        repository=str(field_of(payload, "repository", "full_name", what=what)),
        number=number,
        on_pull_request=isinstance(issue.get("pull_request"), Mapping),
        body=body if isinstance(body, str) else "",
        author=str(user.get("login", "")) if isinstance(user, Mapping) else "",
        association=str(comment.get("author_association", "NONE")),
        comment_id=int(field_of(comment, "id", what="comment")),
        by_bot=isinstance(user, Mapping) and user.get("type") == "Bot",
    )


def is_command(body: str) -> bool:
    first = _first_line(body)
    return first == PREFIX or first.startswith(PREFIX + " ")


def parse(comment: Comment) -> Command:
    """The command in the comment's first line; ``CommandError`` says what is wrong."""
    words = _first_line(comment.body).split()
    if len(words) < 2:
        raise CommandError(f"`{PREFIX}` needs a command. eden understands:\n{USAGE}")
    name = words[1].lower()
    if name not in COMMANDS:
        shown = words[1][:40]
        raise CommandError(f"`{PREFIX} {shown}` is not a command eden knows. Try:\n{USAGE}")
    if len(words) > 2:
        raise CommandError(f"`{PREFIX} {name}` takes nothing after it. eden understands:\n{USAGE}")
    return Command(
        name,
        comment.repository,
        comment.number,
        comment.author,
        comment.association,
        comment.comment_id,
    )


def _first_line(body: str) -> str:
    for line in body.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def allowed(comment: Comment) -> bool:
    return comment.association in ALLOWED


def refusal(comment: Comment) -> str:
    shown = _first_line(comment.body)[:60]
    return (
        f"Thanks @{comment.author}! Only this repository's collaborators can run eden's "
        f"commands, so `{shown}` was not run (GitHub shows you as "
        f"{comment.association.lower().replace('_', ' ')}). A maintainer can run it for you."
    )
