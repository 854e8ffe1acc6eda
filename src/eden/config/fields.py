"""One check every table of the profile file shares: no key it does not know."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eden.errors import ConfigError


def refuse_unknown(
    raw: Mapping[str, Any], known: Iterable[str], *, where: str, table: str | None = None
) -> None:
    """A typo in a key is refused, naming it and the keys that exist (TOML would otherwise
    keep it silently and the setting would not apply)."""
    fields = list(known)
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        said = f"in [{table}]: " if table else ""
        raise ConfigError(
            f"unknown field(s) {said}{', '.join(unknown)}",
            where=where,
            hint=f"known fields: {', '.join(fields)}",
        )
