"""REST v1 over HTTP against moto: create, deploy, read, list, delete, and 202 + poll."""

from __future__ import annotations

import time
from typing import Any

import pytest
from api_helpers import wait_for

pytestmark = pytest.mark.integration


def test_put_creates_then_deploys_then_delete(api: Any) -> None:
    images = api.seeded.image_uris
    r = api.client.put(
        "/api/v1/environments/feature/login",
        json={"image": images[0], "env": {"LOG_LEVEL": "debug"}},
        headers=api.as_writer(),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["operation"] == "create"
    assert body["env"] == "feature-login"
    assert body["url"] == "https://api-feature-login.dev.example.com"
    assert body["plan"]["steps"], "the plan that ran is in the answer"
    assert body["seconds"] >= 0 and all("seconds" in s for s in body["steps"])
    assert body["record"]["status"] == "ready"

    again = api.client.put(
        "/api/v1/environments/feature/login", json={"image": images[1]}, headers=api.as_writer()
    )
    assert again.status_code == 200, again.text
    assert again.json()["operation"] == "deploy"

    one = api.client.get("/api/v1/environments/feature/login", headers=api.as_reader())
    assert one.status_code == 200
    assert one.json()["image"] == images[1]
    assert [e["action"] for e in one.json()["events"]][:2] in (
        ["deploy", "create"],
        ["create", "deploy"],
    )
    listed = api.client.get("/api/v1/environments", headers=api.as_reader()).json()
    assert [e["branch"] for e in listed["environments"]] == ["feature/login"]
    assert listed["profiles"] == ["sandbox"]
    by_profile = api.client.get(
        "/api/v1/environments", params={"profile": "sandbox"}, headers=api.as_reader()
    )
    assert len(by_profile.json()["environments"]) == 1

    gone = api.client.delete("/api/v1/environments/feature/login", headers=api.as_writer())
    assert gone.status_code == 200, gone.text
    assert gone.json()["operation"] == "delete"
    assert gone.json()["plan"]["steps"]
    missing = api.client.get("/api/v1/environments/feature/login", headers=api.as_reader())
    assert missing.status_code == 404
    assert "feature/login" in missing.json()["message"]
    again_gone = api.client.delete("/api/v1/environments/feature/login", headers=api.as_writer())
    assert again_gone.status_code == 200
    assert "already deleted" in again_gone.json()["messages"][0]


def test_name_in_query_and_encoded_slash(api: Any) -> None:
    image = api.seeded.image_uris[0]
    r = api.client.put(
        "/api/v1/environments",
        params={"name": "fix/a-b"},
        json={"image": image},
        headers={"Authorization": f"Bearer {api.write_key}"},
    )
    assert r.status_code == 201, r.text
    encoded = api.client.get("/api/v1/environments/fix%2Fa-b", headers=api.as_reader())
    assert encoded.status_code == 200
    assert encoded.json()["branch"] == "fix/a-b"
    by_query = api.client.delete(
        "/api/v1/environments", params={"name": "fix/a-b"}, headers=api.as_writer()
    )
    assert by_query.status_code == 200


def test_dry_run_changes_nothing(api: Any) -> None:
    r = api.client.put(
        "/api/v1/environments/feature/dry",
        json={"image": api.seeded.image_uris[0], "dry_run": True},
        headers=api.as_writer(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["dry_run"] is True
    assert r.json()["plan"]["steps"]
    listed = api.client.get("/api/v1/environments", headers=api.as_reader()).json()
    assert listed["environments"] == []


def test_wait_false_answers_202_and_the_operation_can_be_polled(api: Any) -> None:
    r = api.client.put(
        "/api/v1/environments/feature/async",
        params={"wait": "false"},
        json={"image": api.seeded.image_uris[0]},
        headers=api.as_writer(),
    )
    assert r.status_code == 202, r.text
    op = r.json()
    assert r.headers["location"] == op["href"] == f"/api/v1/operations/{op['id']}"
    assert op["status"] in ("queued", "running", "succeeded")
    done = wait_for(api.client, op["href"], api.as_reader())
    assert done["status"] == "succeeded", done
    assert done["result"]["operation"] == "create"
    assert done["http_status"] == 201
    recent = api.client.get("/api/v1/operations", headers=api.as_reader()).json()
    assert recent["operations"][0]["id"] == op["id"]

    d = api.client.delete(
        "/api/v1/environments/feature/async", params={"wait": "false"}, headers=api.as_writer()
    )
    assert d.status_code == 202
    assert wait_for(api.client, d.json()["href"], api.as_reader())["status"] == "succeeded"
    assert api.client.get("/api/v1/operations/nope", headers=api.as_reader()).status_code == 404


def test_failed_background_operation_is_recorded(api: Any) -> None:
    """An image missing from ECR passes the shape check and fails in the operation."""
    image = api.seeded.image_uris[0].rsplit(":", 1)[0] + ":not-pushed"
    r = api.client.put(
        "/api/v1/environments/feature/missing-image",
        params={"wait": "false"},
        json={"image": image},
        headers=api.as_writer(),
    )
    assert r.status_code == 202
    done = wait_for(api.client, r.json()["href"], api.as_reader())
    assert done["status"] == "failed"
    assert done["http_status"] == 422
    assert "does not exist" in done["error"]["message"]
    assert (
        api.client.get("/api/v1/environments", headers=api.as_reader()).json()["environments"] == []
    )


def test_healthz_whoami_metrics(api: Any) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"
    me = api.client.get("/api/v1/whoami", headers=api.as_reader()).json()
    assert me["scope"] == "read" and me["name"] == "reader" and "secret_hash" not in me
    api.client.put(
        "/api/v1/environments/feature/m",
        json={"image": api.seeded.image_uris[0]},
        headers=api.as_writer(),
    )
    text = api.client.get("/metrics", headers=api.as_reader()).text
    assert 'eden_operations_total{operation="create",result="ok",source="api"} 1' in text
    assert "eden_operation_seconds_bucket" in text
    assert 'route="/api/v1/environments/{name:path}"' in text
    docs = api.client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "/api/v1/create" in api.client.get("/openapi.json").json()["paths"]


def test_pin_and_unpin(api: Any) -> None:
    image = api.seeded.image_uris[0]
    r = api.client.put(
        "/api/v1/environments/feature/pin-me", json={"image": image}, headers=api.as_writer()
    )
    assert r.status_code == 201, r.text
    shown = api.client.get("/api/v1/environments/feature/pin-me", headers=api.as_reader()).json()
    assert shown["pinned"] is False
    assert shown["expires_at"] == shown["last_deploy_at"] + 24 * 3600
    assert api.client.put("/api/v1/pins/feature/pin-me", headers=api.as_reader()).status_code == 403
    pinned = api.client.put("/api/v1/pins/feature/pin-me", headers=api.as_writer())
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["pinned"] is True and pinned.json()["expires_at"] is None
    listed = api.client.get("/api/v1/environments", headers=api.as_reader()).json()
    assert [e["pinned"] for e in listed["environments"]] == [True]
    unpinned = api.client.delete("/api/v1/pins/feature/pin-me", headers=api.as_writer())
    assert unpinned.json()["pinned"] is False
    missing = api.client.put("/api/v1/pins/feature/nope", headers=api.as_writer())
    assert missing.status_code == 404


def test_a_locked_environment_is_409_with_who_holds_it(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDEN_ON_LOCKED", "fail")  # read when the server opens the engine
    assert api.store.acquire_lock("env:sandbox:feature-locked", "ci-42:host", 60, time.time())
    r = api.client.put(
        "/api/v1/environments/feature/locked",
        json={"image": api.seeded.image_uris[0]},
        headers=api.as_writer(),
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "LockedError"
    assert r.json()["message"].startswith("env:sandbox:feature-locked is held by ci-42:host")
