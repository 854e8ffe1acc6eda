"""What the GitHub double does for each operation eden may call (GitHub's behaviour as
its REST documentation describes it, for the parts eden relies on)."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import unquote

from github_double import BOT, Answer, GitHubDouble, _now

Result = tuple[int, Any, dict[str, str]]
NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def dispatch(
    double: GitHubDouble,
    caller: str,
    name: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    repo = f"{params.get('owner', '')}/{params.get('repo', '')}".lower()
    handler = HANDLERS[name]
    return handler(double, caller, repo, params, query, body)


def _q(query: dict[str, list[str]], name: str, default: str | None = None) -> str | None:
    values = query.get(name)
    return values[-1] if values else default


def _page(double: GitHubDouble, items: list[Any], query: dict[str, list[str]], path: str) -> Result:
    per_page = int(_q(query, "per_page", "30") or 30)
    page = int(_q(query, "page", "1") or 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    headers = {}
    if page * per_page < len(items):
        headers["link"] = f'<{double.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"'
    return 200, chunk, headers


def _user() -> dict[str, Any]:
    return dict(BOT)


# --- apps ---------------------------------------------------------------------------
def installation(double: GitHubDouble, caller: str, repo: str, *_: Any) -> Result:
    if caller != "app":
        raise Answer(401, {"message": "A JSON web token is required"})
    return (
        200,
        {
            "id": double.installation_id,
            "app_id": int(double.app_id),
            "account": {"login": repo.split("/")[0]},
        },
        {},
    )


def access_token(
    double: GitHubDouble, caller: str, repo: str, params: dict[str, Any], *_: Any
) -> Result:
    if caller != "app" or params["installation_id"] != double.installation_id:
        raise Answer(404, NOT_FOUND)
    token = "ghs_" + secrets.token_hex(16)
    double.tokens_issued.append(token)
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    return 201, {"token": token, "expires_at": expires, "permissions": {}}, {}


# --- pull requests ----------------------------------------------------------------------
def pull(double: GitHubDouble, caller: str, repo: str, params: dict[str, Any], *_: Any) -> Result:
    found = double.state.pulls.get((repo, params["pull_number"]))
    if found is None:
        raise Answer(404, NOT_FOUND)
    return 200, found, {}


def remove_label(
    double: GitHubDouble, caller: str, repo: str, params: dict[str, Any], *_: Any
) -> Result:
    pr = double.state.pulls.get((repo, params["issue_number"]))
    name = unquote(str(params["name"]))
    if pr is None or name not in [x["name"] for x in pr["labels"]]:
        raise Answer(404, {"message": "Label does not exist"})
    pr["labels"] = [x for x in pr["labels"] if x["name"] != name]
    return 200, pr["labels"], {}


# --- deployments -----------------------------------------------------------------------
def list_deployments(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    found = double.state.deployments.get(repo, [])
    for key in ("environment", "sha", "ref"):
        wanted = _q(query, key)
        if wanted is not None:
            found = [d for d in found if d[key] == wanted]
    return _page(double, found, query, f"/repos/{repo}/deployments")


def create_deployment(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    if body.get("required_contexts") != []:
        # GitHub checks every status context first; eden's own check is pending now.
        raise Answer(409, {"message": "Conflict: Commit status checks failed for ref."})
    deployment_id = next(double.state.ids)
    deployment = {
        "id": deployment_id,
        "url": f"{double.url}/repos/{repo}/deployments/{deployment_id}",
        "node_id": f"DE_{deployment_id}",
        "sha": body["ref"],
        "ref": body["ref"],
        "task": body.get("task", "deploy"),
        "payload": body.get("payload", {}),
        "original_environment": body.get("environment", "production"),
        "environment": body.get("environment", "production"),
        "description": body.get("description"),
        "creator": _user(),
        "created_at": _now(),
        "updated_at": _now(),
        "statuses_url": f"{double.url}/repos/{repo}/deployments/{deployment_id}/statuses",
        "repository_url": f"{double.url}/repos/{repo}",
        "transient_environment": body.get("transient_environment", False),
        "production_environment": body.get("production_environment", True),
    }
    double.state.deployments.setdefault(repo, []).insert(0, deployment)
    double.state.statuses[deployment_id] = []
    return 201, deployment, {}


def _deployment(double: GitHubDouble, repo: str, deployment_id: int) -> dict[str, Any]:
    for d in double.state.deployments.get(repo, []):
        if d["id"] == deployment_id:
            return d
    raise Answer(404, NOT_FOUND)


def list_statuses(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    d = _deployment(double, repo, params["deployment_id"])
    return _page(
        double,
        double.state.statuses[d["id"]],
        query,
        f"/repos/{repo}/deployments/{d['id']}/statuses",
    )


def create_status(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    d = _deployment(double, repo, params["deployment_id"])
    if len(body.get("description", "")) > 140:
        raise Answer(422, {"message": "description is too long (maximum is 140 characters)"})
    status = {
        "id": next(double.state.ids),
        "state": body["state"],
        "description": body.get("description", ""),
        "environment": d["environment"],
        "environment_url": body.get("environment_url", ""),
        "log_url": body.get("log_url", ""),
        "target_url": body.get("log_url", body.get("target_url", "")),
        "creator": _user(),
        "created_at": _now(),
        "deployment_url": d["url"],
    }
    double.state.statuses[d["id"]].insert(0, status)
    return 201, status, {}


# --- comments ------------------------------------------------------------------------
def list_comments(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    number = params["issue_number"]
    if (repo, number) not in double.state.pulls:
        raise Answer(404, NOT_FOUND)
    return _page(
        double,
        double.state.comments.get((repo, number), []),
        query,
        f"/repos/{repo}/issues/{number}/comments",
    )


def create_comment(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    number = params["issue_number"]
    if (repo, number) not in double.state.pulls:
        raise Answer(404, NOT_FOUND)
    comment = add_comment(double, repo, number, body["body"], _user())
    return 201, comment, {}


def add_comment(
    double: GitHubDouble, repo: str, number: int, text: str, user: dict[str, Any]
) -> dict[str, Any]:
    """A comment (eden's, or a person's in a test)."""
    comment_id = next(double.state.ids)
    comment = {
        "id": comment_id,
        "body": text,
        "user": user,
        "created_at": _now(),
        "updated_at": _now(),
        "html_url": f"https://github.example/{repo}/pull/{number}#issuecomment-{comment_id}",
        "author_association": "NONE",
    }
    double.state.comments.setdefault((repo, number), []).append(comment)
    return comment


def update_comment(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    for (r, _), comments in double.state.comments.items():
        for c in comments:
            if r == repo and c["id"] == params["comment_id"]:
                if c["user"]["login"] != BOT["login"]:
                    raise Answer(403, {"message": "Resource not accessible by integration"})
                c["body"] = body["body"]
                c["updated_at"] = _now()
                return 200, c, {}
    raise Answer(404, NOT_FOUND)


# --- checks and statuses ----------------------------------------------------------------
def _app_only(caller: str) -> None:
    if caller != "installation":
        raise Answer(403, {"message": "You must authenticate via a GitHub App."})


def create_check(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    _app_only(caller)
    if body.get("status") == "completed" and "conclusion" not in body:
        raise Answer(422, {"message": "conclusion is required when status is completed"})
    run = {
        "id": next(double.state.ids),
        "status": "queued",
        "conclusion": None,
        "output": {},
        "details_url": None,
        **body,
    }
    if "conclusion" in body:
        run["status"] = "completed"
    double.state.check_runs.setdefault(repo, []).append(run)
    return 201, run, {}


def update_check(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    _app_only(caller)
    for run in double.state.check_runs.get(repo, []):
        if run["id"] == params["check_run_id"]:
            run.update(body)
            if "conclusion" in body:
                run["status"] = "completed"
            return 200, run, {}
    raise Answer(404, NOT_FOUND)


def list_checks(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    name = _q(query, "check_name")
    runs = [
        r
        for r in double.state.check_runs.get(repo, [])
        if r["head_sha"] == params["ref"] and (name is None or r["name"] == name)
    ]
    runs = list(reversed(runs))  # newest first
    return 200, {"total_count": len(runs), "check_runs": runs}, {}


def create_commit_status(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    status = {
        "id": next(double.state.ids),
        "state": body["state"],
        "context": body.get("context", "default"),
        "description": body.get("description"),
        "target_url": body.get("target_url"),
        "created_at": _now(),
    }
    double.state.commit_statuses.setdefault((repo, params["sha"]), []).insert(0, status)
    return 201, status, {}


def combined_status(
    double: GitHubDouble,
    caller: str,
    repo: str,
    params: dict[str, Any],
    query: dict[str, list[str]],
    body: Any,
) -> Result:
    latest: dict[str, dict[str, Any]] = {}
    for s in double.state.commit_statuses.get((repo, params["ref"]), []):
        latest.setdefault(s["context"], s)
    statuses = list(latest.values())
    state = "success" if all(s["state"] == "success" for s in statuses) else "pending"
    return (
        200,
        {"state": state, "sha": params["ref"], "statuses": statuses, "total_count": len(statuses)},
        {},
    )


HANDLERS: dict[str, Any] = {
    "GET /repos/{owner}/{repo}/installation": installation,
    "POST /app/installations/{installation_id}/access_tokens": access_token,
    "GET /repos/{owner}/{repo}/pulls/{pull_number}": pull,
    "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": remove_label,
    "GET /repos/{owner}/{repo}/deployments": list_deployments,
    "POST /repos/{owner}/{repo}/deployments": create_deployment,
    "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": list_statuses,
    "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": create_status,
    "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": list_comments,
    "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": create_comment,
    "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": update_comment,
    "POST /repos/{owner}/{repo}/check-runs": create_check,
    "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": update_check,
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": list_checks,
    "POST /repos/{owner}/{repo}/statuses/{sha}": create_commit_status,
    "GET /repos/{owner}/{repo}/commits/{ref}/status": combined_status,
}
