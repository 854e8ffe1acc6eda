"""AWS batch limits the scaler relies on, which moto does not enforce.

Installed on a test's clients like ``tests/integration/aws_rules.py``: a botocore
``before-parameter-build`` handler raises the ClientError AWS would raise. Source: the
ECS and EC2 API references (DescribeServices takes at most 10 services, DescribeTasks at
most 100 tasks; an EC2 filter takes at most 200 values).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from eden.aws.clients import AwsClients


def _fail(message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "InvalidParameterException", "Message": message}},
                       operation)


def _describe_services(params: dict[str, Any], **_: Any) -> None:
    if len(params.get("services", [])) > 10:
        raise _fail("services can have at most 10 items", "DescribeServices")


def _describe_tasks(params: dict[str, Any], **_: Any) -> None:
    if len(params.get("tasks", [])) > 100:
        raise _fail("tasks can have at most 100 items", "DescribeTasks")


def _describe_instances(params: dict[str, Any], **_: Any) -> None:
    for f in params.get("Filters", []):
        if len(f.get("Values", [])) > 200:
            raise _fail("a filter takes at most 200 values", "DescribeInstances")


RULES: dict[str, Callable[..., None]] = {
    "before-parameter-build.ecs.DescribeServices": _describe_services,
    "before-parameter-build.ecs.DescribeTasks": _describe_tasks,
    "before-parameter-build.ec2.DescribeInstances": _describe_instances,
}


def install_batch_rules(clients: AwsClients) -> AwsClients:
    for event, rule in RULES.items():
        clients.on(event, rule)
    return clients
