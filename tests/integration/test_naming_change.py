"""An environment made under the old naming rules is found, deployed to and deleted
after the rules changed: its names are read from its record, never derived again."""

from __future__ import annotations

import re
import unicodedata

import pytest
from eden_world import World
from inventory import inventory

from eden.core import naming


def _old_slugify(text: str) -> str:
    """The rule before transliteration: NFKD, then whatever is ASCII (no kana, no kanji)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def test_an_environment_named_by_the_old_rule_is_found_and_deleted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under the old rule a branch with no ASCII letters was only a hash.
    branch = "日本語ブランチ"
    old_name = "b-" + naming.short_hash(branch)
    before = inventory(world.checker, world.seed)
    with monkeypatch.context() as old_rules:
        old_rules.setattr(naming, "slugify", _old_slugify)
        made = world.engine.create(branch, world.image)
    assert made.env == old_name
    assert naming.env_name(branch) != old_name  # the rule has changed since

    found = world.engine.find(branch)
    assert found is not None and found.name == old_name
    deployed = world.engine.create(branch, world.seed.image_uris[1])
    assert (deployed.operation, deployed.env) == ("deploy", old_name)
    assert deployed.url == made.url

    gone = world.engine.delete(branch)
    assert gone.env == old_name and gone.plan.steps
    assert world.store.get("sandbox", old_name) is None
    assert inventory(world.checker, world.seed) == before
    assert not world.rules.violations
