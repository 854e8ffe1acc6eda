"""Seeds the sandbox with a reference stack like a real team's, and wires a profile to it.

eden clones a reference ECS service into per-branch environments, so the sandbox needs
the things a real account has before eden ever runs: a VPC, a Fargate service behind its
own ALB, images in ECR, a shared ALB whose HTTPS listener eden adds rules to, a hosted
zone for the environments' host names, and the endpoints document in S3 (holding an
entry eden does not manage and must keep).

Every step finds what exists before it creates anything, so seeding a server that was
half-seeded (``up`` interrupted) finishes the job instead of failing on duplicates, and
the endpoints document is never overwritten once it exists.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from eden import config, paths
from eden.aws.clients import AwsClients, AwsSettings
from eden.errors import SandboxError
from eden.sandbox import server

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

_MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
_CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
_LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
_ECS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


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

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists."""
        out = asdict(self)
        out["image_uris"] = list(self.image_uris)
        out["subnet_ids"] = list(self.subnet_ids)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeedInfo | None:
        """The inverse of ``as_dict``; None when a field is missing (an older record)."""
        names = [f.name for f in fields(cls)]
        if any(name not in data for name in names):
            return None
        values = {name: data[name] for name in names}
        values["image_uris"] = tuple(values["image_uris"])
        values["subnet_ids"] = tuple(values["subnet_ids"])
        return cls(**values)


@dataclass(frozen=True)
class _Network:
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str


def sandbox_clients(endpoint_url: str) -> AwsClients:
    """Clients for the sandbox: moto's region and credentials it accepts, never the user's."""
    return AwsClients(
        AwsSettings(
            region=REGION,
            endpoint_url=endpoint_url,
            access_key_id="sandbox",
            secret_access_key="sandbox",
        )
    )


def seed(clients: AwsClients) -> SeedInfo:
    """Create (or find) the whole reference stack and return its ids."""
    try:
        return _seed(clients)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise SandboxError(
            f"seeding the sandbox failed: {exc.operation_name} said "
            f"{err.get('Code', '?')}: {err.get('Message', exc)}",
            where=str(clients.settings.endpoint_url),
            hint="run `eden sandbox down` and `eden sandbox up` to start from a fresh server",
        ) from exc


def _seed(clients: AwsClients) -> SeedInfo:
    net = _ensure_network(clients.client("ec2"))
    execution_role, task_role = _ensure_roles(clients.client("iam"))
    _ensure_log_group(clients.client("logs"))
    image_uris = _ensure_images(clients.client("ecr"))
    ecs = clients.client("ecs")
    _ensure_cluster(ecs)
    task_def = _ensure_task_definition(ecs, image_uris[0], execution_role, task_role)
    elbv2 = clients.client("elbv2")
    reference_alb = _ensure_alb(elbv2, REFERENCE_ALB, net)
    target_group = _ensure_target_group(elbv2, net.vpc_id)
    _ensure_listener(elbv2, reference_alb, 80, _http_forward(target_group))
    service_arn = _ensure_service(ecs, task_def, target_group, net)
    cert = _ensure_certificate(clients.client("acm"))
    shared_alb = _ensure_alb(elbv2, SHARED_ALB, net)
    listener = _ensure_listener(elbv2, shared_alb, 443, _https_not_found(cert))
    zone_id = _ensure_zone(clients.client("route53"))
    _ensure_endpoints_doc(clients.client("s3"))
    return SeedInfo(
        region=REGION,
        cluster=CLUSTER,
        reference_service_arn=service_arn,
        reference_service=SERVICE,
        container=CONTAINER,
        shared_alb_arn=shared_alb,
        listener_arn=listener,
        zone_id=zone_id,
        zone_name=ZONE_NAME,
        bucket=BUCKET,
        key=KEY,
        image_uris=image_uris,
        vpc_id=net.vpc_id,
        subnet_ids=net.subnet_ids,
        security_group_id=net.security_group_id,
        task_definition_arn=task_def,
        reference_alb_arn=reference_alb,
        reference_target_group_arn=target_group,
        certificate_arn=cert,
    )


# --- network ---------------------------------------------------------------------------


def _ensure_network(ec2: Any) -> _Network:
    vpc_id = _ensure_vpc(ec2)
    subnet_ids = tuple(_ensure_subnet(ec2, vpc_id, cidr, az) for cidr, az in SUBNETS)
    return _Network(vpc_id, subnet_ids, _ensure_security_group(ec2, vpc_id))


def _name_tags(resource: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource, "Tags": [{"Key": "Name", "Value": name}]}]


def _ensure_vpc(ec2: Any) -> str:
    found = ec2.describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": [NAME_TAG]}, {"Name": "cidr", "Values": [VPC_CIDR]}]
    )["Vpcs"]
    if found:
        return str(found[0]["VpcId"])
    vpc = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=_name_tags("vpc", NAME_TAG))
    return str(vpc["Vpc"]["VpcId"])


def _ensure_subnet(ec2: Any, vpc_id: str, cidr: str, az: str) -> str:
    found = ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "cidr-block", "Values": [cidr]}]
    )["Subnets"]
    if found:
        return str(found[0]["SubnetId"])
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock=cidr,
        AvailabilityZone=az,
        TagSpecifications=_name_tags("subnet", f"{NAME_TAG}-{az}"),
    )
    return str(subnet["Subnet"]["SubnetId"])


def _ensure_security_group(ec2: Any, vpc_id: str) -> str:
    found = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": [SECURITY_GROUP]},
        ]
    )["SecurityGroups"]
    if found:
        return str(found[0]["GroupId"])
    group_id = str(
        ec2.create_security_group(
            GroupName=SECURITY_GROUP,
            Description="eden sandbox: ALBs and Fargate tasks",
            VpcId=vpc_id,
        )["GroupId"]
    )
    # HTTP(S) from anywhere to the ALBs; the app port only from inside the VPC.
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            _ingress(80, "0.0.0.0/0"),
            _ingress(443, "0.0.0.0/0"),
            _ingress(CONTAINER_PORT, VPC_CIDR),
        ],
    )
    return group_id


def _ingress(port: int, cidr: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


# --- IAM, logs, images -----------------------------------------------------------------


def _ensure_roles(iam: Any) -> tuple[str, str]:
    """The task's execution role (pulls images, writes logs) and its task role."""
    return _ensure_role(iam, EXECUTION_ROLE), _ensure_role(iam, TASK_ROLE)


def _ensure_role(iam: Any, name: str) -> str:
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except ClientError as exc:
        if _code(exc) != "NoSuchEntity":
            raise
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(_ECS_TRUST))
    return str(role["Role"]["Arn"])


def _ensure_log_group(logs: Any) -> None:
    try:
        logs.create_log_group(logGroupName=LOG_GROUP)
    except ClientError as exc:
        if _code(exc) != "ResourceAlreadyExistsException":
            raise


def _ensure_images(ecr: Any) -> tuple[str, ...]:
    """Repository ``api`` with one distinct image per tag; returns the image URIs."""
    try:
        repo = ecr.create_repository(repositoryName=REPOSITORY)["repository"]
    except ClientError as exc:
        if _code(exc) != "RepositoryAlreadyExistsException":
            raise
        repo = ecr.describe_repositories(repositoryNames=[REPOSITORY])["repositories"][0]
    existing = _image_tags(ecr)
    for tag in IMAGE_TAGS:
        if tag not in existing:
            ecr.put_image(repositoryName=REPOSITORY, imageTag=tag, imageManifest=_manifest(tag))
    return tuple(f"{repo['repositoryUri']}:{tag}" for tag in IMAGE_TAGS)


def _image_tags(ecr: Any) -> set[str]:
    tags: set[str] = set()
    for page in ecr.get_paginator("describe_images").paginate(repositoryName=REPOSITORY):
        for image in page["imageDetails"]:
            tags.update(image.get("imageTags", []))
    return tags


def _manifest(tag: str) -> str:
    """A valid Docker v2 manifest, distinct and stable per tag (so digests are too)."""

    def blob(kind: str, size: int, media_type: str) -> dict[str, Any]:
        digest = hashlib.sha256(f"eden-sandbox/{REPOSITORY}:{tag}/{kind}".encode()).hexdigest()
        return {"mediaType": media_type, "size": size, "digest": f"sha256:{digest}"}

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": _MANIFEST_TYPE,
            "config": blob("config", 1469, _CONFIG_TYPE),
            "layers": [blob("base", 3_370_628, _LAYER_TYPE), blob("app", 48_213, _LAYER_TYPE)],
        },
        sort_keys=True,
    )


# --- ECS -------------------------------------------------------------------------------


def _ensure_cluster(ecs: Any) -> None:
    clusters = ecs.describe_clusters(clusters=[CLUSTER])["clusters"]
    if not any(c.get("status") == "ACTIVE" for c in clusters):
        ecs.create_cluster(clusterName=CLUSTER)


def _ensure_task_definition(ecs: Any, image: str, execution_role: str, task_role: str) -> str:
    """Reuse the family's latest revision; registering again would only add revisions."""
    try:
        found = ecs.describe_task_definition(taskDefinition=TASK_FAMILY)["taskDefinition"]
        return str(found["taskDefinitionArn"])
    except ClientError as exc:
        if _code(exc) not in ("ClientException", "InvalidParameterException"):
            raise
    registered = ecs.register_task_definition(
        family=TASK_FAMILY,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        executionRoleArn=execution_role,
        taskRoleArn=task_role,
        containerDefinitions=[_app_container(image), _log_router_container()],
        tags=[{"key": "app", "value": SERVICE}, {"key": "team", "value": "platform"}],
    )
    return str(registered["taskDefinition"]["taskDefinitionArn"])


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


def _ensure_service(ecs: Any, task_def: str, target_group: str, net: _Network) -> str:
    """The reference service; moto would silently replace an existing one, so look first."""
    found = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
    for svc in found:
        if svc.get("status") == "ACTIVE":
            return str(svc["serviceArn"])
    created = ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=task_def,
        desiredCount=1,
        launchType="FARGATE",
        loadBalancers=[
            {
                "targetGroupArn": target_group,
                "containerName": CONTAINER,
                "containerPort": CONTAINER_PORT,
            }
        ],
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(net.subnet_ids),
                "securityGroups": [net.security_group_id],
                "assignPublicIp": "DISABLED",
            }
        },
        deploymentConfiguration={
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        healthCheckGracePeriodSeconds=30,
        propagateTags="SERVICE",
        tags=[{"key": "app", "value": SERVICE}, {"key": "team", "value": "platform"}],
    )
    return str(created["service"]["serviceArn"])


# --- load balancers --------------------------------------------------------------------


def _ensure_alb(elbv2: Any, name: str, net: _Network) -> str:
    try:
        found = elbv2.describe_load_balancers(Names=[name])["LoadBalancers"]
        return str(found[0]["LoadBalancerArn"])
    except ClientError as exc:
        if _code(exc) != "LoadBalancerNotFound":
            raise
    created = elbv2.create_load_balancer(
        Name=name,
        Subnets=list(net.subnet_ids),
        SecurityGroups=[net.security_group_id],
        Scheme="internet-facing",
        Type="application",
        IpAddressType="ipv4",
        Tags=[{"Key": "Name", "Value": name}],
    )
    return str(created["LoadBalancers"][0]["LoadBalancerArn"])


def _ensure_target_group(elbv2: Any, vpc_id: str) -> str:
    try:
        found = elbv2.describe_target_groups(Names=[REFERENCE_TARGET_GROUP])["TargetGroups"]
        return str(found[0]["TargetGroupArn"])
    except ClientError as exc:
        if _code(exc) != "TargetGroupNotFound":
            raise
    created = elbv2.create_target_group(
        Name=REFERENCE_TARGET_GROUP,
        Protocol="HTTP",
        Port=CONTAINER_PORT,
        VpcId=vpc_id,
        TargetType="ip",
        HealthCheckProtocol="HTTP",
        HealthCheckPath="/healthz",
        HealthCheckIntervalSeconds=15,
        HealthyThresholdCount=2,
        Matcher={"HttpCode": "200"},
    )
    return str(created["TargetGroups"][0]["TargetGroupArn"])


def _http_forward(target_group: str) -> dict[str, Any]:
    return {
        "Protocol": "HTTP",
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": target_group}],
    }


def _https_not_found(certificate: str) -> dict[str, Any]:
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


def _ensure_listener(elbv2: Any, alb: str, port: int, spec: Mapping[str, Any]) -> str:
    for listener in elbv2.describe_listeners(LoadBalancerArn=alb)["Listeners"]:
        if listener["Port"] == port:
            return str(listener["ListenerArn"])
    created = elbv2.create_listener(LoadBalancerArn=alb, Port=port, **spec)
    return str(created["Listeners"][0]["ListenerArn"])


def _ensure_certificate(acm: Any) -> str:
    for page in acm.get_paginator("list_certificates").paginate():
        for cert in page["CertificateSummaryList"]:
            if cert["DomainName"] == CERT_DOMAIN:
                return str(cert["CertificateArn"])
    requested = acm.request_certificate(
        DomainName=CERT_DOMAIN,
        SubjectAlternativeNames=[ZONE_NAME],
        ValidationMethod="DNS",
    )
    return str(requested["CertificateArn"])


# --- DNS and the endpoints document ----------------------------------------------------


def _ensure_zone(route53: Any) -> str:
    """The public hosted zone's id, without the ``/hostedzone/`` prefix."""
    listed = route53.list_hosted_zones_by_name(DNSName=ZONE_NAME)["HostedZones"]
    for zone in listed:
        if zone["Name"].rstrip(".") == ZONE_NAME and not zone["Config"].get("PrivateZone"):
            return str(zone["Id"]).removeprefix("/hostedzone/")
    created = route53.create_hosted_zone(
        Name=ZONE_NAME,
        CallerReference=f"eden-sandbox-{uuid.uuid4()}",
        HostedZoneConfig={"Comment": "eden sandbox environments", "PrivateZone": False},
    )
    return str(created["HostedZone"]["Id"]).removeprefix("/hostedzone/")


def _ensure_endpoints_doc(s3: Any) -> None:
    """The bucket and the document; an existing document is left as it is."""
    try:
        s3.create_bucket(Bucket=BUCKET)
    except ClientError as exc:
        if _code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    try:
        s3.head_object(Bucket=BUCKET, Key=KEY)
        return
    except ClientError as exc:
        if _code(exc) not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(
        Bucket=BUCKET,
        Key=KEY,
        Body=json.dumps(UNMANAGED_ENDPOINTS, indent=2).encode(),
        ContentType="application/json",
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --- the profile and `eden sandbox up` -------------------------------------------------


def sandbox_profile_values(info: SeedInfo, endpoint_url: str) -> dict[str, Any]:
    """The ``[profiles.sandbox]`` values pointing eden at the seeded stack."""
    return {
        "region": info.region,
        "endpoint_url": endpoint_url,
        "cluster": info.cluster,
        "reference_service": info.reference_service,
        "container": info.container,
        "listener_arn": info.listener_arn,
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


def load_seed() -> SeedInfo | None:
    """What the running sandbox was seeded with, or None (not running, or not seeded yet).

    A seed recorded for a server that has died describes nothing any more, so the
    server is checked first (which also clears its stale record).
    """
    if server.status() is None:
        return None
    raw = server.read_seed()
    return SeedInfo.from_dict(raw) if raw is not None else None


def up(config_path: Path, port: int | None = None) -> tuple[server.ServerInfo, SeedInfo]:
    """Start (or reuse) the sandbox, seed it once, and write the ``sandbox`` profile.

    Seeding happens only when the running server has no recorded seed, so a second
    ``up`` keeps the environments eden created in the first one.
    """
    info = server.start(port)
    seeded = load_seed()
    if seeded is None:
        seeded = seed(sandbox_clients(info.endpoint_url))
        server.save_seed(seeded.as_dict())
    values = sandbox_profile_values(seeded, info.endpoint_url)
    config.build_profile(PROFILE_NAME, values, where=f"{config_path} [profiles.{PROFILE_NAME}]")
    make_default = "default_profile" not in config.read_file(config_path)
    config.write_profile(config_path, PROFILE_NAME, values, default=make_default)
    return info, seeded


def sandbox_state_path() -> Path:
    return paths.sandbox_dir() / "state.db"


def down() -> bool:
    """Stop the sandbox; everything it held is gone with it. False when none was running."""
    stopped = server.stop()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sandbox_state_path()}{suffix}").unlink(missing_ok=True)
    return stopped
