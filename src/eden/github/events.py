"""GitHub's ``pull_request`` deliveries and pull requests, and what each one asks of eden.

``pull_request_of`` reads the pull request object, which a webhook delivery and the REST
API's ``GET /pulls/N`` share. ``decide`` is pure: a delivery's action, the pull request
and the profile's trigger in, one decision (deploy, delete, revoke, ignore) with its
reason out, so every trigger rule is unit-tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eden.github.errors import PayloadError

DEPLOY_ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review")
TRIGGERS = ("always", "label")


@dataclass(frozen=True)
class PullRequest:
    """What eden takes from a pull request.

    ``origin`` keys the environment: the base repository and the PR number, never the
    head branch alone, so a fork whose branch is also called ``changes`` cannot reach the
    repository's own ``changes`` environment.
    """

    number: int
    repository: str  # the base repository, owner/name as GitHub spells it
    branch: str  # the environment's branch: head.ref, or owner/ref for a fork
    fork: bool
    sha: str | None
    draft: bool = False
    labels: frozenset[str] = field(default_factory=frozenset)
    open: bool = True
    merged: bool = False

    @property
    def origin(self) -> str:
        return f"github:{self.repository.lower()}#{self.number}"

    @property
    def environment(self) -> str:
        """The GitHub deployment environment of this pull request's previews."""
        return f"preview/pr-{self.number}"


def field_of(payload: Any, *path: str, what: str = "pull_request") -> Any:
    value = payload
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            raise PayloadError(f"the {what} payload has no {'.'.join(path)}")
        value = value[part]
    return value


def pull_request_of(pr: Any, repository: str) -> PullRequest:
    """The pull request object of a delivery (``payload["pull_request"]``) or of the REST
    API; ``repository`` is the base repository's ``full_name``."""
    head = field_of({"pull_request": pr}, "pull_request", "head")
    ref = field_of(head, "ref", what="pull_request.head")
    number = field_of(pr, "number", what="pull_request")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise PayloadError("number must be the pull request's number")
    if not isinstance(repository, str) or not isinstance(ref, str):
        raise PayloadError("pull_request.head.ref must be a string")
    head_repo = head.get("repo")
    head_name = head_repo.get("full_name") if isinstance(head_repo, Mapping) else None
    # A deleted fork has no head.repo; its label still says whose branch it was.
    fork = not isinstance(head_name, str) or head_name.lower() != repository.lower()
    branch = ref
    if fork:
        label = head.get("label")
        owner = label.split(":", 1)[0] if isinstance(label, str) and ":" in label else "fork"
        branch = f"{owner}/{ref}"
    sha = head.get("sha")
    labels = pr.get("labels") or []
    return PullRequest(
        number=number,
        repository=repository,
        branch=branch,
        fork=fork,
        sha=sha if isinstance(sha, str) else None,
        draft=pr.get("draft") is True,
        labels=frozenset(str(x.get("name")) for x in labels if isinstance(x, Mapping)),
        open=pr.get("state", "open") == "open",
        merged=pr.get("merged") is True,
    )


def delivery_pull_request(payload: Any) -> PullRequest:
    """The pull request of a ``pull_request`` delivery."""
    pr = field_of(payload, "pull_request")
    field_of(payload, "pull_request", "head", "ref")
    number = field_of(payload, "number")
    repository = field_of(payload, "repository", "full_name")
    return pull_request_of({**pr, "number": number}, repository)


@dataclass(frozen=True)
class Trigger:
    """When a profile deploys a pull request (``[api.profiles.NAME]`` in eden.toml)."""

    mode: str = "always"  # always: every pull request; label: those with ``label``
    label: str = "preview"
    allow_forks: bool = False  # forks also need the label, on each new commit


@dataclass(frozen=True)
class Decision:
    action: str  # deploy | delete | revoke (a fork's new commit) | ignore
    reason: str


def decide(action: str, pr: PullRequest, trigger: Trigger, label: str | None = None) -> Decision:
    """What a ``pull_request`` delivery asks for. ``label``: the label (un)labeled."""
    if action == "closed":
        return Decision("delete", "merged" if pr.merged else "closed")
    if pr.fork:
        return _decide_fork(action, pr, trigger, label)
    ours = label == trigger.label
    if action == "unlabeled" and ours and trigger.mode == "label":
        return Decision("delete", f"the label {trigger.label!r} was removed")
    wants = action in DEPLOY_ACTIONS or (action == "labeled" and ours)
    if not wants:
        return Decision("ignore", f"pull_request action {action!r} changes no environment")
    if pr.draft:
        return Decision("ignore", f"#{pr.number} is a draft: it waits for ready_for_review")
    if trigger.mode == "label" and trigger.label not in pr.labels:
        return Decision(
            "ignore", f"#{pr.number} has no label {trigger.label!r}, which this profile needs"
        )
    return Decision("deploy", f"pull_request {action}")


def _decide_fork(action: str, pr: PullRequest, trigger: Trigger, label: str | None) -> Decision:
    if not trigger.allow_forks:
        return Decision(
            "ignore",
            f"pull request #{pr.number} comes from a fork ({pr.branch}); forks are not "
            "deployed unless the profile's webhook settings allow_forks = true",
        )
    if action == "labeled" and label == trigger.label:
        if pr.draft:
            return Decision("ignore", f"#{pr.number} is a draft: it waits for ready_for_review")
        return Decision("deploy", f"a maintainer's label {trigger.label!r} approved {pr.sha}")
    if action in DEPLOY_ACTIONS and trigger.label in pr.labels:
        return Decision(
            "revoke",
            f"commit {pr.sha} of fork #{pr.number} is not approved: the label approved an "
            "earlier commit",
        )
    return Decision(
        "ignore",
        f"fork #{pr.number} waits for a maintainer to add the label {trigger.label!r}, "
        "which approves its current commit only",
    )
