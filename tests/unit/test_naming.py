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
    with pytest.raises(UsageError, match=re.escape(fragment)) as info:
        names(branch)
    assert info.value.hint


@pytest.mark.parametrize("alias", ["", "UPPER", "-x", "x-", "a_b", "x" * 41, "a.b"])
def test_bad_aliases_are_rejected(alias: str) -> None:
    with pytest.raises(UsageError, match="must be 1-40 lower-case letters, digits or '-'"):
        names("feature/login", alias=alias)


def test_fit_keeps_short_text_and_cuts_long_text_with_hash() -> None:
    assert naming.fit("abc", 5) == "abc"
    cut = naming.fit("abcdefghijklmnop", 12)
    assert len(cut) == 12 and cut.startswith("abc")


# -- boundaries the mutation run (bench/mutate.py, docs/testing.md) showed unpinned -----


@pytest.mark.parametrize(
    ("branch", "says"),
    [
        ("a\x1fb", "it contains control characters"),  # the last control character
        ("a\x7fb", "it contains control characters"),  # DEL
        ("has space", "it contains the character(s) space"),  # 32: not a control character
        ("bad~name", "it contains the character(s) '~'"),  # 126: not a control character
        ("a@{b", "it contains '@{'"),
        ("@", "it contains the name '@'"),
    ],
)
def test_each_rejected_branch_says_exactly_why(branch: str, says: str) -> None:
    with pytest.raises(UsageError, match=f"^{re.escape(repr(branch))} is not a valid branch "
                       f"name: {re.escape(says)}$"):
        naming.validate_branch(branch)


@pytest.mark.parametrize("branch", ["a!b", "x@y", "a" * naming.BRANCH_MAX, "@a", "a@"])
def test_what_git_allows_is_returned_unchanged(branch: str) -> None:
    assert naming.validate_branch(branch) == branch


def test_the_branch_limit_is_255() -> None:
    assert naming.BRANCH_MAX == 255
    assert names("b" * 255).name == fit_name("b" * 255)
    with pytest.raises(UsageError, match=r"^the branch name is 256 characters; at most 255 "):
        names("b" * 256)


def fit_name(branch: str) -> str:
    return "b" * 32 + "-" + naming.short_hash(branch)


def test_the_name_limit_is_40_and_the_alias_limit_with_it() -> None:
    assert naming.NAME_MAX == 40
    assert names("c" * 40).name == "c" * 40
    assert names("c" * 41).name == "c" * 32 + "-" + naming.short_hash("c" * 41)
    assert names("feature/x", alias="d" * 40).name == "d" * 40


def test_the_dns_label_limit_is_63() -> None:
    # api- + 59 = 63: kept whole (an alias of 40 is the longest name; a longer prefix
    # makes the label long).
    kept = naming.names_for("feature/x", name_prefix="eden", domain_prefix="p" * 22,
                            zone_name="z.example", alias="e" * 40)
    assert kept.host == "p" * 22 + "-" + "e" * 40 + ".z.example"
    cut = naming.names_for("feature/x", name_prefix="eden", domain_prefix="p" * 23,
                           zone_name="z.example", alias="e" * 40)
    label = cut.host.split(".")[0]
    assert len(label) == 63 and label.endswith("-" + naming.short_hash("feature/x"))


def test_the_ecs_name_limit_is_255() -> None:
    def service(prefix_len: int) -> str:
        return naming.names_for("feature/x", name_prefix="n" * prefix_len, domain_prefix="api",
                                zone_name="z.example", alias="s" * 40).service

    assert service(214) == "n" * 214 + "-" + "s" * 40  # 255
    cut = service(215)
    assert len(cut) == 255 and cut.endswith("-" + naming.short_hash("feature/x"))


def _zone(length: int) -> str:
    """A zone name of exactly ``length`` characters, in labels of at most 63."""
    labels, left = [], length
    while left > 0:
        take = min(63, left if left <= 63 else 62)
        labels.append("z" * take)
        left -= take + 1
    zone = ".".join(labels)
    assert len(zone) == length, zone
    return zone


def test_a_host_of_253_characters_is_allowed_and_254_is_refused() -> None:
    label = "api-feature-login"  # 17, and a dot: the zone takes 253 - 18
    fits = naming.names_for("feature/login", name_prefix="eden", domain_prefix="api",
                            zone_name=_zone(253 - 18))
    assert len(fits.host) == 253 and fits.host.startswith(label + ".")
    with pytest.raises(UsageError, match=r"^host name 'api-feature-login\.z+.*' is longer "
                       r"than 253 characters$"):
        naming.names_for("feature/login", name_prefix="eden", domain_prefix="api",
                         zone_name=_zone(253 - 17))


def test_a_member_host_keeps_the_whole_zone_and_its_own_253_limit() -> None:
    base = names("feature/login")
    web = naming.member_names(base, role="web", name_prefix="eden", domain_prefix="web")
    assert web.host == "web-feature-login.dev.example.com"
    assert (web.service, web.target_group) == ("eden-feature-login-web",) * 2
    assert (web.name, web.branch, web.endpoint_name) == (base.name, base.branch,
                                                         base.endpoint_name)
    # A host with no zone (a record from before zones were stored) keeps what it has.
    bare = naming.member_names(naming.EnvNames("x", "x", "t", "s", "g", "hostonly", "x"),
                               role="web", name_prefix="eden", domain_prefix="web")
    assert bare.host == "web-x.hostonly"
    long_zone = naming.names_for("feature/login", name_prefix="eden", domain_prefix="api",
                                 zone_name=_zone(253 - 18))
    assert len(naming.member_names(long_zone, role="w", name_prefix="eden",
                                   domain_prefix="api").host) == 253
    with pytest.raises(UsageError, match=r"is longer than 253 characters$"):
        naming.member_names(long_zone, role="w", name_prefix="eden", domain_prefix="apix")


def test_names_are_frozen() -> None:
    n = names("feature/login")
    with pytest.raises(AttributeError, match="cannot assign to field 'host'"):
        n.host = "elsewhere"  # type: ignore[misc]
