"""The AWS model's ELBv2 part: an ALB's quotas, and target health that follows ECS.

* 100 non-default rules per load balancer across all its listeners (``TooManyRules``),
  100 target groups per load balancer (``TooManyTargetGroups``), and a host-header value
  of at most 128 characters (``ValidationError``); moto enforces none of them.
* DescribeTargetHealth first moves every service of the account along its lifecycle
  (``aws_model``), so a target group shows the targets of the tasks that started.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.ecs.models import ecs_backends
from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend

MAX_RULES_PER_ALB = 100
MAX_TARGET_GROUPS_PER_ALB = 100
HOST_HEADER_MAX = 128
# moto's ELBv2 backend keeps its target groups and rules in plain dicts, and its server
# answers each request in a thread: a CreateTargetGroup that walks the target groups while
# another request adds or deletes one fails with "OrderedDict mutated during iteration" (a
# 500 no AWS would give). These calls take the model's lock, as the guarded ones do.
SERIALIZED = (
    "create_target_group", "delete_target_group", "describe_target_groups",
    "register_targets", "deregister_targets", "modify_target_group_attributes",
    "describe_rules", "delete_rule", "set_rule_priorities",  # (modify_rule: guarded below)
)


def install(lock: threading.RLock, advance_group: Callable[[Any, str], None]) -> None:
    """Patches moto's ELBv2 backend (the caller holds ``lock``, the model's)."""
    cls: Any = ELBv2Backend
    if getattr(cls, "eden_quotas", False):
        return
    create_rule, target_health = cls.create_rule, cls.describe_target_health

    def guarded_create_rule(
        self: Any,
        listener_arn: str,
        conditions: list[dict[str, Any]],
        priority: int,
        actions: list[dict[str, Any]],
        tags: Any = None,
    ) -> Any:
        with lock:
            _check_hosts(conditions)
            listeners = self.describe_listeners(None, [listener_arn])
            alb = self.load_balancers[listeners[0].load_balancer_arn]
            rules = [
                r for li in alb.listeners.values() for r in li.rules.values() if not r.is_default
            ]
            if len(rules) >= MAX_RULES_PER_ALB:
                raise ELBClientError(
                    "TooManyRules",
                    "You've reached the limit on the number of rules per load balancer",
                )
            _check_target_groups(self, alb, actions)
            return create_rule(self, listener_arn, conditions, priority, actions, tags)

    def describe_target_health(self: Any, target_group_arn: str, targets: Any) -> Any:
        with lock:
            advance_group(ecs_backends[self.account_id][self.region_name], target_group_arn)
            return target_health(self, target_group_arn, targets)

    modify_rule = cls.modify_rule

    def guarded_modify_rule(
        self: Any, rule_arn: str, conditions: list[dict[str, Any]], actions: list[dict[str, Any]]
    ) -> Any:
        """AWS counts a group a modified rule forwards to against the ALB's quota and
        attaches it to the ALB (moto does neither: a sleeping environment's waker group)."""
        with lock:
            listener = next(
                (li for lb in self.load_balancers.values() for li in lb.listeners.values()
                 if rule_arn in li.rules), None,
            )  # fmt: skip
            alb = self.load_balancers[listener.load_balancer_arn] if listener else None
            if alb is not None and actions:
                _check_target_groups(self, alb, actions)
            rule = modify_rule(self, rule_arn, conditions, actions)
            if alb is not None:
                _attach(self, alb.arn, _named(actions))
            return rule

    cls.create_rule = guarded_create_rule
    cls.modify_rule = guarded_modify_rule
    cls.describe_target_health = describe_target_health
    _serialize(cls, lock)
    cls.eden_quotas = True


def _serialize(cls: Any, lock: threading.RLock) -> None:
    for name in SERIALIZED:
        setattr(cls, name, _serialized(lock, getattr(cls, name)))


def _serialized(lock: threading.RLock, method: Callable[..., Any]) -> Callable[..., Any]:
    def serialized(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(self, *args, **kwargs)

    serialized.__name__ = method.__name__
    return serialized


def _check_hosts(conditions: list[dict[str, Any]]) -> None:
    for cond in conditions:
        values = list(cond.get("Values") or []) + list(
            (cond.get("HostHeaderConfig") or {}).get("Values") or []
        )
        if cond.get("Field") == "host-header":
            for value in values:
                if len(value) > HOST_HEADER_MAX:
                    raise ELBClientError(
                        "ValidationError",
                        f"A host-header condition value can be at most {HOST_HEADER_MAX} "
                        "characters",
                    )


def _check_target_groups(backend: Any, alb: Any, actions: list[dict[str, Any]]) -> None:
    used = {arn for arn, tg in backend.target_groups.items() if alb.arn in tg.load_balancer_arns}
    new = _named(actions) - used
    if new and len(used) + len(new) > MAX_TARGET_GROUPS_PER_ALB:
        raise ELBClientError(
            "TooManyTargetGroups",
            "You've reached the limit on the number of target groups per load balancer",
        )


def _named(actions: list[dict[str, Any]]) -> set[str]:
    """Every target group the actions forward to (one, or weighted groups)."""
    named: set[str] = set()
    for action in actions:
        if action.get("TargetGroupArn"):
            named.add(action["TargetGroupArn"])
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            named.add(group["TargetGroupArn"])
    return named


def _attach(backend: Any, alb_arn: str, groups: set[str]) -> None:
    for arn in groups:
        group = backend.target_groups.get(arn)
        if group is not None and alb_arn not in group.load_balancer_arns:
            group.load_balancer_arns.append(alb_arn)
