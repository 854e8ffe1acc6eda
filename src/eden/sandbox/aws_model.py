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
* **Local tasks** (the mode ``Model.tasks``; off in the test suite, on in ``eden sandbox
  up``): a service with a load balancer runs real local processes instead
  (``eden.sandbox.dataplane``). Its rollout stays IN_PROGRESS until they answer; they
  are its targets, on 127.0.0.1 each with its own port (``target_keys``: a target is its
  id and its port, as on AWS).
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

import os
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from moto.core.exceptions import ServiceException
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend

from eden.sandbox import alb_quotas, ecs_requests, run_tasks, target_keys

NOT_IDEMPOTENT = "Creation of service was not idempotent."
STAND_IN_PREFIX = "127.99."


class TaskHooks(Protocol):
    """What the model tells the local tasks (``eden.sandbox.dataplane.DataPlane``); both
    are called with the model's lock held, and must not block."""

    def changed(self, backend: Any | None) -> None:
        """A service of ``backend`` changed (None: the model's clock moved)."""

    def deleted(self, backend: Any, service: Any) -> None:
        """``service`` was deleted: its targets go now."""


@dataclass
class Model:
    drain_seconds: float = 2.0
    start_seconds: float = 0.0
    offset: float = 0.0  # moved by ``advance``: tests skip time instead of waiting for it
    # The local-tasks mode: None gives services stand-in targets (the test suite's
    # default); a data plane runs a local process per task (``eden sandbox up``'s).
    tasks: TaskHooks | None = None

    @property
    def local_tasks(self) -> bool:
        return self.tasks is not None

    def clock(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        """The model's time jumps ahead: draining and starting services move on."""
        with _LOCK:
            self.offset += seconds
            if self.tasks is not None:
                self.tasks.changed(None)

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
            # moto fills every new EC2 region with 1,301 public AMIs and a snapshot for each
            # (seconds after every reset, and most of a region's memory). eden launches no
            # instances, so the sandbox's accounts have none.
            os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
            _MODEL = model or Model()
            _patch_ecs(_MODEL)
            alb_quotas.install(_LOCK, lambda b: _MODEL_HOOKS["advance_all"](b))
            target_keys.install()
        return _MODEL


# --- ECS ---------------------------------------------------------------------------------


def _patch_ecs(model: Model) -> None:
    cls = EC2ContainerServiceBackend
    _patch(cls, "create_service", _create_service(cls.create_service, model))
    _patch(cls, "update_service", _update_service(cls.update_service, model))
    _patch(cls, "delete_service", _delete_service(cls.delete_service, model))
    _patch(cls, "describe_services", _describe_services(cls.describe_services, model))
    ecs_requests.install()
    run_tasks.install()
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
            if model.tasks is not None:
                model.tasks.changed(self)
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
            if model.tasks is not None:
                model.tasks.changed(self)
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
            if model.tasks is not None:
                model.tasks.deleted(self, service)
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
    if service.deployment_controller.get("type") != "ECS":
        return
    if model.start_seconds <= 0 and not runs_local_tasks(service, model):
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
    if runs_local_tasks(service, model):
        return  # steady once its tasks answer: the data plane calls ``settle``
    service.running_count = service.desired_count
    service.pending_count = 0
    _complete(service)
    _set_targets(backend, service, service.desired_count)


def _complete(service: Any) -> None:
    """The rollout is done: one deployment left, COMPLETED, saying so as ECS does."""
    if not service.deployments:
        return
    primary = {**service.deployments[0], "status": "PRIMARY", "rolloutState": "COMPLETED"}
    primary.update(runningCount=service.desired_count, pendingCount=0)
    primary["rolloutStateReason"] = f"ECS deployment {primary.get('id', '')} completed."
    service.deployments = [primary]


def runs_local_tasks(service: Any, model: Model) -> bool:
    """Whether the service's tasks are local processes (the local-tasks mode is on, and
    the service is a rolling-update one behind a target group)."""
    if model.tasks is None or (service.deployment_controller or {}).get("type") != "ECS":
        return False
    return any(lb.get("targetGroupArn") for lb in service.load_balancers or [])


def settle(service: Any, running: int, steady: bool) -> None:
    """What the data plane found: ``running`` tasks answer; ``steady``: the rollout is
    complete (call with the model's lock held)."""
    service.running_count = running
    service.pending_count = max(0, service.desired_count - running)
    if steady:
        _complete(service)


def lock() -> threading.RLock:
    """The model's lock: moto's objects change only under it."""
    return _LOCK


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
        for key, target in list(group.targets.items()):
            if str(target["Id"]).startswith(STAND_IN_PREFIX) and target["Id"] not in wanted:
                group.targets.pop(key)
        present = {target["Id"] for target in group.targets.values()}
        group.register([{"Id": ip, "Port": port} for ip in sorted(wanted) if ip not in present])


_MODEL_HOOKS: dict[str, Callable[[Any], None]] = {}


def _patch(cls: type, name: str, fn: Callable[..., Any]) -> None:
    setattr(cls, name, fn)


__all__ = ["Model", "ServiceException", "install"]
