import re

import pytest

from eden.core import naming
from eden.errors import UsageError

TG_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def names(branch: str, alias: str | None = None) -> naming.EnvNames:
    return naming.names_for(
        branch,
        name_prefix="eden",
        domain_prefix="api",
        zone_name="dev.example.com.",
        endpoint_prefix="dev",
        alias=alias,
    )


def test_short_branch_reads_like_the_branch() -> None:
    n = names("feature/login")
    assert n.name == "feature-login"
    assert n.host == "api-feature-login.dev.example.com"
    assert n.target_group == "eden-feature-login"
    assert n.service == n.task_family == "eden-feature-login"
    assert n.endpoint_name == "dev-feature-login"


@pytest.mark.parametrize(
    "branch",
    [
        "feature/JIRA-1234-a-really-long-description-of-the-work-being-done",
        "feature/JIRA-123_Ünïcode-" + "x" * 180,
        "a" * 255,
        "release/2026.11/hotfix-for-the-payment-provider-timeouts",
    ],
)
def test_every_name_fits_its_aws_limit(branch: str) -> None:
    n = names(branch)
    assert len(n.name) <= naming.NAME_MAX
    assert len(n.target_group) <= 32 and TG_RE.match(n.target_group)
    assert not n.target_group.startswith("internal-")
    label = n.host.split(".")[0]
    assert len(label) <= 63 and LABEL_RE.match(label)
    assert len(n.service) <= 255 and re.match(r"^[A-Za-z0-9_-]+$", n.service)


def test_long_branches_sharing_a_prefix_do_not_collide() -> None:
    base = "feature/JIRA-1234-a-really-long-description-of-the-work"
    a, b = names(base + "-part-one"), names(base + "-part-two")
    assert a.name != b.name
    assert a.target_group != b.target_group
    assert a.host != b.host
    # ...and stay readable: the slug's start survives the cut.
    assert a.target_group.startswith("eden-feature-jira")


def test_names_are_deterministic() -> None:
    branch = "feature/" + "y" * 100
    assert names(branch) == names(branch)


def test_unicode_is_transliterated_not_rejected() -> None:
    assert names("feature/Ünïcode").name == "feature-unicode"


def test_a_branch_with_nothing_readable_gets_a_hash_name() -> None:
    n = names("\U000f0000")  # a private-use character: no reading anywhere
    assert n.name == f"b-{naming.short_hash(chr(0xF0000))}"
    assert re.fullmatch(r"b-[0-9a-f]{7}", n.name)
    assert names("\U000f0001").name != n.name


def test_alias_replaces_the_slug_everywhere() -> None:
    n = names("feature/" + "z" * 100, alias="zed")
    assert n.name == "zed"
    assert n.host == "api-zed.dev.example.com"
    assert n.target_group == "eden-zed"
    assert n.branch == "feature/" + "z" * 100


@pytest.mark.parametrize(
    "branch, fragment",
    [
        ("", "empty"),
        ("has space", "space"),
        ("a..b", "'..'"),
        ("x" * 256, "256 characters"),
        ("feature/", "trailing"),
        ("-rf", "leading"),
        ("a\tb", "control"),
        ("what?", "'?'"),
        ("x.lock", ".lock"),
        ("a//b", "'//'"),
    ],
)
def test_bad_branch_names_are_rejected_with_a_reason(branch: str, fragment: str) -> None:
    with pytest.raises(UsageError) as info:
        names(branch)
    assert fragment in info.value.message
    assert info.value.hint


@pytest.mark.parametrize("alias", ["", "UPPER", "-x", "x-", "a_b", "x" * 41, "a.b"])
def test_bad_aliases_are_rejected(alias: str) -> None:
    with pytest.raises(UsageError):
        names("feature/login", alias=alias)


def test_fit_keeps_short_text_and_cuts_long_text_with_hash() -> None:
    assert naming.fit("abc", 5) == "abc"
    cut = naming.fit("abcdefghijklmnop", 12)
    assert len(cut) == 12 and cut.startswith("abc")
