"""AWS rules that moto does not enforce, enforced here so eden's tests fail like AWS would.

Each rule is a botocore ``before-call`` handler on the clients eden uses; it inspects
the moto server with a separate, unhooked client and raises the ClientError AWS would
raise. Source: ../shared/reference/moto-divergences.md and the AWS API references.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from eden.aws.clients import AwsClients

TG_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
ECS_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
MAX_RULES = 100
MAX_TAGS = 50


def _fail(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def _check_tags(tags: list[dict[str, str]], key_field: str, op: str) -> None:
    if len(tags) > MAX_TAGS:
        raise _fail("InvalidParameterException", f"{len(tags)} tags, limit 50", op)
    for t in tags:
        if t[key_field].lower().startswith("aws:"):
            raise _fail("InvalidParameterException", "aws: tag keys are reserved", op)


# ECS's own checks of a container's secrets at RegisterTaskDefinition (moto makes none).
# Messages as AWS gives them: hashicorp/terraform-provider-aws#6503 and
# fabfuel/ecs-deploy#87 (execution role), dagster-io/dagster#11622 (a name both a variable
# and a secret), aws/copilot-cli#3446 (a valueFrom that is neither an ARN nor a name).
SSM_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-/]{1,2048}$")


def _check_secrets(container: dict[str, Any], body: dict[str, Any], op: str) -> None:
    secrets = container.get("secrets") or []
    if secrets and not body.get("executionRoleArn"):
        raise _fail(
            "ClientException",
            "When you are specifying container secrets, you must also specify a value for "
            "'executionRoleArn'.",
            op,
        )
    env = {e["name"] for e in container.get("environment") or []}
    for secret in secrets:
        if secret["name"] in env:
            raise _fail(
                "ClientException",
                "The secret name must be unique and not shared with any new or existing "
                f"environment variables set on the container, such as '{secret['name']}'.",
                op,
            )
        value = secret["valueFrom"]
        if not value.startswith("arn:") and not SSM_NAME_RE.fullmatch(value):
            raise _fail(
                "ClientException",
                f"The Systems Manager parameter name specified for secret {secret['name']} is "
                "invalid. The parameter name can be up to 2048 characters and include the "
                "following letters and symbols: a-zA-Z0-9_.-",
                op,
            )


class AwsRules:
    """Installs the rules on ``clients``; ``checker`` reads moto's state without hooks."""

    def __init__(self, checker: AwsClients):
        self.checker = checker
        self.violations: list[str] = []

    def install(self, clients: AwsClients) -> None:
        elb = "before-parameter-build.elastic-load-balancing-v2"
        rules: dict[str, Callable[[dict[str, Any]], None]] = {
            "before-parameter-build.ecs.CreateService": self.create_service,
            "before-parameter-build.ecs.RegisterTaskDefinition": self.register_task_definition,
            f"{elb}.CreateTargetGroup": self.create_target_group,
            f"{elb}.CreateRule": self.create_rule,
            f"{elb}.ModifyRule": self.modify_rule,
        }
        for event, rule in rules.items():
            clients.on(event, self._wrap(rule))

    def _wrap(self, rule: Callable[[dict[str, Any]], None]) -> Callable[..., None]:
        def handler(params: dict[str, Any], **_: Any) -> None:
            try:
                rule(params)
            except ClientError as exc:
                self.violations.append(str(exc))
                raise

        return handler

    # ``body`` is the call's own parameters, before botocore serializes them.
    def create_service(self, body: dict[str, Any]) -> None:
        op = "CreateService"
        name = body["serviceName"]
        if not ECS_NAME_RE.match(name):
            raise _fail("InvalidParameterException", f"invalid service name {name}", op)
        ecs = self.checker.client("ecs")
        existing = ecs.describe_services(cluster=body.get("cluster", "default"), services=[name])
        if any(s["status"] == "ACTIVE" for s in existing.get("services", [])):
            raise _fail("InvalidParameterException", "Creation of service was not idempotent.", op)
        td = ecs.describe_task_definition(taskDefinition=body["taskDefinition"])["taskDefinition"]
        containers = {c["name"] for c in td["containerDefinitions"]}
        if td.get("networkMode") == "awsvpc" and not body.get("networkConfiguration"):
            raise _fail("InvalidParameterException", "awsvpc needs networkConfiguration", op)
        elbv2 = self.checker.client("elbv2")
        for lb in body.get("loadBalancers", []):
            if lb["containerName"] not in containers:
                raise _fail("InvalidParameterException", "container not in task definition", op)
            tg = elbv2.describe_target_groups(TargetGroupArns=[lb["targetGroupArn"]])
            if not tg["TargetGroups"][0].get("LoadBalancerArns"):
                raise _fail(
                    "InvalidParameterException",
                    f"The target group {lb['targetGroupArn']} does not have an associated load "
                    "balancer.",
                    op,
                )
        _check_tags(body.get("tags", []), "key", op)

    def register_task_definition(self, body: dict[str, Any]) -> None:
        op = "RegisterTaskDefinition"
        if not ECS_NAME_RE.match(body["family"]):
            raise _fail("ClientException", f"invalid family {body['family']}", op)
        if not body.get("containerDefinitions"):
            raise _fail("ClientException", "containerDefinitions must not be empty", op)
        fargate = "FARGATE" in body.get("requiresCompatibilities", [])
        if fargate and (
            body.get("networkMode") != "awsvpc" or not body.get("cpu") or not body.get("memory")
        ):
            raise _fail("ClientException", "Fargate needs awsvpc, cpu and memory", op)
        _check_tags(body.get("tags", []), "key", op)
        for container in body["containerDefinitions"]:
            _check_secrets(container, body, op)

    def create_target_group(self, body: dict[str, Any]) -> None:
        op = "CreateTargetGroup"
        name = body["Name"]
        if not TG_NAME_RE.match(name) or name.lower().startswith("internal-"):
            raise _fail("ValidationError", f"target group name {name!r} is invalid", op)
        _check_tags(body.get("Tags", []), "Key", op)

    def create_rule(self, body: dict[str, Any]) -> None:
        op = "CreateRule"
        priority = int(body["Priority"])
        if not 1 <= priority <= 50000:
            raise _fail("ValidationError", "priority must be 1-50000", op)
        elbv2 = self.checker.client("elbv2")
        count = 0
        for page in elbv2.get_paginator("describe_rules").paginate(ListenerArn=body["ListenerArn"]):
            count += sum(1 for r in page["Rules"] if not r["IsDefault"])
        if count >= MAX_RULES:
            raise _fail("TooManyRules", "You've reached the limit on the number of rules", op)
        values = [
            v
            for cond in body.get("Conditions", [])
            for v in cond.get("HostHeaderConfig", {}).get("Values", []) + cond.get("Values", [])
        ]
        if len(values) > 5:
            raise _fail("ValidationError", "at most 5 condition values per rule", op)

    def modify_rule(self, body: dict[str, Any]) -> None:
        """An OIDC action sent back with ModifyRule needs its client secret, or
        ``UseExistingClientSecret`` (DescribeRules never returns the secret)."""
        op = "ModifyRule"
        for action in body.get("Actions", []):
            config = action.get("AuthenticateOidcConfig")
            if config is None:
                continue
            if not config.get("ClientSecret") and not config.get("UseExistingClientSecret"):
                raise _fail(
                    "ValidationError",
                    "ClientSecret is required unless UseExistingClientSecret is true",
                    op,
                )
