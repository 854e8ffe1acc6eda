"""The pure parts: what a delivery asks for, comment commands, what GitHub is shown."""

from __future__ import annotations

import pytest

from eden.github.commands import Comment, is_command, parse
from eden.github.errors import CommandError
from eden.github.events import PullRequest, Trigger, decide
from eden.github.render import Preview, check_run, comment, headline

PR = PullRequest(5, "acme/api", "feat", fork=False, sha="a" * 40)
FORK = PullRequest(
    6, "acme/api", "mallory/feat", fork=True, sha="b" * 40, labels=frozenset({"preview"})
)
ALWAYS, LABEL = Trigger(), Trigger(mode="label")
FORKS = Trigger(allow_forks=True)


@pytest.mark.parametrize(
    ("action", "pr", "trigger", "label", "expected"),
    [
        ("opened", PR, ALWAYS, None, "deploy"),
        (
            "opened",
            PullRequest(5, "acme/api", "feat", False, "a" * 40, draft=True),
            ALWAYS,
            None,
            "ignore",
        ),
        ("opened", PR, LABEL, None, "ignore"),
        (
            "labeled",
            PullRequest(5, "acme/api", "f", False, "a" * 40, labels=frozenset({"preview"})),
            LABEL,
            "preview",
            "deploy",
        ),
        ("unlabeled", PR, LABEL, "preview", "delete"),
        ("unlabeled", PR, ALWAYS, "preview", "ignore"),
        ("closed", PR, LABEL, None, "delete"),
        ("opened", FORK, ALWAYS, None, "ignore"),  # forks not allowed
        ("labeled", FORK, FORKS, "preview", "deploy"),
        ("synchronize", FORK, FORKS, None, "revoke"),
        ("unlabeled", FORK, FORKS, "preview", "ignore"),
        ("edited", PR, ALWAYS, None, "ignore"),
    ],
)
def test_decide(
    action: str, pr: PullRequest, trigger: Trigger, label: str | None, expected: str
) -> None:
    assert decide(action, pr, trigger, label).action == expected


def _comment(body: str) -> Comment:
    return Comment("acme/api", 5, True, body, "octocat", "MEMBER", 1, False)


def test_commands() -> None:
    assert parse(_comment("  \n/eden deploy\nthanks!")).name == "deploy"
    assert parse(_comment("/eden PIN")).name == "pin"
    assert not is_command("please /eden deploy") and not is_command("/edenx")
    with pytest.raises(CommandError, match="`/eden sleep` is not a command eden knows"):
        parse(_comment("/eden sleep"))


def test_render_keeps_github_limits_and_states() -> None:
    p = Preview("acme/api", 5, "a" * 40, "failed", detail="x" * 300, at=0.0)
    assert len(headline(p)) == 140
    assert check_run(p, "eden/preview")["conclusion"] == "failure"  # type: ignore[index]
    assert check_run(Preview("acme/api", 5, None, "awaiting"), "eden/preview") is None
    ready = Preview("acme/api", 5, "a" * 40, "ready", url="https://x", image="i", pinned=True)
    body = comment(ready)
    assert body.startswith("<!-- eden:preview -->") and "| URL | https://x |" in body
    assert "| Expires | pinned: the stale cleaner keeps it |" in body
