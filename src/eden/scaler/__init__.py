"""eden's fast autoscaler: per-task load scraped every second, Knative-class decisions.

What other code may import is re-exported here; everything else is internal.
"""

from __future__ import annotations

from eden.scaler.governor import Bounds
from eden.scaler.model import Decision, Observation, Policy
from eden.scaler.policy_registry import POLICY_NAMES, make_policy
from eden.scaler.target_tracking import TargetSettings, TargetTrackingPolicy
from eden.scaler.threshold import SeedPolicy, ThresholdPolicy

__all__ = [
    "POLICY_NAMES",
    "Bounds",
    "Decision",
    "Observation",
    "Policy",
    "SeedPolicy",
    "TargetSettings",
    "TargetTrackingPolicy",
    "ThresholdPolicy",
    "make_policy",
]
