"""The environment's target group: a clone of the reference's (resource 2).

Same protocol, port, VPC, health check and target type; the reference's attributes too
(stickiness, slow start...), except the deregistration delay, which is kept short: a
preview's connections do not need five minutes of draining, and a long delay keeps a
deleted service DRAINING (so a re-create of the same branch waits) for that long.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.aws import Aws
from eden.core.naming import EnvNames
from eden.core.tags import elb_tags
from eden.envs.plan import Ref, Step
from eden.envs.resources.apply import Apply, Removed
from eden.envs.resources.base import Collect, PlanInput, Planned, ReadContext, RemoveInput, Resource
from eden.errors import AwsError, ConfigError

KEY = "target_group"
ATTRIBUTES = "target_group_attributes"  # the step that sets its attributes
DEREGISTRATION_DELAY = "10"  # seconds; AWS's default is 300
IN_USE_RETRIES = 10

FIELDS = (
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
# What ModifyTargetGroup can change of an existing group (`create --refresh`); the
# protocol, port, VPC and target type need a new group.
HEALTH_CHECK = (
    "HealthCheckProtocol",
    "HealthCheckPort",
    "HealthCheckEnabled",
    "HealthCheckPath",
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
    "Matcher",
)


@dataclass(frozen=True)
class Made:
    TargetGroupArn: str  # AWS's own field name, so a Ref reads like the API


def read(ctx: ReadContext) -> Collect:
    return ctx.one(
        "read the environment's target group",
        lambda: ctx.aws.elbv2.target_group_arn_by_name(ctx.draft.target_group),
    )


def plan(p: PlanInput) -> Planned:
    if not p.served:  # a worker: nothing sends it requests
        return Planned()
    if p.current[KEY] and p.request.refresh:
        return Planned((refresh_step(p, p.current[KEY]),))
    if p.current[KEY]:
        return Planned()
    made = params(p)
    attributes = made.pop("Attributes", None)
    step = Step(
        id=KEY,
        action="elbv2.create_target_group",
        params=made,
        description=f"create target group {p.names.target_group}",
        undo=removal(f"undo_{KEY}", Ref(KEY, "TargetGroupArn"), p.names),
    )
    if not attributes:
        return Planned((step,))
    # Its own step, beside the rule rather than before it: nothing needs the attributes
    # until targets deregister, so they cost no round trip on the way to the service.
    settings = Step(
        id=ATTRIBUTES,
        action="elbv2.set_target_group_attributes",
        params={"TargetGroupArn": Ref(KEY, "TargetGroupArn"), "Attributes": attributes},
        depends_on=(KEY,),
        description=f"copy the reference's attributes to target group {p.names.target_group}"
        f" (deregistration delay {DEREGISTRATION_DELAY}s)",
    )
    return Planned((step, settings))


def params(p: PlanInput) -> dict[str, Any]:
    tg = p.reference.target_group or {}
    out: dict[str, Any] = {"Name": p.names.target_group}
    for key in FIELDS:
        if tg.get(key) is not None:
            out[key] = tg[key]
    if out.get("TargetType") == "lambda":
        raise ConfigError("the reference target group targets a Lambda; eden clones ECS services")
    out["Tags"] = elb_tags(p.profile.name, p.names.name)
    attributes = dict(p.reference.target_group_attributes)
    if attributes:
        attributes["deregistration_delay.timeout_seconds"] = DEREGISTRATION_DELAY
        out["Attributes"] = attributes
    return out


def refresh_step(p: PlanInput, arn: str) -> Step:
    """`create --refresh`: the reference's health check and attributes on the existing
    group (the deregistration delay stays eden's)."""
    wanted = params(p)
    update: dict[str, Any] = {"TargetGroupArn": arn}
    update |= {key: wanted[key] for key in HEALTH_CHECK if key in wanted}
    if wanted.get("Attributes"):
        update["Attributes"] = wanted["Attributes"]
    return Step(
        id=KEY,
        action="elbv2.refresh_target_group",
        params=update,
        description=f"set the reference's health check on target group {p.names.target_group}",
    )


def remove(r: RemoveInput) -> Step | None:
    arn = r.current[KEY]
    return removal(KEY, arn, r.names, r.after) if arn else None


def removal(step_id: str, arn: Any, names: EnvNames, after: tuple[str, ...] = ()) -> Step:
    what = f"delete target group {names.target_group}"
    return Step(step_id, "elbv2.delete_target_group", {"TargetGroupArn": arn}, after, what)


def create(ctx: Apply, p: Mapping[str, Any]) -> Made:
    params = dict(p)
    attributes = params.pop("Attributes", None)
    arn = ctx.aws.elbv2.create_target_group(params)
    if attributes:
        ctx.aws.elbv2.set_target_group_attributes(arn, attributes)
    return Made(arn)


def set_attributes(ctx: Apply, p: Mapping[str, Any]) -> Made:
    arn = str(p["TargetGroupArn"])
    ctx.aws.elbv2.set_target_group_attributes(arn, p["Attributes"])
    return Made(arn)


def refresh(ctx: Apply, p: Mapping[str, Any]) -> Made:
    params = dict(p)
    attributes = params.pop("Attributes", None)
    arn = str(params["TargetGroupArn"])
    ctx.aws.elbv2.modify_target_group(params)
    if attributes:
        ctx.aws.elbv2.set_target_group_attributes(arn, attributes)
    return Made(arn)


def delete(ctx: Apply, p: Mapping[str, Any]) -> Removed:
    # A rule deleted a moment ago can still hold the group briefly: ResourceInUse, retry.
    for attempt in range(IN_USE_RETRIES):
        try:
            return Removed(ctx.aws.elbv2.delete_target_group(str(p["TargetGroupArn"])))
        except AwsError as exc:
            if exc.code != "ResourceInUse" or attempt == IN_USE_RETRIES - 1:
                raise
            ctx.sleep(min(0.2 * 2**attempt, 3.0))
    raise AssertionError("unreachable")


def record(output: Made | None, found: str | None) -> dict[str, Any] | None:
    arn = output.TargetGroupArn if output else found
    return {"arn": arn} if arn else None


def _alive(aws: Aws, arn: str) -> bool:
    return aws.elbv2.describe_target_group(arn) is not None


def _owns(arn: str) -> bool:
    return ":targetgroup/" in arn


ACTIONS = {
    "elbv2.create_target_group": create,
    "elbv2.set_target_group_attributes": set_attributes,
    "elbv2.refresh_target_group": refresh,
    "elbv2.delete_target_group": delete,
}
RESOURCE = Resource.of_module(globals(), after=(), owns_arn=_owns, alive=_alive)
