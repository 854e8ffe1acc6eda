"""Route 53: the zone of the environments' host names and their alias records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eden.aws.base import Adapter
from eden.errors import AwsError


def same_name(a: str, b: str) -> bool:
    """Route 53 returns '*' as the escape '\\052'; names compare case-insensitively."""

    def norm(n: str) -> str:
        return n.replace("\\052", "*").rstrip(".").lower()

    return norm(a) == norm(b)


def alias_rrset(name: str, dns_name: str, alias_zone: str) -> dict[str, Any]:
    return {
        "Name": name.rstrip(".") + ".",
        "Type": "A",
        "AliasTarget": {
            "HostedZoneId": alias_zone,
            "DNSName": dns_name,
            "EvaluateTargetHealth": False,
        },
    }


class Route53(Adapter):
    service = "route53"

    def zones(self) -> list[tuple[str, str]]:
        """(id, name) of every hosted zone the caller can see."""
        return [
            (str(z["Id"]).removeprefix("/hostedzone/"), str(z["Name"]).rstrip("."))
            for page in self.pages("list_hosted_zones")
            for z in page["HostedZones"]
        ]

    def zone_name(self, zone_id: str) -> str | None:
        try:
            out = self.client.get_hosted_zone(Id=zone_id)
        except AwsError as exc:
            if exc.code in ("NoSuchHostedZone", "InvalidInput"):
                return None
            raise
        return str(out["HostedZone"]["Name"]).rstrip(".")

    def record(self, zone_id: str, name: str, rtype: str = "A") -> dict[str, Any] | None:
        fqdn = name.rstrip(".") + "."
        out = self.client.list_resource_record_sets(
            HostedZoneId=zone_id, StartRecordName=fqdn, StartRecordType=rtype, MaxItems="1"
        )
        for rrset in out.get("ResourceRecordSets", []):
            if same_name(rrset["Name"], fqdn) and rrset["Type"] == rtype:
                return dict(rrset)
        return None

    def upsert_alias(self, zone_id: str, name: str, dns_name: str, alias_zone: str) -> str:
        """Returns the change id, to wait for INSYNC."""
        return self.change(zone_id, "UPSERT", alias_rrset(name, dns_name, alias_zone))

    def delete_record(self, zone_id: str, name: str) -> dict[str, Any] | None:
        """Deletes the A record at ``name`` whatever its exact value (read, then delete);
        returns what was deleted, or None when there was nothing."""
        rrset = self.record(zone_id, name)
        if rrset is None:
            return None
        try:
            self.change(zone_id, "DELETE", rrset)
        except AwsError as exc:
            if exc.code in ("InvalidChangeBatch", "InvalidInput"):
                return None  # gone between the read and the delete
            raise
        return rrset

    def change(self, zone_id: str, action: str, rrset: Mapping[str, Any]) -> str:
        out = self.client.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Comment": "eden",
                "Changes": [{"Action": action, "ResourceRecordSet": dict(rrset)}],
            },
        )
        return str(out["ChangeInfo"]["Id"])

    def change_status(self, change_id: str) -> str:
        """PENDING or INSYNC."""
        return str(self.client.get_change(Id=change_id)["ChangeInfo"]["Status"])
