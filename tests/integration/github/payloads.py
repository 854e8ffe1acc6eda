"""Webhook deliveries built from GitHub's published examples (specs/webhook-examples):
each starts as the example for its event and action, and only the fields a scenario is
about are changed (the number, the head commit, draft, labels, the fork, the comment)."""

from __future__ import annotations

import copy
import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parent / "specs" / "webhook-examples.json.gz"
REPO = "Codertocat/Hello-World"  # the examples' repository
SECRET = "It's a Secret to Everybody"  # the test server's webhook secret


@cache
def _examples() -> dict[str, list[dict[str, Any]]]:
    data = json.loads(gzip.decompress(EXAMPLES.read_bytes()))
    return {entry["name"]: entry["examples"] for entry in data}


def example(event: str, action: str | None = None) -> dict[str, Any]:
    """A deep copy of the first published example of ``event`` with ``action`` (one that
    names an installation, as deliveries to a GitHub App do, when there is one)."""
    found = [e for e in _examples()[event] if action is None or e.get("action") == action]
    assert found, f"GitHub publishes no {event} {action} example"
    found.sort(key=lambda e: "installation" not in e)
    return copy.deepcopy(found[0])


def label_object(name: str) -> dict[str, Any]:
    label = copy.deepcopy(example("pull_request", "labeled")["label"])
    label.update(name=name, id=abs(hash(name)) % 10**9)
    return label


def pull_request(
    action: str,
    sha: str,
    *,
    number: int = 2,
    branch: str | None = None,
    draft: bool = False,
    labels: tuple[str, ...] = (),
    label: str | None = None,
    fork_owner: str | None = None,
    merged: bool = False,
) -> dict[str, Any]:
    payload = example("pull_request", action)
    payload["number"] = number
    pr = payload["pull_request"]
    pr.update(number=number, draft=draft, merged=merged, labels=[label_object(n) for n in labels])
    pr["state"] = "closed" if action == "closed" else "open"
    pr["head"]["sha"] = sha
    if branch is not None:
        pr["head"]["ref"] = branch
        pr["head"]["label"] = f"{pr['head']['repo']['owner']['login']}:{branch}"
    if fork_owner is not None:
        head_repo = pr["head"]["repo"]
        head_repo["full_name"] = f"{fork_owner}/{head_repo['name']}"
        head_repo["owner"] = {**head_repo["owner"], "login": fork_owner, "id": 99}
        head_repo["fork"] = True
        pr["head"]["label"] = f"{fork_owner}:{pr['head']['ref']}"
        pr["head"]["user"] = {**pr["head"]["user"], "login": fork_owner, "id": 99}
    if label is not None:
        payload["label"] = label_object(label)
    return payload


def comment(
    body: str,
    *,
    number: int = 2,
    association: str = "COLLABORATOR",
    login: str = "octocat",
    comment_id: int = 900001,
    on_pull_request: bool = True,
) -> dict[str, Any]:
    """An ``issue_comment`` ``created`` on pull request ``number`` (GitHub marks a pull
    request's issue with ``issue.pull_request``)."""
    payload = example("issue_comment", "created")
    issue = payload["issue"]
    issue["number"] = number
    if on_pull_request:
        base = f"https://api.github.com/repos/{REPO}/pulls/{number}"
        issue["pull_request"] = {
            "url": base,
            "html_url": f"https://github.com/{REPO}/pull/{number}",
            "diff_url": f"https://github.com/{REPO}/pull/{number}.diff",
            "patch_url": f"https://github.com/{REPO}/pull/{number}.patch",
            "merged_at": None,
        }
    c = payload["comment"]
    c.update(body=body, author_association=association, id=comment_id)
    c["user"] = {**c["user"], "login": login}
    payload["sender"] = {**payload["sender"], "login": login}
    return payload


def ping() -> dict[str, Any]:
    return example("ping")
