"""The GitHub REST operations eden uses, one method each (and nothing else).

Each method is a thin typed wrapper over one documented operation; the tests check every
request against GitHub's published OpenAPI description, and the list of operations here
must match ``tests/integration/github/specs/trim_specs.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from eden.github.errors import GitHubError
from eden.github.transport import Transport

Json = dict[str, Any]


class GitHub:
    def __init__(self, transport: Transport):
        self.transport = transport

    @property
    def uses_app(self) -> bool:
        return self.transport.auth.uses_app

    def _call(self, method: str, path: str, repo: str, **kw: Any) -> Any:
        return self.transport.call(method, f"/repos/{repo}{path}", repository=repo, **kw)

    # --- pull requests ----------------------------------------------------------------
    def pull(self, repo: str, number: int) -> Json:
        answer: Json = self._call("GET", f"/pulls/{number}", repo)
        return answer

    def remove_label(self, repo: str, number: int, label: str) -> None:
        try:
            self._call("DELETE", f"/issues/{number}/labels/{quote(label, safe='')}", repo)
        except GitHubError as exc:
            if exc.status != 404:  # already gone: what we wanted
                raise

    # --- deployments ------------------------------------------------------------------
    def deployments(
        self, repo: str, *, environment: str | None = None, sha: str | None = None, limit: int = 30
    ) -> list[Json]:
        """The newest first (GitHub's order)."""
        params: dict[str, Any] = {"per_page": min(limit, 100)}
        if environment is not None:
            params["environment"] = environment
        if sha is not None:
            params["sha"] = sha
        answer = self._call("GET", "/deployments", repo, params=params)
        return list(answer)[:limit]

    def create_deployment(
        self, repo: str, *, sha: str, environment: str, description: str, payload: Json
    ) -> Json:
        body = {
            "ref": sha,
            "environment": environment,
            "description": description,
            "payload": payload,
            "auto_merge": False,
            "required_contexts": [],  # eden's own check is pending while it deploys
            "transient_environment": True,
            "production_environment": False,
        }
        answer: Json = self._call("POST", "/deployments", repo, json=body)
        if "id" not in answer:  # 202: GitHub merged the default branch in instead
            raise GitHubError(f"GitHub made no deployment: {answer.get('message')}")
        return answer

    def deployment_statuses(self, repo: str, deployment_id: int, *, limit: int = 1) -> list[Json]:
        """The newest first."""
        params = {"per_page": min(limit, 100)}
        answer = self._call("GET", f"/deployments/{deployment_id}/statuses", repo, params=params)
        return list(answer)[:limit]

    def create_deployment_status(
        self,
        repo: str,
        deployment_id: int,
        *,
        state: str,
        description: str,
        environment_url: str | None = None,
        log_url: str | None = None,
    ) -> Json:
        body: Json = {"state": state, "description": description[:140], "auto_inactive": False}
        if environment_url:
            body["environment_url"] = environment_url
        if log_url:
            body["log_url"] = log_url
        answer: Json = self._call("POST", f"/deployments/{deployment_id}/statuses", repo, json=body)
        return answer

    # --- comments ---------------------------------------------------------------------
    def comments(self, repo: str, number: int) -> list[Json]:
        path = f"/repos/{repo}/issues/{number}/comments"
        return list(self.transport.pages(path, repository=repo))

    def create_comment(self, repo: str, number: int, body: str) -> Json:
        answer: Json = self._call("POST", f"/issues/{number}/comments", repo, json={"body": body})
        return answer

    def update_comment(self, repo: str, comment_id: int, body: str) -> Json:
        answer: Json = self._call(
            "PATCH", f"/issues/comments/{comment_id}", repo, json={"body": body}
        )
        return answer

    # --- checks and commit statuses ---------------------------------------------------
    def check_runs(self, repo: str, sha: str, name: str) -> list[Json]:
        params = {"check_name": name, "filter": "latest", "per_page": 10}
        answer = self._call("GET", f"/commits/{sha}/check-runs", repo, params=params)
        return list(answer.get("check_runs", [])) if isinstance(answer, dict) else []

    def create_check_run(self, repo: str, body: Json) -> Json:
        answer: Json = self._call("POST", "/check-runs", repo, json=body)
        return answer

    def update_check_run(self, repo: str, check_run_id: int, body: Json) -> Json:
        answer: Json = self._call("PATCH", f"/check-runs/{check_run_id}", repo, json=body)
        return answer

    def create_commit_status(
        self, repo: str, sha: str, *, state: str, context: str, description: str, url: str | None
    ) -> Json:
        body: Json = {"state": state, "context": context, "description": description[:140]}
        if url:
            body["target_url"] = url
        answer: Json = self._call("POST", f"/statuses/{sha}", repo, json=body)
        return answer

    def combined_status(self, repo: str, sha: str) -> Json:
        answer: Json = self._call("GET", f"/commits/{sha}/status", repo, params={"per_page": 100})
        return answer
