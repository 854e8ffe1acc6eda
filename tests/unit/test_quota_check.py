"""Room on the ALB: the numbers decide (rules and target groups, per load balancer)."""

from __future__ import annotations

import pytest

from eden.envs.quota import Need, check
from eden.envs.resources.base import AlbUsage
from eden.errors import ConfigError

ALB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/1"


def test_the_hundredth_rule_fits_and_the_hundred_and_first_does_not() -> None:
    check(AlbUsage(rules=99, target_groups=10), 0, Need(), ALB)
    with pytest.raises(
        ConfigError, match=r"already has 100 rules \(on all its listeners\); an ALB takes 100"
    ):
        check(AlbUsage(rules=100, target_groups=10), 0, Need(), ALB)


def test_rules_being_made_elsewhere_count() -> None:
    check(AlbUsage(rules=97, target_groups=10), 2, Need(), ALB)
    with pytest.raises(
        ConfigError, match=r"98 rules \(on all its listeners\) and 2 more being made"
    ) as info:
        check(AlbUsage(rules=98, target_groups=10), 2, Need(), ALB)
    assert info.value.where == ALB and "another ALB" in (info.value.hint or "")


def test_target_groups_have_their_own_limit() -> None:
    check(AlbUsage(rules=10, target_groups=99), 0, Need(), ALB)
    with pytest.raises(ConfigError, match="uses 99 target groups and 1 more being made"):
        check(AlbUsage(rules=10, target_groups=99), 1, Need(), ALB)
    check(AlbUsage(rules=10, target_groups=100), 0, Need(target_groups=0), ALB)
