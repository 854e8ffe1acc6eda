"""The AWS model (eden.sandbox.aws_model) fires: each rule moto leaves out, enforced.

These call moto directly (a checker client, no eden in between), so they show what any
client of the moto server sees: the engine, the API server, the CLI in a subprocess.
"""

from __future__ import annotations

from typing import Any

import pytest
from eden_world import World

from eden.errors import AwsError
from eden.sandbox.aws_model import Model

pytestmark = pytest.mark.integration


def _service(world: World, name: str, **extra: Any) -> dict[str, Any]:
    ecs = world.checker.clients.client("ecs")
    td = ecs.describe_services(
        cluster=world.seed.cluster, services=[world.seed.reference_service]
    )["services"][0]
    params = {
        "cluster": world.seed.cluster,
        "serviceName": name,
        "taskDefinition": td["taskDefinition"],
        "desiredCount": 1,
        "launchType": "FARGATE",
        "networkConfiguration": td["networkConfiguration"],
        **extra,
    }
    return dict(ecs.create_service(**params)["service"])


def _status(world: World, name: str) -> tuple[str, int, str | None]:
    found = world.checker.ecs.service_any_status(world.seed.cluster, name)
    assert found is not None
    deployments = found.get("deployments") or [{}]
    return found["status"], found["runningCount"], deployments[0].get("rolloutState")


def test_a_deleted_service_drains_and_its_name_is_refused_meanwhile(
    world: World, aws_model_timings: Model
) -> None:
    aws_model_timings.drain_seconds = 30.0
    _service(world, "drainer")
    world.checker.ecs.delete_service(world.seed.cluster, "drainer")
    assert _status(world, "drainer")[0] == "DRAINING"
    with pytest.raises(AwsError, match="Creation of service was not idempotent") as info:
        _service(world, "drainer")
    assert info.value.code == "InvalidParameterException"
    aws_model_timings.advance(31)  # its tasks have stopped
    assert _status(world, "drainer")[0] == "INACTIVE"
    assert _service(world, "drainer")["status"] == "ACTIVE"


def test_a_duplicate_create_is_refused_not_replaced(world: World) -> None:
    _service(world, "twice")
    with pytest.raises(AwsError, match="not idempotent"):
        _service(world, "twice", desiredCount=5)
    found = world.checker.ecs.describe_service(world.seed.cluster, "twice")
    assert found is not None and found["desiredCount"] == 1


def test_a_new_service_starts_after_the_start_delay(
    world: World, aws_model_timings: Model
) -> None:
    aws_model_timings.start_seconds = 30.0
    _service(world, "slow")
    assert _status(world, "slow") == ("ACTIVE", 0, "IN_PROGRESS")
    aws_model_timings.advance(31)
    assert _status(world, "slow") == ("ACTIVE", 1, "COMPLETED")


def _rule(world: World, listener: str, priority: int, host: str) -> None:
    elbv2 = world.checker.clients.client("elbv2")
    elbv2.create_rule(
        ListenerArn=listener,
        Priority=priority,
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )


def test_rules_are_counted_per_load_balancer_across_its_listeners(world: World) -> None:
    elbv2 = world.checker.clients.client("elbv2")
    http = elbv2.create_listener(
        LoadBalancerArn=world.seed.shared_alb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    for i in range(60):
        _rule(world, world.seed.listener_arn, 1000 + i, f"a{i}.example.com")
    for i in range(40):
        _rule(world, http, 2000 + i, f"b{i}.example.com")
    with pytest.raises(AwsError, match="limit on the number of rules") as info:
        _rule(world, http, 3000, "one-too-many.example.com")
    assert info.value.code == "TooManyRules"


def test_a_host_header_over_128_characters_is_refused(world: World) -> None:
    with pytest.raises(AwsError, match="at most 128 characters") as info:
        _rule(world, world.seed.listener_arn, 77, "h" * 120 + ".example.com")
    assert info.value.code == "ValidationError"


def _forward(world: World, priority: int, groups: list[str]) -> None:
    world.checker.clients.client("elbv2").create_rule(
        ListenerArn=world.seed.listener_arn,
        Priority=priority,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": [f"/{priority}"]}}],
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": g} for g in groups]},
            }
        ],
    )


def test_target_groups_are_counted_per_load_balancer(world: World) -> None:
    elbv2 = world.checker.clients.client("elbv2")
    free = 100 - len(world.checker.elbv2.target_groups_of(world.seed.shared_alb_arn))

    def group(i: int) -> str:
        made = elbv2.create_target_group(
            Name=f"fill-{i}", Protocol="HTTP", Port=80, VpcId=world.seed.vpc_id, TargetType="ip"
        )
        return str(made["TargetGroups"][0]["TargetGroupArn"])

    groups = [group(i) for i in range(free + 1)]
    for n, start in enumerate(range(0, free, 5)):  # five groups a rule: 20 rules, not 100
        _forward(world, 100 + n, groups[start : min(start + 5, free)])
    with pytest.raises(AwsError, match="limit on the number of target groups") as info:
        _forward(world, 400, [groups[free]])
    assert info.value.code == "TooManyTargetGroups"


def test_deployment_controllers_refuse_what_aws_refuses(world: World) -> None:
    ecs = world.checker.clients.client("ecs")
    _service(world, "codedeploy", deploymentController={"type": "CODE_DEPLOY"})
    with pytest.raises(AwsError, match="CODE_DEPLOY deployment controller"):
        ecs.update_service(
            cluster=world.seed.cluster,
            service="codedeploy",
            taskDefinition=world.seed.task_definition_arn,
        )
    with pytest.raises(AwsError, match="EXTERNAL deployment controller"):
        _service(world, "external", deploymentController={"type": "EXTERNAL"})


def _run_hook_task(world: World, token: str, command: list[str]) -> dict[str, Any]:
    ecs = world.checker.clients.client("ecs")
    ref = ecs.describe_services(
        cluster=world.seed.cluster, services=[world.seed.reference_service]
    )["services"][0]
    out = ecs.run_task(
        cluster=world.seed.cluster,
        taskDefinition=ref["taskDefinition"],
        launchType="FARGATE",
        networkConfiguration=ref["networkConfiguration"],
        clientToken=token,
        overrides={"containerOverrides": [{"name": world.seed.container, "command": command}]},
    )
    assert out["failures"] == []
    return dict(out["tasks"][0])


def test_run_task_on_fargate_runs_the_command_and_stops_with_its_exit_code(
    world: World,
) -> None:
    """moto answered this RunTask (Fargate, awsvpc) with a 500 and never ran anything."""
    task = _run_hook_task(world, "token-1", ["sh", "-c", "echo from the task; exit 5"])
    # A retry with the same token (an answer lost on the way back) starts nothing new.
    again = _run_hook_task(world, "token-1", ["sh", "-c", "echo from the task; exit 5"])
    assert again["taskArn"] == task["taskArn"]
    ecs = world.checker.clients.client("ecs")
    waiter = ecs.get_waiter("tasks_stopped")
    waiter.wait(cluster=world.seed.cluster, tasks=[task["taskArn"]],
                WaiterConfig={"Delay": 1, "MaxAttempts": 60})  # fmt: skip
    done = ecs.describe_tasks(cluster=world.seed.cluster, tasks=[task["taskArn"]])["tasks"][0]
    assert done["stopCode"] == "EssentialContainerExited"
    assert [(c["name"], c["exitCode"]) for c in done["containers"]] == [(world.seed.container, 5)]
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    events = world.checker.clients.client("logs").get_log_events(
        logGroupName="/ecs/api", logStreamName=f"app/{world.seed.container}/{task_id}"
    )["events"]
    assert [e["message"] for e in events] == ["from the task"]
