"""Loading a profile: which one, and how its values are merged before validation.

Precedence, highest first: a command-line flag, an ``EDEN_<FIELD>`` environment
variable, the profiles file, the default. The profile's name follows the same order:
``--profile``, ``$EDEN_PROFILE``, the file's ``default_profile``, its only profile,
``default``.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eden.config.files import config_file_candidates, find_config_file, read_file
from eden.config.model import FILE_FIELDS, Profile
from eden.config.validate import build_profile
from eden.errors import ConfigError


def resolve_profile_name(
    flag: str | None, data: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> str:
    """flag > $EDEN_PROFILE > the file's ``default_profile`` > the only profile > ``default``."""
    if flag:
        return flag
    env = (os.environ if environ is None else environ).get("EDEN_PROFILE")
    if env:
        return env
    if isinstance(data.get("default_profile"), str):
        return str(data["default_profile"])
    profiles = data.get("profiles", {})
    if len(profiles) == 1:
        return str(next(iter(profiles)))
    return "default"


def load_profile(
    name: str | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Profile:
    """Read, merge and validate one profile. Raises ConfigError naming the bad field."""
    env = os.environ if environ is None else environ
    path = find_config_file(config, env)
    if not path.exists():
        raise _no_config_file(config_file_candidates(config, env), flag=config)
    data = read_file(path)
    profile_name = resolve_profile_name(name, data, env)
    profiles = data.get("profiles", {})
    if profile_name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(
            f"profile {profile_name!r} not found in {path}",
            where=str(path),
            hint=f"pick one of the profiles in the file ({known}) with --profile, or add it",
        )
    raw = profiles[profile_name]
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[profiles.{profile_name}] must be a table", where=str(path))
    merged = merge_values(raw, env, overrides or {})
    return build_profile(profile_name, merged, where=f"{path} [profiles.{profile_name}]")


def _no_config_file(
    searched: list[Path], *, flag: str | os.PathLike[str] | None
) -> ConfigError:
    """No profiles file at all: a new user's first command, or a mistyped --config."""
    where = " or ".join(str(p) for p in searched)
    option = f" --config {shlex.quote(str(searched[0]))}" if flag is not None else ""
    return ConfigError(
        f"no eden config file yet: not found at {where}",
        where=where,
        hint=f"run `eden sandbox up{option}` for a local sandbox profile,"
        f" or `eden config init{option}` to describe your own stack",
    )


def merge_values(
    file_values: Mapping[str, Any], environ: Mapping[str, str], flags: Mapping[str, Any]
) -> dict[str, Any]:
    """flag > EDEN_<FIELD> env var > file. Defaults are applied by ``build_profile``."""
    merged: dict[str, Any] = dict(file_values)
    for key, kind in FILE_FIELDS.items():
        env_value = environ.get(f"EDEN_{key.upper()}")
        if env_value is not None and env_value != "":
            merged[key] = _coerce(key, env_value, kind, where=f"$EDEN_{key.upper()}")
    for key, value in flags.items():
        if value is not None:
            merged[key] = value
    return merged


def _coerce(key: str, value: str, kind: type, *, where: str) -> Any:
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{key} must be a whole number, got {value!r}", where=where) from None
    if kind is bool:
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{key} must be true or false, got {value!r}", where=where)
    if kind is list:  # EDEN_DENY_SECRETS="/prod/*,/shared/*"
        return [part.strip() for part in value.split(",") if part.strip()]
    return value
