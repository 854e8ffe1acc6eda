"""Build a policy by name, so config files, the CLI and the simulator agree on the names."""

from __future__ import annotations

from eden.errors import UsageError
from eden.scaler.governor import Bounds
from eden.scaler.policy import Policy, TargetSettings, TargetTrackingPolicy
from eden.scaler.threshold import SeedPolicy, ThresholdPolicy

POLICY_NAMES: tuple[str, ...] = ("target", "threshold", "seed")


def make_policy(name: str, settings: TargetSettings, bounds: Bounds) -> Policy:
    """A fresh policy (policies keep windows, so every service gets its own)."""
    if name == "target":
        return TargetTrackingPolicy(settings, bounds)
    if name == "threshold":
        return ThresholdPolicy(bounds)
    if name == "seed":
        return SeedPolicy()
    raise UsageError(
        f"unknown policy {name!r}",
        hint=f"use one of: {', '.join(POLICY_NAMES)}",
    )
