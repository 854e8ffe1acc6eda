"""CloudWatch metrics: how many requests each environment's target group had.

The ALB publishes ``RequestCount`` per target group (namespace ``AWS/ApplicationELB``,
dimensions ``TargetGroup`` and ``LoadBalancer``, the ARN suffixes). One GetMetricData
call takes up to 500 queries, so an idle sweep of every environment of a profile is one
call (pages of it only when AWS answers with a NextToken).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eden.aws.base import Adapter

QUERIES_PER_CALL = 500  # GetMetricData's limit


@dataclass(frozen=True)
class GroupQuery:
    """``id``: a name for the answer (a-z first, then letters, digits, _)."""

    id: str
    target_group_arn: str
    load_balancer_arn: str


def arn_suffix(arn: str, marker: str) -> str:
    """``...:targetgroup/name/id`` -> ``targetgroup/name/id`` (``loadbalancer/app/...`` ->
    ``app/...``): the dimension values CloudWatch uses."""
    tail = arn.split(":", 5)[-1]
    return tail.removeprefix("loadbalancer/") if marker == "loadbalancer" else tail


class CloudWatch(Adapter):
    service = "cloudwatch"

    def request_counts(
        self, queries: Sequence[GroupQuery], start: float, end: float
    ) -> dict[str, float]:
        """Query id -> requests between ``start`` and ``end`` (Unix seconds); a group with
        no datapoint had no request (the ALB publishes RequestCount only when non-zero)."""
        totals: dict[str, float] = {q.id: 0.0 for q in queries}
        period = max(60, int((end - start) // 60) * 60)
        for i in range(0, len(queries), QUERIES_PER_CALL):
            batch = [self._query(q, period) for q in queries[i : i + QUERIES_PER_CALL]]
            token: str | None = None
            while True:
                kwargs: dict[str, Any] = {
                    "MetricDataQueries": batch,
                    "StartTime": datetime.fromtimestamp(start, UTC),
                    "EndTime": datetime.fromtimestamp(end, UTC),
                }
                if token:
                    kwargs["NextToken"] = token
                out = self.client.get_metric_data(**kwargs)
                for result in out.get("MetricDataResults", []):
                    totals[result["Id"]] = totals.get(result["Id"], 0.0) + sum(
                        float(v) for v in result.get("Values", [])
                    )
                token = out.get("NextToken")
                if not token:
                    break
        return totals

    @staticmethod
    def _query(q: GroupQuery, period: int) -> Mapping[str, Any]:
        dims = [
            {"Name": "TargetGroup", "Value": arn_suffix(q.target_group_arn, "targetgroup")},
            {"Name": "LoadBalancer", "Value": arn_suffix(q.load_balancer_arn, "loadbalancer")},
        ]
        metric = {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
                  "Dimensions": dims}
        return {"Id": q.id, "MetricStat": {"Metric": metric, "Period": period, "Stat": "Sum"},
                "ReturnData": True}
