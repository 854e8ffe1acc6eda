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
from eden.envs.records import EnvRecord
from eden.envs.resources.base import AlbUsage
from eden.errors import ConfigError
from eden.state.base import StateStore
from eden.state.leases import LockPolicy, held, new_owner, shared_key


@dataclass(frozen=True)
class Need:
    """What one environment adds to its ALB: a rule and a target group per served service."""

    rules: int = 1
    target_groups: int = 1


def rules_of(record: Any) -> int:
    """How many rules (and target groups) an environment has on its ALB: one per service
    behind it (records from before groups: one)."""
    return int(record.extra.get("alb_rules", 1))


def shortfall(usage: AlbUsage, in_flight: int, need: Need) -> str | None:
    """Why the ALB cannot take ``need`` more, or None when it can (pure)."""
    rules = usage.rules + in_flight
    groups = usage.target_groups + in_flight
    being_made = f" and {in_flight} more being made" if in_flight else ""
    if need.rules and rules + need.rules > MAX_RULES_PER_ALB:
        return (
            f"already has {usage.rules} rules (on all its listeners){being_made}; "
            f"an ALB takes {MAX_RULES_PER_ALB}"
        )
    if need.target_groups and groups + need.target_groups > MAX_TARGET_GROUPS_PER_ALB:
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
    def __init__(self, store: StateStore, policy: LockPolicy):
        self.store = store
        self.policy = policy

    def claim(self, alb_arn: str, usage: AlbUsage, record: EnvRecord, need: Need) -> None:
        """Writes ``record`` (status creating, on this ALB) if the ALB has room for it."""
        with held(self.store, shared_key(f"quota:{alb_arn}"), new_owner(), self.policy):
            in_flight = sum(
                rules_of(r)
                for r in self.store.list_envs(None)
                if r.extra.get("alb_arn") == alb_arn
                and r.host not in usage.hosts
                and (r.profile, r.name) != (record.profile, record.name)
            )
            check(usage, in_flight, need, alb_arn)
            record.extra["alb_arn"] = alb_arn
            record.extra["alb_rules"] = need.rules
            self.store.put(record)
