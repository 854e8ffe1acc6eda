"""The environment's ECS service: a clone of the reference service (resource 4).

Launch type or capacity providers, network configuration, deployment configuration,
desired count, and the load balancer entry pointing at the environment's target group.
It is created after the listener rule (AWS rejects a service whose target group no load
balancer uses); when it exists, a create is a deploy: ``UpdateService`` to the new
task-definition revision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eden.aws import Aws
from eden.config import Profile
from eden.core.naming import EnvNames
from eden.core.tags import eden_tags, merge_tags
from eden.envs.plan import Ref, Step
from eden.envs.resources import listener_rule, target_group, task_definition
from eden.envs.resources.apply import Apply, Removed
from eden.envs.resources.base import Collect, PlanInput, Planned, ReadContext, RemoveInput, Resource
from eden.errors import AwsError, ConfigError

KEY = "service"
DRAIN_WAIT = 600.0  # seconds; a 300 s deregistration delay plus task shutdown fits

FIELDS = (
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
    "networkConfiguration",
    "placementConstraints",
    "placementStrategy",
    "schedulingStrategy",
    "enableECSManagedTags",
)
# What UpdateService can change of an existing service (`create --refresh`). The launch
# type, scheduling strategy and deployment controller need a new service.
REFRESHED = (
    "capacityProviderStrategy",
    "platformVersion",
    "networkConfiguration",
    "deploymentConfiguration",
    "placementConstraints",
    "placementStrategy",
    "enableECSManagedTags",
    "enableExecuteCommand",
    "healthCheckGracePeriodSeconds",
    "propagateTags",
    "loadBalancers",
    "volumeConfigurations",
)


@dataclass(frozen=True)
class Deployed:
    serviceArn: str  # AWS's own field name, so a Ref reads like the API


def read(ctx: ReadContext) -> Collect:
    return ctx.one(
        "read the environment's service",
        lambda: ctx.aws.ecs.describe_service(ctx.profile.cluster, ctx.draft.service),
    )


def plan(p: PlanInput) -> Planned:
    names = p.names
    td = Ref(task_definition.KEY, "taskDefinitionArn")
    if p.current[KEY] is not None:
        update: dict[str, Any] = {
            "cluster": p.profile.cluster,
            "service": names.service,
            "taskDefinition": td,
        }
        what = f"deploy the new revision to service {names.service}"
        if p.request.refresh:
            update |= refreshed(p)
            what += ", with the reference's service settings"
        step = Step(
            id=KEY,
            action="ecs.update_service",
            params=update,
            depends_on=(task_definition.KEY, *p.after(target_group.KEY, listener_rule.KEY)),
            description=what,
        )
        note = f"{names.name} exists: deploying {p.request.image}"
        return Planned((step,), (note,), deploying=True)
    step = Step(
        id=KEY,
        action="ecs.create_service",
        params=params(p),
        depends_on=(task_definition.KEY, *p.after(target_group.KEY, listener_rule.KEY)),
        description=f"create service {names.service} in cluster {p.profile.cluster}",
        undo=removal(f"undo_{KEY}", p.profile, names),
    )
    how = deployment_note(p.reference.service)
    return Planned((step,), (how,) if how else ())


def params(p: PlanInput) -> dict[str, Any]:
    svc = p.reference.service
    tg = p.value(target_group.KEY, "TargetGroupArn", p.current[target_group.KEY])
    out: dict[str, Any] = {
        "cluster": p.profile.cluster,
        "serviceName": p.names.service,
        "taskDefinition": Ref(task_definition.KEY, "taskDefinitionArn"),
        "desiredCount": p.profile.desired_count
        if p.profile.desired_count is not None
        else int(svc.get("desiredCount", 1)),
    }
    if p.served:  # a worker sits behind no load balancer
        out["loadBalancers"] = [
            {
                "targetGroupArn": tg,
                "containerName": p.reference.container,
                "containerPort": p.reference.container_port,
            }
        ]
    for key in FIELDS:
        if svc.get(key) not in (None, [], {}):
            out[key] = svc[key]
    out.update(rolling_deployment(svc))
    volumes = volume_configurations(p.reference.task_definition, svc)
    if volumes:
        out["volumeConfigurations"] = volumes
    if "capacityProviderStrategy" in out:
        out.pop("launchType", None)  # AWS takes one or the other
    if svc.get("healthCheckGracePeriodSeconds") is not None:
        out["healthCheckGracePeriodSeconds"] = svc["healthCheckGracePeriodSeconds"]
    if svc.get("propagateTags") in ("SERVICE", "TASK_DEFINITION"):
        out["propagateTags"] = svc["propagateTags"]
    if p.profile.allow_exec:
        out["enableExecuteCommand"] = True  # the profile's choice, not the reference's
    out["tags"] = merge_tags(svc.get("tags", []), eden_tags(p.profile.name, p.names.name))
    return out


# What a rolling update keeps of a deployment configuration; the rest (strategy, bake time,
# lifecycle hooks, linear and canary steps) belongs to blue/green deployments.
_ROLLING_KEYS = ("maximumPercent", "minimumHealthyPercent", "deploymentCircuitBreaker", "alarms")


def rolling_deployment(svc: Mapping[str, Any]) -> dict[str, Any]:
    """A preview is a plain rolling-update ECS service, whatever the reference uses.

    CODE_DEPLOY services cannot change their task definition with UpdateService (every
    deploy would fail), EXTERNAL ones take theirs from task sets, and ECS blue/green,
    linear and canary need a second target group and listener rules per environment.
    """
    given = svc.get("deploymentConfiguration") or {}
    cfg = {k: v for k, v in given.items() if k in _ROLLING_KEYS}
    out: dict[str, Any] = {"deploymentController": {"type": "ECS"}}
    if cfg:
        out["deploymentConfiguration"] = cfg
    return out


def deployment_note(svc: Mapping[str, Any]) -> str | None:
    controller = (svc.get("deploymentController") or {}).get("type", "ECS")
    strategy = (svc.get("deploymentConfiguration") or {}).get("strategy", "ROLLING")
    if controller == "ECS" and strategy == "ROLLING":
        return None
    how = controller if controller != "ECS" else f"ECS {strategy.lower().replace('_', '/')}"
    return f"the reference deploys with {how}; the preview is a rolling-update ECS service"


def volume_configurations(td: Mapping[str, Any], svc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The EBS volumes a task definition leaves to the service (``configuredAtLaunch``),
    configured as the reference service configures them (its primary deployment's)."""
    wanted = [v["name"] for v in td.get("volumes", []) if v.get("configuredAtLaunch")]
    if not wanted:
        return []
    deployments = svc.get("deployments") or []
    primary: Mapping[str, Any] = next(
        (d for d in deployments if d.get("status") == "PRIMARY"), {}
    )
    given = {v.get("name"): v for v in primary.get("volumeConfigurations", [])}
    missing = [name for name in wanted if name not in given]
    if missing:
        raise ConfigError(
            f"the reference task definition leaves volume(s) {', '.join(missing)} to be "
            "configured at launch, and the reference service does not configure them",
            hint="configure the volume on the reference service (volumeConfigurations), or "
            "clone a service whose task definition sets it",
        )
    out = []
    for name in wanted:
        ebs = dict(given[name].get("managedEBSVolume") or {})
        ebs.pop("tagSpecifications", None)  # the reference's tags are not the preview's
        out.append({"name": name, "managedEBSVolume": ebs})
    return out


def refreshed(p: PlanInput) -> dict[str, Any]:
    """The settings `create --refresh` sets on an existing service: the reference's, as
    ``params`` clones them, keeping the environment's own (desired count, tags, name);
    exec follows the profile either way."""
    wanted = params(p)
    out = {key: wanted[key] for key in REFRESHED if key in wanted}
    out["enableExecuteCommand"] = p.profile.allow_exec
    # New tasks get the settings (exec, managed tags) and AWS wants it for a move between
    # launch type and capacity providers; a new revision starts a deployment anyway.
    out["forceNewDeployment"] = True
    return out


def remove(r: RemoveInput) -> Step | None:
    return removal(KEY, r.profile, r.names, r.after) if r.current[KEY] is not None else None


def removal(step_id: str, profile: Profile, names: EnvNames, after: tuple[str, ...] = ()) -> Step:
    params = {"cluster": profile.cluster, "service": names.service}
    return Step(step_id, "ecs.delete_service", params, after, f"delete service {names.service}")


def create(ctx: Apply, p: Mapping[str, Any]) -> Deployed:
    """Creates the service; waits first while a deleted one of the same name drains.

    AWS keeps a deleted service DRAINING until its tasks stop, and refuses CreateService
    with its name meanwhile ("not idempotent"): a pull request closed and reopened, or a
    create retried after its undo, would fail. The wait is bounded and says what it waits
    for; a refusal that races a delete is waited out the same way.
    """
    cluster, name = str(p["cluster"]), str(p["serviceName"])
    started = ctx.clock()
    pause = 0.25
    while True:
        # Create first, look only when refused: the usual case costs one round trip.
        try:
            return Deployed(str(ctx.aws.ecs.create_service(p)["serviceArn"]))
        except AwsError as exc:
            if "not idempotent" not in exc.message:
                raise
        found = ctx.aws.ecs.service_any_status(cluster, name)
        if (found or {}).get("status") == "ACTIVE":
            # Ours (the environment's lease is held): made by this very call, whose answer
            # was lost on the way back, or by an interrupted earlier run. Bring it to the
            # revision this plan registered.
            out = ctx.aws.ecs.update_service(
                cluster=cluster, service=name, taskDefinition=p["taskDefinition"]
            )
            return Deployed(str(out["serviceArn"]))
        # DRAINING (or gone since the refusal): look again after a pause.
        waited = ctx.clock() - started
        if waited >= DRAIN_WAIT:
            raise AwsError(
                f"service {name} of an earlier environment is still draining after "
                f"{waited:.0f}s; AWS refuses a new service of the same name until it stops",
                hint="its tasks are stopping; run the create again in a few minutes",
            )
        ctx.progress(f"waiting for the earlier service {name} to finish draining ({waited:.0f}s)")
        ctx.sleep(pause)
        pause = min(pause * 2, 5.0)


def update(ctx: Apply, p: Mapping[str, Any]) -> Deployed:
    return Deployed(str(ctx.aws.ecs.update_service(**p)["serviceArn"]))


def delete(ctx: Apply, p: Mapping[str, Any]) -> Removed:
    return Removed(ctx.aws.ecs.delete_service(str(p["cluster"]), str(p["service"])))


def record(output: Deployed | None, found: Mapping[str, Any] | None) -> dict[str, Any] | None:
    arn = output.serviceArn if output else (found or {}).get("serviceArn")
    return {"arn": arn} if arn else None


def _alive(aws: Aws, arn: str) -> bool:
    cluster, name = arn.split(":service/", 1)[1].split("/", 1)
    return aws.ecs.describe_service(cluster, name) is not None


def _owns(arn: str) -> bool:
    return ":service/" in arn


ACTIONS = {"ecs.create_service": create, "ecs.update_service": update, "ecs.delete_service": delete}
RESOURCE = Resource.of_module(
    globals(),
    after=(task_definition.KEY, target_group.KEY, listener_rule.KEY),
    owns_arn=_owns,
    alive=_alive,
)
