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
) -> dict[str, Any]:
    """A trimmed but faithful ``pull_request`` delivery (the fields GitHub always sends)."""
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
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "url": f"https://api.github.com/repos/acme/{repo}/pulls/{number}",
            "id": 987654321,
            "number": number,
            "state": "closed" if action == "closed" else "open",
            "title": "Make login faster",
            "user": {"login": "octocat", "id": 583231, "type": "User"},
            "merged": merged,
            "merge_commit_sha": sha if merged else None,
            "head": {
                "label": f"acme:{branch}",
                "ref": branch,
                "sha": sha,
                "repo": repository,
                "user": owner,
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
