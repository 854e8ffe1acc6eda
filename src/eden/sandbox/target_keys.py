"""A registered target is its id AND its port, as on AWS; moto keys targets by id alone.

AWS lets one IP address (or instance) be registered in a target group several times on
different ports, and RegisterTargets, DeregisterTargets and DescribeTargetHealth name a
target by both. moto keeps one target per id, so a second port replaces the first. The
sandbox's local tasks all listen on 127.0.0.1, each on its own port, so the AWS model
installs this: a target on the group's own port (or with no port) keeps moto's key (its
id), and one on another port is kept under ``"<id>:<port>"``. Instances (``i-...``) and
Lambda functions keep moto's behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.elbv2.exceptions import InvalidTargetError
from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup


def key(group: Any, target: dict[str, Any]) -> str:
    """The key moto keeps ``target`` under in ``group.targets``."""
    target_id = str(target["Id"])
    port = target.get("Port")
    if port is None or group.port is None or target_id.startswith("i-"):
        return target_id
    if str(port) == str(group.port) or getattr(group, "target_type", "") == "lambda":
        return target_id
    return f"{target_id}:{port}"


def install() -> None:
    """Patches moto's target group (the caller holds the model's install lock)."""
    cls: Any = FakeTargetGroup
    if getattr(cls, "eden_target_keys", False):
        return
    cls.register = _register(cls.register)
    cls.deregister = _deregister
    cls.health_for = _health_for(cls.health_for)
    cls.eden_target_keys = True


def _register(original: Callable[..., Any]) -> Callable[..., Any]:
    def register(self: Any, targets: list[dict[str, Any]]) -> None:
        for target in targets:
            k = key(self, target)
            if k == target["Id"]:
                original(self, [target])  # moto's own checks (a stopped instance...)
                continue
            self.targets[k] = {"Id": target["Id"], "Port": target["Port"]}
            self.deregistered_targets.pop(k, None)

    return register


def _deregister(self: Any, targets: list[dict[str, Any]]) -> None:
    for target in targets:
        k = key(self, target)
        found = self.targets.pop(k, None)
        if not found:
            raise InvalidTargetError()
        self.deregistered_targets[k] = found


def _health_for(original: Callable[..., Any]) -> Callable[..., Any]:
    def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
        k = key(self, target)
        if k == target["Id"]:
            return original(self, target, ec2_backend)
        stored = self.targets.get(k)
        if stored is not None:
            return FakeHealthStatus(stored["Id"], stored["Port"], self.health_check_port, "healthy")
        state = "unused" if k in self.deregistered_targets else "unavailable"
        return FakeHealthStatus(
            target["Id"],
            target["Port"],
            self.health_check_port,
            state,
            "Target.NotRegistered",
            "Target is not registered to the target group",
        )

    return health_for
