"""Close matches for a name that names no environment."""

from __future__ import annotations

from dataclasses import dataclass

from eden.cli.suggest import close_matches


@dataclass
class Env:
    name: str
    branch: str
    alias: str | None = None


ENVS = [
    Env("feature-login", "feature/login"),
    Env("feature-logout", "feature/logout"),
    Env("short", "feature/JIRA-1-very-long", alias="short"),
    Env("main", "main"),
]


def test_a_typo_finds_the_environment_by_name_or_branch() -> None:
    assert close_matches("feature/logn", ENVS) == [
        "feature-login (branch feature/login)",
        "feature-logout (branch feature/logout)",
    ]
    assert close_matches("featur-login", ENVS)[0] == "feature-login (branch feature/login)"


def test_case_is_ignored_and_an_alias_counts() -> None:
    assert close_matches("Feature/Login", ENVS)[0] == "feature-login (branch feature/login)"
    assert close_matches("shrt", ENVS) == ["short (branch feature/JIRA-1-very-long)"]


def test_nothing_close_gives_nothing() -> None:
    assert close_matches("does-not-exist", ENVS) == []
    assert close_matches("anything", []) == []
