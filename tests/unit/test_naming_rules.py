"""The naming rules of this round: transliteration, one hash, and the exact limits."""

from __future__ import annotations

import re

import pytest

from eden.core import naming
from eden.core.limits import DNS_LABEL_MAX, ECS_NAME_MAX
from eden.core.limits import TARGET_GROUP_NAME_MAX as TG_MAX


def names(branch: str, alias: str | None = None, zone: str = "dev.example.com",
          prefix: str = "eden") -> naming.EnvNames:
    return naming.names_for(branch, name_prefix=prefix, domain_prefix="api",
                            zone_name=zone, endpoint_prefix="dev", alias=alias)


@pytest.mark.parametrize(
    "branch, name",
    [
        ("日本語ブランチ", "ri-ben-yu-buranchi"),  # kanji: a syllable each; kana: romanised
        ("feature/ログイン画面", "feature-roguin-hua-mian"),
        ("機能", "ji-neng"),
        ("修复/登录", "xiu-fu-deng-lu"),  # Chinese: pinyin, a syllable each
        ("한국어-브랜치", "han-gug-eo-beu-laen-chi"),  # Hangul syllables
        ("feature/логин", "feature-login"),  # Cyrillic
        ("κλάδος", "klados"),  # Greek
        ("feature/Ünïcode-straße", "feature-unicode-strasse"),  # Latin: ß reads ss
        ("🚀", "rocket"),  # an emoji reads as its name
        ("fix/🐛-in-login", "fix-bug-in-login"),
    ],
)
def test_scripts_with_a_reading_are_transliterated(branch: str, name: str) -> None:
    n = names(branch)
    assert n.name == name
    assert (n.target_group, n.host) == (f"eden-{name}", f"api-{name}.dev.example.com")


def test_what_has_no_reading_is_dropped_and_nothing_left_is_a_hash() -> None:
    private = "\U000f0000"
    assert names(f"feature/{private}x").name == "feature-x"
    assert names(private * 3).name == f"b-{naming.short_hash(private * 3)}"


def test_a_name_of_exactly_name_max_is_kept_whole() -> None:
    branch = "a" * naming.NAME_MAX
    assert names(branch).name == branch
    longer = "a" * (naming.NAME_MAX + 1)
    cut = names(longer).name
    assert len(cut) == naming.NAME_MAX
    assert cut == "a" * (naming.NAME_MAX - 8) + "-" + naming.short_hash(longer)


def test_a_target_group_of_exactly_32_is_kept_and_33_is_cut_with_the_one_hash() -> None:
    fits = "b" * (TG_MAX - len("eden-"))  # eden- + 27 = 32
    assert names(fits).target_group == f"eden-{fits}"
    over = fits + "c"
    n = names(over)
    assert len(n.target_group) == TG_MAX
    assert n.target_group == f"eden-{over}"[: TG_MAX - 8] + "-" + naming.short_hash(over)
    assert n.name == over and n.service == f"eden-{over}"  # only what is too long is cut


def test_a_250_character_branch_has_one_hash_everywhere() -> None:
    branch = "feature/" + "x" * 242
    digest = naming.short_hash(branch)
    n = names(branch, prefix="a-much-longer-name-prefix-for-the-team-" * 6)
    label = n.host.split(".")[0]
    for cut in (n.name, n.target_group, label, n.service):
        assert cut.endswith(f"-{digest}"), cut
        assert cut.count(digest) == 1, cut
    assert len(n.name) == naming.NAME_MAX and len(n.target_group) == TG_MAX
    assert len(label) <= DNS_LABEL_MAX and len(n.service) <= ECS_NAME_MAX
    assert n.endpoint_name == f"dev-{n.name}"


def test_an_aliased_name_cut_for_a_resource_carries_the_branchs_hash() -> None:
    alias = "a-forty-character-alias-for-the-preview1"
    assert len(alias) == naming.NAME_MAX
    n = names("feature/whatever", alias=alias)
    assert n.name == alias
    assert n.target_group.endswith("-" + naming.short_hash("feature/whatever"))
    assert len(n.target_group) == TG_MAX


def test_a_group_member_cut_to_fit_carries_the_environments_one_hash() -> None:
    branch = "feature/" + "m" * 60
    base = names(branch)
    worker = naming.member_names(base, role="worker", name_prefix="eden", domain_prefix="api")
    digest = naming.short_hash(branch)
    assert worker.target_group.endswith(f"-{digest}") and len(worker.target_group) == TG_MAX
    assert worker.target_group.count(digest) == 1
    assert base.target_group.endswith(f"-{digest}")


def test_fit_cuts_before_an_existing_digest_so_it_appears_once() -> None:
    assert naming.fit("abc-1234567", 11, digest="1234567") == "abc-1234567"
    assert naming.fit("abcdef-1234567", 11, digest="1234567") == "abc-1234567"
    assert naming.fit("abcdefghij", 8, digest="1234567") == "1234567"  # no room: the digest


@pytest.mark.parametrize(
    "branch",
    ["日本語ブランチ" * 20, "фича/" + "логин" * 40, "🚀" * 60, "feature/" + "Ü" * 200],
)
def test_every_transliterated_name_fits_every_limit(branch: str) -> None:
    n = names(branch)
    assert re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", n.name)
    assert len(n.name) <= naming.NAME_MAX and len(n.target_group) <= TG_MAX
    assert len(n.host.split(".")[0]) <= DNS_LABEL_MAX
