"""Local tasks and the router on an in-process moto server: real nginx processes.

The suite runs moto with local tasks off (stand-in targets); the ``local_tasks`` fixture
switches them on for one test. Each test waits on real signals (the router's answer, a
pid), never on a sleep.
"""

from __future__ import annotations

import os
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sandbox_e2e_helpers import (
    HOST,
    NGINX,
    Sandbox,
    get,
    page_showing,
    raw,
    running,
    task_pids,
    wait_for,
)

from eden.sandbox import aws_model, dataplane, nginx_task, procs
from eden.sandbox.seed import add_shared_albs, sandbox_clients, seed
from eden.sandbox.tasks import TaskSpec

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NGINX is None, reason="nginx binary not installed (apt nginx-light)"),
]


def describe(sandbox: Sandbox, service: str) -> dict[str, object]:
    ecs = sandbox.client("ecs")
    return dict(ecs.describe_services(cluster="sandbox", services=[service])["services"][0])


def test_a_task_starts_after_the_start_delay_and_then_answers(
    local_tasks: Sandbox, engine: object
) -> None:
    local_tasks.model.start_seconds = 30.0
    local_tasks.model.drain_seconds = 60.0  # still DRAINING when looked at after the delete
    image = local_tasks.seed.image_uris[0]
    engine.create("feature/login", image)  # type: ignore[attr-defined]

    before = get(local_tasks.router, HOST)
    assert before.status == 503
    assert "eden-feature-login has no healthy target" in before.body
    service = describe(local_tasks, "eden-feature-login")
    assert service["runningCount"] == 0
    assert service["deployments"][0]["rolloutState"] == "IN_PROGRESS"  # type: ignore[index]
    tasks_dir = local_tasks.plane.settings.tasks_dir
    assert [r.environment for r in nginx_task.read_records(tasks_dir)] == ["api"]  # reference

    local_tasks.model.advance(30.0)
    page = wait_for(
        "the task's page",
        page_showing(local_tasks.router, HOST, environment="feature-login", image=image),
    )
    assert page.headers["x-eden-task"] == page.field("task")
    service = describe(local_tasks, "eden-feature-login")
    assert service["runningCount"] == 1
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"  # type: ignore[index]
    elb = local_tasks.client("elbv2")
    group = service["loadBalancers"][0]["targetGroupArn"]  # type: ignore[index]
    health = elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    assert [(h["Target"]["Id"], h["TargetHealth"]["State"]) for h in health] == [
        ("127.0.0.1", "healthy")
    ]
    pid = next(r.pid for r in nginx_task.read_records(tasks_dir) if r.id == page.field("task"))

    engine.delete("feature/login")  # type: ignore[attr-defined]
    assert get(local_tasks.router, HOST).status == 404
    wait_for("the deleted service's task to stop", lambda: running({pid}) == set())
    service = describe(local_tasks, "eden-feature-login")
    assert (service["status"], service["runningCount"]) == ("DRAINING", 0)


def test_a_task_that_dies_is_replaced(local_tasks: Sandbox, engine: object) -> None:
    engine.create("feature/login", local_tasks.seed.image_uris[0], ready_timeout=20)  # type: ignore[attr-defined]
    first = wait_for("the first task", page_showing(local_tasks.router, HOST))
    tasks_dir = local_tasks.plane.settings.tasks_dir
    record = next(r for r in nginx_task.read_records(tasks_dir) if r.id == first.field("task"))

    os.kill(record.pid, signal.SIGKILL)

    def a_new_task() -> object:
        page = get(local_tasks.router, HOST)
        return page if page.status == 200 and page.field("task") != record.id else None

    replaced = wait_for("a task in place of the killed one", a_new_task)
    assert replaced.field("environment") == "feature-login"  # type: ignore[attr-defined]
    assert running({record.pid}) == set()


def test_bad_requests_get_the_default_or_a_clear_error_never_a_crash(
    local_tasks: Sandbox,
) -> None:
    router = local_tasks.router
    garbage = b"GET / HTTP/1.1\r\nHost: \xff\xfe\x01<>\r\nConnection: close\r\n\r\n"
    assert raw(router, garbage) == b"HTTP/1.1 404 Not Found"
    long_host = b"GET / HTTP/1.1\r\nHost: " + b"a" * 20_000 + b".dev.example.com\r\n\r\n"
    assert raw(router, long_host) == b"HTTP/1.1 404 Not Found"
    no_host = b"GET / HTTP/1.0\r\n\r\n"
    assert raw(router, no_host) == b"HTTP/1.1 404 Not Found"
    too_long = b"GET / HTTP/1.1\r\nHost: " + b"a" * 70_000 + b"\r\n\r\n"
    assert raw(router, too_long) == b"HTTP/1.1 431 Line too long"
    assert raw(router, b"\x16\x03\x01garbage\r\n\r\n").startswith(
        b"HTTP/1.1 400 Bad request syntax"
    )
    chunked = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    assert raw(router, chunked) == b"HTTP/1.1 411 Length Required"
    after = get(router, "nobody.dev.example.com")  # still serving
    assert (after.status, after.body) == (404, "no environment here")


def test_stop_ends_every_task_and_detaches_from_the_model(
    local_tasks: Sandbox, engine: object
) -> None:
    engine.create("feature/login", local_tasks.seed.image_uris[0], ready_timeout=20)  # type: ignore[attr-defined]
    pids = task_pids(local_tasks.plane.settings.tasks_dir)
    assert len(pids) == 2  # the reference service's task and the environment's
    router = local_tasks.router

    local_tasks.plane.stop()

    assert running(pids) == set()
    assert local_tasks.model.local_tasks is False
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        urllib.request.urlopen(router, timeout=5)


def test_a_new_data_plane_stops_the_tasks_a_crashed_one_left(
    tmp_path: Path, aws_model_timings: aws_model.Model
) -> None:
    assert NGINX is not None
    settings = dataplane.PlaneSettings(state_dir=tmp_path, local_tasks=False)
    spec = TaskSpec("orphan", "eden-orphan", "api:v1", "td:1", "/healthz")
    port = procs.free_port()
    orphan = nginx_task.NginxTask.start(NGINX, settings.tasks_dir, "deadbeef", "svc", spec, port)
    try:
        assert nginx_task.wait_answering([orphan], {"deadbeef": "/healthz"}, 10) == {"deadbeef"}
        plane = dataplane.start(aws_model_timings, settings)
        try:
            assert running({orphan.proc.pid}) == set()
            assert list(settings.tasks_dir.iterdir()) == []
            assert aws_model_timings.local_tasks is False  # this plane runs no tasks
        finally:
            plane.stop()
    finally:
        orphan.stop()


def test_local_tasks_are_off_unless_a_test_asks(moto_server: str, tmp_path: Path) -> None:
    info = seed(sandbox_clients(moto_server))
    elb = sandbox_clients(moto_server).client("elbv2")
    health = elb.describe_target_health(TargetGroupArn=info.reference_target_group_arn)
    ids = [h["Target"]["Id"] for h in health["TargetHealthDescriptions"]]
    assert len(ids) == 1 and ids[0].startswith(aws_model.STAND_IN_PREFIX)


def test_the_router_follows_rule_changes_on_the_next_request(
    local_tasks: Sandbox, engine: object
) -> None:
    engine.create("feature/login", local_tasks.seed.image_uris[0], ready_timeout=20)  # type: ignore[attr-defined]
    wait_for("the task's page", page_showing(local_tasks.router, HOST))
    elb = local_tasks.client("elbv2")
    rules = elb.describe_rules(ListenerArn=local_tasks.seed.listener_arn)["Rules"]
    rule = next(r for r in rules if not r["IsDefault"])
    teapot = {"StatusCode": "418", "ContentType": "text/plain", "MessageBody": "paused"}

    elb.modify_rule(
        RuleArn=rule["RuleArn"], Actions=[{"Type": "fixed-response", "FixedResponseConfig": teapot}]
    )
    assert (get(local_tasks.router, HOST).status, get(local_tasks.router, HOST).body) == (
        418,
        "paused",
    )
    elb.modify_rule(RuleArn=rule["RuleArn"], Actions=rule["Actions"])
    assert get(local_tasks.router, HOST).field("environment") == "feature-login"
    elb.set_rule_priorities(RulePriorities=[{"RuleArn": rule["RuleArn"], "Priority": 7}])
    assert get(local_tasks.router, HOST).field("environment") == "feature-login"
    elb.delete_rule(RuleArn=rule["RuleArn"])
    assert get(local_tasks.router, HOST).status == 404


def test_tasks_that_cannot_start_leave_moto_and_the_router_answering(
    moto_server: str,
    aws_model_timings: aws_model.Model,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = dataplane.PlaneSettings(state_dir=tmp_path, nginx="/bin/false")
    plane = dataplane.start(aws_model_timings, settings)
    try:
        seed(sandbox_clients(moto_server))  # its reference service wants 1 task

        def failed_twice() -> list[str] | None:
            messages = [r.getMessage() for r in caplog.records]
            found = [m for m in messages if "exited with code 1" in m]
            return found if len(found) >= 2 else None

        failures = wait_for("two failed starts, logged", failed_twice)
        assert "trying again in 0.5s" in failures[0] and "trying again in 1.0s" in failures[1]
        ecs = sandbox_clients(moto_server).client("ecs")
        service = ecs.describe_services(cluster="sandbox", services=["api"])["services"][0]
        assert (service["runningCount"], service["deployments"][0]["rolloutState"]) == (
            0,
            "IN_PROGRESS",
        )
        assert get(plane.router.url, "nobody.dev.example.com").status == 404
    finally:
        plane.stop()


def test_the_router_follows_every_alb_of_the_pool(local_tasks: Sandbox) -> None:
    clients = sandbox_clients(local_tasks.url)
    pool = add_shared_albs(clients, local_tasks.seed, 2)
    second = pool.pool_listener_arns[1]
    answer = {"StatusCode": "200", "ContentType": "text/plain", "MessageBody": "second ALB"}
    clients.client("elbv2").create_rule(
        ListenerArn=second,
        Priority=1,
        Conditions=[{"Field": "host-header", "Values": ["api-pool.dev.example.com"]}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": answer}],
    )
    on_second = get(local_tasks.router, "api-pool.dev.example.com")
    assert (on_second.status, on_second.body) == (200, "second ALB")
    nowhere = get(local_tasks.router, "api-nowhere.dev.example.com")
    assert (nowhere.status, nowhere.body) == (404, "no environment here")
