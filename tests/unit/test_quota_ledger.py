"""Claims of room on a shared ALB (``quota.Ledger``), on an in-memory SQLite store: what
counts as in flight, what a granted claim writes, and claims decided together."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from eden.envs.quota import Ledger, Need, QuotaFull, _Claim, rules_of, shortfall
from eden.envs.records import EnvRecord
from eden.envs.resources.base import AlbUsage
from eden.state import SqliteStore
from eden.state.leases import LockPolicy
from state_records import record

ALB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/1"
OTHER_ALB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/2"
SEEN = "api-seen.dev.example.com"  # a host whose rule the read of the ALB saw


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    s = SqliteStore(":memory:")
    yield s
    s.close()


def on(name: str, alb: str = ALB, rules: int | None = None, **kw: str) -> EnvRecord:
    """An environment eden has on ``alb`` (``rules``: its alb_rules, None: not recorded)."""
    rec = record(name, **kw)
    rec.extra["alb_arn"] = alb
    if rules is not None:
        rec.extra["alb_rules"] = rules
    return rec


def usage(rules: int) -> AlbUsage:
    return AlbUsage(rules, 0, frozenset({SEEN}))


def ledger(store: SqliteStore) -> Ledger:
    return Ledger(store, LockPolicy(mode="fail"))


def test_a_granted_claim_writes_the_record_with_its_alb_and_rules(store: SqliteStore) -> None:
    new = record("new")
    ledger(store).claim(ALB, usage(0), new, Need(rules=2, target_groups=2))
    got = store.get("dev", "new")
    assert got is not None
    assert (got.extra["alb_arn"], got.extra["alb_rules"]) == (ALB, 2)


def test_environments_the_read_did_not_see_count_against_the_alb(store: SqliteStore) -> None:
    store.put(on("unseen"))  # made after the read: counts 1
    store.put(replace(on("seen"), host=SEEN))  # in the read already: not again
    store.put(on("elsewhere", OTHER_ALB))  # another ALB
    store.put(record("nowhere"))  # no ALB recorded
    ledger(store).claim(ALB, usage(98), record("fits"), Need())  # 98 + 1 + 1 = 100
    with pytest.raises(QuotaFull, match=r"already has 98 rules .* and 2 more being made"):
        ledger(store).claim(ALB, usage(98), record("one-too-many"), Need())
    assert store.get("dev", "one-too-many") is None


def test_a_group_counts_its_rules_and_an_old_record_one(store: SqliteStore) -> None:
    store.put(on("group", rules=3))
    store.put(on("old"))
    assert [rules_of(r) for r in store.list_envs(None)] == [3, 1]
    ledger(store).claim(ALB, usage(95), record("fits"), Need())  # 95 + 4 + 1 = 100
    with pytest.raises(QuotaFull, match="and 5 more being made"):
        ledger(store).claim(ALB, usage(95), record("full"), Need())


def test_a_claim_does_not_count_its_own_record(store: SqliteStore) -> None:
    store.put(on("again", profile="dev"))  # its earlier claim, on the same ALB
    store.put(on("again", profile="prod"))  # the same name in another profile counts
    ledger(store).claim(ALB, usage(98), record("again"), Need())  # 98 + 1 (prod) + 1
    with pytest.raises(QuotaFull, match="and 1 more being made"):
        ledger(store).claim(ALB, usage(99), record("again"), Need())


def test_claims_decided_together_count_the_ones_granted_before_them(
    store: SqliteStore,
) -> None:
    store.put(on("earlier"))
    claims = [_Claim(ALB, usage(97), record(n), Need()) for n in ("a", "b", "c")]
    verdicts = ledger(store)._decide(claims)
    assert verdicts[:2] == [None, None]
    assert isinstance(verdicts[2], QuotaFull)
    assert "97 rules (on all its listeners) and 3 more being made" in verdicts[2].message
    assert sorted(r.name for r in store.list_envs(None)) == ["a", "b", "earlier"]


def test_a_refused_claim_leaves_room_for_the_next_in_its_batch(store: SqliteStore) -> None:
    big = _Claim(ALB, usage(98), record("big"), Need(rules=3, target_groups=3))
    small = _Claim(ALB, usage(98), record("small"), Need())
    verdicts = ledger(store)._decide([big, small])
    assert isinstance(verdicts[0], QuotaFull) and verdicts[1] is None
    assert [r.name for r in store.list_envs(None)] == ["small"]


def test_a_claim_for_the_albs_own_rule_only_keeps_the_environments_count(
    store: SqliteStore,
) -> None:
    group = on("group", rules=3)
    ledger(store).claim(ALB, usage(0), group, Need(rules=0, target_groups=0, shared=1))
    got = store.get("dev", "group")
    assert got is not None and (got.extra["alb_arn"], got.extra["alb_rules"]) == (ALB, 3)


@pytest.mark.parametrize(
    ("room", "refusal"),
    [(AlbUsage(99, 10), "already has 99 rules"), (AlbUsage(10, 99), "already uses 99 target")],
)
def test_the_albs_own_rule_needs_room_for_a_rule_and_a_target_group_too(
    room: AlbUsage, refusal: str
) -> None:
    assert shortfall(room, 0, Need(rules=1, target_groups=1)) is None
    assert refusal in (shortfall(room, 0, Need(rules=1, target_groups=1, shared=1)) or "")
