"""``/eden`` comment commands: a collaborator's run, an outsider's are refused politely,
garbage is answered with what eden understands; bad input creates nothing."""

from __future__ import annotations

from typing import Any

import pytest
from payloads import REPO, SECRET

pytestmark = pytest.mark.integration


def _replies(hub: Any) -> list[str]:
    hub.server.state.eden.github.settle()
    return hub.gh.replies(REPO, hub.number)


def test_a_collaborators_commands(hub_factory: Any) -> None:
    hub = hub_factory(trigger="label")  # no label: only the command deploys it
    sha = hub.sha(1)
    hub.push(sha)
    assert hub.send(hub.pr("opened", sha)).json()["status"] == "ignored"

    op = hub.done(hub.send(hub.comment("/eden deploy"), "issue_comment"))
    assert op["status"] == "succeeded" and op["detail"]["author"] == "octocat", op
    assert [d["states"] for d in hub.gh.previews(REPO, hub.number)] == [["in_progress", "success"]]

    pinned = hub.send(hub.comment("/eden pin", comment_id=2), "issue_comment")
    assert pinned.status_code == 200 and pinned.json()["status"] == "answered", pinned.text
    assert hub.env(hub.branch).json()["pinned"] is True
    [sticky] = hub.gh.sticky(REPO, hub.number)
    assert "| Expires | pinned: the stale cleaner keeps it |" in sticky["body"]

    wake = hub.send(hub.comment("/eden wake", comment_id=3), "issue_comment")
    assert wake.json()["message"] == (
        "eden cannot put previews to sleep yet, so there is nothing to wake: "
        f"the preview of #{hub.number} is running at {hub.host}."
    )

    op = hub.done(hub.send(hub.comment("/eden delete", comment_id=4), "issue_comment"))
    assert op["status"] == "succeeded" and op["result"]["operation"] == "delete", op
    assert hub.env(hub.branch).status_code == 404
    [sticky] = hub.gh.sticky(REPO, hub.number)
    assert "/eden delete from @octocat" in sticky["body"]
    assert [d["states"][-1] for d in hub.gh.previews(REPO, hub.number)] == ["inactive"]
    replies = _replies(hub)
    assert len(replies) == 2 and replies[0].startswith("@octocat pinned")


@pytest.mark.parametrize("association", ["NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR"])
def test_an_outsiders_command_is_refused_politely(hub: Any, association: str) -> None:
    hub.push(hub.sha(1))
    hub.send(hub.pr("opened", hub.sha(1), draft=True))  # the PR exists; no preview
    r = hub.send(
        hub.comment("/eden deploy", association=association, login="mallory"), "issue_comment"
    )
    assert r.status_code == 202 and r.json() == {
        "status": "refused",
        "reason": f"@mallory is not a collaborator ({association})",
    }
    [reply] = _replies(hub)
    assert reply.startswith("Thanks @mallory! Only this repository's collaborators")
    assert hub.operations() == [] and hub.gh.previews(REPO, hub.number) == []
    assert hub.env(hub.branch).status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("/eden frobnicate", "`/eden frobnicate` is not a command eden knows"),
        ("/eden", "`/eden` needs a command"),
        ("/eden deploy now please", "`/eden deploy` takes nothing after it"),
    ],
)
def test_a_garbled_command_gets_a_clear_answer_and_nothing_runs(
    hub: Any, body: str, message: str
) -> None:
    hub.send(hub.pr("opened", hub.sha(1), draft=True))
    r = hub.send(hub.comment(body), "issue_comment")
    assert r.status_code == 422 and r.json()["message"].startswith(message), r.text
    [reply] = _replies(hub)
    assert reply.startswith(f"@octocat {message}") and "`/eden deploy`" in reply
    assert hub.operations() == [] and hub.gh.previews(REPO, hub.number) == []


def test_bad_input_creates_nothing(hub: Any) -> None:
    hub.push(hub.sha(1))
    missing = hub.send(hub.comment("/eden deploy", number=99999), "issue_comment")
    assert missing.status_code == 404 and missing.json()["message"] == (
        f"pull request #99999 does not exist in {REPO}"
    )
    forged = hub.send(hub.pr("opened", hub.sha(1)), secret="guess")
    assert forged.status_code == 401 and "X-Hub-Signature-256" in forged.json()["message"]
    other = hub.pr("opened", hub.sha(1))
    other["repository"] = {**other["repository"], "full_name": "octo-org/unknown"}
    unknown = hub.send(other)
    assert unknown.status_code == 404 and unknown.json()["message"] == (
        "repository octo-org/unknown is not mapped to an eden profile: nothing was done"
    )
    assert "[api.github.repositories]" in unknown.json()["hint"]
    not_pr = hub.send(hub.comment("/eden deploy", on_pull_request=False), "issue_comment")
    assert not_pr.json()["status"] == "ignored" and "not a pull request" in not_pr.json()["reason"]
    assert hub.operations() == [] and hub.gh.previews(REPO, hub.number) == []
    assert hub.env(hub.branch).status_code == 404
    assert SECRET  # the server's secret signed everything but the forged delivery
