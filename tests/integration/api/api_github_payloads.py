"""Realistic GitHub ``pull_request`` deliveries and their signatures, for the webhook tests."""

from __future__ import annotations

import json
from typing import Any


def pull_request_payload(
    action: str,
    branch: str,
    sha: str,
    *,
    number: int = 42,
    merged: bool = False,
    repo: str = "api",
    fork_owner: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """A trimmed but faithful ``pull_request`` delivery (the fields GitHub always sends).

    ``fork_owner``: the head branch lives in that user's fork of the repository.
    """
    owner = {"login": "acme", "id": 1, "type": "Organization"}
    repository = {
        "id": 123456,
        "name": repo,
        "full_name": f"acme/{repo}",
        "private": True,
        "owner": owner,
        "html_url": f"https://github.com/acme/{repo}",
        "default_branch": "main",
    }
    head_owner = owner
    head_repo = repository
    if fork_owner is not None:
        head_owner = {"login": fork_owner, "id": 99, "type": "User"}
        head_repo = {
            **repository,
            "id": 654321,
            "full_name": f"{fork_owner}/{repo}",
            "owner": head_owner,
            "fork": True,
        }
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "url": f"https://api.github.com/repos/acme/{repo}/pulls/{number}",
            "id": 987654321,
            "number": number,
            "state": "closed" if action == "closed" else "open",
            "title": "Make login faster",
            "body": description,
            "user": {"login": "octocat", "id": 583231, "type": "User"},
            "merged": merged,
            "merge_commit_sha": sha if merged else None,
            "head": {
                "label": f"{head_owner['login']}:{branch}",
                "ref": branch,
                "sha": sha,
                "repo": head_repo,
                "user": head_owner,
            },
            "base": {
                "label": "acme:main",
                "ref": "main",
                "sha": "0" * 40,
                "repo": repository,
                "user": owner,
            },
        },
        "before": "1" * 40 if action == "synchronize" else None,
        "after": sha if action == "synchronize" else None,
        "repository": repository,
        "organization": {"login": "acme", "id": 1},
        "sender": {"login": "octocat", "id": 583231, "type": "User"},
    }


def encode(payload: dict[str, Any]) -> bytes:
    """GitHub's body: compact JSON as bytes (the signature covers these exact bytes)."""
    return json.dumps(payload, separators=(",", ":")).encode()
