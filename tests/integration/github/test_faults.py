"""GitHub failing in the middle (502s, secondary and primary rate limits), redeliveries,
deletes outside pull request events, and a plain token (commit statuses, no check runs).
The environment operation never fails for GitHub; the next event, the repair loop or the
sweep puts the truth back, and a "success" never outlives its environment."""

from __future__ import annotations

import time
from typing import Any

import pytest
from payloads import REPO

pytestmark = pytest.mark.integration


def test_a_502_is_retried_and_a_secondary_rate_limit_waited_out(hub: Any) -> None:
    sha = hub.sha(1)
    hub.push(sha)
    hub.gh.inject(502, times=2, method="POST", path_contains="/statuses")
    hub.gh.inject(
        403,
        headers={"retry-after": "1"},
        method="POST",
        path_contains="/check-runs",
        body={"message": "You have exceeded a secondary rate limit."},
    )
    op = hub.done(hub.send(hub.pr("opened", sha)))
    assert op["status"] == "succeeded", op
    assert hub.gh.faults == []  # each injected answer was served, and retried past
    assert [d["states"] for d in hub.gh.previews(REPO, hub.number)] == [["in_progress", "success"]]
    assert hub.gh.checks(REPO, sha)[0]["conclusion"] == "success"
    limited = [r for r in hub.gh.calls() if r.status == 403]
    assert len(limited) == 1 and limited[0].path.endswith("/check-runs")


def test_github_down_during_a_deploy_is_repaired_by_the_next_event(hub_factory: Any) -> None:
    hub = hub_factory(max_wait=0.3)  # one retry per call, then eden gives up on GitHub
    first, second = hub.sha(1), hub.sha(2)
    hub.push(first), hub.push(second)
    hub.gh.inject(502, times=40)  # every call of this delivery fails, after retries
    op = hub.done(hub.send(hub.pr("opened", first)))
    assert op["status"] == "succeeded" and hub.env(hub.branch).status_code == 200, op
    hub.gh.faults.clear()
    assert hub.gh.previews(REPO, hub.number) == []  # GitHub never heard of it
    op = hub.done(hub.send(hub.pr("synchronize", second)))
    assert op["status"] == "succeeded", op
    assert [d["states"] for d in hub.gh.previews(REPO, hub.number)] == [["in_progress", "success"]]
    assert len(hub.gh.sticky(REPO, hub.number)) == 1


def test_a_rate_limited_close_never_leaves_a_stale_success(hub: Any) -> None:
    sha = hub.sha(1)
    hub.push(sha)
    assert hub.done(hub.send(hub.pr("opened", sha)))["status"] == "succeeded"
    reset = time.time() + 3600  # far longer than eden's max_wait (3 s): it does not wait
    hub.gh.inject(
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": f"{reset}"},
        body={"message": "API rate limit exceeded"},
    )
    op = hub.done(hub.send(hub.pr("closed", sha)))
    assert op["status"] == "succeeded" and hub.env(hub.branch).status_code == 404, op
    assert hub.gh.previews(REPO, hub.number)[0]["states"][-1] == "success"  # stale, for now
    service = hub.server.state.eden.github
    assert [p.phase for _, p in service.reporter.pending()] == ["deleted"]
    sent = len(hub.gh.calls())
    assert service.repair() == 1 and service.reporter.pending() != []  # still limited,
    assert len(hub.gh.calls()) == sent  # and no call is sent before the reset
    service.github.transport._exhausted_until = 0.0  # the reset time has come
    assert service.repair() == 1 and service.reporter.pending() == []
    assert hub.gh.previews(REPO, hub.number)[0]["states"][-1] == "inactive"
    assert "### eden preview: deleted" in hub.gh.sticky(REPO, hub.number)[0]["body"]


def test_a_redelivered_webhook_changes_nothing_twice(hub: Any) -> None:
    sha = hub.sha(1)
    hub.push(sha)
    payload = hub.pr("opened", sha)
    first = hub.done(hub.send(payload, delivery="d-1"))
    again = hub.send(payload, delivery="d-1")
    assert again.json()["redelivery"] is True
    assert again.json()["operation"]["id"] == first["id"]
    calls = len(hub.gh.calls())
    # A server that lost its memory (restarted) gets the same event again: the commit's
    # deployment and the sticky comment are found again, not made twice.
    context = hub.server.state.eden
    context.deliveries._seen.clear()
    context.github.reporter._comment_ids.clear()
    assert hub.done(hub.send(payload, delivery="d-1"))["status"] == "succeeded"
    assert len(hub.gh.calls()) > calls
    [deployment] = hub.gh.previews(REPO, hub.number)
    assert deployment["states"] == ["in_progress", "success", "in_progress", "success"]
    assert len(hub.gh.sticky(REPO, hub.number)) == 1
    assert len(hub.gh.checks(REPO, sha)) == 1


def test_deleted_by_hand_or_gc_is_marked_inactive_by_the_sweep(hub: Any) -> None:
    sha = hub.sha(1)
    hub.push(sha)
    assert hub.done(hub.send(hub.pr("opened", sha)))["status"] == "succeeded"
    context = hub.server.state.eden
    engine = context.registry.engine("sandbox")
    engine.delete(hub.branch)  # as `eden delete` or `eden gc` would, outside the server
    assert hub.gh.previews(REPO, hub.number)[0]["states"][-1] == "success"
    assert context.github.sweep() == 1
    assert hub.gh.previews(REPO, hub.number)[0]["states"][-1] == "inactive"
    assert "eden gc, or by hand" in hub.gh.sticky(REPO, hub.number)[0]["body"]
    assert context.github.sweep() == 0  # nothing live is left to fix


def test_a_token_reports_commit_statuses_instead_of_check_runs(hub_factory: Any) -> None:
    hub = hub_factory(auth="token")
    sha = hub.sha(1)
    hub.push(sha)
    assert hub.done(hub.send(hub.pr("opened", sha)))["status"] == "succeeded"
    states = [(s["state"], s["context"]) for s in hub.gh.commit_statuses(REPO, sha)]
    assert states == [("pending", "eden/preview"), ("success", "eden/preview")]
    assert hub.gh.commit_statuses(REPO, sha)[-1]["target_url"] == hub.host
    assert hub.done(hub.send(hub.pr("closed", sha, merged=True)))["status"] == "succeeded"
    last = hub.gh.commit_statuses(REPO, sha)[-1]
    assert last["description"] == "Deleted: merged" and last.get("target_url") is None
    assert not [r for r in hub.gh.calls() if "check-runs" in r.path]
    assert hub.gh.tokens_issued == []
