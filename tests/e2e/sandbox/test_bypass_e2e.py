"""CI past sign-in, through the sandbox's router: the ALB's bypass rule sends a request
with the secret to the real waker (eden serve's app), which proxies it to the
environment's real nginx task; without it the request meets the sign-in."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sandbox_e2e_helpers import HOST, NGINX, Page, Sandbox, wait_for

from eden.api import ApiSettings, create_app
from eden.api.serving import ServerThread
from eden.api.waker import create_waker_app
from eden.config import build_profile, write_profile
from eden.wiring import open_engine

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NGINX is None, reason="nginx binary not installed (apt nginx-light)"),
]
SECRET = "ci-bypass-0123456789abcdef0123456789"
HEADER = "X-Eden-Bypass"
ACCESS = {
    "type": "oidc",
    "issuer": "https://login.example.com",
    "authorization_endpoint": "https://login.example.com/authorize",
    "token_endpoint": "https://login.example.com/token",
    "user_info_endpoint": "https://login.example.com/userinfo",
    "client_id": "eden-previews",
    "bypass_header": HEADER,
}


@pytest.fixture
def engine(
    local_tasks: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """`eden serve` with its waker, and an engine, on a profile behind OIDC with a bypass."""
    monkeypatch.setenv("EDEN_OIDC_CLIENT_SECRET", "oidc-client-secret")
    monkeypatch.setenv("EDEN_BYPASS_SECRET", SECRET)  # eden's and the waker's
    config = tmp_path / "eden.toml"
    with ExitStack() as stack:
        app = create_app(ApiSettings(config=config))
        waker = stack.enter_context(ServerThread(create_waker_app(app.state.eden.waker)))
        stack.enter_context(ServerThread(app))
        values = {**local_tasks.profile_values, "access": ACCESS,
                  "sleep": {"waker": f"127.0.0.1:{waker.port}"}}  # fmt: skip
        write_profile(config, "sandbox", values, default=True)
        yield stack.enter_context(open_engine(build_profile("sandbox", values), actor="t"))


def ask(router: str, headers: dict[str, str]) -> Page:
    parts = urllib.parse.urlsplit(router)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("GET", "/?from=ci", headers={"Host": HOST, **headers})
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        return Page(resp.status, body, {k.lower(): v for k, v in resp.getheaders()})
    finally:
        conn.close()


def test_ci_gets_past_sign_in_with_the_secret_and_no_one_else_does(
    local_tasks: Sandbox, engine: Any
) -> None:
    out = engine.create("feature/login", local_tasks.seed.image_uris[0])
    group = out.record.services[0].target_group_arn
    elbv2 = local_tasks.client("elbv2")
    wait_for("the task's target to be healthy", lambda: [
        t for t in elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        if t["TargetHealth"]["State"] == "healthy" and t["Target"]["Id"] == "127.0.0.1"
    ])  # fmt: skip

    # Without the header: the environment's own rule, whose sign-in comes first.
    signed_out = ask(local_tasks.router, {})
    assert signed_out.status == 302
    assert signed_out.headers["location"].startswith("https://login.example.com/authorize?")
    # A wrong secret does not match the ALB's rule either: the sign-in again.
    assert ask(local_tasks.router, {HEADER: "not-the-secret-0123456789"}).status == 302

    page = ask(local_tasks.router, {HEADER: SECRET})
    assert page.status == 200, page
    assert page.field("environment") == "feature-login"
    assert page.headers["x-eden-task"] == page.field("task")

    # The ALB compares header values case-insensitively: the waker does not.
    refused = ask(local_tasks.router, {HEADER: SECRET.upper()})
    assert refused.status == 403
    assert refused.body == "the bypass header's value is not accepted here\n"
