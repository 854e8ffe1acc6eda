"""moto's objects as the data plane and the router need them, read in moto's process.

The data plane and the router run inside the sandbox's moto server, so they read moto's
backends directly (no HTTP, no paging, always current) and write targets and service
counters back; callers hold the AWS model's lock (``aws_model.lock()``) around each
read and write. Everything here turns moto's shapes into the pure data of
``eden.sandbox.tasks`` and ``eden.sandbox.routing``.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends

from eden.core.tags import TAG_ENV
from eden.sandbox import aws_model, nginx_task, target_keys
from eden.sandbox.routing import Rule, rule_from
from eden.sandbox.stack import ACCOUNT_ID, REGION, SHARED_ALB
from eden.sandbox.tasks import TaskSpec, Want

log = logging.getLogger("eden.sandbox.dataplane")
TASK_IP = "127.0.0.1"


@dataclass(frozen=True)
class ServiceView:
    """An ACTIVE service whose tasks run locally: its wish, and moto's objects."""

    want: Want
    service: Any  # moto's service
    groups: tuple[Any, ...]  # moto's target groups the service registers its tasks in


def existing_ecs_backends() -> Iterator[Any]:
    """The ECS backends moto has made so far (none is created by looking)."""
    for account in list(ecs_backends.keys()):
        regions = ecs_backends[account]
        for region in list(regions.keys()):
            yield regions[region]


def local_services(backend: Any, model: aws_model.Model) -> dict[str, ServiceView]:
    """The backend's ACTIVE services that run local tasks, by ARN."""
    views = {}
    for service in list(backend.services.values()):
        if service.status != "ACTIVE" or not aws_model.runs_local_tasks(service, model):
            continue
        try:
            groups = _target_groups(backend, service)
            spec = _spec(backend, service, groups)
        except Exception as exc:  # a task definition moto lost: no tasks, not a crash
            log.warning("service %s: cannot read what its tasks run: %s", service.arn, exc)
            continue
        due = float(getattr(service, "eden_steady_at", 0.0))
        want = Want(service.arn, spec, int(service.desired_count), due)
        views[service.arn] = ServiceView(want, service, groups)
    return views


def _target_groups(backend: Any, service: Any) -> tuple[Any, ...]:
    elbv2 = elbv2_backends[backend.account_id][backend.region_name]
    arns = [lb.get("targetGroupArn") for lb in service.load_balancers or []]
    return tuple(g for g in (elbv2.target_groups.get(a) for a in arns if a) if g is not None)


def _spec(backend: Any, service: Any, groups: tuple[Any, ...]) -> TaskSpec:
    definition = backend.describe_task_definition(service.task_definition)
    containers = list(definition.container_definitions or [])
    wanted = next((lb.get("containerName") for lb in service.load_balancers or []), None)
    container = next((c for c in containers if c.get("name") == wanted), None)
    container = container or (containers[0] if containers else {})
    tags = {t.get("key"): t.get("value") for t in service.tags or []}
    path = groups[0].health_check_path if groups else None
    return TaskSpec(
        environment=str(tags.get(TAG_ENV) or service.name),
        service_name=str(service.name),
        image=str(container.get("image", "")),
        task_definition=str(definition.arn),
        health_path=nginx_task.health_path(path),
    )


def register(group: Any, port: int) -> str:
    """Register a task's target; returns the key moto keeps it under."""
    target = {"Id": TASK_IP, "Port": port}
    group.register([target])
    return target_keys.key(group, target)


def drop_stand_ins(group: Any) -> None:
    """Remove the model's stand-in targets (127.99.x.y): local tasks replace them."""
    for key, target in list(group.targets.items()):
        if str(target["Id"]).startswith(aws_model.STAND_IN_PREFIX):
            group.targets.pop(key, None)


# --- the router's view ---------------------------------------------------------------------


@dataclass(frozen=True)
class ListenerRef:
    """Which listeners the router follows: the shared ALB's, by name and port (so they
    are found again after moto is reset and the stack seeded anew), and those of its pool
    (``eden-shared-2``, ``eden-shared-3``...: ``eden sandbox up --albs N``)."""

    account: str = ACCOUNT_ID
    region: str = REGION
    load_balancer: str = SHARED_ALB
    port: int = 443

    def describe(self) -> str:
        return f"{self.load_balancer}:{self.port}"  # its pool's ALBs are named after it

    def rank(self, name: str) -> int | None:
        """The ALB's place in the pool (1 for the first), or None when it is not in it."""
        if name == self.load_balancer:
            return 1
        suffix = name.removeprefix(f"{self.load_balancer}-")
        return int(suffix) if suffix != name and suffix.isdigit() else None


# A pool's ALBs each have their own DNS name, and a host's record points at the one
# holding its rule. The router stands in for all of them: each ALB's rules are taken
# after the previous ALB's (priorities are at most 50000), and a host no ALB knows gets
# the first ALB's default.
POOL_STRIDE = 100_000


class MotoListener:
    """The router's source: the listeners' rules and the healthy loopback targets."""

    def __init__(self, ref: ListenerRef) -> None:
        self.ref = ref
        # The rules as last converted, with what they were made from: a request that
        # finds the same objects reuses them (100 rules: ~1 ms less per request).
        self._made: tuple[list[tuple[Any, ...]], tuple[Rule, ...]] | None = None

    def _elbv2(self) -> Any:
        return elbv2_backends[self.ref.account][self.ref.region]

    def rules(self) -> tuple[Rule, ...] | None:
        """The pool's rules, the first ALB's default last; None while there is none."""
        with aws_model.lock():
            listeners = self._listeners()
            if not listeners:
                return None
            found = [
                (place, r)
                for place, listener in enumerate(listeners)
                for r in list(listener.rules.values())
                if not r.is_default
            ]
            # moto replaces a rule's lists when it changes them, and renumbers in place
            made_of: list[tuple[Any, ...]] = [(li, li.default_actions) for li in listeners]
            made_of += [(r, r.priority, r.conditions, r.actions) for _, r in found]
            if self._made is not None and self._made[0] == made_of:
                return self._made[1]
            rules = [
                rule_from(place * POOL_STRIDE + int(r.priority), r.conditions, r.actions)
                for place, r in found
            ]
            rules.append(rule_from("default", [], listeners[0].default_actions))
            self._made = (made_of, tuple(rules))
        return self._made[1]

    def protocol(self) -> tuple[str, int]:
        with aws_model.lock():
            listeners = self._listeners()
            first = listeners[0] if listeners else None
            return (first.protocol, int(first.port)) if first else ("HTTPS", 443)

    def _listeners(self) -> list[Any]:
        """The pool's listeners on the port, in the pool's order."""
        found = []
        for alb in list(self._elbv2().load_balancers.values()):
            rank = self.ref.rank(alb.name)
            if rank is None:
                continue
            for listener in list(alb.listeners.values()):
                if int(listener.port) == self.ref.port:
                    found.append((rank, listener))
        return [listener for _, listener in sorted(found, key=lambda pair: pair[0])]

    def targets(self, group_arn: str) -> tuple[tuple[str, int], ...]:
        """The group's healthy targets on this machine (nothing else is ever proxied to),
        but not the model's stand-ins (127.99.x.y), where nothing answers."""
        with aws_model.lock():
            elbv2 = self._elbv2()
            group = elbv2.target_groups.get(group_arn)
            if group is None:
                return ()
            found = []
            for target in list(group.targets.values()):
                address = str(target["Id"])
                if address.startswith(aws_model.STAND_IN_PREFIX) or not _loopback(address):
                    continue
                if group.health_for(target, elbv2.ec2_backend).status == "healthy":
                    found.append((address, int(target.get("Port") or group.port)))
        return tuple(found)


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
