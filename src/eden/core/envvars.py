"""Environment variables set in an environment's container: their names and ``KEY=VAL``."""

from __future__ import annotations

import re

from eden.errors import UsageError

ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_env_key(key: str) -> bool:
    return ENV_KEY_RE.fullmatch(key) is not None


def parse_env_pairs(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``KEY=VAL`` strings -> dict, with a clear error for anything else."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not is_env_key(key):
            raise UsageError(
                f"--env {pair!r} is not KEY=VALUE with a valid variable name",
                hint="for example --env LOG_LEVEL=debug",
            )
        out[key] = value
    return out
