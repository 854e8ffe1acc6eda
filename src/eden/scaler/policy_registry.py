"""The policy registry: build a policy by name, so config, CLI and simulator agree on names.

``target``, ``threshold`` and ``seed`` run anywhere. ``oracle`` knows the future, so only
the simulator can build it (it needs the whole trace).
"""

from __future__ import annotations

from eden.errors import UsageError
from eden.scaler.governor import Bounds
from eden.scaler.model import Policy
from eden.scaler.sim_model import SimSettings
from eden.scaler.target_tracking import TargetSettings, TargetTrackingPolicy
from eden.scaler.threshold import SeedPolicy, ThresholdPolicy
from eden.scaler.traces import Trace

POLICY_NAMES: tuple[str, ...] = ("target", "threshold", "seed")
SIMULATOR_POLICY_NAMES: tuple[str, ...] = (*POLICY_NAMES, "oracle")


def make_policy(name: str, settings: TargetSettings, bounds: Bounds) -> Policy:
    """A fresh policy (policies keep windows, so every service gets its own)."""
    if name == "target":
        return TargetTrackingPolicy(settings, bounds)
    if name == "threshold":
        return ThresholdPolicy(bounds)
    if name == "seed":
        return SeedPolicy()
    if name == "oracle":
        raise UsageError("the oracle knows the future: only `eden scale simulate` runs it",
                         hint=f"use one of: {', '.join(POLICY_NAMES)}")
    raise UsageError(
        f"unknown policy {name!r}",
        hint=f"use one of: {', '.join(POLICY_NAMES)}",
    )


def make_sim_policy(name: str, settings: TargetSettings, bounds: Bounds, trace: Trace,
                    sim: SimSettings) -> Policy:
    """Any policy the simulator can replay, the oracle included."""
    if name == "oracle":
        from eden.scaler.oracle import OraclePolicy

        return OraclePolicy(trace, sim, bounds)
    return make_policy(name, settings, bounds)
