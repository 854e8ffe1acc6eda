"""What the local router answers, decided from a listener (a fake source: no moto, no
sockets); proxying to real tasks is in tests/e2e/sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from eden.sandbox.moto_view import ListenerRef
from eden.sandbox.router import Router, _forwarded
from eden.sandbox.routing import Rule, rule_from

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/eden-feature-login/0a1b"
HOST = "api-feature-login.dev.example.com"


class FakeListener:
    def __init__(self, rules: tuple[Rule, ...] | None, fail: bool = False) -> None:
        self._rules = rules
        self.fail = fail

    def rules(self) -> tuple[Rule, ...] | None:
        if self.fail:
            raise RuntimeError("moto's listener vanished mid-read")
        return self._rules

    def targets(self, group_arn: str) -> tuple[tuple[str, int], ...]:
        return ()

    def protocol(self) -> tuple[str, int]:
        return ("HTTPS", 443)


def rules(*extra: Rule) -> tuple[Rule, ...]:
    forward = rule_from(
        1000,
        [{"Field": "host-header", "HostHeaderConfig": {"Values": [HOST]}}],
        [{"Type": "forward", "TargetGroupArn": TG}],
    )
    default = rule_from(
        "default",
        [],
        [
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {
                    "StatusCode": "404",
                    "ContentType": "text/plain",
                    "MessageBody": "no environment here",
                },
            }
        ],
    )
    return (*extra, forward, default)


def ask(router: Router, host: str | None, path: str = "/") -> Any:
    headers = {"Host": host} if host is not None else {}
    return router.handle("GET", path, headers, b"", "127.0.0.1")


@pytest.mark.parametrize(
    "host",
    [
        "nobody.dev.example.com",
        None,
        "",
        "\x00\x01garbage\xff",
        "<script>alert(1)</script>",
        "x" * 60_000,
        "api-feature-login.dev.example.com.evil.com",
        "api-feature-login.dev.example.com:notaport",
    ],
)
def test_unknown_garbage_or_long_hosts_get_the_default(host: str | None) -> None:
    answer = ask(Router(FakeListener(rules())), host)
    assert (answer.status, answer.body) == (404, b"no environment here")
    assert answer.headers == (("Content-Type", "text/plain"),)


def test_an_environment_without_healthy_targets_answers_503_saying_why() -> None:
    answer = ask(Router(FakeListener(rules())), HOST.upper() + ":443")
    assert answer.status == 503
    assert b"target group eden-feature-login has no healthy target" in answer.body


def test_no_listener_yet_answers_503_with_what_to_do() -> None:
    answer = ask(Router(FakeListener(None)), HOST)
    assert answer.status == 503
    assert b"run `eden sandbox up`" in answer.body


def test_a_failure_reading_the_rules_answers_500_and_the_router_lives_on() -> None:
    answer = ask(Router(FakeListener(rules(), fail=True)), HOST)
    assert answer.status == 500
    assert b"the sandbox router failed: RuntimeError" in answer.body


def test_redirect_rules_answer_with_their_location() -> None:
    redirect = rule_from(
        1,
        [{"Field": "path-pattern", "Values": ["/old/*"]}],
        [{"Type": "redirect", "RedirectConfig": {"Path": "/new", "StatusCode": "HTTP_301"}}],
    )
    answer = ask(Router(FakeListener(rules(redirect))), HOST, "/old/page")
    assert answer.status == 301
    assert answer.headers == (("Location", f"https://{HOST}:443/new"),)


def test_the_target_gets_the_albs_forwarded_headers_and_no_hop_by_hop_ones() -> None:
    headers = {
        "Host": HOST,
        "Connection": "keep-alive",
        "Transfer-Encoding": "chunked",
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "Cookie": "a=1",
    }
    sent = _forwarded(headers, "127.0.0.1", 8080)
    assert sent == [
        ("Host", HOST),
        ("Cookie", "a=1"),
        ("X-Forwarded-For", "203.0.113.9, 127.0.0.1"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Port", "8080"),
    ]


@pytest.mark.parametrize(
    ("name", "rank"),
    [
        ("eden-shared", 1),
        ("eden-shared-2", 2),
        ("eden-shared-12", 12),
        ("eden-shared-", None),
        ("eden-shared-x", None),
        ("eden-sharedx", None),
        ("reference", None),
    ],
)
def test_the_router_follows_the_shared_albs_pool(name: str, rank: int | None) -> None:
    assert ListenerRef().rank(name) == rank
