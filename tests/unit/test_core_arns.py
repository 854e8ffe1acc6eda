"""What an ARN says without asking AWS: an ALB listener's load balancer, an ALB's name."""

from __future__ import annotations

import pytest

from eden.core.arns import alb_name, alb_of_listener

ELB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012"


@pytest.mark.parametrize(
    ("listener", "alb"),
    [
        (f"{ELB}:listener/app/shared/50dc6c49/f2f7dc8e", f"{ELB}:loadbalancer/app/shared/50dc6c49"),
        (f"{ELB}:listener/net/nlb/1/2", f"{ELB}:loadbalancer/net/nlb/1"),
        (f"{ELB}:loadbalancer/app/shared/50dc6c49", None),  # not a listener
        (f"{ELB}:listener/app/shared/50dc6c49", None),  # a part missing
        (f"{ELB}:listener/app/shared/50dc6c49/f2f7/extra", None),  # a part too many
        (f"{ELB}:listener/app//50dc6c49/f2f7dc8e", None),  # an empty part
        (f"{ELB}:listener/app/shared/50dc6c49/", None),
        (f"{ELB}:listener-rule/app/shared/50dc6c49/f2f7dc8e", None),
    ],
)
def test_the_alb_of_a_listener(listener: str, alb: str | None) -> None:
    assert alb_of_listener(listener) == alb


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        (f"{ELB}:loadbalancer/app/shared-1/50dc6c49", "shared-1"),
        ("", ""),
        (None, ""),
        (f"{ELB}:loadbalancer/app/shared-1", f"{ELB}:loadbalancer/app/shared-1"),
        (f"{ELB}:loadbalancer/app/a/b/c", f"{ELB}:loadbalancer/app/a/b/c"),
        ("app/shared-2/1", "shared-2"),
    ],
)
def test_the_name_of_an_alb_else_its_arn(arn: str | None, name: str) -> None:
    assert alb_name(arn) == name
