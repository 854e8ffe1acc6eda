"""What the sandbox contains: a reference stack like a real team's, described as data.

eden clones a reference ECS service into per-branch environments, so the sandbox needs
the things a real account has before eden ever runs: a VPC, a Fargate service behind its
own ALB, images in ECR, a shared ALB whose HTTPS listener eden adds rules to, a hosted
zone for the environments' host names, and the endpoints document in S3 (holding an
entry eden does not manage and must keep).

Everything here is names and request parameters; ``eden.sandbox.seed`` makes the AWS
calls, and ``SeedInfo`` records the ids they returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

from eden import paths

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
PROFILE_NAME = "sandbox"
CLUSTER = "sandbox"
SERVICE = "api"
CONTAINER = "app"
CONTAINER_PORT = 8080
REPOSITORY = "api"
IMAGE_TAGS = ("v1", "v2", "v3")
TASK_FAMILY = "api"
REFERENCE_ALB = "reference"
REFERENCE_TARGET_GROUP = "api-reference"
SHARED_ALB = "eden-shared"
ZONE_NAME = "dev.example.com"
CERT_DOMAIN = f"*.{ZONE_NAME}"
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
BUCKET = "eden-endpoints"
KEY = "endpoints.json"
VPC_CIDR = "10.0.0.0/16"
SUBNETS = (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))
SECURITY_GROUP = "eden-sandbox"
EXECUTION_ROLE = "ecsTaskExecutionRole"
TASK_ROLE = "api-task"
LOG_GROUP = "/ecs/api"
SIDECAR_IMAGE = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
NAME_TAG = "eden-sandbox"

# The entry a team had before eden: eden must keep it when it edits the document.
UNMANAGED_ENDPOINTS = {
    "environments": [{"name": "staging", "env": "staging", "api": "api.staging.example.com"}]
}

ECS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
_TEAM_TAGS = [{"key": "app", "value": SERVICE}, {"key": "team", "value": "platform"}]


@dataclass(frozen=True)
class SeedInfo:
    """The ids of the seeded reference stack: what a profile and the tests point at."""

    region: str
    cluster: str
    reference_service_arn: str
    reference_service: str
    container: str
    shared_alb_arn: str
    listener_arn: str
    zone_id: str  # without the /hostedzone/ prefix
    zone_name: str  # without the trailing dot
    bucket: str
    key: str
    image_uris: tuple[str, ...]
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    task_definition_arn: str
    reference_alb_arn: str
    reference_target_group_arn: str
    certificate_arn: str
    # Every shared ALB's HTTPS listener when the sandbox has a pool (`up --albs N`).
    pool_listener_arns: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists."""
        out = asdict(self)
        out["image_uris"] = list(self.image_uris)
        out["subnet_ids"] = list(self.subnet_ids)
        out["pool_listener_arns"] = list(self.pool_listener_arns)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeedInfo | None:
        """The inverse of ``as_dict``; None when a field is missing (an older record)."""
        names = [f.name for f in fields(cls) if f.default is MISSING]
        if any(name not in data for name in names):
            return None
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        for many in ("image_uris", "subnet_ids", "pool_listener_arns"):
            if many in values:
                values[many] = tuple(values[many])
        return cls(**values)


@dataclass(frozen=True)
class Network:
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str


# --- the profile pointing eden at the stack --------------------------------------------


def sandbox_profile_values(info: SeedInfo, endpoint_url: str) -> dict[str, Any]:
    """The ``[profiles.sandbox]`` values pointing eden at the seeded stack."""
    return {
        "region": info.region,
        "endpoint_url": endpoint_url,
        "cluster": info.cluster,
        "reference_service": info.reference_service,
        "container": info.container,
        **(
            {"listener_arns": list(info.pool_listener_arns)}
            if len(info.pool_listener_arns) > 1
            else {"listener_arn": info.listener_arn}
        ),
        "zone_id": info.zone_id,
        "name_prefix": "eden",
        "domain_prefix": "api",
        "desired_count": 1,
        # Its own state file: the sandbox forgets everything on `down`, and so must state.
        "state": f"sqlite:///{sandbox_state_path()}",
        "endpoints": {
            "bucket": info.bucket,
            "key": info.key,
            "update_key": "api",
            "env_type": "dev",
            "name_prefix": "dev",
        },
    }


def sandbox_state_path() -> Path:
    return paths.sandbox_dir() / "state.db"


# --- request parameters of what the seed creates ---------------------------------------


def ingress_rules() -> list[dict[str, Any]]:
    """HTTP(S) from anywhere to the ALBs; the app port only from inside the VPC."""
    return [
        _ingress(80, "0.0.0.0/0"),
        _ingress(443, "0.0.0.0/0"),
        _ingress(CONTAINER_PORT, VPC_CIDR),
    ]


def _ingress(port: int, cidr: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


def task_definition(image: str, execution_role: str, task_role: str) -> dict[str, Any]:
    """The reference service's task: the app and a log-router sidecar eden must keep."""
    return {
        "family": TASK_FAMILY,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": execution_role,
        "taskRoleArn": task_role,
        "containerDefinitions": [_app_container(image), _log_router_container()],
        "tags": _TEAM_TAGS,
    }


def _app_container(image: str) -> dict[str, Any]:
    return {
        "name": CONTAINER,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": CONTAINER_PORT, "protocol": "tcp"}],
        "environment": [
            {"name": "APP_ENV", "value": "reference"},
            {"name": "PORT", "value": str(CONTAINER_PORT)},
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "DATABASE_URL", "value": "postgres://api@db.internal.example.com/api"},
        ],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": LOG_GROUP,
                "awslogs-region": REGION,
                "awslogs-stream-prefix": CONTAINER,
            },
        },
    }


def _log_router_container() -> dict[str, Any]:
    return {
        "name": "log-router",
        "image": SIDECAR_IMAGE,
        "essential": False,
        "firelensConfiguration": {"type": "fluentbit"},
        "memoryReservation": 50,
    }


def reference_service(task_def: str, target_group: str, net: Network) -> dict[str, Any]:
    """The reference Fargate service behind its own ALB's target group."""
    return {
        "cluster": CLUSTER,
        "serviceName": SERVICE,
        "taskDefinition": task_def,
        "desiredCount": 1,
        "launchType": "FARGATE",
        "loadBalancers": [
            {
                "targetGroupArn": target_group,
                "containerName": CONTAINER,
                "containerPort": CONTAINER_PORT,
            }
        ],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": list(net.subnet_ids),
                "securityGroups": [net.security_group_id],
                "assignPublicIp": "DISABLED",
            }
        },
        "deploymentConfiguration": {
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        "healthCheckGracePeriodSeconds": 30,
        "propagateTags": "SERVICE",
        "tags": _TEAM_TAGS,
    }


def load_balancer(name: str, net: Network) -> dict[str, Any]:
    return {
        "Name": name,
        "Subnets": list(net.subnet_ids),
        "SecurityGroups": [net.security_group_id],
        "Scheme": "internet-facing",
        "Type": "application",
        "IpAddressType": "ipv4",
        "Tags": [{"Key": "Name", "Value": name}],
    }


def reference_target_group(vpc_id: str) -> dict[str, Any]:
    return {
        "Name": REFERENCE_TARGET_GROUP,
        "Protocol": "HTTP",
        "Port": CONTAINER_PORT,
        "VpcId": vpc_id,
        "TargetType": "ip",
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPath": "/healthz",
        "HealthCheckIntervalSeconds": 15,
        "HealthyThresholdCount": 2,
        "Matcher": {"HttpCode": "200"},
    }


def http_forward(target_group: str) -> dict[str, Any]:
    return {
        "Protocol": "HTTP",
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": target_group}],
    }


def https_not_found(certificate: str) -> dict[str, Any]:
    """The shared listener answers 404 until eden adds a host rule for an environment."""
    return {
        "Protocol": "HTTPS",
        "SslPolicy": SSL_POLICY,
        "Certificates": [{"CertificateArn": certificate}],
        "DefaultActions": [
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {
                    "StatusCode": "404",
                    "ContentType": "text/plain",
                    "MessageBody": "no environment here",
                },
            }
        ],
    }


def hosted_zone() -> dict[str, Any]:
    return {
        "Name": ZONE_NAME,
        "CallerReference": f"eden-sandbox-{uuid.uuid4()}",
        "HostedZoneConfig": {"Comment": "eden sandbox environments", "PrivateZone": False},
    }
