"""A local GitHub REST API for the tests: it keeps deployments, statuses, comments, check
runs, commit statuses and pull requests in memory, and checks EVERY request eden sends
against GitHub's published OpenAPI description (``openapi_check``). A request the
description rejects is answered 422 and recorded in ``violations``; the fixture fails the
test on any.

It also behaves as GitHub does where eden relies on it: tokens and App installation
tokens (the App's JWT is verified with its public key), check runs only for Apps, comments
only editable by their author, pagination with ``Link``, and injected faults (5xx,
secondary and primary rate limits) served in order before the real answer.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openapi_check
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PREFIX = "/api/v3"  # served as a GitHub Enterprise Server: https://HOST/api/v3
BOT = {"login": "eden-preview[bot]", "id": 41898282, "type": "Bot"}


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    method: str | None = None
    path_contains: str = ""

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and self.path_contains in path


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0


class Answer(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class GitHubState:
    """What the double's GitHub holds."""

    def __init__(self) -> None:
        self.ids = itertools.count(1000)
        self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
        self.deployments: dict[str, list[dict[str, Any]]] = {}  # repo -> newest first
        self.statuses: dict[int, list[dict[str, Any]]] = {}  # deployment -> newest first
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.check_runs: dict[str, list[dict[str, Any]]] = {}  # repo -> all
        self.commit_statuses: dict[tuple[str, str], list[dict[str, Any]]] = {}


class GitHubDouble:
    def __init__(
        self,
        *,
        token: str | None = None,
        app_key: rsa.RSAPrivateKey | None = None,
        app_id: str = "4242",
        installation_id: int = 1,
    ):
        self.token = token
        self.app_public = app_key.public_key() if app_key else None
        self.app_id = app_id
        self.installation_id = installation_id
        self.state = GitHubState()
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.tokens_issued: list[str] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # --- running -----------------------------------------------------------------------
    @contextmanager
    def running(self) -> Iterator[GitHubDouble]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _serve(self) -> None:
                double.serve(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
        thread = threading.Thread(target=server.serve_forever, name="github-double", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)

    def inject(
        self,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        method: str | None = None,
        path_contains: str = "",
    ) -> None:
        """The next ``times`` matching requests get this answer instead of the real one."""
        with self._lock:
            for _ in range(times):
                self.faults.append(
                    Fault(
                        status,
                        dict(headers or {}),
                        dict(body or {"message": "injected"}),
                        method,
                        path_contains,
                    )
                )

    # --- one request ----------------------------------------------------------------
    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        method = handler.command
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        query = parse_qs(split.query, keep_blank_values=True)
        record = Recorded(method, split.path, query, body)
        with self._lock:
            self.requests.append(record)
        try:
            status, answer, headers = self._answer(handler, method, split.path, query, body)
        except Answer as exc:
            status, answer, headers = exc.status, exc.body, exc.headers
        record.status = status
        data = b"" if status == 204 else json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json; charset=utf-8")
        handler.send_header("content-length", str(len(data)))
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        if not path.startswith(PREFIX + "/"):
            self._violation(f"{method} {path}: not under the Enterprise Server base {PREFIX}")
            raise Answer(404, {"message": "Not Found"})
        path = path[len(PREFIX) :]
        self._check_headers(handler, method, path)
        op, params, problems = openapi_check.check(method, path, query, body)
        if problems:
            for p in problems:
                self._violation(p)
            raise Answer(422, {"message": "Invalid request.", "errors": problems})
        assert op is not None
        with self._lock:
            fault = next((f for f in self.faults if f.matches(method, path)), None)
            if fault is not None:
                self.faults.remove(fault)
        if fault is not None:
            raise Answer(fault.status, fault.body, fault.headers)
        caller = self._authenticate(handler, op.template)
        from github_endpoints import dispatch  # the behaviour, one function per operation

        with self._lock:
            return dispatch(self, caller, op.name, params, query, body)

    def _violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def _check_headers(self, handler: BaseHTTPRequestHandler, method: str, path: str) -> None:
        accept = handler.headers.get("accept", "")
        if "application/vnd.github+json" not in accept:
            self._violation(
                f"{method} {path}: Accept is {accept!r}, not application/vnd.github+json"
            )
        if not handler.headers.get("user-agent"):
            self._violation(f"{method} {path}: no User-Agent (GitHub refuses such requests)")
        if not handler.headers.get("x-github-api-version"):
            self._violation(f"{method} {path}: no X-GitHub-Api-Version")

    # --- authentication ---------------------------------------------------------------
    def _authenticate(self, handler: BaseHTTPRequestHandler, template: str) -> str:
        """'token', 'app' (a JWT) or 'installation'; 401 otherwise."""
        header = handler.headers.get("authorization", "")
        credential = header.removeprefix("Bearer ").removeprefix("token ").strip()
        if self.token is not None and credential == self.token:
            return "token"
        if self.app_public is not None and credential.count(".") == 2 and self._jwt_ok(credential):
            if template.startswith("/app/") or template.endswith("/installation"):
                return "app"
            raise Answer(401, {"message": "A JSON web token could not be decoded"})
        if credential in self.tokens_issued:
            return "installation"
        raise Answer(401, {"message": "Bad credentials"})

    def _jwt_ok(self, token: str) -> bool:
        assert self.app_public is not None
        head, claims, sig = token.split(".")

        def unb64(part: str) -> bytes:
            return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

        try:
            self.app_public.verify(
                unb64(sig), f"{head}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:
            return False
        data = json.loads(unb64(claims))
        now = time.time()
        alg = json.loads(unb64(head)).get("alg")
        return (
            alg == "RS256"
            and str(data.get("iss")) == self.app_id
            and data["iat"] <= now + 1
            and data["exp"] > now
            and data["exp"] - data["iat"] <= 600
        )

    # --- views for the assertions --------------------------------------------------------
    def previews(self, repo: str, number: int) -> list[dict[str, Any]]:
        """The deployments of a pull request's environment, oldest first, with the states
        of their statuses in order."""
        env = f"preview/pr-{number}"
        found = [d for d in self.state.deployments.get(repo.lower(), []) if d["environment"] == env]
        return [
            {
                "sha": d["sha"],
                "id": d["id"],
                "transient": d["transient_environment"],
                "production": d["production_environment"],
                "states": [s["state"] for s in reversed(self.state.statuses[d["id"]])],
                "url": next(
                    (
                        s["environment_url"]
                        for s in self.state.statuses[d["id"]]
                        if s["environment_url"]
                    ),
                    "",
                ),
            }
            for d in reversed(found)
        ]

    def sticky(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [
            c
            for c in self.state.comments.get((repo.lower(), number), [])
            if c["body"].startswith("<!-- eden:preview -->")
        ]

    def replies(self, repo: str, number: int) -> list[str]:
        return [
            c["body"]
            for c in self.state.comments.get((repo.lower(), number), [])
            if not c["body"].startswith("<!-- eden:preview -->")
        ]

    def checks(self, repo: str, sha: str) -> list[dict[str, Any]]:
        return [c for c in self.state.check_runs.get(repo.lower(), []) if c["head_sha"] == sha]

    def commit_statuses(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """Oldest first."""
        return list(reversed(self.state.commit_statuses.get((repo.lower(), sha), [])))

    def calls(self, predicate: Callable[[Recorded], bool] | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if predicate is None or predicate(r)]
