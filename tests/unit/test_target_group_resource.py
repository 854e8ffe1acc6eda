"""The target group resource on its own: a worker gets none, the reference's attributes
in a step of their own (deregistration delay eden's), --refresh, the record, orphans, and
the delete's retries while a rule still holds the group (a stub ELB). Pure: no AWS."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from test_planner import make_profile, make_reference, make_request

from eden.envs.plan import Ref
from eden.envs.resources import target_group as tg
from eden.envs.resources.base import Current, PlanInput, Planned
from eden.errors import AwsError

ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/eden-x/1"
ATTRS = {"stickiness.enabled": "true", "deregistration_delay.timeout_seconds": "300"}


def plan_input(current: Current | None = None, refresh: bool = False,
               attributes: dict[str, str] | None = None) -> PlanInput:
    ref = replace(make_reference(), target_group_attributes=attributes or {})
    request = replace(make_request(), refresh=refresh)
    return PlanInput(make_profile(), request, ref, current or Current())


def test_a_worker_gets_no_target_group() -> None:
    worker = PlanInput(make_profile(), make_request(),
                       replace(make_reference(), target_group=None), Current())
    assert tg.plan(worker) == Planned()


def test_without_attributes_one_step() -> None:
    (step,) = tg.plan(plan_input()).steps
    assert step.action == "elbv2.create_target_group" and "Attributes" not in step.params


def test_the_references_attributes_in_their_own_step_with_edens_delay() -> None:
    create, settings = tg.plan(plan_input(attributes=ATTRS)).steps
    assert "Attributes" not in create.params
    assert settings.id == tg.ATTRIBUTES == "target_group_attributes"
    assert settings.params == {
        "TargetGroupArn": Ref("target_group", "TargetGroupArn"),
        "Attributes": {"stickiness.enabled": "true",
                       "deregistration_delay.timeout_seconds": "10"},
    }
    assert settings.depends_on == ("target_group",)
    assert settings.description.endswith("(deregistration delay 10s)")


def test_refresh_sets_the_health_check_and_the_attributes() -> None:
    (step,) = tg.plan(plan_input(Current.of(target_group=ARN), True, ATTRS)).steps
    assert step.action == "elbv2.refresh_target_group"
    assert step.params["TargetGroupArn"] == ARN
    assert step.params["HealthCheckPath"] == "/health"
    assert step.params["Attributes"]["deregistration_delay.timeout_seconds"] == "10"
    (plain,) = tg.plan(plan_input(Current.of(target_group=ARN), True)).steps
    assert "Attributes" not in plain.params
    assert tg.plan(plan_input(Current.of(target_group=ARN))) == Planned()


def test_the_record_and_orphans() -> None:
    assert tg.record(tg.Made(ARN), None) == {"arn": ARN}
    assert tg.record(None, "arn:found") == {"arn": "arn:found"}
    assert tg.record(None, None) is None
    assert tg.RESOURCE.owns_arn(ARN) is True
    assert tg.RESOURCE.owns_arn(ARN.replace(":targetgroup/", ":loadbalancer/")) is False


class Elb:
    def __init__(self, in_use: int) -> None:
        self.in_use, self.calls = in_use, 0

    def delete_target_group(self, arn: str) -> bool:
        self.calls += 1
        if self.calls <= self.in_use:
            raise AwsError("in use", code="ResourceInUse")
        return True


def _delete(elb: Elb, naps: list[float]) -> Any:
    ctx: Any = SimpleNamespace(aws=SimpleNamespace(elbv2=elb), sleep=naps.append)
    return tg.delete(ctx, {"TargetGroupArn": ARN})


def test_delete_tries_ten_times_while_a_rule_holds_the_group() -> None:
    naps: list[float] = []
    assert _delete(Elb(in_use=9), naps).deleted is True
    assert naps == [0.2, 0.4, 0.8, 1.6, 3.0, 3.0, 3.0, 3.0, 3.0]
    held = Elb(in_use=10)
    with pytest.raises(AwsError, match="in use"):
        _delete(held, [])
    assert held.calls == 10
