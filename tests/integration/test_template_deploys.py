"""deploy/template.yaml really deploys: its intrinsic functions evaluate, and the role it
grants is the one eden.aws.permissions generates.

cfn-lint checks shapes, not values (an out-of-range ``!Select`` passed it). Here the SAM
template is translated with aws-sam-translator, as `sam deploy` would, and created as a
stack in moto's CloudFormation with real-shaped ARNs for its parameters.
"""

from __future__ import annotations

import ast
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

from moto_server import empty_moto

pytestmark = pytest.mark.integration

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"
ACCOUNT = "123456789012"
REGION = "us-east-1"
ALB = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/shared/50dc6c495c0c9188"
PARAMETERS = {
    "ClusterName": "dev",
    "NamePrefix": "eden",
    "ListenerArn": ALB.replace(":loadbalancer/", ":listener/") + "/f2f7dc8efc522ab2",
    "LoadBalancerArn": ALB,
    "HostedZoneId": "Z0123456789ABC",
    "EndpointsBucket": "dev-endpoints",
    "TaskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/api-task",
    "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole",
    "EcrRepositoryArns": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/api",
    "WebhookSecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:hook-AbCdEf",
}
# What moto's CloudFormation does not model (a function URL); the role does not need it.
NOT_IN_MOTO = ("AWS::Lambda::Url",)


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def cloud() -> Iterator[dict[str, Any]]:
    with empty_moto() as url:
        yield {
            "endpoint_url": url,
            "region_name": REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }


def _translated(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)  # the translator's pseudo-parameters
    template = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE)), default=str))
    for function in ("ApiFunction", "WakerFunction", "SleepSweepFunction"):
        template["Resources"][function]["Properties"]["CodeUri"] = "s3://eden-code/eden.zip"
    out: dict[str, Any] = transform(template, {}, _NoManagedPolicies())
    dropped = {k for k, v in out["Resources"].items() if v["Type"] in NOT_IN_MOTO}
    out["Resources"] = {k: v for k, v in out["Resources"].items() if k not in dropped}
    out["Outputs"] = {
        k: v
        for k, v in out.get("Outputs", {}).items()
        if not any(d in json.dumps(v) for d in dropped)
    }
    return out


def test_the_template_creates_its_stack_with_the_generated_role(
    cloud: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _translated(monkeypatch)
    s3 = boto3.client("s3", **cloud)
    s3.create_bucket(Bucket="eden-code")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("eden/__init__.py", "")
    s3.put_object(Bucket="eden-code", Key="eden.zip", Body=code.getvalue())
    boto3.client("secretsmanager", **cloud).create_secret(Name="hook", SecretString="s3cret")
    cfn = boto3.client("cloudformation", **cloud)
    cfn.create_stack(
        StackName="eden",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    stack = cfn.describe_stacks(StackName="eden")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    statements = _role_statements(boto3.client("iam", **cloud))
    by_action = {a: s for s in statements for a in _list(s["Action"])}
    assert _list(by_action["elasticloadbalancing:DeleteRule"]["Resource"]) == [
        f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/shared/"
        "50dc6c495c0c9188/*"
    ]
    assert _list(by_action["ecs:CreateService"]["Resource"]) == [
        f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/dev/eden-*"
    ]
    assert _list(by_action["iam:PassRole"]["Resource"]) == [
        PARAMETERS["TaskRoleArn"],
        PARAMETERS["ExecutionRoleArn"],
    ]
    waker = _waker(boto3.client("lambda", **cloud), cfn)
    assert waker["Configuration"]["Handler"] == "eden.api.lambda_handler.waker_handler"
    assert waker["Configuration"]["Role"] == _role_arn(cfn, "ApiFunctionRole")
    sweep = _physical(cfn, "SleepSweepFunction").rsplit(":", 1)[-1]
    swept = boto3.client("lambda", **cloud).get_function(FunctionName=sweep)["Configuration"]
    assert swept["Handler"] == "eden.api.lambda_handler.sweep_handler"
    rules = boto3.client("events", **cloud).list_rules()["Rules"]
    assert [r["ScheduleExpression"] for r in rules] == ["rate(5 minutes)"]
    table = stack_table(cfn)
    assert _list(by_action["dynamodb:PutItem"]["Resource"]) == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    ]


def _physical(cfn: Any, logical: str) -> str:
    for resource in cfn.describe_stack_resources(StackName="eden")["StackResources"]:
        if resource["LogicalResourceId"] == logical:
            return str(resource["PhysicalResourceId"])
    raise AssertionError(f"the stack has no {logical}")


def _role_arn(cfn: Any, logical: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{_physical(cfn, logical)}"


def _waker(lam: Any, cfn: Any) -> dict[str, Any]:
    """The waker function, and that the ALB may invoke it from eden's waker groups."""
    name = _physical(cfn, "WakerFunction").rsplit(":", 1)[-1]
    found: dict[str, Any] = lam.get_function(FunctionName=name)
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "elasticloadbalancing.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == (
        f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/eden-waker-*/*")
    return found


def stack_table(cfn: Any) -> str:
    for resource in cfn.describe_stack_resources(StackName="eden")["StackResources"]:
        if resource["ResourceType"] == "AWS::DynamoDB::Table":
            return str(resource["PhysicalResourceId"])
    raise AssertionError("the stack made no table")


def _role_statements(iam: Any) -> list[dict[str, Any]]:
    out = []
    for role in iam.list_roles()["Roles"]:
        for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)
            document = doc["PolicyDocument"]
            if isinstance(document, str):  # moto keeps the document as the stack gave it
                document = ast.literal_eval(document)
            out += document["Statement"]
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
