"""The waker target group of a shared ALB: made (or found) and the waker registered.

Not a resource of an environment: one per ALB, used by sleeping environments' rules
(docs/sleep-wake.md) and by the CI bypass rule (``bypass_rule``). Its steps are in sleep
plans and in create plans of profiles with a bypass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.envs.resources.apply import Apply


@dataclass(frozen=True)
class WakerMade:
    TargetGroupArn: str  # AWS's field name, so a Ref reads like the API


def ensure_waker_group(ctx: Apply, p: Mapping[str, Any]) -> WakerMade:
    """Makes the ALB's waker group (or finds it: the name is the ALB's) and registers the
    waker; both calls are idempotent, so every sleep runs them."""
    params = {k: v for k, v in p.items() if k != "Targets"}
    arn = ctx.aws.elbv2.create_target_group(params)
    ctx.aws.elbv2.register_targets(arn, list(p["Targets"]))
    return WakerMade(arn)


ACTIONS = {"elbv2.ensure_waker_group": ensure_waker_group}
