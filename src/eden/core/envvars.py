"""Environment variables set in an environment's container: their names and ``KEY=VAL``,
and the environment's own variables and secrets (``eden vars``), kept across deploys."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eden.errors import UsageError

ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_VALUE = 4096  # what one variable may hold (a task definition is at most 64 KiB)


def is_env_key(key: str) -> bool:
    return ENV_KEY_RE.fullmatch(key) is not None


def parse_env_pairs(
    pairs: list[str] | tuple[str, ...], *, option: str = "--env", example: str = "LOG_LEVEL=debug"
) -> dict[str, str]:
    """``KEY=VAL`` strings -> dict, with a clear error for anything else."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not is_env_key(key):
            raise UsageError(
                f"{option} {pair!r} is not KEY=VALUE with a valid variable name".lstrip(),
                hint=f"for example {option} {example}".replace("  ", " "),
            )
        out[key] = value
    return out


def check_keys(keys: Iterable[str], what: str = "variable") -> None:
    for key in keys:
        if not is_env_key(key):
            raise UsageError(
                f"{what} name {key!r} is not valid",
                hint="names are letters, digits and _, not starting with a digit (LOG_LEVEL)",
            )


@dataclass(frozen=True)
class VarsChange:
    """What ``eden vars set`` / ``unset`` (or the API) asks: values to set, secrets to set
    (KEY -> valueFrom), names to remove. A name appears in one of the three at most."""

    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    unset: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_keys([*self.env, *self.secrets, *self.unset])
        for key, value in self.env.items():
            if len(value) > MAX_VALUE:
                raise UsageError(
                    f"the value of {key} is {len(value)} characters, more than {MAX_VALUE}",
                    hint="keep large values in S3 or Secrets Manager and pass their name",
                )
        twice = sorted(
            (set(self.env) & set(self.secrets))
            | ((set(self.env) | set(self.secrets)) & set(self.unset))
        )
        if twice:
            raise UsageError(
                f"{', '.join(twice)} given twice in one change (a value, a secret or unset)",
                hint="give each name once: a name is a plain value or a secret, not both",
            )

    @property
    def empty(self) -> bool:
        return not (self.env or self.secrets or self.unset)


@dataclass(frozen=True)
class EnvVars:
    """An environment's own variables: plain values and secrets (KEY -> valueFrom, which
    ECS reads when a task starts). Set on every deploy until removed."""

    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.env or self.secrets)

    def apply(self, change: VarsChange) -> EnvVars:
        """These variables with ``change`` made: a name set as a value stops being a
        secret and the other way round."""
        gone = set(change.unset) | set(change.env) | set(change.secrets)
        env = {k: v for k, v in self.env.items() if k not in gone} | dict(change.env)
        secrets = {k: v for k, v in self.secrets.items() if k not in gone} | dict(change.secrets)
        return EnvVars(dict(sorted(env.items())), dict(sorted(secrets.items())))

    def to_record(self) -> dict[str, dict[str, str]]:
        return {"env": dict(self.env), "secrets": dict(self.secrets)}

    @classmethod
    def from_record(cls, raw: Any) -> EnvVars:
        """What a record keeps (``extra["vars"]``); nothing kept is no variables."""
        if not isinstance(raw, Mapping):
            return cls()
        env, secrets = raw.get("env") or {}, raw.get("secrets") or {}
        return cls(
            {str(k): str(v) for k, v in env.items()},
            {str(k): str(v) for k, v in secrets.items()},
        )
