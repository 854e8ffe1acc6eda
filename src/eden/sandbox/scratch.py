"""A throw-away ECS service on the sandbox, for the autoscaler's tests and benchmarks.

Each call makes its own VPC, cluster, Fargate task definition, ip target group and an
awsvpc service named ``web``, all under a unique name, so runs never see each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from eden.aws.clients import AwsClients


@dataclass(frozen=True)
class ScratchService:
    cluster: str
    service: str
    target_group_arn: str


def scratch_service(clients: AwsClients, prefix: str, desired: int = 1) -> ScratchService:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    ec2, ecs, elb = clients.client("ec2"), clients.client("ecs"), clients.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName=name, Description=prefix, VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName=name)
    ecs.register_task_definition(
        family=name,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "nginx",
                "image": "nginx",
                "memory": 512,
                "portMappings": [{"containerPort": 80}],
            }
        ],
    )
    tg = elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")
    ecs.create_service(
        cluster=name,
        serviceName="web",
        taskDefinition=name,
        desiredCount=desired,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}},
    )
    return ScratchService(name, "web", str(tg["TargetGroups"][0]["TargetGroupArn"]))
