"""Is an environment ready to serve? ``create --wait`` and the API's ``wait=ready``.

"Created" is not "serving": the DNS change may still be PENDING, the service's tasks may
still be starting, and the load balancer may not yet have a healthy target. Ready means
all three: the Route 53 change is INSYNC, the service is steady (its rollout completed,
as many tasks running as desired, one deployment left), and the target group has at
least as many healthy targets as the service wants.

Not ready is not always worth waiting for: when the service's tasks crash-loop (several
tasks of the new revision stopped with a failure, or the rollout failed), waiting out the
timeout only repeats the failure, so the verdict says ``failed`` with the reason in plain
words (``eden.envs.health.crash_loop``) and the wait ends at once.

``assess`` is pure (an observation in, a verdict with the reasons out), so every rule is
unit-tested; ``wait_until_ready`` polls AWS with it until ready or the deadline, telling
a progress callback what it is waiting for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eden.aws import Aws
from eden.config import Profile
from eden.envs.health import crash_loop
from eden.envs.records import EnvRecord, ServiceRecord
from eden.envs.resources.base import step_id
from eden.errors import NotReady

POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Observation:
    """What AWS says about one environment right now."""

    dns_status: str | None  # None: no record change to wait for (wildcard, or unchanged)
    service: Mapping[str, Any] | None
    targets: Sequence[Mapping[str, Any]] = ()  # DescribeTargetHealth descriptions
    tasks: Sequence[Mapping[str, Any]] = ()  # the service's tasks (running and stopped)


@dataclass(frozen=True)
class Readiness:
    ready: bool
    waiting_for: tuple[str, ...] = field(default=())  # what is not ready yet, in words
    failed: str | None = None  # why it will not become ready (a crash loop), in words

    def summary(self) -> str:
        if self.failed:
            return f"failing: {self.failed}"
        return "ready" if self.ready else "waiting for " + "; ".join(self.waiting_for)


def assess(obs: Observation) -> Readiness:
    waiting: list[str] = []
    if obs.dns_status not in (None, "INSYNC"):
        waiting.append(f"the DNS record ({obs.dns_status})")
    svc = obs.service
    if svc is None:
        return Readiness(False, (*waiting, "the service (not found)"))
    desired = int(svc.get("desiredCount", 0))
    running = int(svc.get("runningCount", 0))
    deployments = list(svc.get("deployments", []))
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    rollout = (primary or {}).get("rolloutState")
    if running < desired:
        waiting.append(f"tasks ({running} of {desired} running)")
    if len(deployments) > 1:
        waiting.append(f"the rollout ({len(deployments)} deployments, old tasks draining)")
    elif rollout not in (None, "COMPLETED"):
        waiting.append(f"the rollout ({rollout})")
    healthy = sum(1 for t in obs.targets if t.get("TargetHealth", {}).get("State") == "healthy")
    if healthy < desired:
        waiting.append(f"healthy targets ({healthy} of {desired})")
    failed = crash_loop(svc, obs.tasks) if waiting else None
    return Readiness(not waiting, tuple(waiting), failed)


@dataclass(frozen=True)
class Watch:
    """What to look at: the service, its target group, and the DNS change (if any)."""

    cluster: str
    service: str
    target_group_arn: str | None
    dns_change: str | None

    @classmethod
    def of_service(
        cls, cluster: str, service: ServiceRecord, dns_change: str | None = None
    ) -> Watch:
        """What to watch of one service of an environment, from its record."""
        arn = service.service_arn
        assert arn is not None  # a service the engine has just made or deployed
        return cls(cluster, arn.rsplit("/", 1)[-1], service.target_group_arn, dns_change)

    @classmethod
    def of(cls, cluster: str, record: EnvRecord, dns_change: str | None = None) -> Watch:
        """What to watch of an environment, from its record."""
        names = record.stored_names()
        assert names is not None  # a record the engine has just written has them all
        tg = record.services[0].target_group_arn if record.services else None
        return cls(cluster, names.service, tg, dns_change)


def observe(aws: Aws, watch: Watch) -> Observation:
    dns = aws.route53.change_status(watch.dns_change) if watch.dns_change else None
    service = aws.ecs.describe_service(watch.cluster, watch.service)
    targets = aws.elbv2.target_health(watch.target_group_arn) if watch.target_group_arn else []
    tasks = aws.ecs.service_tasks(watch.cluster, watch.service) if service else []
    return Observation(dns, service, targets, tasks)


def wait_until_ready(
    aws: Aws,
    watch: Watch,
    *,
    timeout: float,
    progress: Callable[[Readiness, float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = POLL_SECONDS,
) -> Readiness:
    """Polls until ready; raises ``NotReady`` with what was still missing at the deadline,
    or at once with the reason when the tasks crash-loop."""
    started = clock()
    while True:
        verdict = assess(observe(aws, watch))
        waited = clock() - started
        if progress is not None:
            progress(verdict, waited)
        if verdict.ready:
            return verdict
        if verdict.failed:
            raise NotReady(
                f"{watch.service} cannot start: {verdict.failed}",
                hint="it was created, but its tasks keep stopping; see `eden show` and "
                "`eden logs`, fix the cause, then deploy again",
            )
        if waited >= timeout:
            raise NotReady(
                f"{watch.service} is not ready after {timeout:.0f}s: {verdict.summary()}",
                hint="it was created; check it with `eden show` (and its tasks' logs), or "
                "wait longer with --timeout",
            )
        sleep(min(poll, max(0.0, timeout - waited)))


def wait_for_environment(
    aws: Aws,
    profile: Profile,
    record: EnvRecord,
    outputs: Mapping[str, Any],
    timeout: float,
    progress: Callable[[Readiness, float], None] | None,
    clock: Callable[[], float] = time.time,
) -> tuple[Readiness, float]:
    """Waits for each service of a just-changed environment in turn, within one deadline
    (the DNS change its create made, from ``outputs``). Returns the verdict and the wait."""
    started = clock()
    verdict = Readiness(True)
    for service in record.services:
        dns = outputs.get(step_id(profile, service.role, "dns_record"))
        watch = Watch.of_service(profile.cluster, service, getattr(dns, "ChangeId", None))
        left = max(1.0, timeout - (clock() - started))
        verdict = wait_until_ready(aws, watch, timeout=left, progress=progress)
    return verdict, clock() - started
