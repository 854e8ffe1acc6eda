"""The profiles file: where it is, reading it, and writing one profile into it.

A profile lives in a TOML file under ``[profiles.NAME]``. The file is the one named by
``--config``, else ``$EDEN_CONFIG``, else ``./eden.toml`` when it exists, else
``eden.toml`` in the user config dir. Writes replace the file atomically (write a
temporary file, then rename), so a crash never leaves half a file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eden import paths
from eden.config import tomlw
from eden.config.validate import check_profile_name
from eden.errors import ConfigError

CONFIG_FILE_NAME = "eden.toml"


def config_file_candidates(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> list[Path]:
    """Every path ``find_config_file`` looks at, in order (one when a path was given)."""
    if explicit:
        return [Path(explicit).expanduser()]
    env = (os.environ if environ is None else environ).get("EDEN_CONFIG")
    if env:
        return [Path(env).expanduser()]
    return [Path.cwd() / CONFIG_FILE_NAME, paths.config_dir() / CONFIG_FILE_NAME]


def find_config_file(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The file to read: the flag, ``$EDEN_CONFIG``, ``./eden.toml``, the user config dir."""
    candidates = config_file_candidates(explicit, environ)
    for path in candidates[:-1]:
        if path.exists():
            return path
    return candidates[-1]  # where a new file goes when none exists yet


def read_file(path: Path) -> dict[str, Any]:
    """The whole config file as a dict; an empty one when the file does not exist."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML: {exc}",
            where=str(path),
            hint="fix the syntax, or move the file away and run `eden config init`",
        ) from exc


def write_profile(
    path: Path, name: str, values: Mapping[str, Any], *, default: bool = False
) -> None:
    """Add or replace one profile in the file, keeping every other profile as it was."""
    check_profile_name(name)
    data = read_file(path)
    profiles = dict(data.get("profiles", {}))
    profiles[name] = {k: v for k, v in values.items() if v is not None and v != {}}
    data["profiles"] = profiles
    if default or "default_profile" not in data:
        data["default_profile"] = name
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace(path, data)


def remove_profile(path: Path, name: str) -> bool:
    data = read_file(path)
    profiles = dict(data.get("profiles", {}))
    if name not in profiles:
        return False
    del profiles[name]
    data["profiles"] = profiles
    if data.get("default_profile") == name:
        del data["default_profile"]
    _replace(path, data)
    return True


def profile_names(path: Path) -> list[str]:
    return sorted(read_file(path).get("profiles", {}))


def _replace(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(tomlw.dumps(data), encoding="utf-8")
    tmp.replace(path)
