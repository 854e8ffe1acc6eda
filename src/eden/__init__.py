"""eden: per-branch dynamic environments and a fast autoscaler for Amazon ECS.

The public surface: what other code may import from ``eden`` directly. Names are loaded
on first use, so ``import eden`` (and ``eden --version``) does not pay for boto3.

    from eden import open_engine, load_profile
    with open_engine(load_profile("dev")) as engine:
        engine.create("feature/login", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Engine": "eden.envs.engine",
    "Outcome": "eden.envs.engine",
    "open_engine": "eden.wiring",
    "load_profile": "eden.config",
    "Profile": "eden.config",
    "Plan": "eden.envs.plan",
    "Step": "eden.envs.plan",
    "EnvRecord": "eden.envs.records",
    "EdenError": "eden.errors",
    "UsageError": "eden.errors",
    "ConfigError": "eden.errors",
    "NotFound": "eden.errors",
    "AwsError": "eden.errors",
    "AwsUnreachable": "eden.errors",
    "ExecutionFailed": "eden.errors",
    "LockedError": "eden.errors",
    "SandboxError": "eden.errors",
}

if TYPE_CHECKING:
    from eden.config import Profile, load_profile
    from eden.envs.engine import Engine, Outcome
    from eden.envs.plan import Plan, Step
    from eden.envs.records import EnvRecord
    from eden.errors import (
        AwsError,
        AwsUnreachable,
        ConfigError,
        EdenError,
        ExecutionFailed,
        LockedError,
        NotFound,
        SandboxError,
        UsageError,
    )
    from eden.wiring import open_engine


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eden' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "AwsError",
    "AwsUnreachable",
    "ConfigError",
    "EdenError",
    "Engine",
    "EnvRecord",
    "ExecutionFailed",
    "LockedError",
    "NotFound",
    "Outcome",
    "Plan",
    "Profile",
    "SandboxError",
    "Step",
    "UsageError",
    "__version__",
    "load_profile",
    "open_engine",
]
