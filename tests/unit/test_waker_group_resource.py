"""The ALB's waker group (envs/resources/waker_group.py) on a stub ELB: what is created,
what is registered, and the record later steps read. Pure: no AWS."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from eden.envs import resources
from eden.envs.resources.waker_group import WakerMade, ensure_waker_group

ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/eden-waker-1/1"
PARAMS = {"Name": "eden-waker-1", "Protocol": "HTTP", "Port": 8081, "VpcId": "vpc-1",
          "TargetType": "ip", "Targets": ({"Id": "10.0.3.17", "Port": 8081},)}


class StubElb:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def create_target_group(self, params: dict[str, Any]) -> str:
        self.calls.append(("create_target_group", params))
        return ARN

    def register_targets(self, arn: str, targets: list[dict[str, Any]]) -> None:
        self.calls.append(("register_targets", (arn, targets)))


def test_the_group_is_made_without_its_targets_then_the_waker_is_registered() -> None:
    elb = StubElb()
    ctx: Any = SimpleNamespace(aws=SimpleNamespace(elbv2=elb))
    made = ensure_waker_group(ctx, PARAMS)
    assert made == WakerMade(ARN) and made.TargetGroupArn == ARN
    assert elb.calls == [
        ("create_target_group", {k: v for k, v in PARAMS.items() if k != "Targets"}),
        ("register_targets", (ARN, [{"Id": "10.0.3.17", "Port": 8081}])),
    ]


def test_the_executor_finds_the_action_under_its_plan_name() -> None:
    assert resources.ACTIONS["elbv2.ensure_waker_group"] is ensure_waker_group
