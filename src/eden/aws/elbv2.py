"""Elastic Load Balancing v2: the shared ALB, its listeners, rules and target groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eden.aws.base import Adapter
from eden.core.limits import DESCRIBE_TAGS_BATCH
from eden.errors import AwsError


class Elbv2(Adapter):
    service = "elbv2"

    def describe_target_group(self, arn: str) -> dict[str, Any] | None:
        try:
            out = self.client.describe_target_groups(TargetGroupArns=[arn])
        except AwsError as exc:
            if exc.code in ("TargetGroupNotFound", "ValidationError"):
                return None
            raise
        groups = out.get("TargetGroups", [])
        return dict(groups[0]) if groups else None

    def target_group_arn_by_name(self, name: str) -> str | None:
        try:
            out = self.client.describe_target_groups(Names=[name])
        except AwsError as exc:
            if exc.code == "TargetGroupNotFound":
                return None
            raise
        groups = out.get("TargetGroups", [])
        return str(groups[0]["TargetGroupArn"]) if groups else None

    def target_groups_of(self, alb_arn: str) -> list[dict[str, Any]]:
        """Every target group that a listener rule or default action of the ALB uses."""
        groups: list[dict[str, Any]] = []
        try:
            for page in self.pages("describe_target_groups", LoadBalancerArn=alb_arn):
                groups += page.get("TargetGroups", [])
        except AwsError as exc:
            if exc.code != "TargetGroupNotFound":  # moto's answer for "none"
                raise
        return groups

    def all_target_groups(self) -> list[dict[str, Any]]:
        """Every target group of the account's region, 400 a page (one listing instead of
        one DescribeTargetGroups per name)."""
        groups: list[dict[str, Any]] = []
        try:
            for page in self.pages("describe_target_groups", PaginationConfig={"PageSize": 400}):
                groups += page.get("TargetGroups", [])
        except AwsError as exc:
            if exc.code != "TargetGroupNotFound":  # moto's answer for "none"
                raise
        return groups

    def target_group_attributes(self, arn: str) -> dict[str, str]:
        out = self.client.describe_target_group_attributes(TargetGroupArn=arn)
        return {a["Key"]: a["Value"] for a in out.get("Attributes", [])}

    def set_target_group_attributes(self, arn: str, attributes: Mapping[str, str]) -> None:
        self.client.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[{"Key": k, "Value": v} for k, v in sorted(attributes.items())],
        )

    def create_target_group(self, params: Mapping[str, Any]) -> str:
        try:
            out = self.client.create_target_group(**params)
        except AwsError as exc:
            if exc.code == "DuplicateTargetGroupName":
                # Ours from an earlier, interrupted run: names carry the env's hash.
                existing = self.target_group_arn_by_name(str(params["Name"]))
                if existing:
                    return existing
            raise
        return str(out["TargetGroups"][0]["TargetGroupArn"])

    def modify_target_group(self, params: Mapping[str, Any]) -> None:
        """Health check settings of an existing group (ModifyTargetGroup)."""
        self.client.modify_target_group(**params)

    def delete_target_group(self, arn: str) -> bool:
        try:
            self.client.delete_target_group(TargetGroupArn=arn)
        except AwsError as exc:
            if exc.code == "TargetGroupNotFound":
                return False
            raise
        return True

    def target_health(self, arn: str) -> list[dict[str, Any]]:
        out = self.client.describe_target_health(TargetGroupArn=arn)
        return list(out.get("TargetHealthDescriptions", []))

    def describe_listener(self, arn: str) -> dict[str, Any] | None:
        try:
            out = self.client.describe_listeners(ListenerArns=[arn])
        except AwsError as exc:
            if exc.code in ("ListenerNotFound", "ValidationError"):
                return None
            raise
        listeners = out.get("Listeners", [])
        return dict(listeners[0]) if listeners else None

    def listeners_of(self, alb_arn: str) -> list[dict[str, Any]] | None:
        """Every listener of the ALB; None when the ALB does not exist."""
        try:
            pages = list(self.pages("describe_listeners", LoadBalancerArn=alb_arn))
        except AwsError as exc:
            if exc.code in ("LoadBalancerNotFound", "ValidationError"):
                return None
            raise
        return [dict(listener) for page in pages for listener in page.get("Listeners", [])]

    def https_listener_of(self, alb_arn: str) -> dict[str, Any] | None:
        for listener in self.listeners_of(alb_arn) or []:
            if listener.get("Port") == 443 and listener.get("Protocol") == "HTTPS":
                return listener
        return None

    def describe_load_balancer(self, arn: str) -> dict[str, Any] | None:
        try:
            out = self.client.describe_load_balancers(LoadBalancerArns=[arn])
        except AwsError as exc:
            if exc.code in ("LoadBalancerNotFound", "ValidationError"):
                return None
            raise
        lbs = out.get("LoadBalancers", [])
        return dict(lbs[0]) if lbs else None

    def rules(self, listener_arn: str) -> list[dict[str, Any]]:
        """Every rule of the listener. describe_rules pages (moto: 50 a page)."""
        rules: list[dict[str, Any]] = []
        marker: str | None = None
        while True:
            kwargs: dict[str, Any] = {"ListenerArn": listener_arn, "PageSize": 400}
            if marker:
                kwargs["Marker"] = marker
            out = self.client.describe_rules(**kwargs)
            rules.extend(out.get("Rules", []))
            marker = out.get("NextMarker")
            if not marker:
                return rules

    def create_rule(self, params: Mapping[str, Any]) -> str:
        out = self.client.create_rule(**params)
        return str(out["Rules"][0]["RuleArn"])

    def modify_rule(self, params: Mapping[str, Any]) -> dict[str, Any]:
        out = self.client.modify_rule(**params)
        return dict(out["Rules"][0])

    def describe_rule(self, arn: str) -> dict[str, Any] | None:
        try:
            out = self.client.describe_rules(RuleArns=[arn])
        except AwsError as exc:
            if exc.code in ("RuleNotFound", "ValidationError"):
                return None
            raise
        rules = out.get("Rules", [])
        return dict(rules[0]) if rules else None

    def register_targets(self, arn: str, targets: list[dict[str, Any]]) -> None:
        self.client.register_targets(TargetGroupArn=arn, Targets=targets)

    def delete_rule(self, arn: str) -> bool:
        try:
            self.client.delete_rule(RuleArn=arn)
        except AwsError as exc:
            if exc.code in ("RuleNotFound", "ValidationError"):
                return False
            raise
        return True

    def tags(self, arns: list[str]) -> dict[str, dict[str, str]]:
        """ARN -> its tags, 20 ARNs a call (DescribeTags' limit)."""
        found: dict[str, dict[str, str]] = {}
        for i in range(0, len(arns), DESCRIBE_TAGS_BATCH):
            out = self.client.describe_tags(ResourceArns=arns[i : i + DESCRIBE_TAGS_BATCH])
            for desc in out.get("TagDescriptions", []):
                found[desc["ResourceArn"]] = {t["Key"]: t["Value"] for t in desc.get("Tags", [])}
        return found
