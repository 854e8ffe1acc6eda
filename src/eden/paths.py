"""Where eden keeps its files: the user's config and data directories (XDG on Linux)."""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "eden"


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "eden"


def default_state_path() -> Path:
    return data_dir() / "state.db"


def sandbox_dir() -> Path:
    return data_dir() / "sandbox"
