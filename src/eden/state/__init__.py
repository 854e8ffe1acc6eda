"""Where eden remembers environments and what happened to them.

``StateStore`` is the interface; ``SqliteStore`` the embedded default, ``DynamoStore``
the one a team shares. ``open_store`` turns a profile's ``state`` URL into a store.
"""

from eden.state.base import (
    ApiKey,
    EnvQuery,
    EnvRecord,
    EnvSummary,
    Event,
    JournalEntry,
    LockInfo,
    ServiceRecord,
    StateStore,
    open_store,
)
from eden.state.dynamodb import DynamoStore
from eden.state.sqlite import SqliteStore

__all__ = [
    "ApiKey",
    "DynamoStore",
    "EnvQuery",
    "EnvRecord",
    "EnvSummary",
    "Event",
    "JournalEntry",
    "LockInfo",
    "ServiceRecord",
    "SqliteStore",
    "StateStore",
    "open_store",
]
