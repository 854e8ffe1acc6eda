"""Everything eden could have made, read straight from moto, to compare before and after."""

from __future__ import annotations

from typing import Any

from eden.aws import Aws
from eden.sandbox.seed import SeedInfo


def inventory(aws: Aws, seed: SeedInfo) -> dict[str, Any]:
    ecs = aws.clients.client("ecs")
    elbv2 = aws.clients.client("elbv2")
    route53 = aws.clients.client("route53")
    services = []
    for page in ecs.get_paginator("list_services").paginate(cluster=seed.cluster):
        arns = page["serviceArns"]
        if arns:
            described = ecs.describe_services(cluster=seed.cluster, services=arns)["services"]
            services += [s["serviceName"] for s in described if s["status"] == "ACTIVE"]
    task_defs = []
    for page in ecs.get_paginator("list_task_definitions").paginate(status="ACTIVE"):
        task_defs += page["taskDefinitionArns"]
    tgs = []
    for page in elbv2.get_paginator("describe_target_groups").paginate():
        tgs += [t["TargetGroupName"] for t in page["TargetGroups"]]
    rules = [
        (r["Priority"], tuple(c.get("Values", []) for c in r["Conditions"]))
        for r in aws.elbv2.rules(seed.listener_arn)
    ]
    records = []
    for page in route53.get_paginator("list_resource_record_sets").paginate(
        HostedZoneId=seed.zone_id
    ):
        records += [(r["Name"], r["Type"]) for r in page["ResourceRecordSets"]]
    doc = aws.s3.get_json(seed.bucket, seed.key).doc
    return {
        "services": sorted(services),
        "task_definitions": sorted(task_defs),
        "target_groups": sorted(tgs),
        "rules": sorted(rules, key=str),
        "records": sorted(records),
        "endpoints": doc,
    }
