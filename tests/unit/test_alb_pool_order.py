"""Where a new environment goes in a pool of shared ALBs: the numbers decide (pure)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from eden.config import Profile, build_profile
from eden.core.arns import alb_name
from eden.envs.albs import Room, choose, entry_for, in_flight_by_alb
from eden.envs.quota import Need
from eden.envs.resources.base import AlbUsage
from eden.errors import ConfigError

PREFIX = "arn:aws:elasticloadbalancing:eu-west-1:123456789012"
ALBS = [f"{PREFIX}:loadbalancer/app/shared-{n}/{n}abc" for n in (1, 2, 3)]
LISTENERS = [f"{PREFIX}:listener/app/shared-{n}/{n}abc/{n}def" for n in (1, 2, 3)]


def _profile() -> Profile:
    return build_profile(
        "dev",
        {
            "region": "eu-west-1",
            "cluster": "dev",
            "reference_service": "api",
            "listener_arns": LISTENERS,
            "zone_id": "Z0123456789ABC",
        },
    )


def _rooms(*usages: AlbUsage | None) -> list[Room]:
    return [Room(LISTENERS[i], ALBS[i], u) for i, u in enumerate(usages)]


def test_the_first_alb_with_room_comes_first_in_the_order_listed() -> None:
    rooms = _rooms(AlbUsage(100, 5), AlbUsage(40, 99), AlbUsage(10, 10))
    assert choose(_profile(), rooms, {}, Need()) == [LISTENERS[1], LISTENERS[2]]


def test_environments_being_made_count_against_their_alb() -> None:
    rooms = _rooms(AlbUsage(98, 5), AlbUsage(10, 10), None)
    assert choose(_profile(), rooms, {ALBS[0]: 2}, Need()) == [LISTENERS[1]]
    # A group needing two rules fits only where two are left.
    rooms = _rooms(AlbUsage(99, 5), AlbUsage(98, 10), AlbUsage(0, 0))
    assert choose(_profile(), rooms, {}, Need(2, 2)) == [LISTENERS[1], LISTENERS[2]]


def test_a_full_pool_says_what_each_alb_holds_and_how_to_add_one() -> None:
    rooms = _rooms(AlbUsage(100, 5), AlbUsage(40, 100), None)
    with pytest.raises(ConfigError) as info:
        choose(_profile(), rooms, {ALBS[0]: 0}, Need())
    err = info.value
    assert "no shared ALB of profile dev has room" in err.message
    assert "shared-1 already has 100 rules" in err.message
    assert "shared-2 already uses 100 target groups" in err.message
    assert "shared-3: does not exist or has no HTTPS:443 listener" in err.message
    assert err.where == "profile dev: listener_arns"
    assert "add another ALB with an HTTPS:443 listener" in (err.hint or "")


def test_an_environment_is_read_where_it_lives_even_after_its_alb_left_the_pool() -> None:
    profile = _profile()
    assert entry_for(profile, ALBS[1]) == LISTENERS[1]
    gone = f"{PREFIX}:loadbalancer/app/old/9abc"
    assert entry_for(profile, gone) == gone
    assert entry_for(profile, None) is None
    assert alb_name(ALBS[2]) == "shared-3" and alb_name(None) == ""


def test_only_environments_the_read_did_not_see_are_in_flight() -> None:
    rooms = _rooms(AlbUsage(2, 2, frozenset({"a.dev"})), AlbUsage(0, 0), None)

    def rec(host: str, alb: str, rules: int = 1) -> object:
        return SimpleNamespace(host=host, extra={"alb_arn": alb, "alb_rules": rules})

    records = [rec("a.dev", ALBS[0]), rec("b.dev", ALBS[0]), rec("c.dev", ALBS[1], rules=3)]
    assert in_flight_by_alb(records, rooms) == {ALBS[0]: 1, ALBS[1]: 3}
