"""REST v1, day two, over HTTP against moto: health, last log lines, drift, and the list's
?status=true; bad input answered with what to do."""

from __future__ import annotations

import time
from typing import Any

import pytest

from eden.sandbox.seed import sandbox_clients
from moto_tasks import add_task

pytestmark = pytest.mark.integration

PULL = "CannotPullContainerError: failed to resolve ref api:nope: not found"


def test_health_logs_diff_and_status_over_http(api: Any) -> None:
    r = api.client.put("/api/v1/environments/feature/api", json={"image": api.seeded.image_uris[0]},
                       headers=api.as_writer())
    assert r.status_code == 201, r.text
    running = add_task(api.seeded.cluster, "eden-feature-api")
    add_task(api.seeded.cluster, "eden-feature-api", status="STOPPED", stopped_reason=PULL,
             stop_code="TaskFailedToStart", exits={"app": (None, PULL)})
    logs = sandbox_clients(api.moto_url).client("logs")
    stream = f"app/app/{running}"
    logs.create_log_stream(logGroupName="/ecs/api", logStreamName=stream)
    logs.put_log_events(logGroupName="/ecs/api", logStreamName=stream, logEvents=[
        {"timestamp": int((time.time() - 2 + i) * 1000), "message": f"line {i}"} for i in range(3)
    ])
    reader = api.as_reader()

    health = api.client.get("/api/v1/health/feature/api", headers=reader)
    assert health.status_code == 200, health.text
    body = health.json()
    assert (body["env"], body["verdict"], body["running"]) == ("feature-api", "healthy", 1)
    assert body["stopped_tasks"][0]["stop"]["text"] == (
        "the image could not be pulled (CannotPullContainerError): failed to resolve ref "
        "api:nope: not found"
    )
    tail = api.client.get("/api/v1/logs/feature/api", params={"limit": 2}, headers=reader)
    assert tail.status_code == 200, tail.text
    assert [x["message"] for x in tail.json()["lines"]] == ["line 1", "line 2"]
    assert tail.json()["truncated"] is True
    assert tail.json()["notes"] == [
        "container log-router has no log configuration: ECS keeps none of its output"]
    drift = api.client.get("/api/v1/diff/feature/api", headers=reader)
    assert drift.status_code == 200 and drift.json()["drifted"] is False
    listed = api.client.get("/api/v1/environments", params={"status": "true"}, headers=reader)
    (env,) = listed.json()["environments"]
    assert env["health"]["verdict"] == "healthy" and env["drift"]["drifted"] is False
    plain = api.client.get("/api/v1/environments", headers=reader).json()["environments"][0]
    assert "health" not in plain  # only when asked: it reads AWS

    for path, params, status, fragment in [
        ("/api/v1/logs/feature/api", {"since": "soon"}, 422, "--since 'soon' is neither"),
        ("/api/v1/logs/feature/api", {"container": "nope"}, 422, "has no container 'nope'"),
        ("/api/v1/logs/feature/api", {"service": "web"}, 422, "has no service 'web'"),
        ("/api/v1/health/feature/none", {}, 404, "no environment 'feature/none'"),
        ("/api/v1/diff/feature/none", {}, 404, "no environment 'feature/none'"),
    ]:
        answer = api.client.get(path, params=params, headers=reader)
        assert (answer.status_code, fragment in answer.json()["message"]) == (status, True), (
            answer.text)
    assert api.client.get("/api/v1/health/feature/api").status_code == 401
