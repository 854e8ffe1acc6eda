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


def alb_name(alb_arn: str | None) -> str:
    """``arn:...:loadbalancer/app/NAME/ID`` -> ``NAME`` (what the console shows)."""
    if not alb_arn:
        return ""
    parts = alb_arn.split(":loadbalancer/", 1)[-1].split("/")
    return parts[1] if len(parts) == 3 else alb_arn
