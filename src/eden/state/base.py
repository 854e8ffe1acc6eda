"""The state store's interface and its records. Implementations: SQLite (here), DynamoDB."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eden.errors import ConfigError


@dataclass
class ServiceRecord:
    """One service of an environment (an environment can later hold several)."""

    role: str
    image: str
    task_definition_arn: str | None = None
    service_arn: str | None = None
    target_group_arn: str | None = None
    rule_arn: str | None = None


@dataclass
class EnvRecord:
    profile: str
    name: str
    branch: str
    host: str
    status: str  # creating | ready | failed | deleting
    created_at: float
    last_deploy_at: float | None = None
    alias: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # every AWS name, from eden.naming
    services: list[ServiceRecord] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # DNS record, endpoint entry, notes
    pinned: bool = False  # exempt from the stale-environment cleaner

    @property
    def image(self) -> str:
        return self.services[0].image if self.services else ""

    @property
    def url(self) -> str:
        return f"https://{self.host}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> EnvRecord:
        data = json.loads(text)
        data["services"] = [ServiceRecord(**s) for s in data.get("services", [])]
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["url"] = self.url
        d["image"] = self.image
        return d


@dataclass(frozen=True)
class Event:
    profile: str
    env: str
    action: str  # create | deploy | delete
    actor: str
    started_at: float
    seconds: float
    result: str  # ok | failed
    detail: str = ""
    image: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ApiKey:
    """An HTTP API key. Only the SHA-256 of the secret is stored, never the secret."""

    id: str  # public, shown in listings
    name: str
    secret_hash: str
    scope: str  # read | write
    created_at: float
    revoked: bool = False

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("secret_hash")
        return d


@dataclass(frozen=True)
class LockInfo:
    key: str
    owner: str
    expires_at: float


@dataclass(frozen=True)
class JournalEntry:
    """One step of one operation, written before it runs and again when it ends."""

    profile: str
    env: str
    operation_id: str
    step: str
    phase: str  # start | done | failed | undone
    at: float
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class StateStore(Protocol):
    def get(self, profile: str, name: str) -> EnvRecord | None: ...
    def put(self, record: EnvRecord) -> None: ...
    def delete(self, profile: str, name: str) -> None: ...
    def list_envs(self, profile: str | None = None) -> list[EnvRecord]: ...
    def add_event(self, event: Event) -> None: ...
    def events(self, profile: str, name: str, limit: int = 50) -> list[Event]: ...
    def put_api_key(self, key: ApiKey) -> None: ...
    def find_api_key(self, secret_hash: str) -> ApiKey | None: ...
    def list_api_keys(self) -> list[ApiKey]: ...
    def revoke_api_key(self, key_id: str) -> bool: ...

    # Leases: a lock is held until ``expires_at``; acquiring an expired lock, or one the
    # caller already owns (a renewal), succeeds. Both are single atomic operations.
    def acquire_lock(self, key: str, owner: str, ttl: float, now: float) -> bool: ...
    def release_lock(self, key: str, owner: str) -> bool: ...
    def lock_info(self, key: str) -> LockInfo | None: ...

    def add_journal(self, entry: JournalEntry) -> None: ...
    def journal(self, profile: str, env: str, limit: int = 200) -> list[JournalEntry]: ...

    # Profiles shared by a team (``eden config push | pull``): TOML values by name.
    def put_profile(self, name: str, values: dict[str, Any]) -> None: ...
    def get_profile(self, name: str) -> dict[str, Any] | None: ...
    def list_profiles(self) -> list[str]: ...
    def delete_profile(self, name: str) -> bool: ...
    def close(self) -> None: ...


def open_store(url: str) -> StateStore:
    """``sqlite:///abs/path.db`` (or ``sqlite://:memory:``)."""
    from eden.state.sqlite import SqliteStore

    if url.startswith("sqlite://"):
        rest = url[len("sqlite://") :]
        if rest == ":memory:" or rest == "/:memory:":
            return SqliteStore(":memory:")
        return SqliteStore(Path(rest).expanduser())
    if url.startswith("dynamodb://"):
        raise ConfigError(
            "the DynamoDB state store is not available in this version",
            hint='use state = "sqlite:///PATH" (the default) for now',
        )
    raise ConfigError(f"unknown state URL {url!r}", hint="use sqlite:///PATH")
