"""Profiles, state stores and engines for a long-running server, built once and shared.

The CLI opens an engine per command; a server would pay for new boto3 clients and a new
SQLite connection on every request that way. Here each profile's engine is opened on
first use and kept until shutdown. Engines, their clients and the SQLite store are
thread-safe, so request threads share them; a lock only guards building them.

The profiles file is watched (its size, time and inode, read on each request): when it
changes, as when `eden sandbox up` starts a new sandbox at a new port with a new state
file, the profiles, stores and engines are built again from it, and the server says so
in its log. Without this a server kept the old sandbox's state open (environments that
no longer exist anywhere) and the old endpoint (every AWS call refused). The old engines
are retired, not closed, so an operation still running on one finishes; they close at
shutdown.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from eden.api.settings import ApiSettings
from eden.config import Profile, load_profile, read_file, resolve_profile_name
from eden.envs.engine import Engine
from eden.errors import ConfigError, NotFound
from eden.state.base import StateStore, open_store
from eden.wiring import open_engine

_PROFILE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
log = logging.getLogger("eden.api")


class Registry:
    def __init__(self, settings: ApiSettings):
        self.settings = settings
        self._lock = threading.RLock()
        self._stack = ExitStack()
        self._profiles: dict[str, Profile] = {}
        self._engines: dict[str, Engine] = {}
        self._stores: dict[str, StateStore] = {}
        # The file, parsed, with the fingerprint it was read under.
        self._data: tuple[tuple[int, int, int] | None, dict[str, Any]] | None = None
        self._given: Path | None = None  # the file named in the settings, resolved once
        self._seen: tuple[int, int, int] | None = self._fingerprint()
        self.reloads = 0  # how often the profiles file changed under the server

    def _fingerprint(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _check_file(self) -> None:
        """Builds everything again when the profiles file changed since it was read."""
        now = self._fingerprint()
        if now == self._seen:
            return
        with self._lock:
            if now == self._seen:
                return
            self._seen = now
            self.reloads += 1
            self._profiles = {}
            self._engines = {}
            self._stores = {}  # the retired ones stay on the stack until shutdown
        log.warning(
            "%s changed since the server read it (was the sandbox restarted?): profiles,"
            " state stores and AWS clients are read again from it",
            self.path,
        )

    @property
    def path(self) -> Path:
        # A file given by name is that file for good (``config_path`` only expands ``~``):
        # kept, since every request looks at it. Otherwise found again each time, as a
        # ./eden.toml may appear.
        if self.settings.config is None:
            return self.settings.config_path()
        if self._given is None:
            self._given = self.settings.config_path()
        return self._given

    def _file(self) -> dict[str, Any]:
        """The profiles file as last read: TOML is parsed again only when it changed, not
        on each request (parsing cost more than answering a 304)."""
        self._check_file()
        seen, cached = self._seen, self._data
        if cached is not None and cached[0] == seen:
            return cached[1]
        # Tagged with the fingerprint seen before reading: a file that changes while it
        # is read is read again on the next call, never kept under the new fingerprint.
        data = read_file(self.path)
        self._data = (seen, data)
        return data

    def default_profile(self) -> str:
        return resolve_profile_name(self.settings.default_profile, self._file())

    def names(self) -> list[str]:
        return sorted(self._file().get("profiles", {}))

    def profile(self, name: str | None = None) -> Profile:
        """The named (or default) profile; NotFound (404) when the file has no such profile."""
        self._check_file()
        name = name or self.default_profile()
        with self._lock:
            cached = self._profiles.get(name)
            if cached is not None:
                return cached
            if not _PROFILE_RE.fullmatch(name) or name not in self.names():
                raise NotFound(
                    f"no profile {name[:64]!r} on this server",
                    hint="list environments without ?profile=, or ask for one the server has",
                )
            profile = load_profile(name, config=self.path)
            self._profiles[name] = profile
            return profile

    def store(self, profile: Profile | None = None) -> StateStore:
        """The profile's state store (the injected one in tests); one per state URL."""
        if self.settings.store is not None:
            return self.settings.store
        profile = profile or self.profile()
        url = profile.state_url()
        with self._lock:
            if url not in self._stores:
                self._stores[url] = open_store(url)
                self._stack.callback(self._stores[url].close)
            return self._stores[url]

    def key_store(self) -> StateStore:
        """Where API keys live: the default profile's state store (see ``eden apikey``)."""
        return self.store(self.profile())

    def engine(self, name: str | None = None) -> Engine:
        profile = self.profile(name)
        with self._lock:
            engine = self._engines.get(profile.name)
            if engine is None:
                clients = self.settings.clients(profile) if self.settings.clients else None
                engine = self._stack.enter_context(
                    open_engine(
                        profile,
                        store=self.store(profile),
                        clients=clients,
                        actor=self.settings.actor,
                    )
                )
                self._engines[profile.name] = engine
            return engine

    def all_profiles(self) -> list[Profile]:
        """Every profile that loads; a broken one is skipped so one typo hides nothing else."""
        out = []
        for name in self.names():
            try:
                out.append(self.profile(name))
            except (ConfigError, NotFound):
                continue
        return out

    def close(self) -> None:
        with self._lock:
            self._stack.close()
            self._engines.clear()
            self._stores.clear()
