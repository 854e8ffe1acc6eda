"""Reading what an environment is cloned from: the reference service and the shared ALB.

Round one of a read starts the reference service; round two (here) reads what it points
at, in parallel: its task definition, its target group and that group's attributes, the
shared ALB, and the zone's wildcard record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from eden.aws import Aws
from eden.config import Profile, ServiceTemplate
from eden.envs.resources.base import AlbUsage, Reference
from eden.envs.resources.listener_rule import parse_rule
from eden.errors import ConfigError, UsageError

Submit = Callable[[str, Callable[[], Any]], Future[Any]]
T = TypeVar("T")


def container_port(service: Mapping[str, Any], container: str | None) -> tuple[str, int]:
    """The target container and port: the profile's choice, else the service's LB entry."""
    lbs = service.get("loadBalancers") or []
    for lb in lbs:
        if container is None or lb.get("containerName") == container:
            return str(lb["containerName"]), int(lb["containerPort"])
    if not lbs:
        raise ConfigError(
            f"reference service {service.get('serviceName')} has no load balancer",
            hint="clone a service that sits behind an ALB target group",
        )
    raise UsageError(
        f"container {container!r} is not in the reference service's load balancer",
        hint="set `container` in the profile to "
        + " or ".join(str(lb.get("containerName")) for lb in lbs),
    )


# What a task set holds that a service with the EXTERNAL deployment controller does not.
_TASK_SET_FIELDS = (
    "taskDefinition",
    "loadBalancers",
    "networkConfiguration",
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
)


def read_service(
    aws: Aws, profile: Profile, member: ServiceTemplate | None = None
) -> dict[str, Any] | None:
    """The reference service; for an EXTERNAL one, with what its primary task set runs
    (such a service keeps its task definition and load balancers in task sets)."""
    template = member or profile.service
    service = aws.ecs.describe_service(profile.cluster, template.reference_service)
    if service is None or (service.get("deploymentController") or {}).get("type") != "EXTERNAL":
        return service
    sets = aws.ecs.task_sets(profile.cluster, str(service["serviceArn"]))
    primary = next((t for t in sets if t.get("status") == "PRIMARY"), sets[0] if sets else None)
    if primary is None:
        raise ConfigError(
            f"reference service {service.get('serviceName')} uses the EXTERNAL deployment "
            "controller and has no task set to clone",
            hint="clone a service that runs a task set, or one with the ECS controller",
        )
    return {**service, **{k: primary[k] for k in _TASK_SET_FIELDS if primary.get(k)}}


def found(
    profile: Profile, member: ServiceTemplate, service: dict[str, Any] | None
) -> dict[str, Any]:
    """The reference service as read, or the error that says the profile is wrong."""
    if service is None:
        raise ConfigError(
            f"reference service {member.reference_service} is not an ACTIVE "
            f"service in cluster {profile.cluster}",
            where=f"profile {profile.name}: reference_service / cluster",
            hint="check the names with `aws ecs list-services --cluster CLUSTER`",
        )
    return service


def _target(
    profile: Profile, member: ServiceTemplate, service: Mapping[str, Any]
) -> tuple[str | None, int | None, str | None]:
    """The container, port and target group a clone serves from. A group's service
    behind no load balancer (a worker) has none: its container is picked later, from
    the task definition."""
    if not service.get("loadBalancers") and profile.is_group:
        return member.container, None, None
    container, port = container_port(service, member.container)
    lb = next(lb for lb in service["loadBalancers"] if lb["containerName"] == container)
    tg_arn = lb.get("targetGroupArn")
    if not tg_arn:
        raise ConfigError(
            "the reference service uses a classic load balancer, not a target group",
            hint="clone a service behind an application load balancer",
        )
    return container, port, str(tg_arn)


@dataclass(frozen=True)
class AlbReads:
    """Round-one reads of the shared ALB: its listeners and the target groups it uses."""

    listeners: Future[list[dict[str, Any]] | None]
    target_groups: Future[list[dict[str, Any]]]


def start_alb_reads(aws: Aws, submit: Submit, alb_arn: str) -> AlbReads:
    return AlbReads(
        listeners=submit(
            "list the shared ALB's listeners", lambda: aws.elbv2.listeners_of(alb_arn)
        ),
        target_groups=submit(
            "list the shared ALB's target groups", lambda: aws.elbv2.target_groups_of(alb_arn)
        ),
    )


def start_usage(
    aws: Aws, submit: Submit, alb: AlbReads, listener_arn: str, rules: Future[list[dict[str, Any]]]
) -> Callable[[], AlbUsage]:
    """What counts against the ALB's quotas: the rules of every listener (the shared one's
    are read already) and the target groups. Quotas are per load balancer, not listener."""
    arns = [str(li["ListenerArn"]) for li in alb.listeners.result() or []]
    others = [_rules_of(aws, submit, arn) for arn in arns if arn != listener_arn]

    def collect() -> AlbUsage:
        every = [parse_rule(r) for r in rules.result()]
        for future in others:
            every += [parse_rule(r) for r in future.result()]
        non_default = [r for r in every if r.priority is not None]
        hosts = frozenset(h for r in non_default for h in r.hosts)
        return AlbUsage(len(non_default), len(alb.target_groups.result()), hosts)

    return collect


def _rules_of(aws: Aws, submit: Submit, listener_arn: str) -> Future[list[dict[str, Any]]]:
    what = "read the rules of the ALB's other listeners"
    return submit(what, lambda: aws.elbv2.rules(listener_arn))


def start_reading(
    aws: Aws,
    submit: Submit,
    profile: Profile,
    member: ServiceTemplate,
    service: dict[str, Any],
    listener: Mapping[str, Any],
    zone_name: str,
    rules: Future[list[dict[str, Any]]],
    usage: Callable[[], AlbUsage],
) -> Callable[[], Reference]:
    """Starts the round-two reads of the reference; the returned call collects them."""
    container, port, tg_arn = _target(profile, member, service)
    td_f = submit(
        "read the reference task definition",
        lambda: aws.ecs.describe_task_definition(service["taskDefinition"]),
    )
    tg_f = _group_reads(aws, submit, tg_arn)
    alb_arn = str(listener["LoadBalancerArn"])
    alb_f = submit("read the shared ALB", lambda: aws.elbv2.describe_load_balancer(alb_arn))
    wildcard_f = submit(
        "read the wildcard record", lambda: aws.route53.record(profile.zone_id, f"*.{zone_name}")
    )

    def collect() -> Reference:
        td = _present(td_f.result(), f"task definition {service['taskDefinition']} cannot be read")
        tg, attributes = (
            (
                _present(tg_f[0].result(), f"reference target group {tg_arn} does not exist"),
                tg_f[1].result(),
            )
            if tg_f
            else (None, {})
        )
        alb = _present(alb_f.result(), f"shared load balancer {alb_arn} does not exist")
        dns = str(alb["DNSName"]).rstrip(".").lower()
        alias = (wildcard_f.result() or {}).get("AliasTarget", {}).get("DNSName", "")
        return Reference(
            service=service,
            task_definition=td[0],
            task_definition_tags=td[1],
            target_group=tg,
            container=container or _first_essential(td[0]),
            container_port=port,
            listener_arn=str(listener["ListenerArn"]),
            alb_dns_name=str(alb["DNSName"]),
            alb_zone_id=str(alb["CanonicalHostedZoneId"]),
            zone_name=zone_name,
            rules=tuple(parse_rule(r) for r in rules.result()),
            wildcard_record=bool(alias) and alias.rstrip(".").lower().endswith(dns),
            alb_arn=alb_arn,
            alb_usage=usage(),
            target_group_attributes=attributes,
        )

    return collect


def _group_reads(
    aws: Aws, submit: Submit, tg_arn: str | None
) -> tuple[Future[Any], Future[Any]] | None:
    """The reference target group and its attributes (none for a worker)."""
    if tg_arn is None:
        return None
    arn = tg_arn
    return (
        submit("read the reference target group", lambda: aws.elbv2.describe_target_group(arn)),
        submit(
            "read the reference target group's attributes",
            lambda: aws.elbv2.target_group_attributes(arn),
        ),
    )


def _first_essential(td: Mapping[str, Any]) -> str:
    """A worker's container to deploy to: its only one, or the first essential one."""
    containers = list(td.get("containerDefinitions", []))
    chosen = next((c for c in containers if c.get("essential", True)), None)
    if chosen is None:
        raise ConfigError(f"task definition {td.get('taskDefinitionArn')} has no container")
    return str(chosen["name"])


def _present(value: T | None, problem: str) -> T:
    if value is None:
        raise ConfigError(problem)
    return value
