"""A pull request's life as GitHub shows it: deployments, statuses, the sticky comment
and the check, through opened -> synchronize -> closed, and reopened after a close."""

from __future__ import annotations

from typing import Any

import pytest
from payloads import pull_request

from conftest import REPO

pytestmark = pytest.mark.integration

SHA1 = "1" * 40
SHA2 = "2" * 40
HOST = "https://api-changes.dev.example.com"


def _check(hub: Any, sha: str) -> tuple[str, str | None, str]:
    runs = hub.gh.checks(REPO, sha)
    assert len(runs) == 1, runs  # one check run per commit, updated in place
    return runs[0]["status"], runs[0]["conclusion"], runs[0]["output"]["title"]


@pytest.mark.parametrize("merged", [True, False])
def test_opened_synchronize_closed(hub: Any, merged: bool) -> None:
    image1, image2 = hub.push(SHA1), hub.push(SHA2)
    op = hub.done(hub.send(pull_request("opened", SHA1)))
    assert op["status"] == "succeeded", op
    assert op["result"]["ready"] is True
    assert hub.gh.previews(REPO, 2) == [
        {
            "sha": SHA1,
            "id": hub.gh.previews(REPO, 2)[0]["id"],
            "transient": True,
            "production": False,
            "states": ["in_progress", "success"],
            "url": HOST,
        }
    ]
    assert _check(hub, SHA1) == ("completed", "success", "Preview ready")
    [sticky] = hub.gh.sticky(REPO, 2)
    assert "### eden preview: ready" in sticky["body"]
    assert f"| URL | {HOST} |" in sticky["body"] and f"`{image1}`" in sticky["body"]
    assert "| Commit | `1111111` |" in sticky["body"]

    op = hub.done(hub.send(pull_request("synchronize", SHA2)))
    assert op["status"] == "succeeded" and op["result"]["operation"] == "deploy", op
    first, second = hub.gh.previews(REPO, 2)
    assert first["states"] == ["in_progress", "success", "inactive"]  # superseded
    assert second["sha"] == SHA2 and second["states"] == ["in_progress", "success"]
    assert _check(hub, SHA2) == ("completed", "success", "Preview ready")
    [sticky_again] = hub.gh.sticky(REPO, 2)
    assert sticky_again["id"] == sticky["id"]  # edited in place
    assert f"`{image2}`" in sticky_again["body"] and "`2222222`" in sticky_again["body"]

    op = hub.done(hub.send(pull_request("closed", SHA2, merged=merged)))
    assert op["status"] == "succeeded", op
    assert hub.env("changes").status_code == 404
    assert [d["states"][-1] for d in hub.gh.previews(REPO, 2)] == ["inactive", "inactive"]
    assert _check(hub, SHA2) == ("completed", "neutral", "Preview deleted")
    [gone] = hub.gh.sticky(REPO, 2)
    assert gone["id"] == sticky["id"]
    assert "### eden preview: deleted" in gone["body"]
    assert ("merged." if merged else "closed.") in gone["body"]


def test_reopened_after_close_serves_again(hub: Any) -> None:
    hub.push(SHA1)
    assert hub.done(hub.send(pull_request("opened", SHA1)))["status"] == "succeeded"
    assert hub.done(hub.send(pull_request("closed", SHA1)))["status"] == "succeeded"
    op = hub.done(hub.send(pull_request("reopened", SHA1)))
    assert op["status"] == "succeeded" and op["result"]["operation"] == "create", op
    [deployment] = hub.gh.previews(REPO, 2)  # the commit's deployment, used again
    assert deployment["states"] == ["in_progress", "success", "inactive", "in_progress", "success"]
    assert _check(hub, SHA1) == ("completed", "success", "Preview ready")
    [sticky] = hub.gh.sticky(REPO, 2)
    assert "### eden preview: ready" in sticky["body"]


def test_a_failed_deploy_says_what_failed_and_the_next_push_repairs_it(hub: Any) -> None:
    op = hub.done(hub.send(pull_request("opened", SHA1)))  # CI has not pushed the image
    assert op["status"] == "failed"
    [deployment] = hub.gh.previews(REPO, 2)
    assert deployment["states"] == ["in_progress", "failure"] and deployment["url"] == ""
    statuses = hub.gh.state.statuses[deployment["id"]]
    assert statuses[0]["description"] == (
        f"Failed: image 123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-world:{SHA1} "
        "does not exist in ECR"
    )
    run = hub.gh.checks(REPO, SHA1)[0]
    assert run["conclusion"] == "failure" and "does not exist in ECR" in run["output"]["summary"]
    assert "### eden preview: failed" in hub.gh.sticky(REPO, 2)[0]["body"]

    hub.push(SHA2)
    assert hub.done(hub.send(pull_request("synchronize", SHA2)))["status"] == "succeeded"
    first, second = hub.gh.previews(REPO, 2)
    assert first["states"] == ["in_progress", "failure"]  # failure is not live: left as is
    assert second["states"] == ["in_progress", "success"]
    assert "### eden preview: ready" in hub.gh.sticky(REPO, 2)[0]["body"]


def test_success_waits_for_ready_and_a_preview_that_never_serves_fails(
    hub_factory: Any, aws_model_timings: Any
) -> None:
    aws_model_timings.start_seconds = 600  # tasks never start within the test
    hub = hub_factory(ready_timeout=0.5)
    hub.push(SHA1)
    op = hub.done(hub.send(pull_request("opened", SHA1)))
    assert op["status"] == "failed" and op["error"]["error"] == "NotReady", op
    [deployment] = hub.gh.previews(REPO, 2)
    assert deployment["states"] == ["in_progress", "failure"]  # never "success"
    description = hub.gh.state.statuses[deployment["id"]][0]["description"]
    assert description.startswith("Failed: ") and "is not ready after" in description
    assert hub.gh.checks(REPO, SHA1)[0]["conclusion"] == "failure"
