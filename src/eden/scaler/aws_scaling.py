"""Living next to AWS's own scaling (Application Auto Scaling) on the same services.

Two scalers on one service fight: each undoes the other's desired count. So before eden
acts on a service it asks Application Auto Scaling whether scaling policies are attached.
If any are, eden refuses, unless the service's entry says ``take_over = true``: then eden
suspends AWS's dynamic scaling on that service while it runs, and resumes it when it
stops cleanly, so a stopped eden hands the service back.

``--shadow`` acts on nothing: it reads AWS's scaling activities, so eden's would-be count
can be logged next to what AWS's scaling really did.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from eden.errors import ConfigError
from eden.scaler.aws_errors import aws_call
from eden.scaler.config import ServiceConfig

log = logging.getLogger("eden.scaler")

NAMESPACE = "ecs"
DIMENSION = "ecs:service:DesiredCount"
SUSPENDED = {"DynamicScalingInSuspended": True, "DynamicScalingOutSuspended": True}
RESUMED = {"DynamicScalingInSuspended": False, "DynamicScalingOutSuspended": False}


def resource_id(cfg: ServiceConfig) -> str:
    return f"service/{cfg.cluster}/{cfg.service}"


@dataclass(frozen=True)
class AttachedPolicy:
    name: str
    kind: str  # TargetTrackingScaling, StepScaling, PredictiveScaling


def attached_policies(aas: Any, cfg: ServiceConfig) -> list[AttachedPolicy]:
    """Application Auto Scaling policies on the service's desired count."""
    rid = resource_id(cfg)
    answer = aws_call(aas, "application-autoscaling:DescribeScalingPolicies", cfg.key,
                      lambda: aas.describe_scaling_policies(ServiceNamespace=NAMESPACE,
                                                            ResourceId=rid))
    return [AttachedPolicy(str(p["PolicyName"]), str(p.get("PolicyType", "?")))
            for p in answer.get("ScalingPolicies", [])
            if p.get("ScalableDimension", DIMENSION) == DIMENSION]


@dataclass
class TakeOver:
    """Refuses services AWS scales, or suspends AWS's scaling on those eden takes over."""

    aas: Any
    services: Iterable[ServiceConfig]
    suspended: list[ServiceConfig] = field(default_factory=list)

    def check(self) -> list[tuple[ServiceConfig, list[AttachedPolicy]]]:
        """Refuse services AWS scales unless taken over; return those taken over."""
        refused = []
        plans: list[tuple[ServiceConfig, list[AttachedPolicy]]] = []
        for cfg in self.services:
            policies = attached_policies(self.aas, cfg)
            if policies and not cfg.take_over:
                named = ", ".join(f"{p.name} ({p.kind})" for p in policies)
                refused.append(f"{cfg.key}: {named}")
            elif policies:
                plans.append((cfg, policies))
        if refused:
            raise ConfigError(
                "Application Auto Scaling already scales "
                f"{'; '.join(refused)}: two scalers on one service fight",
                hint="compare first with `eden scale run --shadow`, then set take_over = "
                     "true in the service's [[services]] entry to let eden suspend AWS's "
                     "scaling while it runs")
        return plans

    def claim(self) -> None:
        """Check every service; suspend AWS's scaling where eden is told to take over."""
        for cfg, policies in self.check():
            self._set_state(cfg, SUSPENDED)
            self.suspended.append(cfg)
            log.warning("%s: took over from Application Auto Scaling (%s suspended while "
                        "eden runs)", cfg.key, ", ".join(p.name for p in policies))

    def release(self) -> None:
        """Resume AWS's scaling on every service eden took over (on a clean stop)."""
        while self.suspended:
            cfg = self.suspended.pop()
            try:
                self._set_state(cfg, RESUMED)
                log.warning("%s: Application Auto Scaling resumed", cfg.key)
            except Exception as exc:  # stopping must go on for the other services
                log.error("%s: could not resume Application Auto Scaling: %s", cfg.key, exc)

    def _set_state(self, cfg: ServiceConfig, state: dict[str, bool]) -> None:
        rid = resource_id(cfg)
        aws_call(self.aas, "application-autoscaling:RegisterScalableTarget", cfg.key,
                 lambda: self.aas.register_scalable_target(
                     ServiceNamespace=NAMESPACE, ResourceId=rid, ScalableDimension=DIMENSION,
                     SuspendedState={**state, "ScheduledScalingSuspended": False}))


@dataclass(frozen=True)
class Activity:
    id: str
    at: str
    status: str
    description: str


class ScalingActivities:
    """AWS's scaling activities on one service, each reported once (for ``--shadow``)."""

    def __init__(self, aas: Any, cfg: ServiceConfig,
                 report: Callable[[str], None] | None = None) -> None:
        self.aas, self.cfg = aas, cfg
        self.report = report or (lambda line: log.info("%s", line))
        self._seen: deque[str] = deque(maxlen=200)  # bounded: shadow may run for weeks
        self.last: Activity | None = None

    def poll(self) -> list[Activity]:
        rid = resource_id(self.cfg)
        answer = aws_call(self.aas, "application-autoscaling:DescribeScalingActivities",
                          self.cfg.key, lambda: self.aas.describe_scaling_activities(
                              ServiceNamespace=NAMESPACE, ResourceId=rid,
                              ScalableDimension=DIMENSION, MaxResults=20))
        new = []
        for a in reversed(answer.get("ScalingActivities", [])):  # oldest first
            act = Activity(str(a["ActivityId"]), str(a.get("StartTime", "")),
                           str(a.get("StatusCode", "")), str(a.get("Description", "")))
            if act.id not in self._seen:
                self._seen.append(act.id)
                new.append(act)
        for act in new:
            self.last = act
            self.report(f"shadow {self.cfg.key}: AWS scaling {act.status}: "
                        f"{act.description} ({act.at})")
        return new
