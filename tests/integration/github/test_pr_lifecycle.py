"""A pull request's life as GitHub shows it: deployments, statuses, the sticky comment
and the check, through opened -> synchronize -> closed, and reopened after a close."""

from __future__ import annotations

from typing import Any

import pytest
from payloads import REPO

pytestmark = pytest.mark.integration


def _check(hub: Any, sha: str) -> tuple[str, str | None, str]:
    runs = hub.gh.checks(REPO, sha)
    assert len(runs) == 1, runs  # one check run per commit, updated in place
    return runs[0]["status"], runs[0]["conclusion"], runs[0]["output"]["title"]


@pytest.mark.parametrize("merged", [True, False])
def test_opened_synchronize_closed(hub: Any, merged: bool) -> None:
    image1, image2 = hub.push(hub.sha(1)), hub.push(hub.sha(2))
    op = hub.done(hub.send(hub.pr("opened", hub.sha(1))))
    assert op["status"] == "succeeded", op
    assert op["result"]["ready"] is True
    assert hub.gh.previews(REPO, hub.number) == [
        {
            "sha": hub.sha(1),
            "id": hub.gh.previews(REPO, hub.number)[0]["id"],
            "transient": True,
            "production": False,
            "states": ["in_progress", "success"],
            "url": hub.host,
        }
    ]
    assert _check(hub, hub.sha(1)) == ("completed", "success", "Preview ready")
    [sticky] = hub.gh.sticky(REPO, hub.number)
    assert "### eden preview: ready" in sticky["body"]
    assert f"| URL | {hub.host} |" in sticky["body"] and f"`{image1}`" in sticky["body"]
    assert f"| Commit | `{hub.sha(1)[:7]}` |" in sticky["body"]

    op = hub.done(hub.send(hub.pr("synchronize", hub.sha(2))))
    assert op["status"] == "succeeded" and op["result"]["operation"] == "deploy", op
    first, second = hub.gh.previews(REPO, hub.number)
    assert first["states"] == ["in_progress", "success", "inactive"]  # superseded
    assert second["sha"] == hub.sha(2) and second["states"] == ["in_progress", "success"]
    assert _check(hub, hub.sha(2)) == ("completed", "success", "Preview ready")
    [sticky_again] = hub.gh.sticky(REPO, hub.number)
    assert sticky_again["id"] == sticky["id"]  # edited in place
    assert f"`{image2}`" in sticky_again["body"] and f"`{hub.sha(2)[:7]}`" in sticky_again["body"]

    op = hub.done(hub.send(hub.pr("closed", hub.sha(2), merged=merged)))
    assert op["status"] == "succeeded", op
    assert hub.env(hub.branch).status_code == 404
    assert [d["states"][-1] for d in hub.gh.previews(REPO, hub.number)] == ["inactive", "inactive"]
    assert _check(hub, hub.sha(2)) == ("completed", "neutral", "Preview deleted")
    [gone] = hub.gh.sticky(REPO, hub.number)
    assert gone["id"] == sticky["id"]
    assert "### eden preview: deleted" in gone["body"]
    assert ("merged." if merged else "closed.") in gone["body"]


def test_reopened_after_close_serves_again(hub: Any) -> None:
    hub.push(hub.sha(1))
    assert hub.done(hub.send(hub.pr("opened", hub.sha(1))))["status"] == "succeeded"
    assert hub.done(hub.send(hub.pr("closed", hub.sha(1))))["status"] == "succeeded"
    op = hub.done(hub.send(hub.pr("reopened", hub.sha(1))))
    assert op["status"] == "succeeded" and op["result"]["operation"] == "create", op
    [deployment] = hub.gh.previews(REPO, hub.number)  # the commit's deployment, used again
    assert deployment["states"] == ["in_progress", "success", "inactive", "in_progress", "success"]
    assert _check(hub, hub.sha(1)) == ("completed", "success", "Preview ready")
    [sticky] = hub.gh.sticky(REPO, hub.number)
    assert "### eden preview: ready" in sticky["body"]


def test_a_failed_deploy_says_what_failed_and_the_next_push_repairs_it(hub: Any) -> None:
    op = hub.done(hub.send(hub.pr("opened", hub.sha(1))))  # CI has not pushed the image
    assert op["status"] == "failed"
    [deployment] = hub.gh.previews(REPO, hub.number)
    assert deployment["states"] == ["in_progress", "failure"] and deployment["url"] == ""
    statuses = hub.gh.state.statuses[deployment["id"]]
    assert statuses[0]["description"] == (
        f"Failed: image 123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-world:{hub.sha(1)} "
        "does not exist in ECR"
    )
    run = hub.gh.checks(REPO, hub.sha(1))[0]
    assert run["conclusion"] == "failure" and "does not exist in ECR" in run["output"]["summary"]
    assert "### eden preview: failed" in hub.gh.sticky(REPO, hub.number)[0]["body"]

    hub.push(hub.sha(2))
    assert hub.done(hub.send(hub.pr("synchronize", hub.sha(2))))["status"] == "succeeded"
    first, second = hub.gh.previews(REPO, hub.number)
    assert first["states"] == ["in_progress", "failure"]  # failure is not live: left as is
    assert second["states"] == ["in_progress", "success"]
    assert "### eden preview: ready" in hub.gh.sticky(REPO, hub.number)[0]["body"]


def test_success_waits_for_ready_and_a_preview_that_never_serves_fails(
    hub_factory: Any, aws_model_timings: Any
) -> None:
    aws_model_timings.start_seconds = 600  # tasks never start within the test
    hub = hub_factory(ready_timeout=0.5)
    hub.push(hub.sha(1))
    op = hub.done(hub.send(hub.pr("opened", hub.sha(1))))
    assert op["status"] == "failed" and op["error"]["error"] == "NotReady", op
    [deployment] = hub.gh.previews(REPO, hub.number)
    assert deployment["states"] == ["in_progress", "failure"]  # never "success"
    description = hub.gh.state.statuses[deployment["id"]][0]["description"]
    assert description.startswith("Failed: ") and "is not ready after" in description
    assert hub.gh.checks(REPO, hub.sha(1))[0]["conclusion"] == "failure"
