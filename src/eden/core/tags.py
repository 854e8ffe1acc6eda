"""The tags that mark a resource as eden's, and how they merge with a reference's own.

Tags are how eden finds what it made when its state is lost (``eden gc --orphans``):
every taggable resource carries ``eden:managed-by=eden``, the profile and the environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eden.core.limits import MAX_TAGS, RESERVED_TAG_PREFIX

MANAGED_BY = "eden:managed-by"
TAG_PROFILE = "eden:profile"
TAG_ENV = "eden:env"
# On a service `eden sleep` stopped; the scaler leaves such a service alone.
TAG_SLEEPING = "eden:sleeping"


def eden_tags(profile: str, env: str) -> list[dict[str, str]]:
    """ECS spelling (``key``/``value``)."""
    return [
        {"key": MANAGED_BY, "value": "eden"},
        {"key": TAG_PROFILE, "value": profile},
        {"key": TAG_ENV, "value": env},
    ]


def elb_tags(profile: str, env: str) -> list[dict[str, str]]:
    """Elastic Load Balancing spelling (``Key``/``Value``)."""
    return [{"Key": t["key"], "Value": t["value"]} for t in eden_tags(profile, env)]


def merge_tags(
    reference: Sequence[Mapping[str, str]], ours: list[dict[str, str]]
) -> list[dict[str, str]]:
    """The reference's own tags (minus reserved and eden's) plus eden's, within 50."""
    own = {t["key"] for t in ours}
    kept = [
        {"key": t["key"], "value": t["value"]}
        for t in reference
        if not t["key"].startswith(RESERVED_TAG_PREFIX) and t["key"] not in own
    ]
    return kept[: MAX_TAGS - len(ours)] + ours


def is_edens(tags: Mapping[str, str], profile: str) -> bool:
    """Tagged by eden for ``profile`` (the environment is in ``tags[TAG_ENV]``)."""
    return tags.get(MANAGED_BY) == "eden" and tags.get(TAG_PROFILE) == profile
