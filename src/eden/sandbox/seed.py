"""Seeds the sandbox: the AWS calls that make the stack ``eden.sandbox.stack`` describes.

Every step finds what exists before it creates anything, so seeding a server that was
half-seeded (``up`` interrupted) finishes the job instead of failing on duplicates, and
the endpoints document is never overwritten once it exists.

``SeedInfo``, ``UNMANAGED_ENDPOINTS`` and ``sandbox_profile_values`` live in
``eden.sandbox.stack`` and are re-exported here, where tests and benchmarks import them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from eden.aws.clients import AwsClients, AwsSettings
from eden.errors import AwsError, SandboxError
from eden.sandbox import stack
from eden.sandbox.stack import (
    UNMANAGED_ENDPOINTS,
    Network,
    SeedInfo,
    sandbox_profile_values,
)

__all__ = [
    "UNMANAGED_ENDPOINTS",
    "SeedInfo",
    "add_shared_albs",
    "sandbox_clients",
    "sandbox_profile_values",
    "seed",
]

_MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
_CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
_LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def sandbox_clients(endpoint_url: str) -> AwsClients:
    """Clients for the sandbox: moto's region and credentials it accepts, never the user's."""
    return AwsClients(
        AwsSettings(
            region=stack.REGION,
            endpoint_url=endpoint_url,
            access_key_id="sandbox",
            secret_access_key="sandbox",
        ),
        role="sandbox",  # seeding is not a call eden makes on a user's AWS
    )


def seed(clients: AwsClients) -> SeedInfo:
    """Create (or find) the whole reference stack and return its ids."""
    try:
        return _seed(clients)
    except AwsError as exc:
        raise SandboxError(
            f"seeding the sandbox failed: {exc.operation} said "
            f"{exc.code or '?'}: {exc.message}",
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
    reference_alb = _ensure_alb(elbv2, stack.REFERENCE_ALB, net)
    target_group = _ensure_target_group(elbv2, net.vpc_id)
    _ensure_listener(elbv2, reference_alb, 80, stack.http_forward(target_group))
    service_arn = _ensure_service(ecs, task_def, target_group, net)
    cert = _ensure_certificate(clients.client("acm"))
    shared_alb = _ensure_alb(elbv2, stack.SHARED_ALB, net)
    listener = _ensure_listener(elbv2, shared_alb, 443, stack.https_not_found(cert))
    zone_id = _ensure_zone(clients.client("route53"))
    _ensure_endpoints_doc(clients.client("s3"))
    return SeedInfo(
        region=stack.REGION,
        cluster=stack.CLUSTER,
        reference_service_arn=service_arn,
        reference_service=stack.SERVICE,
        container=stack.CONTAINER,
        shared_alb_arn=shared_alb,
        listener_arn=listener,
        zone_id=zone_id,
        zone_name=stack.ZONE_NAME,
        bucket=stack.BUCKET,
        key=stack.KEY,
        image_uris=image_uris,
        vpc_id=net.vpc_id,
        subnet_ids=net.subnet_ids,
        security_group_id=net.security_group_id,
        task_definition_arn=task_def,
        reference_alb_arn=reference_alb,
        reference_target_group_arn=target_group,
        certificate_arn=cert,
    )


def add_shared_albs(clients: AwsClients, info: SeedInfo, count: int) -> SeedInfo:
    """A pool of ``count`` shared ALBs (``eden-shared``, ``eden-shared-2``, ...), each with
    an HTTPS:443 listener; ``info`` names all their listeners afterwards."""
    elbv2 = clients.client("elbv2")
    net = Network(info.vpc_id, info.subnet_ids, info.security_group_id)
    listeners = [info.listener_arn]
    for n in range(2, count + 1):
        alb = _ensure_alb(elbv2, f"{stack.SHARED_ALB}-{n}", net)
        listeners.append(
            _ensure_listener(elbv2, alb, 443, stack.https_not_found(info.certificate_arn))
        )
    return replace(info, pool_listener_arns=tuple(listeners) if count > 1 else ())


def _find_or_create(
    find: Callable[[], str], missing: tuple[str, ...], create: Callable[[], str]
) -> str:
    """``find()``; ``create()`` when AWS answers with one of the ``missing`` codes."""
    try:
        return find()
    except AwsError as exc:
        if exc.code not in missing:
            raise
    return create()


def _tolerate(codes: tuple[str, ...], call: Callable[[], Any]) -> None:
    """``call()``, where an error with one of ``codes`` means it is done already."""
    try:
        call()
    except AwsError as exc:
        if exc.code not in codes:
            raise


# --- network ---------------------------------------------------------------------------


def _ensure_network(ec2: Any) -> Network:
    vpc_id = _ensure_vpc(ec2)
    subnet_ids = tuple(_ensure_subnet(ec2, vpc_id, cidr, az) for cidr, az in stack.SUBNETS)
    return Network(vpc_id, subnet_ids, _ensure_security_group(ec2, vpc_id))


def _name_tags(resource: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource, "Tags": [{"Key": "Name", "Value": name}]}]


def _ensure_vpc(ec2: Any) -> str:
    found = ec2.describe_vpcs(
        Filters=[
            {"Name": "tag:Name", "Values": [stack.NAME_TAG]},
            {"Name": "cidr", "Values": [stack.VPC_CIDR]},
        ]
    )["Vpcs"]
    if found:
        return str(found[0]["VpcId"])
    vpc = ec2.create_vpc(
        CidrBlock=stack.VPC_CIDR, TagSpecifications=_name_tags("vpc", stack.NAME_TAG)
    )
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
        TagSpecifications=_name_tags("subnet", f"{stack.NAME_TAG}-{az}"),
    )
    return str(subnet["Subnet"]["SubnetId"])


def _ensure_security_group(ec2: Any, vpc_id: str) -> str:
    found = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": [stack.SECURITY_GROUP]},
        ]
    )["SecurityGroups"]
    if found:
        return str(found[0]["GroupId"])
    group_id = str(
        ec2.create_security_group(
            GroupName=stack.SECURITY_GROUP,
            Description="eden sandbox: ALBs and Fargate tasks",
            VpcId=vpc_id,
        )["GroupId"]
    )
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=stack.ingress_rules())
    return group_id


# --- IAM, logs, images -----------------------------------------------------------------


def _ensure_roles(iam: Any) -> tuple[str, str]:
    """The task's execution role (pulls images, writes logs) and its task role."""
    return _ensure_role(iam, stack.EXECUTION_ROLE), _ensure_role(iam, stack.TASK_ROLE)


def _ensure_role(iam: Any, name: str) -> str:
    def find() -> str:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])

    def create() -> str:
        trust = json.dumps(stack.ECS_TRUST)
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"])

    return _find_or_create(find, ("NoSuchEntity",), create)


def _ensure_log_group(logs: Any) -> None:
    _tolerate(
        ("ResourceAlreadyExistsException",),
        lambda: logs.create_log_group(logGroupName=stack.LOG_GROUP),
    )


def _ensure_images(ecr: Any) -> tuple[str, ...]:
    """Repository ``api`` with one distinct image per tag; returns the image URIs."""
    try:
        repo = ecr.create_repository(repositoryName=stack.REPOSITORY)["repository"]
    except AwsError as exc:
        if exc.code != "RepositoryAlreadyExistsException":
            raise
        repo = ecr.describe_repositories(repositoryNames=[stack.REPOSITORY])["repositories"][0]
    existing = _image_tags(ecr)
    for tag in stack.IMAGE_TAGS:
        if tag not in existing:
            ecr.put_image(
                repositoryName=stack.REPOSITORY, imageTag=tag, imageManifest=_manifest(tag)
            )
    return tuple(f"{repo['repositoryUri']}:{tag}" for tag in stack.IMAGE_TAGS)


def _image_tags(ecr: Any) -> set[str]:
    tags: set[str] = set()
    for page in ecr.get_paginator("describe_images").paginate(repositoryName=stack.REPOSITORY):
        for image in page["imageDetails"]:
            tags.update(image.get("imageTags", []))
    return tags


def _manifest(tag: str) -> str:
    """A valid Docker v2 manifest, distinct and stable per tag (so digests are too)."""

    def blob(kind: str, size: int, media_type: str) -> dict[str, Any]:
        name = f"eden-sandbox/{stack.REPOSITORY}:{tag}/{kind}"
        digest = hashlib.sha256(name.encode()).hexdigest()
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
    clusters = ecs.describe_clusters(clusters=[stack.CLUSTER])["clusters"]
    if not any(c.get("status") == "ACTIVE" for c in clusters):
        ecs.create_cluster(clusterName=stack.CLUSTER)


def _ensure_task_definition(ecs: Any, image: str, execution_role: str, task_role: str) -> str:
    """Reuse the family's latest revision; registering again would only add revisions."""

    def find() -> str:
        found = ecs.describe_task_definition(taskDefinition=stack.TASK_FAMILY)
        return str(found["taskDefinition"]["taskDefinitionArn"])

    def create() -> str:
        spec = stack.task_definition(image, execution_role, task_role)
        return str(ecs.register_task_definition(**spec)["taskDefinition"]["taskDefinitionArn"])

    return _find_or_create(find, ("ClientException", "InvalidParameterException"), create)


def _ensure_service(ecs: Any, task_def: str, target_group: str, net: Network) -> str:
    """The reference service; moto would silently replace an existing one, so look first."""
    found = ecs.describe_services(cluster=stack.CLUSTER, services=[stack.SERVICE])["services"]
    for svc in found:
        if svc.get("status") == "ACTIVE":
            return str(svc["serviceArn"])
    created = ecs.create_service(**stack.reference_service(task_def, target_group, net))
    return str(created["service"]["serviceArn"])


# --- load balancers --------------------------------------------------------------------


def _ensure_alb(elbv2: Any, name: str, net: Network) -> str:
    def find() -> str:
        found = elbv2.describe_load_balancers(Names=[name])["LoadBalancers"]
        return str(found[0]["LoadBalancerArn"])

    def create() -> str:
        created = elbv2.create_load_balancer(**stack.load_balancer(name, net))
        return str(created["LoadBalancers"][0]["LoadBalancerArn"])

    return _find_or_create(find, ("LoadBalancerNotFound",), create)


def _ensure_target_group(elbv2: Any, vpc_id: str) -> str:
    def find() -> str:
        found = elbv2.describe_target_groups(Names=[stack.REFERENCE_TARGET_GROUP])
        return str(found["TargetGroups"][0]["TargetGroupArn"])

    def create() -> str:
        created = elbv2.create_target_group(**stack.reference_target_group(vpc_id))
        return str(created["TargetGroups"][0]["TargetGroupArn"])

    return _find_or_create(find, ("TargetGroupNotFound",), create)


def _ensure_listener(elbv2: Any, alb: str, port: int, spec: Mapping[str, Any]) -> str:
    for listener in elbv2.describe_listeners(LoadBalancerArn=alb)["Listeners"]:
        if listener["Port"] == port:
            return str(listener["ListenerArn"])
    created = elbv2.create_listener(LoadBalancerArn=alb, Port=port, **spec)
    return str(created["Listeners"][0]["ListenerArn"])


def _ensure_certificate(acm: Any) -> str:
    for page in acm.get_paginator("list_certificates").paginate():
        for cert in page["CertificateSummaryList"]:
            if cert["DomainName"] == stack.CERT_DOMAIN:
                return str(cert["CertificateArn"])
    requested = acm.request_certificate(
        DomainName=stack.CERT_DOMAIN,
        SubjectAlternativeNames=[stack.ZONE_NAME],
        ValidationMethod="DNS",
    )
    return str(requested["CertificateArn"])


# --- DNS and the endpoints document ----------------------------------------------------


def _ensure_zone(route53: Any) -> str:
    """The public hosted zone's id, without the ``/hostedzone/`` prefix."""
    listed = route53.list_hosted_zones_by_name(DNSName=stack.ZONE_NAME)["HostedZones"]
    for zone in listed:
        if zone["Name"].rstrip(".") == stack.ZONE_NAME and not zone["Config"].get("PrivateZone"):
            return str(zone["Id"]).removeprefix("/hostedzone/")
    created = route53.create_hosted_zone(**stack.hosted_zone())
    return str(created["HostedZone"]["Id"]).removeprefix("/hostedzone/")


def _ensure_endpoints_doc(s3: Any) -> None:
    """The bucket and the document; an existing document is left as it is."""
    _tolerate(
        ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"),
        lambda: s3.create_bucket(Bucket=stack.BUCKET),
    )
    try:
        s3.head_object(Bucket=stack.BUCKET, Key=stack.KEY)
        return
    except AwsError as exc:
        if exc.code not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(
        Bucket=stack.BUCKET,
        Key=stack.KEY,
        Body=json.dumps(UNMANAGED_ENDPOINTS, indent=2).encode(),
        ContentType="application/json",
    )
