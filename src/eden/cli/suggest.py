"""Close matches for a name that names nothing: a typo is the usual cause. Pure."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Protocol


class Named(Protocol):
    name: str
    branch: str
    alias: str | None


def close_matches(query: str, envs: Iterable[Named], limit: int = 3) -> list[str]:
    """Environments whose name, branch or alias is close to ``query``, best first, as
    ``name (branch B)``. Case is ignored: ``Feature/Login`` finds ``feature/login``."""
    keys: dict[str, Named] = {}
    for env in envs:
        for key in (env.name, env.branch, env.alias):
            if key:
                keys.setdefault(key.lower(), env)
    found: list[str] = []
    for key in difflib.get_close_matches(query.lower(), list(keys), n=limit * 3, cutoff=0.7):
        env = keys[key]
        shown = env.name if env.name == env.branch else f"{env.name} (branch {env.branch})"
        if shown not in found:
            found.append(shown)
    return found[:limit]
