"""GitHub pull_request deliveries: signed, unsigned, forged; open, push, close; others."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from api_github_payloads import encode, pull_request_payload
from api_helpers import wait_for

from eden.api.webhooks import signature

pytestmark = pytest.mark.integration

SECRET = "It's a Secret to Everybody"  # the api fixture's webhook secret
HOOK = "/api/v1/webhooks/github"
SHA = "9f1c2e3d4b5a69788796a5b4c3d2e1f0a1b2c3d4"


def deliver(
    api: Any,
    payload: dict[str, Any],
    *,
    event: str = "pull_request",
    secret: str | None = SECRET,
    delivery: str | None = None,
    raw: bytes | None = None,
) -> Any:
    body = raw if raw is not None else encode(payload)
    headers = {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/abc1234",
        "x-github-event": event,
        "x-github-delivery": delivery or str(uuid.uuid4()),
        "x-github-hook-id": "123456789",
    }
    if secret is not None:
        headers["x-hub-signature-256"] = signature(secret, body)
        headers["x-hub-signature"] = "sha1=ignored-by-eden"
    return api.client.post(HOOK, content=body, headers=headers)


def test_pull_request_lifecycle(api: Any) -> None:
    image = api.push_image(SHA)
    r = deliver(api, pull_request_payload("opened", "feature/hook", SHA))
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "accepted" and r.json()["action"] == "deploy"
    op = wait_for(api.client, r.json()["operation"]["href"], api.as_reader())
    assert op["status"] == "succeeded", op
    assert op["source"] == "webhook" and op["detail"]["number"] == 42
    env = api.client.get("/api/v1/environments/feature/hook", headers=api.as_reader()).json()
    assert env["image"] == image

    new_sha = "a" * 40
    new_image = api.push_image(new_sha)
    r = deliver(api, pull_request_payload("synchronize", "feature/hook", new_sha))
    assert r.status_code == 202
    op = wait_for(api.client, r.json()["operation"]["href"], api.as_reader())
    assert op["status"] == "succeeded" and op["result"]["operation"] == "deploy"
    env = api.client.get("/api/v1/environments/feature/hook", headers=api.as_reader()).json()
    assert env["image"] == new_image

    r = deliver(api, pull_request_payload("closed", "feature/hook", new_sha, merged=True))
    assert r.status_code == 202 and r.json()["action"] == "delete"
    op = wait_for(api.client, r.json()["operation"]["href"], api.as_reader())
    assert op["status"] == "succeeded" and op["detail"]["merged"] is True
    gone = api.client.get("/api/v1/environments/feature/hook", headers=api.as_reader())
    assert gone.status_code == 404

    r = deliver(api, pull_request_payload("reopened", "feature/hook", new_sha))
    assert wait_for(api.client, r.json()["operation"]["href"], api.as_reader())["status"] == (
        "succeeded"
    )
    r = deliver(api, pull_request_payload("closed", "feature/hook", new_sha, merged=False))
    assert wait_for(api.client, r.json()["operation"]["href"], api.as_reader())["status"] == (
        "succeeded"
    )
    metrics = api.client.get("/metrics", headers=api.as_reader()).text
    assert 'eden_webhooks_total{event="pull_request",outcome="deploy"} 3' in metrics


def test_signatures(api: Any) -> None:
    payload = pull_request_payload("opened", "feature/forged", SHA)
    body = encode(payload)
    missing = deliver(api, payload, secret=None)
    wrong_secret = deliver(api, payload, secret="guess")
    tampered_body = body.replace(b"feature/forged", b"feature/evil")
    tampered = api.client.post(
        HOOK,
        content=tampered_body,
        headers={
            "x-github-event": "pull_request",
            "x-hub-signature-256": signature(SECRET, body),
            "content-type": "application/json",
        },
    )
    sha1_only = api.client.post(
        HOOK, content=body, headers={"x-github-event": "pull_request", "x-hub-signature": "sha1=0"}
    )
    for r in (missing, wrong_secret, tampered, sha1_only):
        assert r.status_code == 401, r.text
        assert "X-Hub-Signature-256" in r.json()["message"]
    assert api.client.get("/api/v1/operations", headers=api.as_reader()).json()["operations"] == []


def test_other_events_and_actions_are_ignored_politely(api: Any) -> None:
    ping = deliver(api, {"zen": "Keep it logically awesome.", "hook_id": 1}, event="ping")
    assert ping.status_code == 200 and ping.json()["message"] == "pong"
    push = deliver(api, {"ref": "refs/heads/main"}, event="push")
    assert push.status_code == 202 and push.json()["status"] == "ignored"
    assert "push" in push.json()["reason"]
    for action in ("labeled", "edited", "assigned", "review_requested"):
        r = deliver(api, pull_request_payload(action, "feature/x", SHA))
        assert r.status_code == 202 and r.json()["status"] == "ignored", r.text
        assert action in r.json()["reason"]
    assert api.client.get("/api/v1/operations", headers=api.as_reader()).json()["operations"] == []


def test_redelivery_runs_once_and_bad_payloads_are_refused(api: Any) -> None:
    api.push_image(SHA)
    payload = pull_request_payload("opened", "feature/again", SHA)
    first = deliver(api, payload, delivery="d-1")
    second = deliver(api, payload, delivery="d-1")
    assert second.json()["redelivery"] is True
    assert second.json()["operation"]["id"] == first.json()["operation"]["id"]
    wait_for(api.client, first.json()["operation"]["href"], api.as_reader())

    not_json = deliver(api, {}, raw=b"payload=%7B%7D")  # form-encoded, a common misconfig
    assert not_json.status_code == 400 and "JSON" in not_json.json()["message"]
    no_head = deliver(api, {"action": "opened", "number": 1, "pull_request": {}})
    assert no_head.status_code == 400 and "pull_request.head" in no_head.json()["message"]
    bad_branch = deliver(api, pull_request_payload("opened", "feature/has space", SHA))
    assert bad_branch.status_code == 422 and "branch" in bad_branch.json()["message"]
    unknown = api.client.post(
        HOOK + "?profile=nope",
        content=encode(payload),
        headers={
            "x-github-event": "pull_request",
            "x-hub-signature-256": signature(SECRET, encode(payload)),
        },
    )
    assert unknown.status_code == 404
    ops = api.client.get("/api/v1/operations", headers=api.as_reader()).json()["operations"]
    assert len(ops) == 1
