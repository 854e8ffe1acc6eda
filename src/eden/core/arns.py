"""What an ARN says about what it names, without asking AWS."""

from __future__ import annotations


def alb_of_listener(listener_arn: str) -> str | None:
    """The load balancer of an ALB listener:
    ``...:listener/app/NAME/LB_ID/LISTENER_ID`` -> ``...:loadbalancer/app/NAME/LB_ID``."""
    prefix, sep, rest = listener_arn.partition(":listener/")
    parts = rest.split("/")
    if not sep or len(parts) != 4 or not all(parts):
        return None
    return f"{prefix}:loadbalancer/{'/'.join(parts[:3])}"
