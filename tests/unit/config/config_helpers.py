"""What the config tests share: a valid profile's values and ARNs, and a file writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eden.config import tomlw

ACCOUNT = "123456789012"
LISTENER_ARN = (
    f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:listener/app/shared/50dc6c495c0c9188/"
    "f2f7dc8efc522ab2"
)
ALB_ARN = (
    f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:loadbalancer/app/shared/50dc6c495c0c9188"
)
SERVICE_ARN = f"arn:aws:ecs:eu-central-1:{ACCOUNT}:service/main/api"


def values(**extra: Any) -> dict[str, Any]:
    v: dict[str, Any] = {
        "cluster": "main",
        "reference_service": "api",
        "listener_arn": LISTENER_ARN,
        "zone_id": "Z0123456789ABC",
    }
    v.update(extra)
    return {k: val for k, val in v.items() if val is not None}


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(tomlw.dumps(data), encoding="utf-8")
    return path
