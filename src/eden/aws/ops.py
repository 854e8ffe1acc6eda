"""Every AWS call eden makes, one method each, over the shared clients.

Why one class: the reader, the actions and the tests all see AWS through the same small,
typed surface; pagination and the mapping of AWS error codes to "already exists" /
"not found" live here once, not in each caller.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from eden.aws.clients import AwsClients
from eden.errors import AwsError

T = TypeVar("T")
ECR_URI_RE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[a-z0-9][a-z0-9._/-]*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(?P<digest>sha256:[a-f0-9]{64}))$"
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", str(exc)))


def aws_error(exc: ClientError, what: str, *, hint: str | None = None) -> AwsError:
    op = str(exc.operation_name)
    return AwsError(
        f"{what}: AWS answered {error_code(exc)}: {error_message(exc)}",
        code=error_code(exc),
        operation=op,
        where=op,
        hint=hint,
    )


class Aws:
    """Typed calls over ``AwsClients``; thread-safe like the clients beneath it."""

    def __init__(self, clients: AwsClients):
        self.clients = clients

    def _c(self, service: str) -> Any:
        return self.clients.client(service)

    # --- paging -----------------------------------------------------------------------
    def _pages(self, service: str, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        paginator = self._c(service).get_paginator(operation)
        yield from paginator.paginate(**kwargs)

    # --- ECS --------------------------------------------------------------------------
    def describe_service(self, cluster: str, service: str) -> dict[str, Any] | None:
        """The service if it exists and is ACTIVE (a deleted one lingers as INACTIVE)."""
        try:
            out = self._c("ecs").describe_services(
                cluster=cluster, services=[service], include=["TAGS"]
            )
        except ClientError as exc:
            if error_code(exc) == "ClusterNotFoundException":
                return None
            raise
        for svc in out.get("services", []):
            if svc.get("status") == "ACTIVE":
                return dict(svc)
        return None

    def cluster_exists(self, cluster: str) -> bool:
        out = self._c("ecs").describe_clusters(clusters=[cluster])
        return any(c.get("status") == "ACTIVE" for c in out.get("clusters", []))

    def describe_task_definition(
        self, ref: str
    ) -> tuple[dict[str, Any], list[dict[str, str]]] | None:
        try:
            out = self._c("ecs").describe_task_definition(taskDefinition=ref, include=["TAGS"])
        except ClientError as exc:
            if error_code(exc) in ("ClientException", "InvalidParameterException"):
                return None
            raise
        td = out["taskDefinition"]
        if td.get("status") not in (None, "ACTIVE"):
            return None
        return dict(td), list(out.get("tags", []))

    def task_definition_arns(self, family: str) -> list[str]:
        """Every ACTIVE revision of exactly this family (familyPrefix also matches longer ones)."""
        arns: list[str] = []
        for page in self._pages(
            "ecs", "list_task_definitions", familyPrefix=family, status="ACTIVE"
        ):
            for arn in page.get("taskDefinitionArns", []):
                if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family:
                    arns.append(arn)
        return arns

    def register_task_definition(self, params: Mapping[str, Any]) -> str:
        out = self._c("ecs").register_task_definition(**params)
        return str(out["taskDefinition"]["taskDefinitionArn"])

    def deregister_task_definition(self, arn: str) -> None:
        try:
            self._c("ecs").deregister_task_definition(taskDefinition=arn)
        except ClientError as exc:
            if error_code(exc) not in ("ClientException", "InvalidParameterException"):
                raise

    def delete_task_definitions(self, arns: list[str]) -> None:
        """Deletes INACTIVE revisions for good (at most 10 per call)."""
        ecs = self._c("ecs")
        for i in range(0, len(arns), 10):
            try:
                ecs.delete_task_definitions(taskDefinitions=arns[i : i + 10])
            except ClientError as exc:
                if error_code(exc) not in ("ClientException", "InvalidParameterException"):
                    raise

    def create_service(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return dict(self._c("ecs").create_service(**params)["service"])

    def update_service(self, **params: Any) -> dict[str, Any]:
        return dict(self._c("ecs").update_service(**params)["service"])

    def delete_service(self, cluster: str, service: str) -> bool:
        try:
            self._c("ecs").delete_service(cluster=cluster, service=service, force=True)
        except ClientError as exc:
            if error_code(exc) in (
                "ServiceNotFoundException",
                "ServiceNotActiveException",
                "ClusterNotFoundException",
            ):
                return False
            raise
        return True

    # --- ELBv2 ------------------------------------------------------------------------
    def describe_target_group(self, arn: str) -> dict[str, Any] | None:
        try:
            out = self._c("elbv2").describe_target_groups(TargetGroupArns=[arn])
        except ClientError as exc:
            if error_code(exc) in ("TargetGroupNotFound", "ValidationError"):
                return None
            raise
        groups = out.get("TargetGroups", [])
        return dict(groups[0]) if groups else None

    def target_group_arn_by_name(self, name: str) -> str | None:
        try:
            out = self._c("elbv2").describe_target_groups(Names=[name])
        except ClientError as exc:
            if error_code(exc) == "TargetGroupNotFound":
                return None
            raise
        groups = out.get("TargetGroups", [])
        return str(groups[0]["TargetGroupArn"]) if groups else None

    def create_target_group(self, params: Mapping[str, Any]) -> str:
        try:
            out = self._c("elbv2").create_target_group(**params)
        except ClientError as exc:
            if error_code(exc) == "DuplicateTargetGroupName":
                # Ours from an earlier, interrupted run: names carry the env's hash.
                existing = self.target_group_arn_by_name(str(params["Name"]))
                if existing:
                    return existing
            raise
        return str(out["TargetGroups"][0]["TargetGroupArn"])

    def delete_target_group(self, arn: str) -> bool:
        try:
            self._c("elbv2").delete_target_group(TargetGroupArn=arn)
        except ClientError as exc:
            if error_code(exc) == "TargetGroupNotFound":
                return False
            raise
        return True

    def describe_listener(self, arn: str) -> dict[str, Any] | None:
        try:
            out = self._c("elbv2").describe_listeners(ListenerArns=[arn])
        except ClientError as exc:
            if error_code(exc) in ("ListenerNotFound", "ValidationError"):
                return None
            raise
        listeners = out.get("Listeners", [])
        return dict(listeners[0]) if listeners else None

    def https_listener_of(self, alb_arn: str) -> dict[str, Any] | None:
        try:
            pages = list(self._pages("elbv2", "describe_listeners", LoadBalancerArn=alb_arn))
        except ClientError as exc:
            if error_code(exc) in ("LoadBalancerNotFound", "ValidationError"):
                return None
            raise
        for page in pages:
            for listener in page.get("Listeners", []):
                if listener.get("Port") == 443 and listener.get("Protocol") == "HTTPS":
                    return dict(listener)
        return None

    def describe_load_balancer(self, arn: str) -> dict[str, Any] | None:
        try:
            out = self._c("elbv2").describe_load_balancers(LoadBalancerArns=[arn])
        except ClientError as exc:
            if error_code(exc) in ("LoadBalancerNotFound", "ValidationError"):
                return None
            raise
        lbs = out.get("LoadBalancers", [])
        return dict(lbs[0]) if lbs else None

    def rules(self, listener_arn: str) -> list[dict[str, Any]]:
        """Every rule of the listener. describe_rules pages (moto: 50 a page)."""
        rules: list[dict[str, Any]] = []
        elbv2 = self._c("elbv2")
        marker: str | None = None
        while True:
            kwargs: dict[str, Any] = {"ListenerArn": listener_arn, "PageSize": 400}
            if marker:
                kwargs["Marker"] = marker
            out = elbv2.describe_rules(**kwargs)
            rules.extend(out.get("Rules", []))
            marker = out.get("NextMarker")
            if not marker:
                return rules

    def create_rule(self, params: Mapping[str, Any]) -> str:
        out = self._c("elbv2").create_rule(**params)
        return str(out["Rules"][0]["RuleArn"])

    def delete_rule(self, arn: str) -> bool:
        try:
            self._c("elbv2").delete_rule(RuleArn=arn)
        except ClientError as exc:
            if error_code(exc) in ("RuleNotFound", "ValidationError"):
                return False
            raise
        return True

    # --- Route 53 ---------------------------------------------------------------------
    def zone_name(self, zone_id: str) -> str | None:
        try:
            out = self._c("route53").get_hosted_zone(Id=zone_id)
        except ClientError as exc:
            if error_code(exc) in ("NoSuchHostedZone", "InvalidInput"):
                return None
            raise
        return str(out["HostedZone"]["Name"]).rstrip(".")

    def record(self, zone_id: str, name: str, rtype: str = "A") -> dict[str, Any] | None:
        fqdn = name.rstrip(".") + "."
        out = self._c("route53").list_resource_record_sets(
            HostedZoneId=zone_id, StartRecordName=fqdn, StartRecordType=rtype, MaxItems="1"
        )
        for rrset in out.get("ResourceRecordSets", []):
            if _dns_eq(rrset["Name"], fqdn) and rrset["Type"] == rtype:
                return dict(rrset)
        return None

    def upsert_alias(self, zone_id: str, name: str, dns_name: str, alias_zone: str) -> None:
        self._change(zone_id, "UPSERT", self._alias_rrset(name, dns_name, alias_zone))

    def delete_record(self, zone_id: str, name: str) -> bool:
        """Deletes the A record at ``name`` whatever its exact value (read, then delete)."""
        rrset = self.record(zone_id, name)
        if rrset is None:
            return False
        try:
            self._change(zone_id, "DELETE", rrset)
        except ClientError as exc:
            if error_code(exc) in ("InvalidChangeBatch", "InvalidInput"):
                return False  # gone between the read and the delete
            raise
        return True

    @staticmethod
    def _alias_rrset(name: str, dns_name: str, alias_zone: str) -> dict[str, Any]:
        return {
            "Name": name.rstrip(".") + ".",
            "Type": "A",
            "AliasTarget": {
                "HostedZoneId": alias_zone,
                "DNSName": dns_name,
                "EvaluateTargetHealth": False,
            },
        }

    def _change(self, zone_id: str, action: str, rrset: Mapping[str, Any]) -> None:
        self._c("route53").change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Comment": "eden",
                "Changes": [{"Action": action, "ResourceRecordSet": dict(rrset)}],
            },
        )

    # --- S3 ---------------------------------------------------------------------------
    def get_json(self, bucket: str, key: str) -> tuple[dict[str, Any] | None, str | None]:
        """The JSON document and its ETag; (None, None) when the key does not exist."""
        try:
            out = self._c("s3").get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                return None, None
            raise
        body = out["Body"].read()
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise AwsError(
                f"s3://{bucket}/{key} is not valid JSON",
                hint="fix or restore the document (eden keeps its own entries in state)",
            ) from exc
        return doc, str(out.get("ETag"))

    def put_json(self, bucket: str, key: str, doc: Any, *, if_match: str | None) -> None:
        """Writes only if nobody changed the document since it was read (S3 conditional PUT)."""
        kwargs: dict[str, Any] = {
            "Bucket": bucket,
            "Key": key,
            "Body": json.dumps(doc, indent=2, sort_keys=True).encode(),
            "ContentType": "application/json",
        }
        if if_match:
            kwargs["IfMatch"] = if_match
        else:
            kwargs["IfNoneMatch"] = "*"
        self._c("s3").put_object(**kwargs)

    def bucket_exists(self, bucket: str) -> bool:
        try:
            self._c("s3").head_bucket(Bucket=bucket)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchBucket", "403"):
                return False
            raise
        return True

    # --- ECR --------------------------------------------------------------------------
    def image_exists(self, image_uri: str) -> bool | None:
        """True/False for an ECR URI; None when the URI is not ECR (cannot be checked)."""
        m = ECR_URI_RE.fullmatch(image_uri)
        if not m:
            return None
        image_id = (
            {"imageDigest": m["digest"]} if m["digest"] else {"imageTag": m["tag"] or "latest"}
        )
        # The image's own region: a profile in eu-west-1 may deploy an image from us-east-1.
        ecr = self.clients.client("ecr", region=m["region"])
        try:
            out = ecr.describe_images(
                registryId=m["account"], repositoryName=m["repo"], imageIds=[image_id]
            )
        except ClientError as exc:
            if error_code(exc) in ("ImageNotFoundException", "RepositoryNotFoundException"):
                return False
            raise
        return bool(out.get("imageDetails"))


def _dns_eq(a: str, b: str) -> bool:
    """Route 53 returns '*' as the escape '\\052'; names compare case-insensitively."""

    def norm(n: str) -> str:
        return n.replace("\\052", "*").rstrip(".").lower()

    return norm(a) == norm(b)


def call(what: str, fn: Callable[[], T], *, hint: str | None = None) -> T:
    """Runs an AWS call and turns a ClientError into an AwsError that says what failed."""
    try:
        return fn()
    except ClientError as exc:
        raise aws_error(exc, what, hint=hint) from exc
