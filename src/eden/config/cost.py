"""``[profiles.NAME.cost]``: the Fargate prices an environment's cost is worked out with.

    [profiles.dev.cost]
    region = "eu-central-1"     # whose default prices (default: the profile's region)
    vcpu_hour = 0.04656         # USD per vCPU-hour, Linux/x86 on-demand
    gb_hour = 0.00511           # USD per GB-hour
    arm_vcpu_hour = 0.03725     # Linux/ARM (Graviton)
    arm_gb_hour = 0.00409
    spot_vcpu_hour = 0.013968   # Fargate Spot, Linux/x86
    spot_gb_hour = 0.001533
    spot_arm_vcpu_hour = 0.011175
    spot_arm_gb_hour = 0.001227

Every field is optional: what is not set comes from eden's table of public prices for the
region (``core/cost.py`` ``DEFAULT_PRICES``). A region eden has no prices for gets only what
the profile sets; tasks of a kind without a price have an unknown cost, and eden says which
fields to set. Prices are set in pairs (vCPU and GB of one kind).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eden.config.fields import refuse_unknown
from eden.core.cost import DEFAULT_PRICES, KINDS, Prices, Rate
from eden.errors import ConfigError

# The fields of each kind of task: (vCPU-hour, GB-hour).
KIND_FIELDS = {
    "linux_x86": ("vcpu_hour", "gb_hour"),
    "linux_arm": ("arm_vcpu_hour", "arm_gb_hour"),
    "spot_x86": ("spot_vcpu_hour", "spot_gb_hour"),
    "spot_arm": ("spot_arm_vcpu_hour", "spot_arm_gb_hour"),
}
FIELDS = ("region", *(f for pair in KIND_FIELDS.values() for f in pair))


@dataclass(frozen=True)
class CostSettings:
    region: str | None = None  # None: the profile's
    rates: Mapping[str, Rate] = field(default_factory=dict)  # kind -> the profile's own price

    def prices(self, profile_region: str | None) -> Prices | None:
        """The prices for the region (the profile's defaults overridden by its own)."""
        region = self.region or profile_region
        if region is None:
            return None
        known = DEFAULT_PRICES.get(region)
        rates = {k: self.rates.get(k) or (known.rate(k) if known else None) for k in KINDS}
        return Prices(region, rates["linux_x86"], rates["linux_arm"], rates["spot_x86"],
                      rates["spot_arm"])  # fmt: skip

    def as_table(self) -> dict[str, Any]:
        out: dict[str, Any] = {"region": self.region} if self.region else {}
        for kind, rate in self.rates.items():
            vcpu, gb = KIND_FIELDS[kind]
            out[vcpu], out[gb] = rate.vcpu_hour, rate.gb_hour
        return out


def cost_table(raw: Any, *, where: str) -> CostSettings:
    """Validates ``[cost]``; absent gives eden's public prices for the profile's region."""
    if raw is None:
        return CostSettings()
    at = f"{where} [cost]"
    if not isinstance(raw, Mapping):
        raise ConfigError("[cost] must be a table", where=where,
                          hint="e.g. [profiles.dev.cost] with vcpu_hour = 0.04048")  # fmt: skip
    refuse_unknown(raw, FIELDS, where=at, table="cost")
    region = raw.get("region")
    if region is not None and (not isinstance(region, str) or not region.strip()):
        raise ConfigError(f"region must be an AWS region name, got {region!r}", where=at,
                          hint='e.g. region = "eu-central-1"')  # fmt: skip
    rates: dict[str, Rate] = {}
    for kind, (vcpu, gb) in KIND_FIELDS.items():
        given = [f for f in (vcpu, gb) if f in raw]
        if not given:
            continue
        if len(given) == 1:
            other = gb if given[0] == vcpu else vcpu
            raise ConfigError(f"{given[0]} is set without {other}", where=at,
                              hint="set both prices of a kind of task (per vCPU-hour and "
                              "per GB-hour), in USD")  # fmt: skip
        rates[kind] = Rate(_price(raw, vcpu, at), _price(raw, gb, at))
    return CostSettings(region, rates)


def _price(raw: Mapping[str, Any], key: str, at: str) -> float:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
        math.isfinite(value) and 0 <= value < 100
    ):
        raise ConfigError(
            f"{key} must be a price in USD per hour (a number from 0 to 100), got {value!r}",
            where=at,
            hint=f"e.g. {key} = 0.04048 (see https://aws.amazon.com/fargate/pricing/)",
        )
    return float(value)


def missing_price_hint(profile: str, prices: Prices | None, kinds: list[str]) -> str:
    """What to write so that the cost of these kinds of task is known."""
    if prices is None:
        return (f"the profile {profile} has no region: set region in [profiles.{profile}.cost]"
                " (or the profile's region) to price its tasks")
    fields = " and ".join(f"{a}, {b}" for a, b in (KIND_FIELDS[k] for k in kinds))
    return (f"no Fargate price for {', '.join(kinds)} tasks in {prices.region}: set {fields} "
            f"(USD per vCPU-hour and per GB-hour) in [profiles.{profile}.cost]")
