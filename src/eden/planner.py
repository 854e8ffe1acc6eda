"""Decide what to change: reference + current state in, a ``Plan`` out. Pure.

The engine reads the world through ``eden.reader`` into the two snapshots below and hands
them here; nothing in this module talks to AWS, so every decision (what to clone, what
already exists, which rule priority, which order) is unit-tested without a network.

Create order (DESIGN.md): task definition and target group first (independent), then the
listener rule (AWS rejects a service whose target group no load balancer uses), then the
service. The DNS record and the endpoints entry depend on nothing and run alongside.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eden.config import EndpointsDoc, Profile
from eden.errors import ConfigError, UsageError
from eden.naming import EnvNames
from eden.plan import Plan, Ref, Step

MANAGED_BY = "eden:managed-by"
TAG_PROFILE = "eden:profile"
TAG_ENV = "eden:env"
MAX_RULES_PER_LISTENER = 100  # ALB quota: 100 non-default rules per load balancer
MAX_PRIORITY = 50000
MAX_TAGS = 50

# Fields of a task definition that a registration accepts, copied from the reference.
_TASK_DEF_FIELDS = (
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
)
_TARGET_GROUP_FIELDS = (
    "Protocol",
    "ProtocolVersion",
    "Port",
    "VpcId",
    "HealthCheckProtocol",
    "HealthCheckPort",
    "HealthCheckEnabled",
    "HealthCheckPath",
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
    "Matcher",
    "TargetType",
    "IpAddressType",
)
_SERVICE_FIELDS = (
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
    "networkConfiguration",
    "deploymentConfiguration",
    "placementConstraints",
    "placementStrategy",
    "schedulingStrategy",
    "deploymentController",
    "enableECSManagedTags",
    "enableExecuteCommand",
)


@dataclass(frozen=True)
class ListenerRule:
    arn: str
    priority: int | None  # None for the default rule
    hosts: tuple[str, ...]
    target_group_arns: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    """What an environment is cloned from, as read from AWS."""

    service: Mapping[str, Any]
    task_definition: Mapping[str, Any]
    task_definition_tags: Sequence[Mapping[str, str]]
    target_group: Mapping[str, Any]
    container: str
    container_port: int
    listener_arn: str
    alb_dns_name: str
    alb_zone_id: str
    zone_name: str
    rules: tuple[ListenerRule, ...]
    wildcard_record: bool = False  # the zone already sends *.zone to the shared ALB


@dataclass(frozen=True)
class Current:
    """What of one environment already exists in AWS."""

    task_definition_arn: str | None = None  # latest ACTIVE revision
    task_definition_arns: tuple[str, ...] = ()  # every revision, for delete
    target_group_arn: str | None = None
    rule_arn: str | None = None
    service: Mapping[str, Any] | None = None  # ACTIVE service only
    record: Mapping[str, Any] | None = None  # the A alias record set
    endpoint_entry: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.task_definition_arns
            or self.target_group_arn
            or self.rule_arn
            or self.service
            or self.record
            or self.endpoint_entry
        )


@dataclass(frozen=True)
class Request:
    """What the user asked for."""

    names: EnvNames
    image: str
    env_overrides: Mapping[str, str] = field(default_factory=dict)


def eden_tags(profile: str, env: str) -> list[dict[str, str]]:
    return [
        {"key": MANAGED_BY, "value": "eden"},
        {"key": TAG_PROFILE, "value": profile},
        {"key": TAG_ENV, "value": env},
    ]


def elb_tags(profile: str, env: str) -> list[dict[str, str]]:
    return [{"Key": t["key"], "Value": t["value"]} for t in eden_tags(profile, env)]


def plan_create(profile: Profile, req: Request, ref: Reference, cur: Current) -> Plan:
    """Create the environment, or deploy a new image to it when its service exists.

    Missing pieces of an existing environment (left by a failure) are created too, so
    running create again converges.
    """
    names = req.names
    tags = eden_tags(profile.name, names.name)
    steps: list[Step] = []
    notes: list[str] = []
    deploying = cur.service is not None

    steps.append(
        Step(
            id="task_definition",
            action="ecs.register_task_definition",
            params=task_definition_params(profile, req, ref, tags),
            description=f"register task definition {names.task_family} with image {req.image}",
            undo=remove_task_definitions(
                "undo_task_definition", [Ref("task_definition", "taskDefinitionArn")], names
            ),
        )
    )

    tg: Any
    if cur.target_group_arn:
        tg = cur.target_group_arn
    else:
        steps.append(
            Step(
                id="target_group",
                action="elbv2.create_target_group",
                params=target_group_params(names, ref, profile),
                description=f"create target group {names.target_group}",
                undo=remove_target_group(
                    "undo_target_group", Ref("target_group", "TargetGroupArn"), names
                ),
            )
        )
        tg = Ref("target_group", "TargetGroupArn")

    rule_dep: tuple[str, ...] = ()
    if not cur.rule_arn:
        non_default = [r for r in ref.rules if r.priority is not None]
        if len(non_default) >= MAX_RULES_PER_LISTENER:
            raise ConfigError(
                f"the shared listener already has {len(non_default)} rules, the ALB limit "
                f"of {MAX_RULES_PER_LISTENER}; a new environment does not fit",
                where=ref.listener_arn,
                hint="delete environments that are no longer used (eden ls, eden delete)",
            )
        priority = pick_priority(names.name, [r.priority for r in non_default])
        steps.append(
            Step(
                id="listener_rule",
                action="elbv2.create_rule",
                params={
                    "ListenerArn": ref.listener_arn,
                    "Priority": priority,
                    "Conditions": [
                        {"Field": "host-header", "HostHeaderConfig": {"Values": [names.host]}}
                    ],
                    "Actions": [{"Type": "forward", "TargetGroupArn": tg}],
                    "Tags": elb_tags(profile.name, names.name),
                },
                depends_on=("target_group",) if isinstance(tg, Ref) else (),
                description=f"route https://{names.host} to the target group (priority {priority})",
                undo=remove_rule("undo_listener_rule", Ref("listener_rule", "RuleArn"), names),
            )
        )
        rule_dep = ("listener_rule",)

    if deploying:
        assert cur.service is not None
        steps.append(
            Step(
                id="service",
                action="ecs.update_service",
                params={
                    "cluster": profile.cluster,
                    "service": names.service,
                    "taskDefinition": Ref("task_definition", "taskDefinitionArn"),
                },
                depends_on=("task_definition", *rule_dep),
                description=f"deploy the new revision to service {names.service}",
            )
        )
        notes.append(f"{names.name} exists: deploying {req.image}")
    else:
        steps.append(
            Step(
                id="service",
                action="ecs.create_service",
                params=service_params(profile, names, ref, tg, tags),
                depends_on=(
                    "task_definition",
                    *(("target_group",) if isinstance(tg, Ref) else ()),
                    *rule_dep,
                ),
                description=f"create service {names.service} in cluster {profile.cluster}",
                undo=remove_service("undo_service", profile, names),
            )
        )

    if ref.wildcard_record:
        notes.append(f"the zone's wildcard record already sends {names.host} to the shared ALB")
    elif cur.record is None:
        steps.append(
            Step(
                id="dns_record",
                action="route53.upsert_alias",
                params={
                    "HostedZoneId": profile.zone_id,
                    "Name": names.host,
                    "AliasDnsName": ref.alb_dns_name,
                    "AliasHostedZoneId": ref.alb_zone_id,
                },
                description=f"point {names.host} at the shared ALB",
                undo=remove_record("undo_dns_record", profile.zone_id, names),
            )
        )

    if profile.endpoints and not cur.endpoint_entry:
        e = profile.endpoints
        steps.append(
            Step(
                id="endpoint",
                action="s3.endpoints_upsert",
                params={
                    "Bucket": e.bucket,
                    "Key": e.key,
                    "Name": names.endpoint_name,
                    "EnvType": e.env_type,
                    "UpdateKey": e.update_key,
                    "Host": names.host,
                },
                description=f"add {names.endpoint_name} to s3://{e.bucket}/{e.key}",
                undo=remove_endpoint("undo_endpoint", e, names),
            )
        )

    return Plan(
        operation="deploy" if deploying else "create",
        profile=profile.name,
        env=names.name,
        steps=tuple(steps),
        notes=tuple(notes),
    )


def plan_delete(profile: Profile, names: EnvNames, cur: Current, zone_id: str) -> Plan:
    """Remove what exists, in the reverse of the create order. Nothing left: no steps."""
    steps: list[Step] = []
    if profile.endpoints and cur.endpoint_entry:
        steps.append(remove_endpoint("endpoint", profile.endpoints, names))
    if cur.record is not None:
        steps.append(remove_record("dns_record", zone_id, names))
    after_service: tuple[str, ...] = ()
    if cur.service is not None:
        steps.append(remove_service("service", profile, names))
        after_service = ("service",)
    if cur.rule_arn:
        steps.append(remove_rule("listener_rule", cur.rule_arn, names, after_service))
    if cur.target_group_arn:
        after_rule = after_service + (("listener_rule",) if cur.rule_arn else ())
        steps.append(remove_target_group("target_group", cur.target_group_arn, names, after_rule))
    if cur.task_definition_arns:
        steps.append(
            remove_task_definitions(
                "task_definition", list(cur.task_definition_arns), names, after_service
            )
        )
    return Plan(operation="delete", profile=profile.name, env=names.name, steps=tuple(steps))


# Removal steps, shared by delete plans and by the undo of a failed create.


def remove_endpoint(step_id: str, e: EndpointsDoc, names: EnvNames) -> Step:
    return Step(
        id=step_id,
        action="s3.endpoints_remove",
        params={
            "Bucket": e.bucket,
            "Key": e.key,
            "Name": names.endpoint_name,
            "UpdateKey": e.update_key,
        },
        description=f"remove {names.endpoint_name} from s3://{e.bucket}/{e.key}",
    )


def remove_record(step_id: str, zone_id: str, names: EnvNames) -> Step:
    return Step(
        id=step_id,
        action="route53.delete_record",
        params={"HostedZoneId": zone_id, "Name": names.host},
        description=f"remove the record {names.host}",
    )


def remove_service(step_id: str, profile: Profile, names: EnvNames) -> Step:
    return Step(
        id=step_id,
        action="ecs.delete_service",
        params={"cluster": profile.cluster, "service": names.service},
        description=f"delete service {names.service}",
    )


def remove_rule(step_id: str, arn: Any, names: EnvNames, after: tuple[str, ...] = ()) -> Step:
    return Step(
        id=step_id,
        action="elbv2.delete_rule",
        params={"RuleArn": arn},
        depends_on=after,
        description=f"delete the listener rule for {names.host}",
    )


def remove_target_group(
    step_id: str, arn: Any, names: EnvNames, after: tuple[str, ...] = ()
) -> Step:
    return Step(
        id=step_id,
        action="elbv2.delete_target_group",
        params={"TargetGroupArn": arn},
        depends_on=after,
        description=f"delete target group {names.target_group}",
    )


def remove_task_definitions(
    step_id: str, arns: list[Any], names: EnvNames, after: tuple[str, ...] = ()
) -> Step:
    return Step(
        id=step_id,
        action="ecs.deregister_task_definitions",
        params={"arns": arns},
        depends_on=after,
        description=f"deregister and delete {len(arns)} revision(s) of {names.task_family}",
    )


def pick_priority(name: str, taken: Sequence[int | None], *, salt: int = 0) -> int:
    """A free rule priority, spread by the environment's name.

    Host-header rules never overlap, so their order does not matter; starting each
    environment's search at its own place (instead of max+1, as the 2019 tool did) makes
    two concurrent creates unlikely to want the same number. ``salt`` moves the start
    for a retry after PriorityInUse.
    """
    used = {p for p in taken if p is not None}
    if len(used) >= MAX_PRIORITY:
        raise ConfigError("every listener rule priority is taken")
    digest = hashlib.sha256(f"{name}:{salt}".encode()).digest()
    start = 1 + int.from_bytes(digest[:4], "big") % 1000
    p = start
    while p in used:
        p = p % MAX_PRIORITY + 1
    return p


def task_definition_params(
    profile: Profile, req: Request, ref: Reference, tags: list[dict[str, str]]
) -> dict[str, Any]:
    td = ref.task_definition
    containers = [dict(c) for c in td.get("containerDefinitions", [])]
    target = next((c for c in containers if c.get("name") == ref.container), None)
    if target is None:
        raise ConfigError(
            f"container {ref.container!r} is not in the reference task definition",
            where=str(td.get("taskDefinitionArn", "reference task definition")),
            hint="set `container` in the profile to one of: "
            + ", ".join(str(c.get("name")) for c in containers),
        )
    target["image"] = req.image
    overrides = {**profile.env, **req.env_overrides}
    if overrides:
        env = {e["name"]: e["value"] for e in target.get("environment", [])}
        env.update(overrides)
        target["environment"] = [{"name": k, "value": v} for k, v in sorted(env.items())]
    params: dict[str, Any] = {"family": req.names.task_family, "containerDefinitions": containers}
    for key in _TASK_DEF_FIELDS:
        if td.get(key) not in (None, [], {}):
            params[key] = td[key]
    params["tags"] = merge_tags(ref.task_definition_tags, tags)
    return params


def target_group_params(names: EnvNames, ref: Reference, profile: Profile) -> dict[str, Any]:
    tg = ref.target_group
    params: dict[str, Any] = {"Name": names.target_group}
    for key in _TARGET_GROUP_FIELDS:
        if tg.get(key) is not None:
            params[key] = tg[key]
    if params.get("TargetType") == "lambda":
        raise ConfigError("the reference target group targets a Lambda; eden clones ECS services")
    params["Tags"] = elb_tags(profile.name, names.name)
    return params


def service_params(
    profile: Profile, names: EnvNames, ref: Reference, tg: Any, tags: list[dict[str, str]]
) -> dict[str, Any]:
    svc = ref.service
    params: dict[str, Any] = {
        "cluster": profile.cluster,
        "serviceName": names.service,
        "taskDefinition": Ref("task_definition", "taskDefinitionArn"),
        "desiredCount": profile.desired_count
        if profile.desired_count is not None
        else int(svc.get("desiredCount", 1)),
        "loadBalancers": [
            {
                "targetGroupArn": tg,
                "containerName": ref.container,
                "containerPort": ref.container_port,
            }
        ],
    }
    for key in _SERVICE_FIELDS:
        if svc.get(key) not in (None, [], {}):
            params[key] = svc[key]
    if "capacityProviderStrategy" in params:
        params.pop("launchType", None)  # AWS takes one or the other
    if svc.get("healthCheckGracePeriodSeconds") is not None:
        params["healthCheckGracePeriodSeconds"] = svc["healthCheckGracePeriodSeconds"]
    if svc.get("propagateTags") in ("SERVICE", "TASK_DEFINITION"):
        params["propagateTags"] = svc["propagateTags"]
    params["tags"] = merge_tags(svc.get("tags", []), tags)
    return params


def merge_tags(
    reference: Sequence[Mapping[str, str]], ours: list[dict[str, str]]
) -> list[dict[str, str]]:
    """The reference's own tags (minus reserved and eden's) plus eden's, within 50."""
    own = {t["key"] for t in ours}
    kept = [
        {"key": t["key"], "value": t["value"]}
        for t in reference
        if not t["key"].startswith("aws:") and t["key"] not in own
    ]
    merged = kept[: MAX_TAGS - len(ours)] + ours
    return merged


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
