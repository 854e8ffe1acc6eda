"""The state store's interface. Implementations: SQLite and DynamoDB.

The environment records it keeps are defined with the lifecycle (``eden.envs.records``);
API keys and lease rows, which only the store knows, are defined here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit

from eden.core.urls import is_loopback_url
from eden.envs.records import EnvRecord, Event, JournalEntry, ServiceRecord
from eden.errors import ConfigError
from eden.state import retention

if TYPE_CHECKING:
    from eden.aws.clients import AwsClients


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
class EnvQuery:
    """Which of one profile's environments a listing wants, in name order.

    ``after`` is the last name of the previous page (keyset paging: an environment made or
    deleted meanwhile never shifts the rest); ``limit`` None means all. Names compare by
    code point, which is SQLite's BINARY order and DynamoDB's sort-key (UTF-8) order.
    """

    statuses: tuple[str, ...] = ()  # any status when empty
    branch_prefix: str = ""
    after: str | None = None
    limit: int | None = None

    def matches(self, record: EnvRecord) -> bool:
        return (
            (not self.statuses or record.status in self.statuses)
            and record.branch.startswith(self.branch_prefix)
            and (self.after is None or record.name > self.after)
        )


@dataclass(frozen=True)
class EnvSummary:
    """What a lean listing shows of an environment, read without rebuilding its record
    (SQLite takes it from its columns; building 500 records cost 50-80 ms)."""

    profile: str
    name: str
    branch: str
    host: str
    status: str
    image: str
    created_at: float
    last_deploy_at: float | None
    pinned: bool
    power: str = "awake"  # EnvRecord.power: awake, sleeping or waking

    @property
    def url(self) -> str:
        return f"https://{self.host}"  # as EnvRecord.url

    @classmethod
    def of(cls, record: EnvRecord) -> EnvSummary:
        return cls(record.profile, record.name, record.branch, record.host, record.status,
                   record.image, record.created_at, record.last_deploy_at, record.pinned,
                   record.power)


@dataclass(frozen=True)
class LockInfo:
    key: str
    owner: str
    expires_at: float


class StateStore(Protocol):
    def get(self, profile: str, name: str) -> EnvRecord | None: ...
    def put(self, record: EnvRecord) -> None: ...
    def delete(self, profile: str, name: str) -> None: ...
    def list_envs(self, profile: str | None = None) -> list[EnvRecord]: ...

    # A listing's page, filtered and cut where the store reads (SQLite: WHERE and LIMIT;
    # DynamoDB: a Query from the last name with a filter), never all records then a slice.
    def list_page(self, profile: str, query: EnvQuery) -> list[EnvRecord]: ...
    # The same page, lean: only what ``EnvSummary`` holds.
    def list_summaries(self, profile: str, query: EnvQuery) -> list[EnvSummary]: ...

    # A token that is different after any environment of ``profile`` was written or
    # deleted (by any process), and never repeats with other contents, even in a new
    # store: the API's ETags on lists are built from it without reading the records.
    def changes(self, profile: str) -> str: ...

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

    # Retention: events and journal entries are kept ``retention_days`` after their time
    # (``Event.started_at``, ``JournalEntry.at``). ``prune`` deletes older ones and says
    # how many; DynamoDB also lets its TTL delete them (see ``DynamoStore``).
    retention_days: int

    def prune(self, now: float) -> int: ...

    # Profiles shared by a team (``eden config push | pull``): TOML values by name.
    def put_profile(self, name: str, values: dict[str, Any]) -> None: ...
    def get_profile(self, name: str) -> dict[str, Any] | None: ...
    def list_profiles(self) -> list[str]: ...
    def delete_profile(self, name: str) -> bool: ...
    def close(self) -> None: ...


def open_store(url: str, *, clients: AwsClients | None = None) -> StateStore:
    """The store a profile's ``state`` URL names.

    * ``sqlite:///abs/path.db`` (or ``sqlite://:memory:``): one machine, the default;
    * ``dynamodb://TABLE?region=REGION[&endpoint_url=URL]``: one table shared by a team.

    Either takes ``retention_days=N`` in its query (default 90): how long events and
    journal entries are kept.

    The region is required, not taken from each user's AWS configuration, so that every
    teammate with the same profile reaches the same table. A loopback ``endpoint_url``
    (the sandbox's moto server) gets the fixed credentials "sandbox" unless
    ``AWS_ACCESS_KEY_ID`` is set, as ``eden.wiring.aws_settings`` does for the engine.
    ``clients`` replaces the clients built from the URL (tests, benchmarks); the table
    name still comes from the URL. Nothing connects until the store is first used.
    """
    if url.startswith("sqlite://"):
        return _open_sqlite(url)
    if url.startswith("dynamodb://"):
        return _open_dynamodb(url, clients)
    raise ConfigError(f"unknown state URL {url!r}", hint=_URL_HINT, where=url)


_RETENTION = retention.PARAMETER
_URL_HINT = (
    'use state = "sqlite:///PATH" (one machine) or'
    ' "dynamodb://TABLE?region=REGION" (a team; optional &endpoint_url=URL);'
    f" either may add {_RETENTION}=N (default {retention.DEFAULT_RETENTION_DAYS})"
)
_DYNAMODB_HINT = (
    'use state = "dynamodb://TABLE?region=REGION", optionally with &endpoint_url=URL'
    f" and &{_RETENTION}=N, e.g. \"dynamodb://eden-state?region=eu-west-1\""
)
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _query(query: str, allowed: set[str], bad: Callable[[str], ConfigError]) -> dict[str, str]:
    """A state URL's ``?a=1&b=2``: known keys, each once, as a dict."""
    try:
        parsed = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise bad(str(exc)) from exc
    unknown = sorted(set(parsed) - allowed)
    if unknown:
        raise bad(f"unknown parameter(s) {', '.join(unknown)}")
    repeated = sorted(k for k, v in parsed.items() if len(v) > 1)
    if repeated:
        raise bad(f"{', '.join(repeated)} given more than once")
    return {k: v[0] for k, v in parsed.items()}


def _open_sqlite(url: str) -> StateStore:
    from eden.state.sqlite import SqliteStore

    def bad(problem: str) -> ConfigError:
        return ConfigError(f"bad SQLite state URL {url!r}: {problem}", hint=_URL_HINT, where=url)

    rest, _, query = url[len("sqlite://") :].partition("?")
    days = retention.retention_days_of(_query(query, {_RETENTION}, bad), bad)
    if rest == ":memory:" or rest == "/:memory:":
        return SqliteStore(":memory:", retention_days=days)
    if not rest.strip("/"):
        raise ConfigError(f"state URL {url!r} has no file path", hint=_URL_HINT, where=url)
    # sqlite:////abs/path (four slashes, as SQLAlchemy writes it) is the same file.
    return SqliteStore(Path(re.sub("^/{2,}", "/", rest)).expanduser(), retention_days=days)


def _open_dynamodb(url: str, clients: AwsClients | None) -> StateStore:
    """Parses a ``dynamodb://`` URL strictly: a typo in it would otherwise send a whole
    team's state to some other table or region."""
    from eden.aws.clients import AwsClients, AwsSettings
    from eden.state.dynamodb import DynamoStore

    def bad(problem: str) -> ConfigError:
        return ConfigError(f"bad DynamoDB state URL {url!r}: {problem}",
                           hint=_DYNAMODB_HINT, where=url)

    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise bad(str(exc)) from exc
    query = _query(parts.query, {"region", "endpoint_url", _RETENTION}, bad)
    table = parts.netloc
    if not table:
        raise bad("the table name is missing")
    if parts.path not in ("", "/") or parts.fragment:
        raise bad("nothing may follow the table name but ?region=...")
    if not _TABLE_NAME.fullmatch(table):
        raise bad(f"{table!r} is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)")
    region = query.get("region", "")
    if not region:
        raise bad("the region is missing (?region=REGION)")
    if not _REGION.fullmatch(region):
        raise bad(f"{region!r} is not an AWS region name")
    endpoint = query.get("endpoint_url") or None
    if endpoint is not None:
        ep = urlsplit(endpoint)
        if ep.scheme not in ("http", "https") or not ep.netloc:
            raise bad(f"endpoint_url {endpoint!r} is not an http(s) URL")
    if clients is None:
        sandbox = is_loopback_url(endpoint) and not os.environ.get("AWS_ACCESS_KEY_ID")
        secret = "sandbox" if sandbox else None  # else the default chain, as for the engine
        clients = AwsClients(
            AwsSettings(
                region=region, endpoint_url=endpoint, access_key_id=secret,
                secret_access_key=secret,
            )
        )
    return DynamoStore(table, clients, retention_days=retention.retention_days_of(query, bad))


__all__ = [
    "ApiKey",
    "EnvQuery",
    "EnvRecord",
    "EnvSummary",
    "Event",
    "JournalEntry",
    "LockInfo",
    "ServiceRecord",
    "StateStore",
    "open_store",
]
