"""Webhook deliveries as real repositories send them: forks, long descriptions, repository
names with capitals, commits GitHub has not filled in.

Each test here failed before eden keyed environments by repository and pull request,
took GitHub-sized payloads, and lowered repository names in the image template.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_github_payloads import encode, pull_request_payload
from api_helpers import wait_for
from test_api_webhooks import HOOK, SHA, deliver

from eden.sandbox.seed import sandbox_clients

pytestmark = pytest.mark.integration

OTHER_SHA = "b" * 40


def _done(api: Any, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted", response.text
    return wait_for(api.client, response.json()["operation"]["href"], api.as_reader())


def _env(api: Any, name: str) -> Any:
    return api.client.get(f"/api/v1/environments/{name}", headers=api.as_reader())


def test_a_fork_pr_is_ignored_and_its_close_deletes_nothing_of_the_repository_pr(
    api: Any,
) -> None:
    image = api.push_image(SHA)
    own = _done(api, deliver(api, pull_request_payload("opened", "changes", SHA, number=1)))
    assert own["status"] == "succeeded", own
    fork_open = deliver(
        api, pull_request_payload("opened", "changes", OTHER_SHA, number=2, fork_owner="mallory")
    )
    assert fork_open.status_code == 202 and fork_open.json()["status"] == "ignored"
    assert "fork" in fork_open.json()["reason"] and "allow_forks" in fork_open.json()["reason"]
    # Closing the fork's PR (its image never pushed) must not delete PR #1's environment.
    closed = _done(
        api,
        deliver(
            api,
            pull_request_payload("closed", "changes", OTHER_SHA, number=2, fork_owner="mallory"),
        ),
    )
    assert closed["status"] == "succeeded", closed
    assert closed["result"]["messages"] == [
        "no environment for github:acme/api#2: nothing to delete"
    ]
    env = _env(api, "changes")
    assert env.status_code == 200 and env.json()["image"] == image
    assert env.json()["origin"] == "github:acme/api#1"


def test_an_allowed_fork_gets_its_own_environment_and_host(api_allowing_forks: Any) -> None:
    api = api_allowing_forks
    api.push_image(SHA)
    fork_image = api.push_image(OTHER_SHA)
    _done(api, deliver(api, pull_request_payload("opened", "changes", SHA, number=1)))
    fork = pull_request_payload("opened", "changes", OTHER_SHA, number=2, fork_owner="mallory")
    waiting = deliver(api, fork)  # allowed forks still wait for a maintainer's label
    assert waiting.json()["status"] == "ignored" and "label 'preview'" in waiting.json()["reason"]
    label = {"id": 7, "name": "preview", "color": "0e8a16", "default": False}
    fork = {**fork, "action": "labeled", "label": label}
    fork["pull_request"] = {**fork["pull_request"], "labels": [label]}
    op = _done(api, deliver(api, fork))
    assert op["status"] == "succeeded", op
    assert op["result"]["url"] == "https://api-mallory-changes.dev.example.com"
    assert _env(api, "mallory-changes").json()["image"] == fork_image
    assert _env(api, "changes").json()["image"] != fork_image
    fork["action"] = "closed"
    assert _done(api, deliver(api, fork))["status"] == "succeeded"
    assert _env(api, "mallory-changes").status_code == 404
    assert _env(api, "changes").status_code == 200


def test_an_environment_made_before_origins_is_found_by_its_pull_request(api: Any) -> None:
    image = api.push_image(SHA)
    made = api.client.put(
        "/api/v1/environments/legacy", json={"image": image}, headers=api.as_writer()
    )
    assert made.status_code == 201, made.text
    assert made.json()["record"]["origin"] is None
    _done(api, deliver(api, pull_request_payload("synchronize", "legacy", SHA, number=9)))
    assert _env(api, "legacy").json()["origin"] == "github:acme/api#9"
    closed = _done(api, deliver(api, pull_request_payload("closed", "legacy", SHA, number=9)))
    assert closed["status"] == "succeeded" and closed["result"]["plan"]["steps"] != []
    assert _env(api, "legacy").status_code == 404


def test_a_long_description_neither_blocks_the_environment_nor_keeps_it(api: Any) -> None:
    api.push_image(SHA)
    description = "Läuft schneller. " * 3600  # 61,200 characters, as the review sent
    opened = pull_request_payload("opened", "feature/long-text", SHA, description=description)
    assert len(encode(opened)) > 64 * 1024
    assert _done(api, deliver(api, opened))["status"] == "succeeded"
    opened["action"] = "closed"
    closed = _done(api, deliver(api, opened))
    assert closed["status"] == "succeeded" and closed["result"]["plan"]["steps"] != []
    assert _env(api, "feature-long-text").status_code == 404


def test_body_limits_are_per_route(api: Any) -> None:
    put = api.client.put(
        "/api/v1/environments/feature/big",
        content=b'{"image": "' + b"a" * 70_000 + b'"}',
        headers={**api.as_writer(), "content-type": "application/json"},
    )
    assert put.status_code == 413 and "65536 bytes" in put.json()["message"]
    over = api.client.post(
        HOOK,
        content=b"{" + b" " * (25 * 1024 * 1024) + b"}",
        headers={"x-github-event": "pull_request", "content-type": "application/json"},
    )
    assert over.status_code == 413 and "26214400 bytes" in over.json()["message"]
    nested = b"[" * 100_000 + b"]" * 100_000
    deep = deliver(api, {}, raw=nested)
    assert deep.status_code == 400 and "not JSON" in deep.json()["message"]


def test_image_template_lowers_the_repository_and_refuses_a_missing_commit(api: Any) -> None:
    ecr = sandbox_clients(api.moto_url).client("ecr")
    ecr.create_repository(repositoryName="hello-world")
    image = api.push_image(SHA, repository="hello-world")
    payload = pull_request_payload("opened", "feature/caps", SHA, repo="Hello-World")
    op = _done(api, deliver(api, payload))
    assert op["status"] == "succeeded", op
    assert _env(api, "feature-caps").json()["image"] == image

    payload = pull_request_payload("opened", "feature/no-sha", SHA, number=43)
    payload["pull_request"]["head"]["sha"] = None
    op = _done(api, deliver(api, payload))
    assert op["status"] == "failed"
    assert op["error"]["message"] == (
        "the pull request's head commit is None, not a commit SHA"
    )
    assert _env(api, "feature-no-sha").status_code == 404
