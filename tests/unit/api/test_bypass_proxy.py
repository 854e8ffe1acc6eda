"""The waker's bypass proxy, its pure parts: the secret check, which headers pass on, and
the healthy targets it keeps for a few seconds."""

from __future__ import annotations

from typing import Any

from eden.api.bypass import Targets, forwarded_headers, secret_matches

SECRET = "0123456789abcdef0123456789abcdef"


def test_only_the_exact_secret_matches() -> None:
    assert secret_matches(SECRET, SECRET)
    # The ALB compares case-insensitively and with wildcards; the waker does not.
    for given in (SECRET.upper(), SECRET[:-1], SECRET + "0", "*", "", None):
        assert not secret_matches(given, SECRET)
    assert not secret_matches(SECRET, None)  # no secret set for the waker: nobody passes
    assert not secret_matches("", "")


def test_hop_by_hop_headers_and_the_bypass_header_stay_behind() -> None:
    headers = [
        ("Host", "api-a.dev.example.com"),
        ("Connection", "keep-alive, X-Drop-Me"),
        ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Length", "3"),
        ("TE", "trailers"),
        ("Upgrade", "websocket"),
        ("X-Drop-Me", "1"),
        ("X-Eden-Bypass", SECRET),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Forwarded-For", "10.0.0.1"),
    ]
    assert forwarded_headers(headers, drop=("x-eden-bypass",)) == [
        ("Host", "api-a.dev.example.com"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Forwarded-For", "10.0.0.1"),
    ]


def health(*targets: tuple[str, int, str]) -> list[dict[str, Any]]:
    return [{"Target": {"Id": ip, "Port": port}, "TargetHealth": {"State": state}}
            for ip, port, state in targets]  # fmt: skip


def test_healthy_targets_are_read_once_per_ttl_and_taken_in_turn() -> None:
    now = [0.0]
    reads: list[str] = []
    answers = [health(("10.0.0.2", 80, "healthy"), ("10.0.0.1", 80, "healthy"),
                      ("10.0.0.3", 80, "draining")),
               health()]  # fmt: skip

    def read(arn: str) -> list[dict[str, Any]]:
        reads.append(arn)
        return answers[len(reads) - 1]

    targets = Targets(ttl=5.0, clock=lambda: now[0])
    found = targets.healthy("tg", read)
    assert found == (("10.0.0.2", 80), ("10.0.0.1", 80))
    now[0] = 4.9
    assert targets.healthy("tg", read) == found and reads == ["tg"]
    picks = [targets.pick(found) for _ in range(3)]
    assert picks == [("10.0.0.1", 80), ("10.0.0.2", 80), ("10.0.0.1", 80)]
    now[0] = 5.0
    assert targets.healthy("tg", read) == () and reads == ["tg", "tg"]
    assert targets.pick(()) is None
