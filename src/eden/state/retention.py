"""How long a state store keeps its history: events and journal entries.

One create, deploy and delete leaves a few KB of history for good unless something
removes it. Each store keeps an entry ``retention_days`` after the entry's own time
(``Event.started_at``, ``JournalEntry.at``), 90 days unless the state URL says otherwise
(``sqlite:///PATH?retention_days=30``, ``dynamodb://TABLE?region=R&retention_days=30``).
SQLite forgets older entries when ``prune`` runs; DynamoDB's TTL deletes them by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from eden.errors import ConfigError

PARAMETER = "retention_days"
DEFAULT_RETENTION_DAYS = 90
MAX_RETENTION_DAYS = 36500  # a hundred years: "keep it", in a number every store can hold
DAY = 86400


def retention_days_of(query: Mapping[str, str], bad: Callable[[str], ConfigError]) -> int:
    """The state URL's ``retention_days`` (the default when absent); ``bad`` words the
    error for the kind of URL."""
    value = query.get(PARAMETER)
    if value is None:
        return DEFAULT_RETENTION_DAYS
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_RETENTION_DAYS):
        raise bad(
            f"{PARAMETER} must be a whole number of days from 1 to {MAX_RETENTION_DAYS},"
            f" got {value!r}"
        )
    return int(value)


def cutoff(now: float, retention_days: int) -> float:
    """Entries whose time is before this are older than the retention."""
    return now - retention_days * DAY


def expiry(at: float, retention_days: int) -> int:
    """The whole epoch second after which an entry of time ``at`` may go (DynamoDB's TTL
    wants whole seconds); the same age ``cutoff`` keeps."""
    return int(at + retention_days * DAY)
