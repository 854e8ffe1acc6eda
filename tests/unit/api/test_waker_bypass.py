"""The waker's bypass path without AWS: a fake registry, the real app, and a real local
HTTP server standing in for the environment's task."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from eden.api.bypass import MAX_BODY
from eden.api.metrics import Metrics
from eden.api.serving import ServerThread
from eden.api.waker import Waker, create_waker_app
from eden.config import Profile, build_profile
from eden.envs.records import EnvRecord, ServiceRecord

HOST = "api-feature-x.dev.example.com"
SECRET = "0123456789abcdef0123456789abcdef"
LISTENER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/1/2"
PROFILE = build_profile("dev", {
    "cluster": "main", "reference_service": "api", "listener_arn": LISTENER,
    "zone_id": "Z0123456789ABC", "sleep": {"waker": "127.0.0.1:8081"},
    "access": {"type": "cognito", "bypass_header": "X-Eden-Bypass",
               "user_pool_arn": "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-1_A",
               "user_pool_client_id": "c", "user_pool_domain": "login"},
})  # fmt: skip


class Task(BaseHTTPRequestHandler):
    """Answers with what it received, two cookies and a hop-by-hop header."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = {"path": self.path, "body": body.decode(), "headers": dict(self.headers.items())}
        data = json.dumps(seen).encode()
        self.send_response(201)
        self.send_header("Set-Cookie", "a=1")
        self.send_header("Set-Cookie", "b=2")
        self.send_header("Keep-Alive", "timeout=5")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class Fakes:
    """The registry, one engine, its store and its AWS: only what the waker asks."""

    def __init__(self, record: EnvRecord, health: list[dict[str, Any]]) -> None:
        self.record, self.health = record, health
        elbv2 = SimpleNamespace(target_health=self.target_health)
        self.states = SimpleNamespace(list_envs=lambda _p: [record], get=lambda _p, _n: record)
        self.one = SimpleNamespace(profile=PROFILE, store=self.states, aws=SimpleNamespace(
            elbv2=elbv2))  # fmt: skip

    def all_profiles(self) -> list[Profile]:
        return [PROFILE]

    def engine(self, name: str) -> Any:
        return self.one

    def store(self, profile: Profile) -> Any:
        return self.states

    def target_health(self, arn: str) -> list[dict[str, Any]]:
        assert arn == "tg-x"
        return self.health


@pytest.fixture
def task() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Task)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def serve(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("EDEN_BYPASS_SECRET", SECRET)
    return Waker(fakes, Metrics())  # type: ignore[arg-type]


def record(power: str = "awake") -> EnvRecord:
    extra = {"sleep": {"state": power}} if power != "awake" else {}
    service = ServiceRecord("app", "img", {"target_group": {"arn": "tg-x"}})
    return EnvRecord("dev", "feature-x", "feature/x", HOST, "ready", 0.0, services=[service],
                     extra=extra)  # fmt: skip


def test_the_request_reaches_the_task_without_the_secret_and_comes_back_whole(
    task: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy = [{"Target": {"Id": "127.0.0.1", "Port": task}, "TargetHealth": {"State": "healthy"}}]
    waker = serve(Fakes(record(), healthy), monkeypatch)
    try:
        with ServerThread(create_waker_app(waker)) as server, httpx.Client(timeout=10) as client:
            answer = client.post(f"{server.url}/api/x%2Fy?q=1&r=2", content=b"payload",
                                 headers={"Host": HOST, "X-Eden-Bypass": SECRET,
                                          "X-Trace": "t1", "Connection": "close"})  # fmt: skip
            assert answer.status_code == 201
            seen = answer.json()
            assert (seen["path"], seen["body"]) == ("/api/x%2Fy?q=1&r=2", "payload")
            sent = {k.lower(): v for k, v in seen["headers"].items()}
            assert sent["host"] == HOST and sent["x-trace"] == "t1"
            assert "x-eden-bypass" not in sent  # the application never sees the secret
            assert answer.headers.get_list("set-cookie") == ["a=1", "b=2"]
            assert "keep-alive" not in answer.headers

            def ask(**headers: str) -> httpx.Response:
                return client.get(server.url, headers={"Host": HOST, **headers})

            assert ask(**{"X-Eden-Bypass": SECRET.upper()}).status_code == 403
            assert ask(**{"X-Eden-Bypass": ""}).status_code == 403
            other = client.get(server.url, headers={"Host": "x.dev.example.com",
                                                    "X-Eden-Bypass": SECRET})  # fmt: skip
            assert other.status_code == 404
            big = client.post(server.url, content=b"x" * (MAX_BODY + 1),
                              headers={"Host": HOST, "X-Eden-Bypass": SECRET})  # fmt: skip
            assert big.status_code == 413
            monkeypatch.delenv("EDEN_BYPASS_SECRET")  # none set for the waker: the same 403
            refused = ask(**{"X-Eden-Bypass": SECRET})
            assert (refused.status_code, refused.text) == (
                403, "the bypass header's value is not accepted here\n"
            )
    finally:
        waker.close()


@pytest.mark.parametrize(
    ("power", "health", "status", "text"),
    [
        ("awake", [], 503, "the environment has no healthy task right now; retry shortly\n"),
        ("sleeping", [], 503, f"{HOST} is waking up; retry in a few seconds\n"),
    ],
)
def test_no_task_or_asleep_answers_503_to_come_back(
    power: str, health: list[Any], status: int, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    waker = serve(Fakes(record(power), health), monkeypatch)
    monkeypatch.setattr(waker, "_wake", lambda engine, target: None)  # (waking: not here)
    try:
        with ServerThread(create_waker_app(waker)) as server:
            answer = httpx.get(server.url, headers={"Host": HOST, "X-Eden-Bypass": SECRET})
        assert (answer.status_code, answer.text) == (status, text)
        assert answer.headers["retry-after"] == "5"
    finally:
        waker.close()
