"""The waker and the sleep/wake routes against moto: two server replicas sharing one state
store, 50 requests at once, one UpdateService; unknown and garbage hosts wake nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from eden.api import ApiSettings, create_app
from eden.api.auth import issue_key
from eden.api.registry import Registry
from eden.api.serving import ServerThread
from eden.api.waker import create_waker_app
from eden.aws.clients import AwsClients
from eden.config import build_profile, write_profile
from eden.envs.records import EnvRecord
from eden.sandbox.seed import SeedInfo
from eden.state import SqliteStore
from eden.state.leases import env_key
from eden.wiring import aws_settings, open_engine

pytestmark = pytest.mark.integration
WAKER = "127.0.0.1:18081"  # registered in the waker group; the test calls the apps directly


@dataclass
class Replicas:
    api: str  # the first replica's API
    wakers: list[str]  # each replica's waker
    key: str
    store: SqliteStore
    clients: AwsClients  # every replica's AWS calls
    host: str  # the environment's


@pytest.fixture
def replicas(
    tmp_path: Path, profile_values: dict[str, Any], seeded: SeedInfo
) -> Iterator[Replicas]:
    values = {**profile_values, "sleep": {"waker": WAKER, "cooldown_seconds": 600}}
    config = tmp_path / "eden.toml"
    write_profile(config, "sandbox", values, default=True)
    store = SqliteStore(tmp_path / "state.db")
    _, key = issue_key(store, "writer", "write")
    profile = build_profile("sandbox", values)
    clients = AwsClients(aws_settings(profile))
    with open_engine(profile, store=store, clients=clients, actor="t") as engine:
        made = engine.create("feature/wake", seeded.image_uris[0])
    assert made.record is not None
    with ExitStack() as stack:
        apis, wakers = [], []
        for _ in range(2):
            settings = ApiSettings(config=config, store=store, clients=lambda _p: clients)
            app = create_app(settings)
            apis.append(stack.enter_context(ServerThread(app)).url)
            waker = create_waker_app(app.state.eden.waker)
            wakers.append(stack.enter_context(ServerThread(waker)).url)
        yield Replicas(apis[0], wakers, key, store, clients, made.record.host)
    store.close()


def _record(r: Replicas) -> EnvRecord:
    found = r.store.get("sandbox", "feature-wake")
    assert found is not None
    return found


def _updates(r: Replicas) -> int:
    return sum(1 for c in r.clients.calls() if c.operation == "UpdateService")


def test_fifty_requests_on_two_replicas_wake_once(replicas: Replicas) -> None:
    r = replicas
    with httpx.Client(timeout=30) as http:
        slept = http.put(f"{r.api}/api/v1/sleeping/feature-wake", headers={"x-api-key": r.key})
        assert slept.status_code == 200, slept.text
        assert slept.json()["power"] == "sleeping"
        r.clients.reset_calls()

        def ask(i: int) -> httpx.Response:
            accept = "text/html,application/xhtml+xml" if i % 2 else "application/json"
            return http.get(f"{r.wakers[i % 2]}/some/path?x={i}",
                            headers={"Host": r.host, "Accept": accept})  # fmt: skip

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(ask, range(50)))

        assert {a.status_code for a in answers} == {503}
        assert all(a.headers["Retry-After"] == "5" for a in answers)
        pages = [a for i, a in enumerate(answers) if i % 2]
        assert all(f"<h1>Waking up {r.host}</h1>" in a.text for a in pages)
        assert all('http-equiv="refresh"' in a.text for a in pages)
        assert answers[0].text == f"{r.host} is waking up; retry in a few seconds\n"
        _wait_awake(r)  # woken in the background by the one request that took the lease
        assert _updates(r) == 1
        rule = r.clients.client("elbv2").describe_rules(RuleArns=[_record(r).services[0].rule_arn])
        forward = rule["Rules"][0]["Actions"][-1]
        assert forward["TargetGroupArn"] == _record(r).services[0].target_group_arn
        metrics = http.get(f"{r.api}/metrics", headers={"x-api-key": r.key}).text
        assert 'eden_environments{profile="sandbox",power="awake"} 1' in metrics
        # A wake after the environment is awake again: nothing more to do.
        again = http.get(f"{r.wakers[0]}/", headers={"Host": r.host})
        assert again.status_code == 503 and _updates(r) == 1


def _wait_awake(r: Replicas, timeout: float = 30.0) -> None:
    """The replica that woke it restores the rule from its finisher thread, records the
    environment awake, then lets go of its lease: until then another operation gets 409."""
    deadline = time.monotonic() + timeout
    lease = env_key("sandbox", "feature-wake")
    while _record(r).power != "awake" or r.store.lock_info(lease) is not None:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"still {_record(r).power} (lease {r.store.lock_info(lease)}) after {timeout}s")
        time.sleep(0.05)


GARBAGE = [
    "unknown.dev.example.com", "a" * 300, "evil host", "api-feature-wake.dev.example.com:x",
    "xn--" + "b" * 70 + ".example.com", "", "api-feature-wake.dev.example.com/../",
    "other-profile.dev.example.com",  # an environment of a profile this server does not serve
]  # fmt: skip


def test_unknown_or_garbage_hosts_get_404_and_wake_nothing(replicas: Replicas) -> None:
    r = replicas
    theirs = EnvRecord("other", "their-env", "their/env", "other-profile.dev.example.com",
                       "ready", 0.0, extra={"sleep": {"state": "sleeping"}})  # fmt: skip
    r.store.put(theirs)
    writer = {"x-api-key": r.key}
    with httpx.Client(timeout=30) as http:
        http.put(f"{r.api}/api/v1/sleeping/feature-wake", headers=writer)
        r.clients.reset_calls()
        for host in GARBAGE:
            answer = http.get(f"{r.wakers[0]}/", headers={"Host": host})
            assert (answer.status_code, answer.text) == (
                404, "no preview environment has this host\n"), host
        assert r.clients.calls() == []
        assert _record(r).power == "sleeping"
        metrics = http.get(f"{r.api}/metrics", headers=writer).text
        assert f'eden_waker_requests_total{{outcome="unknown-host"}} {len(GARBAGE)}' in metrics
        assert 'eden_environments{profile="sandbox",power="sleeping"} 1' in metrics
        woken = http.delete(f"{r.api}/api/v1/sleeping/feature-wake", headers=writer)
        assert woken.status_code == 200 and woken.json()["power"] == "waking"
        twice = http.delete(f"{r.api}/api/v1/sleeping/feature-wake", headers=writer)
        assert twice.status_code == 200 and twice.json()["power"] == "waking"
        _wait_awake(r)
        awake = http.delete(f"{r.api}/api/v1/sleeping/feature-wake", headers=writer)
        assert awake.status_code == 422
        assert "feature-wake is awake: there is nothing to wake" in awake.text


def _alb_event(host: str, path: str = "/some/path", accept: str = "text/html") -> dict[str, Any]:
    """What an ALB sends a Lambda target (multi-value headers off, the default)."""
    group = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/eden-waker-1/2"
    return {
        "requestContext": {"elb": {"targetGroupArn": group}},
        "httpMethod": "GET",
        "path": path,
        "queryStringParameters": {"x": "1"},
        "headers": {"host": host, "accept": accept, "user-agent": "test",
                    "x-forwarded-for": "127.0.0.1", "x-forwarded-port": "443",
                    "x-forwarded-proto": "https"},
        "body": "",
        "isBase64Encoded": False,
    }  # fmt: skip


class _LambdaContext:
    function_name = "eden-waker"
    aws_request_id = "r-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def test_the_lambda_waker_answers_alb_events_and_wakes_once(
    replicas: Replicas, tmp_path: Path
) -> None:
    """The waker on Lambda: an ALB event for the sleeping host gets the waking page and
    wakes it before answering (Lambda runs nothing after the answer); an unknown host 404."""
    from eden.api.lambda_handler import waker_adapter

    r = replicas
    with httpx.Client(timeout=30) as http:
        slept = http.put(f"{r.api}/api/v1/sleeping/feature-wake", headers={"x-api-key": r.key})
        assert slept.status_code == 200, slept.text
    settings = ApiSettings(config=tmp_path / "eden.toml", store=r.store,
                           clients=lambda _p: r.clients)  # fmt: skip
    handler = waker_adapter(settings)
    r.clients.reset_calls()

    unknown = handler(_alb_event("nobody.dev.example.com"), _LambdaContext())
    assert (unknown["statusCode"], unknown["body"]) == (
        404, "no preview environment has this host\n")
    assert r.clients.calls() == []
    answer = handler(_alb_event(r.host), _LambdaContext())

    assert answer["statusCode"] == 503
    assert answer["headers"]["retry-after"] == "5"
    assert f"<h1>Waking up {r.host}</h1>" in answer["body"]
    assert _updates(r) == 1
    assert _record(r).power == "awake"  # moto's targets are healthy at once: finished too
    again = handler(_alb_event(r.host, accept="application/json"), _LambdaContext())
    assert again["statusCode"] == 503 and _updates(r) == 1


def test_the_scheduled_sweep_sleeps_an_idle_environment_of_each_profile_with_a_waker(
    replicas: Replicas, tmp_path: Path
) -> None:
    """deploy/template.yaml's SleepSweepFunction: `eden sleep --idle` for every profile
    with a waker; two hours without a request put the environment to sleep."""
    from eden.api.lambda_handler import run_sweeps

    r = replicas
    settings = ApiSettings(config=tmp_path / "eden.toml", store=r.store,
                           clients=lambda _p: r.clients)  # fmt: skip
    registry = Registry(settings)
    try:
        report = run_sweeps(registry, now=time.time() + 2 * 3600)
    finally:
        registry.close()
    assert report["errors"] == {}
    assert report["profiles"]["sandbox"]["slept"] == ["feature-wake"]
    assert _record(r).power == "sleeping"
