"""The policy registry: build a policy by name, so config, CLI and simulator agree on names."""

from __future__ import annotations

from eden.errors import UsageError
from eden.scaler.governor import Bounds
from eden.scaler.model import Policy
from eden.scaler.target_tracking import TargetSettings, TargetTrackingPolicy
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
