"""The GitHub client without a network: httpx.MockTransport answers, the clock is fake."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from eden.errors import ConfigError
from eden.github.auth import AppAuth, TokenAuth
from eden.github.errors import GitHubRateLimited, GitHubUnreachable
from eden.github.jwt import app_jwt
from eden.github.settings import check_api_url
from eden.github.transport import Transport

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _transport(answers: list[httpx.Response], clock: Clock, **kw: Any) -> tuple[Transport, list]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    auth = kw.pop("auth", TokenAuth("t"))
    transport = Transport(
        "https://ghe.example/api/v3", auth, clock=clock, sleep=clock.sleep, http=http, **kw
    )
    return transport, seen


def test_a_secondary_rate_limit_is_waited_out_and_retried() -> None:
    clock = Clock()
    limited = httpx.Response(
        403,
        headers={"retry-after": "2"},
        json={"message": "You have exceeded a secondary rate limit"},
    )
    t, seen = _transport([limited, httpx.Response(200, json={"ok": 1})], clock, max_wait=5)
    assert t.call("GET", "/repos/a/b/pulls/1", repository="a/b") == {"ok": 1}
    assert clock.slept == [2.0] and len(seen) == 2
    assert seen[0].url == "https://ghe.example/api/v3/repos/a/b/pulls/1"
    assert seen[0].headers["x-github-api-version"] == "2022-11-28"


def test_a_primary_limit_longer_than_max_wait_is_not_waited_and_blocks_calls() -> None:
    clock = Clock()
    reset = str(clock.now + 600)
    limited = httpx.Response(
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        json={"message": "API rate limit exceeded"},
    )
    t, seen = _transport([limited], clock, max_wait=10)
    with pytest.raises(GitHubRateLimited, match="rate limit holds GET /repos/a/b/pulls/1 for 600s"):
        t.call("GET", "/repos/a/b/pulls/1", repository="a/b")
    with pytest.raises(GitHubRateLimited, match="for 600s"):  # no second request sent
        t.call("GET", "/repos/a/b/pulls/2", repository="a/b")
    assert len(seen) == 1 and clock.slept == []


def test_5xx_is_retried_with_backoff_then_given_up() -> None:
    clock = Clock()
    t, seen = _transport([httpx.Response(502, text="bad gateway")] * 5, clock, max_wait=100)
    with pytest.raises(GitHubUnreachable, match="GitHub answered 502 for POST /x"):
        t.call("POST", "/x", repository=None, json={})
    assert len(seen) == 5 and clock.slept == [0.25, 0.5, 1.0, 2.0]


def test_an_app_signs_a_jwt_and_caches_the_installation_token() -> None:
    clock = Clock()
    auth = AppAuth("42", PEM, clock=clock)
    auth.remember_installation("a/b", 7)
    token = httpx.Response(201, json={"token": "ghs_x", "expires_at": "2099-01-01T00:00:00Z"})
    ok = httpx.Response(200, json={})
    t, seen = _transport([token, ok, ok], clock, auth=auth)
    t.call("GET", "/repos/a/b/deployments", repository="a/b")
    t.call("GET", "/repos/a/b/deployments", repository="a/b")
    assert [r.url.path for r in seen] == [
        "/api/v3/app/installations/7/access_tokens",
        "/api/v3/repos/a/b/deployments",
        "/api/v3/repos/a/b/deployments",
    ]
    assert seen[1].headers["authorization"] == "Bearer ghs_x"
    jwt = seen[0].headers["authorization"].removeprefix("Bearer ")
    head, claims, sig = jwt.split(".")
    pad = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))  # noqa: E731
    KEY.public_key().verify(
        pad(sig), f"{head}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    data = json.loads(pad(claims))
    assert data == {"iat": int(clock.now) - 60, "exp": int(clock.now) + 540, "iss": "42"}


def test_a_bad_private_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a usable PEM key"):
        app_jwt("1", "not a key", 0.0)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://api.github.com", "must be an https URL"),
        ("https://ghe.example.com", "neither github.com's API nor a GitHub Enterprise Server's"),
        ("https://api.github.com/v3", "github.com's API has no path"),
    ],
)
def test_api_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_api_url(url, "eden.toml")
    assert check_api_url("https://ghe.example.com/api/v3/", "x") == "https://ghe.example.com/api/v3"
