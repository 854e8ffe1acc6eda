"""--shadow's reading of AWS's scaling activities (moto does not implement the call)."""

from __future__ import annotations

from typing import Any

from eden.scaler.aws_scaling import DIMENSION, ScalingActivities
from eden.scaler.config import parse_config


class FakeAas:
    """DescribeScalingActivities as the Application Auto Scaling API shapes it: newest first."""

    def __init__(self) -> None:
        self.activities: list[dict[str, Any]] = []
        self.asked: list[dict[str, Any]] = []

    def add(self, n: int, description: str) -> None:
        self.activities.insert(0, {"ActivityId": f"a{n}", "StartTime": f"2026-01-01T00:0{n}:00Z",
                                   "StatusCode": "Successful", "Description": description})

    def describe_scaling_activities(self, **kw: Any) -> dict[str, Any]:
        self.asked.append(kw)
        return {"ScalingActivities": list(self.activities)}


def test_each_activity_is_reported_once_oldest_first() -> None:
    aas, lines = FakeAas(), []
    cfg = parse_config({"services": [{"cluster": "c", "service": "web", "max": 5,
                                      "target": 1}]}).services[0]
    watch = ScalingActivities(aas, cfg, report=lines.append)
    aas.add(1, "Setting desired count to 4.")
    aas.add(2, "Setting desired count to 6.")
    assert [a.id for a in watch.poll()] == ["a1", "a2"]
    assert watch.poll() == []
    aas.add(3, "Setting desired count to 3.")
    assert [a.id for a in watch.poll()] == ["a3"]
    assert lines == [
        "shadow c/web: AWS scaling Successful: Setting desired count to 4. "
        "(2026-01-01T00:01:00Z)",
        "shadow c/web: AWS scaling Successful: Setting desired count to 6. "
        "(2026-01-01T00:02:00Z)",
        "shadow c/web: AWS scaling Successful: Setting desired count to 3. "
        "(2026-01-01T00:03:00Z)",
    ]
    assert watch.last is not None and watch.last.id == "a3"
    assert aas.asked[0] == {"ServiceNamespace": "ecs", "ResourceId": "service/c/web",
                            "ScalableDimension": DIMENSION, "MaxResults": 20}
