"""AWS behaviour that moto leaves out, put back into moto itself (server side).

moto is lenient where AWS is strict, and it has no lifecycles: a deleted service is gone
at once, a new one is "running" without ever starting, and an ALB takes any number of
rules. eden relies on what AWS really does, so the sandbox and the test suite run moto
with this model installed. Because it patches moto's backends in the process that runs
the moto server, it holds for every client of that server: eden in-process, the API
server, CLI subprocesses, the 2019 tool.

Modelled (each with the error AWS gives; sources in ../shared/reference/):

* **DRAINING**: DeleteService leaves the service DRAINING for ``drain_seconds`` (on AWS:
  until its tasks stop, which the target group's deregistration delay bounds), then
  INACTIVE. CreateService with the name of an ACTIVE or DRAINING service is refused:
  ``InvalidParameterException: Creation of service was not idempotent.``
* **Starting tasks**: a created or updated service runs nothing for ``start_seconds``
  (the rollout is IN_PROGRESS, running 0, the new deployment beside the old one); then it
  is steady (COMPLETED, running = desired), and its target group gets that many healthy
  targets (stand-in loopback addresses in 127.99.0.0/16: nothing answers there, and
  nothing eden or its tests do ever leaves the machine).
* **ALB quotas, per load balancer**: 100 non-default rules across all its listeners
  (``TooManyRules``), 100 target groups (``TooManyTargetGroups``), a host-header value of
  at most 128 characters (``ValidationError``).
* **Deployment controllers**: CODE_DEPLOY services cannot change their task definition
  with UpdateService; EXTERNAL services take no task definition or load balancers on
  CreateService (both ``InvalidParameterException``).
* **ECS Exec**: ExecuteCommand (moto lacks it) opens a stand-in session for a RUNNING
  task started with exec on, and refuses others with AWS's message; the requests are
  kept on the backend (``eden_exec_sessions``) for tests.
* **Service settings are kept**: CreateService's ``healthCheckGracePeriodSeconds``,
  ``deploymentConfiguration``, ``enableExecuteCommand`` and ``enableECSManagedTags`` are
  stored and DescribeServices returns them, as AWS does (moto drops them on create; it
  keeps them on UpdateService).

``install`` is idempotent and returns the ``Model`` whose timings can be changed at any
time; its state lives on moto's own objects, so moto's reset clears it.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import ServiceException
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend, ecs_backends
from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend

from eden.sandbox import ecs_requests

MAX_RULES_PER_ALB = 100
MAX_TARGET_GROUPS_PER_ALB = 100
HOST_HEADER_MAX = 128
NOT_IDEMPOTENT = "Creation of service was not idempotent."
STAND_IN_PREFIX = "127.99."


@dataclass
class Model:
    drain_seconds: float = 2.0
    start_seconds: float = 0.0
    offset: float = 0.0  # moved by ``advance``: tests skip time instead of waiting for it

    def clock(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        """The model's time jumps ahead: draining and starting services move on."""
        self.offset += seconds

    @contextmanager
    def timings(self, *, drain: float | None = None, start: float | None = None) -> Iterator[None]:
        """Change the timings for a block (a test), and put them back after."""
        before = (self.drain_seconds, self.start_seconds)
        if drain is not None:
            self.drain_seconds = drain
        if start is not None:
            self.start_seconds = start
        try:
            yield
        finally:
            self.drain_seconds, self.start_seconds = before


_MODEL: Model | None = None
_LOCK = threading.RLock()  # moto's server handles requests in threads


def install(model: Model | None = None) -> Model:
    """Patches moto once per process; later calls return the installed model."""
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            _MODEL = model or Model()
            _patch_ecs(_MODEL)
            _patch_elbv2()
        return _MODEL


# --- ECS ---------------------------------------------------------------------------------


def _patch_ecs(model: Model) -> None:
    cls = EC2ContainerServiceBackend
    _patch(cls, "create_service", _create_service(cls.create_service, model))
    _patch(cls, "update_service", _update_service(cls.update_service, model))
    _patch(cls, "delete_service", _delete_service(cls.delete_service, model))
    _patch(cls, "describe_services", _describe_services(cls.describe_services, model))
    ecs_requests.install()
    _MODEL_HOOKS["advance_all"] = lambda backend: _advance_all(backend, model)


def _create_service(original: Callable[..., Any], model: Model) -> Callable[..., Any]:
    def create_service(
        self: Any,
        cluster_str: str,
        service_name: str,
        desired_count: int,
        task_definition_str: str | None = None,
        load_balancers: list[dict[str, Any]] | None = None,
        scheduling_strategy: Any = None,
        tags: Any = None,
        deployment_controller: dict[str, str] | None = None,
        *args: Any,
        **kw: Any,
    ) -> Any:
        with _LOCK:
            cluster = self._get_cluster(cluster_str)
            old = self.services.get(f"{cluster.name}:{service_name}")
            if old is not None:
                _advance(self, old, model)
                if old.status in ("ACTIVE", "DRAINING"):
                    raise InvalidParameterException(NOT_IDEMPOTENT)
            controller = (deployment_controller or {}).get("type", "ECS")
            if controller == "EXTERNAL" and (task_definition_str or load_balancers):
                raise InvalidParameterException(
                    "A service with the EXTERNAL deployment controller takes its task "
                    "definition and load balancers from task sets, not CreateService."
                )
            service = original(
                self,
                cluster_str,
                service_name,
                desired_count,
                task_definition_str,
                load_balancers,
                scheduling_strategy,
                tags,
                deployment_controller,
                *args,
                **kw,
            )
            _start_rollout(service, model)
            return service

    return create_service


def _update_service(original: Callable[..., Any], model: Model) -> Callable[..., Any]:
    def update_service(self: Any, props: dict[str, Any]) -> Any:
        with _LOCK:
            cluster = props.get("cluster", "default")
            name = str(props.get("service", "")).split("/")[-1]
            current = self.services.get(f"{self._get_cluster(cluster).name}:{name}")
            controller = (getattr(current, "deployment_controller", None) or {}).get("type")
            if controller == "CODE_DEPLOY" and props.get("task_definition"):
                raise InvalidParameterException(
                    "Unable to update task definition on services with a CODE_DEPLOY "
                    "deployment controller. Use AWS CodeDeploy to trigger a new deployment."
                )
            service = original(self, props)
            _start_rollout(service, model)
            return service

    return update_service


def _delete_service(original: Callable[..., Any], model: Model) -> Callable[..., Any]:
    def delete_service(self: Any, cluster_name: str, service_name: str, force: bool) -> Any:
        with _LOCK:
            service = original(self, cluster_name, service_name, force)
            service.status = "DRAINING"
            service.running_count = 0
            setattr(service, "eden_drained_at", model.clock() + model.drain_seconds)  # noqa: B010
            _set_targets(self, service, 0)
            return service

    return delete_service


def _describe_services(original: Callable[..., Any], model: Model) -> Callable[..., Any]:
    def describe_services(self: Any, cluster_str: str, names: list[str]) -> Any:
        with _LOCK:
            found, failures = original(self, cluster_str, names)
            for service in found:
                _advance(self, service, model)
            return found, failures

    return describe_services


def _start_rollout(service: Any, model: Model) -> None:
    """A new deployment: nothing of it runs until ``start_seconds`` have passed."""
    service.eden_steady_at = model.clock() + model.start_seconds
    if model.start_seconds <= 0 or service.deployment_controller.get("type") != "ECS":
        return
    old = [dict(d, status="ACTIVE") for d in service.deployments if d.get("status") == "PRIMARY"]
    primary = {
        **(service.deployments[0] if service.deployments else {}),
        "status": "PRIMARY",
        "rolloutState": "IN_PROGRESS",
        "runningCount": 0,
        "desiredCount": service.desired_count,
        "taskDefinition": service.task_definition,
    }
    service.deployments = [primary, *old[:1]]
    service.running_count = 0 if not old else service.running_count
    service.pending_count = service.desired_count


def _advance(backend: Any, service: Any, model: Model) -> None:
    """Moves a service along its lifecycle to what it is at the model's now."""
    now = model.clock()
    if service.status == "DRAINING" and now >= getattr(service, "eden_drained_at", 0.0):
        service.status = "INACTIVE"
    if service.status != "ACTIVE" or now < getattr(service, "eden_steady_at", 0.0):
        return
    service.running_count = service.desired_count
    service.pending_count = 0
    if service.deployments:
        primary = {**service.deployments[0], "status": "PRIMARY", "rolloutState": "COMPLETED"}
        primary.update(runningCount=service.desired_count, pendingCount=0)
        service.deployments = [primary]
    _set_targets(backend, service, service.desired_count)


def _advance_all(backend: Any, model: Model) -> None:
    for service in list(backend.services.values()):
        _advance(backend, service, model)


def _set_targets(ecs: Any, service: Any, count: int) -> None:
    """``count`` healthy stand-in targets in each of the service's target groups."""
    from moto.elbv2.models import elbv2_backends

    elbv2 = elbv2_backends[ecs.account_id][ecs.region_name]
    for lb in service.load_balancers or []:
        group = elbv2.target_groups.get(lb.get("targetGroupArn", ""))
        if group is None:
            continue
        port = int(lb.get("containerPort", 80))
        base = zlib.crc32(service.name.encode()) % 250
        wanted = {f"127.99.{base}.{i + 1}" for i in range(count)}
        for target_id in list(group.targets):
            if target_id.startswith(STAND_IN_PREFIX) and target_id not in wanted:
                group.targets.pop(target_id)
        group.register(
            [{"Id": ip, "Port": port} for ip in sorted(wanted) if ip not in group.targets]
        )


_MODEL_HOOKS: dict[str, Callable[[Any], None]] = {}


def _patch(cls: type, name: str, fn: Callable[..., Any]) -> None:
    setattr(cls, name, fn)


# --- ELBv2 -------------------------------------------------------------------------------


def _patch_elbv2() -> None:
    create_rule = ELBv2Backend.create_rule
    target_health = ELBv2Backend.describe_target_health

    def guarded_create_rule(
        self: Any,
        listener_arn: str,
        conditions: list[dict[str, Any]],
        priority: int,
        actions: list[dict[str, Any]],
        tags: Any = None,
    ) -> Any:
        with _LOCK:
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
        with _LOCK:
            hook = _MODEL_HOOKS.get("advance_all")
            if hook is not None:
                hook(ecs_backends[self.account_id][self.region_name])
            return target_health(self, target_group_arn, targets)

    _patch(ELBv2Backend, "create_rule", guarded_create_rule)
    _patch(ELBv2Backend, "describe_target_health", describe_target_health)


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
    named: set[str] = set()
    for action in actions:
        if action.get("TargetGroupArn"):
            named.add(action["TargetGroupArn"])
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            named.add(group["TargetGroupArn"])
    new = named - used
    if new and len(used) + len(new) > MAX_TARGET_GROUPS_PER_ALB:
        raise ELBClientError(
            "TooManyTargetGroups",
            "You've reached the limit on the number of target groups per load balancer",
        )


__all__ = ["Model", "ServiceException", "install"]
