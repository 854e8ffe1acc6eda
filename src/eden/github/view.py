"""``eden github status PR``: what eden believes about a pull request's preview next to
what GitHub shows, and where the two disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eden.envs.records import EnvRecord
from eden.errors import NotFound
from eden.github.errors import GitHubError
from eden.github.events import pull_request_of
from eden.github.render import LIVE_STATES, MARKER
from eden.github.rest import GitHub


@dataclass
class PreviewView:
    repository: str
    number: int
    head_sha: str | None
    eden: dict[str, Any] | None
    github: dict[str, Any]
    disagreements: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "number": self.number,
            "head_sha": self.head_sha,
            "eden": self.eden,
            "github": self.github,
            "disagreements": self.disagreements,
        }


def look(
    github: GitHub, repository: str, number: int, record: EnvRecord | None, check_name: str
) -> PreviewView:
    try:
        pull = github.pull(repository, number)
    except GitHubError as exc:
        if exc.status == 404:
            raise NotFound(
                f"pull request #{number} does not exist in {repository}",
                hint="check the number and --repo",
            ) from None
        raise
    pr = pull_request_of(pull, repository)
    shown = {
        "deployment": _deployment(github, repository, pr.environment),
        "check": _check(github, repository, pr.sha, check_name),
        "comment": _comment(github, repository, number),
        "state": "open" if pr.open else ("merged" if pr.merged else "closed"),
    }
    eden = None
    if record is not None:
        eden = {
            "env": record.name,
            "status": record.status,
            "url": record.url,
            "image": record.image,
            "origin": record.origin,
            "last_deploy_at": record.last_deploy_at,
            "pinned": record.pinned,
        }
    view = PreviewView(repository, number, pr.sha, eden, shown)
    view.disagreements = _disagreements(view)
    return view


def _deployment(github: GitHub, repository: str, environment: str) -> dict[str, Any] | None:
    found = github.deployments(repository, environment=environment, limit=1)
    if not found:
        return None
    latest = github.deployment_statuses(repository, int(found[0]["id"]))
    status = latest[0] if latest else {}
    return {
        "id": found[0]["id"],
        "sha": found[0].get("sha"),
        "state": status.get("state"),
        "description": status.get("description"),
        "environment_url": status.get("environment_url") or None,
    }


def _check(github: GitHub, repository: str, sha: str | None, name: str) -> dict[str, Any] | None:
    if sha is None:
        return None
    if github.uses_app:
        runs = github.check_runs(repository, sha, name)
        if not runs:
            return None
        run = runs[0]
        return {"kind": "check run", "status": run.get("status"), "result": run.get("conclusion")}
    statuses = github.combined_status(repository, sha).get("statuses", [])
    ours = [s for s in statuses if s.get("context") == name]
    if not ours:
        return None
    return {
        "kind": "commit status",
        "status": ours[0].get("state"),
        "result": ours[0].get("description"),
    }


def _comment(github: GitHub, repository: str, number: int) -> str | None:
    for c in github.comments(repository, number):
        body = str(c.get("body", ""))
        if body.startswith(MARKER):
            lines = [line for line in body.splitlines()[1:] if line.strip()]
            return lines[0].lstrip("# ").strip() if lines else ""
    return None


def _disagreements(view: PreviewView) -> list[str]:
    out = []
    deployment = view.github["deployment"]
    state = deployment["state"] if deployment else None
    if view.eden is None and state in LIVE_STATES:
        out.append(
            f"GitHub shows the preview as {state}, but eden has no environment for it: "
            "run `eden github sync` (or wait for the server's sweep)"
        )
    if view.eden is not None and view.eden["status"] == "ready" and state != "success":
        out.append(
            f"eden has environment {view.eden['env']} (ready), GitHub shows {state or 'nothing'}: "
            "push again or comment `/eden deploy` to report it"
        )
    if deployment and view.head_sha and deployment["sha"] != view.head_sha and state == "success":
        out.append(f"GitHub's live preview is of {deployment['sha'][:7]}, not the head commit")
    return out
