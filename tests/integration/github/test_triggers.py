"""When a pull request gets a preview: by label, drafts, and forks (a maintainer's label
approves one commit)."""

from __future__ import annotations

from typing import Any

import pytest
from payloads import REPO

pytestmark = pytest.mark.integration


def _nothing_on_github(hub: Any) -> None:
    assert hub.gh.previews(REPO, hub.number) == []
    assert hub.gh.state.comments.get((REPO.lower(), hub.number), []) == []
    assert hub.gh.state.check_runs == {}


def test_label_added_then_removed(hub_factory: Any) -> None:
    hub = hub_factory(trigger="label")
    sha = hub.sha(1)
    hub.push(sha)
    r = hub.send(hub.pr("opened", sha))
    assert r.json() == {
        "status": "ignored",
        "reason": f"#{hub.number} has no label 'preview', which this profile needs",
    }
    _nothing_on_github(hub)
    op = hub.done(hub.send(hub.pr("labeled", sha, labels=("preview",), label="preview")))
    assert op["status"] == "succeeded", op
    assert [d["states"] for d in hub.gh.previews(REPO, hub.number)] == [["in_progress", "success"]]
    assert hub.gh.checks(REPO, sha)[0]["conclusion"] == "success"

    op = hub.done(hub.send(hub.pr("unlabeled", sha, label="preview")))
    assert op["status"] == "succeeded" and op["result"]["operation"] == "delete", op
    assert hub.env(hub.branch).status_code == 404
    assert [d["states"][-1] for d in hub.gh.previews(REPO, hub.number)] == ["inactive"]
    assert hub.gh.checks(REPO, sha)[0]["conclusion"] == "neutral"
    [sticky] = hub.gh.sticky(REPO, hub.number)
    assert "the label 'preview' was removed" in sticky["body"]


def test_a_draft_waits_until_ready_for_review(hub: Any) -> None:
    sha = hub.sha(1)
    hub.push(sha)
    r = hub.send(hub.pr("opened", sha, draft=True))
    assert r.json()["reason"] == f"#{hub.number} is a draft: it waits for ready_for_review"
    _nothing_on_github(hub)
    assert hub.operations() == []
    op = hub.done(hub.send(hub.pr("ready_for_review", sha)))
    assert op["status"] == "succeeded", op
    [deployment] = hub.gh.previews(REPO, hub.number)
    assert deployment["states"] == ["in_progress", "success"] and deployment["url"] == hub.host


def test_a_fork_gets_nothing_until_a_maintainer_labels_each_commit(hub: Any) -> None:
    first, second = hub.sha(1), hub.sha(2)
    hub.push(first), hub.push(second)
    fork = {"fork_owner": "mallory"}
    r = hub.send(hub.pr("opened", first, **fork))
    assert r.json()["status"] == "ignored" and "waits for a maintainer" in r.json()["reason"]
    _nothing_on_github(hub)
    assert hub.operations() == []

    op = hub.done(hub.send(hub.pr("labeled", first, labels=("preview",), label="preview", **fork)))
    assert op["status"] == "succeeded", op
    env = f"mallory-{hub.branch}"
    assert hub.env(env).json()["image"].endswith(first)
    assert [d["states"] for d in hub.gh.previews(REPO, hub.number)] == [["in_progress", "success"]]

    # A push to the fork: the label approved the earlier commit only.
    r = hub.send(hub.pr("synchronize", second, labels=("preview",), **fork))
    assert r.json()["status"] == "revoked", r.text
    hub.server.state.eden.github.settle()
    pr = hub.gh.state.pulls[(REPO.lower(), hub.number)]
    assert pr["labels"] == []  # eden took the approval back
    assert hub.env(env).json()["image"].endswith(first)  # the new commit did not deploy
    assert [d["sha"] for d in hub.gh.previews(REPO, hub.number)] == [first]
    [sticky] = hub.gh.sticky(REPO, hub.number)
    assert "### eden preview: waiting for approval" in sticky["body"]
    assert f"commit {second} is new" in sticky["body"]

    op = hub.done(hub.send(hub.pr("labeled", second, labels=("preview",), label="preview", **fork)))
    assert op["status"] == "succeeded" and hub.env(env).json()["image"].endswith(second)
    old, new = hub.gh.previews(REPO, hub.number)
    assert old["states"][-1] == "inactive" and new["states"] == ["in_progress", "success"]
