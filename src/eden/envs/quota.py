"""Room on the shared ALB, claimed before anything is created, even under concurrency.

An ALB takes at most 100 listener rules (across all its listeners) and 100 target groups.
Each create reads what the ALB holds, but a snapshot is stale the moment another create
starts: eight concurrent creates each saw room for one more and together made 105 rules.

So a create that needs a new rule claims its room under a short lease: it counts what
the ALB held when read, plus every environment eden has on that ALB whose rule was not in
that read (being made, or made since: records are written before any resource), and
writes its own record only if it still fits. The lease covers state-store work only (no
AWS call), so concurrent creates are not serialised behind each other's AWS calls. The
count can only err on the safe side: a rule made after the read is counted through its
record, a rule deleted after it still counts until the next read. AWS's own
``TooManyRules`` remains the last guard for rules made outside eden meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eden.core.limits import MAX_RULES_PER_ALB, MAX_TARGET_GROUPS_PER_ALB
from eden.envs.docwriter import GroupCommit
from eden.envs.records import EnvRecord
from eden.envs.resources.base import AlbUsage
from eden.errors import ConfigError
from eden.state.base import StateStore
from eden.state.leases import LockPolicy, held, new_owner, shared_key


@dataclass(frozen=True)
class Need:
    """What one environment adds to its ALB: a rule and a target group per served service;
    ``shared``: rules (each with a target group) that are the ALB's own, not the
    environment's: the CI bypass rule and the waker group it attaches, made once per ALB."""

    rules: int = 1
    target_groups: int = 1
    shared: int = 0


def rules_of(record: Any) -> int:
    """How many rules (and target groups) an environment has on its ALB: one per service
    behind it (records from before groups: one)."""
    return int(record.extra.get("alb_rules", 1))


def shortfall(usage: AlbUsage, in_flight: int, need: Need) -> str | None:
    """Why the ALB cannot take ``need`` more, or None when it can (pure)."""
    rules = usage.rules + in_flight
    groups = usage.target_groups + in_flight
    being_made = f" and {in_flight} more being made" if in_flight else ""
    need_rules, need_groups = need.rules + need.shared, need.target_groups + need.shared
    if need_rules and rules + need_rules > MAX_RULES_PER_ALB:
        return (
            f"already has {usage.rules} rules (on all its listeners){being_made}; "
            f"an ALB takes {MAX_RULES_PER_ALB}"
        )
    if need_groups and groups + need_groups > MAX_TARGET_GROUPS_PER_ALB:
        return (
            f"already uses {usage.target_groups} target groups{being_made}; an ALB takes "
            f"{MAX_TARGET_GROUPS_PER_ALB} (a limit AWS does not raise)"
        )
    return None


class QuotaFull(ConfigError):
    """The ALB has no room for the environment (another ALB of the pool may have)."""


def check(usage: AlbUsage, in_flight: int, need: Need, alb_arn: str) -> None:
    """Refuses when the ALB cannot take ``need`` more (pure: the numbers decide)."""
    reason = shortfall(usage, in_flight, need)
    if reason is not None:
        raise QuotaFull(
            f"the shared ALB {reason}, so a new environment does not fit",
            where=alb_arn,
            hint="delete environments that are no longer used (eden ls, eden delete), or "
            "give the profile another ALB (listener_arns: new environments go to the "
            "first with room)",
        )


class Ledger:
    """Claims of room on the ALBs, made under a lease per ALB in the state store.

    Claims made at once in one process (an API server's concurrent creates) are checked
    together: one lease, one read of the environments, each claim counted against the room
    the ones before it took (``GroupCommit``), instead of each waiting its turn for the
    lease and reading everything again."""

    def __init__(self, store: StateStore, policy: LockPolicy):
        self.store = store
        self.policy = policy
        self._claims: GroupCommit[_Claim, QuotaFull | None] = GroupCommit(
            lambda key: held(store, key, new_owner(), policy)
        )

    def claim(self, alb_arn: str, usage: AlbUsage, record: EnvRecord, need: Need) -> None:
        """Writes ``record`` (status creating, on this ALB) if the ALB has room for it."""
        refused = self._claims.submit(
            shared_key(f"quota:{alb_arn}"), _Claim(alb_arn, usage, record, need), self._decide
        )
        if refused is not None:
            raise refused

    def _decide(self, claims: list[_Claim]) -> list[QuotaFull | None]:
        """Under the ALB's lease: each claim in turn, against the room left."""
        everyone = self.store.list_envs(None)
        out: list[QuotaFull | None] = []
        granted: list[EnvRecord] = []
        for c in claims:
            skip = {(r.profile, r.name) for r in [c.record, *granted]}
            others = [r for r in everyone if (r.profile, r.name) not in skip]
            in_flight = sum(
                rules_of(r)
                for r in [*others, *granted]
                if r.extra.get("alb_arn") == c.alb_arn and r.host not in c.usage.hosts
            )
            try:
                check(c.usage, in_flight, c.need, c.alb_arn)
            except QuotaFull as full:
                out.append(full)
                continue
            c.record.extra["alb_arn"] = c.alb_arn
            if c.need.rules:  # (a deploy that only adds the ALB's bypass rule: no change)
                c.record.extra["alb_rules"] = c.need.rules
            self.store.put(c.record)
            granted.append(c.record)
            out.append(None)
        return out


@dataclass(frozen=True)
class _Claim:
    alb_arn: str
    usage: AlbUsage
    record: EnvRecord
    need: Need
