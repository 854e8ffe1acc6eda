"""Every AWS call eden makes, the IAM action it needs, and the least-privilege policy.

``CALLS`` is the one list: (feature, botocore service, operation) -> IAM action and what
it may touch. The policy ``eden iam-policy`` prints, the README's IAM table and the SAM
template's role are all made from it, and the integration suite records every call eden's
clients make and fails when one is missing here (tests/integration/test_zz_permissions.py),
so none of them can drift from what eden really does.

Resources are scoped where IAM allows it (eden's own services, task-definition families,
target groups, the shared listener's rules, the zone, the endpoints object); Describe and
List calls that IAM cannot scope get ``*``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FEATURES = ("environments", "state-dynamodb", "scaler", "exec")

# Placeholders a profile fills in (``policy(values)``); left as they are, they read as
# what to put there.
PLACEHOLDERS = {
    "partition": "aws",
    "region": "*",
    "account": "*",
    "cluster": "*",
    "prefix": "eden",
    "alb": "*",
    "zone": "*",
    "bucket": "*",
    "key": "*",
    "table": "*",
    "task_role": "*",
    "execution_role": "*",
}

SERVICE_ARN = "arn:{partition}:ecs:{region}:{account}:service/{cluster}/{prefix}-*"
TASK_DEF_ARN = "arn:{partition}:ecs:{region}:{account}:task-definition/{prefix}-*:*"
TG_ARN = "arn:{partition}:elasticloadbalancing:{region}:{account}:targetgroup/{prefix}-*/*"
RULE_ARN = "arn:{partition}:elasticloadbalancing:{region}:{account}:listener-rule/app/{alb}/*"
LISTENER_ARN = "arn:{partition}:elasticloadbalancing:{region}:{account}:listener/app/{alb}/*"
ZONE_ARN = "arn:{partition}:route53:::hostedzone/{zone}"
OBJECT_ARN = "arn:{partition}:s3:::{bucket}/{key}"
BUCKET_ARN = "arn:{partition}:s3:::{bucket}"
TABLE_ARN = "arn:{partition}:dynamodb:{region}:{account}:table/{table}"
LOG_GROUP_ARN = "arn:{partition}:logs:{region}:{account}:log-group:*"
CLUSTER_ARN = "arn:{partition}:ecs:{region}:{account}:cluster/{cluster}"
TASK_ARN = "arn:{partition}:ecs:{region}:{account}:task/{cluster}/*"
ANY = "*"


@dataclass(frozen=True)
class Call:
    feature: str
    service: str  # botocore's service name
    operation: str
    action: str  # the IAM action
    resources: tuple[str, ...] = (ANY,)


def _calls(feature: str, service: str, prefix: str, ops: str, *res: str) -> list[Call]:
    """Operations (space-separated) whose IAM action is ``prefix:Operation``."""
    resources = res or (ANY,)
    return [Call(feature, service, op, f"{prefix}:{op}", resources) for op in ops.split()]


_ENV = "environments"
CALLS: tuple[Call, ...] = (
    # --- environments: create, deploy, delete, ls, show, gc, endpoints, config check ----
    *_calls(
        _ENV,
        "ecs",
        "ecs",
        "DescribeServices DescribeClusters DescribeTaskDefinition "
        "ListTaskDefinitions DescribeTaskSets ListClusters ListServices",
    ),
    *_calls(_ENV, "ecs", "ecs", "CreateService UpdateService DeleteService", SERVICE_ARN),
    *_calls(
        _ENV, "ecs", "ecs", "RegisterTaskDefinition DeregisterTaskDefinition DeleteTaskDefinitions"
    ),
    Call(_ENV, "ecs", "TagResource", "ecs:TagResource", (SERVICE_ARN, TASK_DEF_ARN, TASK_ARN)),
    # Hooks ([hooks]): a task of the environment's own task definition, stopped on timeout.
    Call(_ENV, "ecs", "RunTask", "ecs:RunTask", (TASK_DEF_ARN,)),
    Call(_ENV, "ecs", "StopTask", "ecs:StopTask", (TASK_ARN,)),
    # The reference task definition's roles, passed on to the environment's.
    Call(_ENV, "iam", "PassRole", "iam:PassRole", ("{task_role}", "{execution_role}")),
    *_calls(
        _ENV,
        "elbv2",
        "elasticloadbalancing",
        "DescribeListeners DescribeLoadBalancers "
        "DescribeRules DescribeTargetGroups DescribeTargetGroupAttributes "
        "DescribeTargetHealth DescribeTags",
    ),
    *_calls(
        _ENV,
        "elbv2",
        "elasticloadbalancing",
        "CreateTargetGroup DeleteTargetGroup ModifyTargetGroupAttributes",
        TG_ARN,
    ),
    *_calls(_ENV, "elbv2", "elasticloadbalancing", "CreateRule", LISTENER_ARN, RULE_ARN),
    *_calls(_ENV, "elbv2", "elasticloadbalancing", "DeleteRule", RULE_ARN),
    *_calls(_ENV, "elbv2", "elasticloadbalancing", "ModifyRule", RULE_ARN),
    Call(_ENV, "elbv2", "AddTags", "elasticloadbalancing:AddTags", (TG_ARN, RULE_ARN)),
    *_calls(
        _ENV,
        "route53",
        "route53",
        "GetHostedZone ListResourceRecordSets ChangeResourceRecordSets",
        ZONE_ARN,
    ),
    *_calls(_ENV, "route53", "route53", "GetChange ListHostedZones"),
    Call(_ENV, "s3", "GetObject", "s3:GetObject", (OBJECT_ARN,)),
    Call(_ENV, "s3", "PutObject", "s3:PutObject", (OBJECT_ARN,)),
    Call(_ENV, "s3", "PutObjectAcl", "s3:PutObjectAcl", (OBJECT_ARN,)),  # endpoints.acl set
    Call(_ENV, "s3", "HeadBucket", "s3:ListBucket", (BUCKET_ARN,)),
    *_calls(_ENV, "ecr", "ecr", "DescribeImages DescribePullThroughCacheRules"),
    Call(_ENV, "resourcegroupstaggingapi", "GetResources", "tag:GetResources"),
    # --- sleep and wake (docs/sleep-wake.md): the waker group, the sleeping tag, idle ---
    Call(_ENV, "elbv2", "RegisterTargets", "elasticloadbalancing:RegisterTargets", (TG_ARN,)),
    Call(_ENV, "ecs", "UntagResource", "ecs:UntagResource", (SERVICE_ARN,)),
    Call(_ENV, "cloudwatch", "GetMetricData", "cloudwatch:GetMetricData"),
    # --- day two: health (tasks), create --refresh, logs (docs/dayto.md) ------------------
    *_calls(_ENV, "ecs", "ecs", "ListTasks DescribeTasks"),
    Call(_ENV, "elbv2", "ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroup", (TG_ARN,)),
    *_calls(_ENV, "logs", "logs", "FilterLogEvents DescribeLogStreams StartLiveTail",
            LOG_GROUP_ARN),
    # --- the state store in DynamoDB -------------------------------------------------------
    *_calls(
        "state-dynamodb",
        "dynamodb",
        "dynamodb",
        "DescribeTable CreateTable "
        "DescribeTimeToLive UpdateTimeToLive GetItem PutItem UpdateItem DeleteItem Query "
        "Scan BatchWriteItem TransactWriteItems",
        TABLE_ARN,
    ),
    # --- the scaler ------------------------------------------------------------------------
    *_calls("scaler", "ecs", "ecs", "DescribeServices ListTasks DescribeTasks"),
    Call("scaler", "ecs", "UpdateService", "ecs:UpdateService"),
    *_calls("scaler", "elbv2", "elasticloadbalancing", "DescribeTargetHealth DescribeTargetGroups"),
    Call("scaler", "ec2", "DescribeInstances", "ec2:DescribeInstances"),
    Call("scaler", "sns", "Publish", "sns:Publish"),
    *_calls(
        "scaler",
        "application-autoscaling",
        "application-autoscaling",
        "DescribeScalableTargets DescribeScalingPolicies DescribeScalingActivities "
        "RegisterScalableTarget",
    ),
    # --- eden exec (profiles with allow_exec): ECS Exec into the environment's tasks ------
    Call("exec", "ecs", "ExecuteCommand", "ecs:ExecuteCommand", (CLUSTER_ARN, TASK_ARN)),
    *_calls("exec", "ecs", "ecs", "DescribeServices ListTasks DescribeTasks"),
)

# How a CloudFormation template spells each placeholder.
CFN = {
    "partition": "${AWS::Partition}",
    "region": "${AWS::Region}",
    "account": "${AWS::AccountId}",
    "cluster": "${ClusterName}",
    "prefix": "${NamePrefix}",
    "alb": "${AlbNameAndId}",
    "zone": "${HostedZoneId}",
    "bucket": "${EndpointsBucket}",
    "key": "${EndpointsKey}",
    "table": "${StateTable}",
    "task_role": "${TaskRoleArn}",
    "execution_role": "${ExecutionRoleArn}",
}


def calls_for(features: Iterable[str]) -> list[Call]:
    wanted = set(features)
    unknown = wanted - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown feature(s) {', '.join(sorted(unknown))}")
    return [c for c in CALLS if c.feature in wanted]


def granted(features: Iterable[str]) -> set[tuple[str, str]]:
    """(service, operation) pairs the policy for ``features`` allows."""
    return {(c.service, c.operation) for c in calls_for(features)}


def policy(
    features: Iterable[str],
    values: Mapping[str, str] | None = None,
    albs: Sequence[str] = (),
) -> dict[str, Any]:
    """The IAM policy document for ``features``: one statement per service and scope.
    ``albs``: a pool's ALBs (``NAME/ID``), each getting the resources ``{alb}`` names."""
    fill = {**PLACEHOLDERS, **(values or {})}
    grouped: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    for call in calls_for(features):
        resources = tuple(sorted({x for r in call.resources for x in _filled(r, fill, albs)}))
        grouped.setdefault((call.action.split(":")[0], resources), set()).add(call.action)
    statements: list[dict[str, Any]] = []
    for (service, resources), actions in sorted(grouped.items()):
        sid = service.title().replace("-", "") + ("Scoped" if resources != (ANY,) else "")
        statement: dict[str, Any] = {
            "Sid": f"{sid}{len(statements) + 1}",
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": list(resources) if len(resources) > 1 else resources[0],
        }
        if "iam:PassRole" in actions:
            statement["Condition"] = {
                "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
            }
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def _filled(resource: str, fill: Mapping[str, str], albs: Sequence[str]) -> list[str]:
    if "{alb}" not in resource or not albs:
        return [resource.format(**fill)]
    return [resource.format(**{**fill, "alb": alb}) for alb in albs]


def policy_json(
    features: Iterable[str], values: Mapping[str, str] | None = None, albs: Sequence[str] = ()
) -> str:
    return json.dumps(policy(features, values, albs), indent=2)


def markdown_table(features: Iterable[str]) -> str:
    """The README's table: each service's actions, by feature."""
    rows = ["| feature | service | actions |", "|---|---|---|"]
    for feature in features:
        by_service: dict[str, set[str]] = {}
        for call in calls_for([feature]):
            service, action = call.action.split(":")
            by_service.setdefault(service, set()).add(action)
        for service, actions in sorted(by_service.items()):
            rows.append(
                f"| {feature} | {service} | {', '.join(f'`{a}`' for a in sorted(actions))} |"
            )
    return "\n".join(rows)


def ungranted(called: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The calls in ``called`` that no feature's policy grants (should be none)."""
    every = granted(FEATURES)
    return sorted(c for c in called if c not in every)


def _cfn_value(resource: str) -> Any:
    """A resource pattern in CloudFormation's long form (the template's Sub variables)."""
    if resource == ANY:
        return ANY
    if resource in ("{task_role}", "{execution_role}"):
        return {"Ref": "TaskRoleArn" if resource == "{task_role}" else "ExecutionRoleArn"}
    text = resource.format(**CFN)
    if "${AlbNameAndId}" not in text:
        return {"Fn::Sub": text}
    alb = {"Fn::Select": [1, {"Fn::Split": ["loadbalancer/app/", {"Ref": "LoadBalancerArn"}]}]}
    return {"Fn::Sub": [text, {"AlbNameAndId": alb}]}


def cfn_statements(features: Iterable[str]) -> list[dict[str, Any]]:
    """The policy's statements for a CloudFormation template (deploy/template.yaml)."""
    grouped: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    for call in calls_for(features):
        grouped.setdefault((call.action.split(":")[0], call.resources), set()).add(call.action)
    out: list[dict[str, Any]] = []
    for (service, resources), actions in sorted(grouped.items()):
        values = [_cfn_value(r) for r in resources]
        statement: dict[str, Any] = {
            "Sid": f"{service.title().replace('-', '')}{len(out) + 1}",
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": values if len(values) > 1 else values[0],
        }
        if "iam:PassRole" in actions:
            statement["Condition"] = {
                "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
            }
        out.append(statement)
    return out
