"""Where an environment lives in a pool of shared ALBs, and what a full pool says
(``envs/albs.py``, pure: records, plans and a stub reader)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import pytest
from test_alb_pool_order import ALBS, LISTENERS, _profile, _rooms

from eden.config import build_profile
from eden.envs import albs
from eden.envs.albs import Need, Placement, Room
from eden.envs.plan import Plan, Step
from eden.envs.resources.base import AlbUsage
from eden.errors import ConfigError


def _alb_profile() -> Any:
    """A pool named by ALB ARNs (not listeners)."""
    return build_profile("dev", {"region": "eu-west-1", "cluster": "dev",
                                 "reference_service": "api", "alb_arns": ALBS[:2],
                                 "zone_id": "Z0123456789ABC"})


def test_the_pool_is_the_listeners_else_the_albs() -> None:
    assert albs.entries(_profile()) == tuple(LISTENERS)
    assert albs.entries(_alb_profile()) == tuple(ALBS[:2])
    assert albs.alb_arn_of(LISTENERS[2]) == ALBS[2]
    assert albs.alb_arn_of(ALBS[0]) == ALBS[0]


def test_an_alb_is_found_in_a_pool_of_albs_by_its_listener() -> None:
    assert albs.entry_for(_alb_profile(), LISTENERS[1]) == ALBS[1]
    assert albs.entry_for(_profile(), "") is None


def test_lives_on_its_recorded_listener_else_its_alb() -> None:
    profile = _profile()
    record: Any = SimpleNamespace(extra={"listener_arn": "arn:listener/x", "alb_arn": ALBS[1]})
    assert albs.lives_on(profile, record) == "arn:listener/x"
    record.extra.pop("listener_arn")
    assert albs.lives_on(profile, record) == LISTENERS[1]
    assert albs.lives_on(profile, SimpleNamespace(extra={})) is None
    assert albs.lives_on(profile, None) is None


def test_in_flight_counts_one_rule_for_a_record_without_alb_rules() -> None:
    rooms = _rooms(AlbUsage(0, 0), None, None)
    records = [SimpleNamespace(host=h, extra={"alb_arn": ALBS[0]}) for h in ("a", "b")]
    records.append(SimpleNamespace(host="c", extra={"alb_arn": ALBS[1]}))  # unread: None
    records.append(SimpleNamespace(host="d", extra={"alb_arn": "arn:not-in-the-pool"}))
    assert albs.in_flight_by_alb(records, rooms) == {ALBS[0]: 2, ALBS[1]: 1}


def test_an_alb_that_was_not_read_is_never_chosen() -> None:
    with pytest.raises(ConfigError, match="shared-1: does not exist or has no HTTPS:443"):
        albs.choose(_profile(), _rooms(None), {}, Need())


def test_a_full_pool_of_albs_names_its_key_count_and_need() -> None:
    rooms = [Room(ALBS[0], ALBS[0], AlbUsage(99, 0)), Room(ALBS[1], ALBS[1], AlbUsage(0, 99))]
    with pytest.raises(ConfigError) as info:
        albs.choose(_alb_profile(), rooms, {ALBS[1]: 1}, Need(2, 2))
    err = info.value
    assert err.message == (
        "no shared ALB of profile dev has room for a new environment (2 rule(s) and 2 target "
        "group(s)): shared-1 already has 99 rules (on all its listeners); an ALB takes 100; "
        "shared-2 already uses 99 target groups and 1 more being made; an ALB takes 100 (a "
        "limit AWS does not raise)"
    )
    assert err.where == "profile dev: alb_arns"
    assert "to the profile's alb_arns (it has 2; new environments" in (err.hint or "")


def test_a_placement_says_why_the_pool_is_full_only_when_it_read_the_pool() -> None:
    assert Placement([None]).full(_profile()) is None
    assert Placement([LISTENERS[2], LISTENERS[0]]).candidates == [LISTENERS[2], LISTENERS[0]]
    rooms = _rooms(AlbUsage(100, 0), AlbUsage(99, 1), AlbUsage(0, 0))
    err = Placement([LISTENERS[1]], rooms).full(_profile())
    assert err is not None
    # An ALB with room when read (none in flight) was taken meanwhile: that is what it says.
    assert err.message.endswith(": shared-1 already has 100 rules (on all its listeners); an "
                                "ALB takes 100; shared-2 taken meanwhile; shared-3 taken "
                                "meanwhile")


def test_the_need_is_one_rule_and_target_group_per_rule_made() -> None:
    def step(i: int, action: str) -> Step:
        return Step(f"s{i}", action, {}, (), "")

    actions = ["elbv2.create_rule", "ecs.create_service", "elbv2.create_rule"]
    plan = Plan("create", "dev", "x", tuple(step(i, a) for i, a in enumerate(actions)))
    assert albs.need_of(plan) == Need(rules=2, target_groups=2)
    assert albs.need_of(replace(plan, steps=())) == Need(rules=0, target_groups=0)


# --- removal_snapshot: which ALB's read to trust when deleting -------------------------


@dataclass
class StubReader:
    """snapshot_group answers per ALB entry: whether the environment's rule is there."""

    rule_on: set[str | None]
    asked: list[str | None]

    def snapshot_group(self, profile: Any, members: Any, *, with_reference: bool,
                       shared_alb: str | None) -> Any:
        assert with_reference is False
        self.asked.append(shared_alb)
        rule = "arn:rule" if shared_alb in self.rule_on else None
        member = SimpleNamespace(current={"listener_rule": rule})
        return SimpleNamespace(members=(member,), alb=shared_alb)


def test_removal_reads_where_the_record_says() -> None:
    reader = StubReader(set(), [])
    record: Any = SimpleNamespace(extra={"alb_arn": ALBS[2]})
    assert albs.removal_snapshot(reader, _profile(), [], record).alb == LISTENERS[2]
    assert reader.asked == [LISTENERS[2]]


def test_removal_without_a_record_looks_for_the_rule_on_every_alb() -> None:
    reader = StubReader({LISTENERS[1]}, [])
    assert albs.removal_snapshot(reader, _profile(), [], None).alb == LISTENERS[1]
    assert reader.asked == LISTENERS
    nowhere = StubReader(set(), [])
    assert albs.removal_snapshot(nowhere, _profile(), [], None).alb == LISTENERS[0]


def test_removal_in_a_pool_of_two_looks_at_both() -> None:
    reader = StubReader({ALBS[1]}, [])
    assert albs.removal_snapshot(reader, _alb_profile(), [], None).alb == ALBS[1]
    assert reader.asked == ALBS[:2]


def test_removal_with_one_alb_reads_it_without_looking_further() -> None:
    one = build_profile("dev", {"region": "eu-west-1", "cluster": "dev",
                                "reference_service": "api", "listener_arns": LISTENERS[:1],
                                "zone_id": "Z0123456789ABC"})
    reader = StubReader(set(), [])
    assert albs.removal_snapshot(reader, one, [], None).alb is None
    assert reader.asked == [None]
