"""The endpoints document: the JSON in S3 that client apps read to find environments.

Its shape is ``{"environments": [{"name", "env", "<update_key>": host, ...}, ...]}``: one
entry per environment name, where several update keys (services) may share an entry, and
entries eden did not make are kept as they are. This module is the only place that knows
the shape; every edit is a pure function of the document, so a write that lost a race can
simply be replayed on the fresh copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from eden.errors import AwsError

ENTRIES = "environments"
Edit = Callable[[dict[str, Any]], bool]  # changes the document; False: nothing to write


def empty() -> dict[str, Any]:
    return {ENTRIES: []}


def checked(doc: Any, where: str) -> dict[str, Any]:
    """``doc`` if it has the document's shape (None: a new, empty one); else a clear error."""
    if doc is None:
        return empty()
    if not isinstance(doc, dict) or not isinstance(doc.get(ENTRIES, []), list):
        raise AwsError(
            f'{where} is not an endpoints document ({{"{ENTRIES}": [...]}})',
            hint="fix the document by hand; eden will not overwrite what it cannot read",
        )
    return doc


def has_entry(doc: Any, name: str, update_key: str) -> bool:
    if not isinstance(doc, dict):
        return False
    return any(
        isinstance(e, dict) and e.get("name") == name and update_key in e
        for e in doc.get(ENTRIES, [])
    )


def add_entry(doc: dict[str, Any], name: str, env_type: str, update_key: str, host: str) -> None:
    """Sets ``update_key`` of entry ``name``; other keys and entries stay as they are."""
    entries = doc.setdefault(ENTRIES, [])
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == name:
            entry[update_key] = host
            return
    entries.append({"name": name, "env": env_type, update_key: host})


def remove_entry(doc: dict[str, Any], name: str, update_key: str) -> bool:
    """Drops ``update_key`` from entry ``name``, and the entry when nothing else is left."""
    entries = doc.get(ENTRIES, [])
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("name") == name and update_key in entry:
            del entry[update_key]
            if set(entry) <= {"name", "env"}:
                entries.pop(i)
            return True
    return False


def upsert_edit(name: str, env_type: str, update_key: str, host: str) -> Edit:
    def edit(doc: dict[str, Any]) -> bool:
        add_entry(doc, name, env_type, update_key, host)
        return True

    return edit


def remove_edit(name: str, update_key: str) -> Edit:
    def edit(doc: dict[str, Any]) -> bool:
        return remove_entry(doc, name, update_key)

    return edit


def entry_matcher(
    *, name_prefix: str, update_key: str, domain_prefix: str, zone: str
) -> Callable[[Mapping[str, Any]], bool]:
    """Whether an entry is one eden made for this profile: its name has the profile's
    endpoint prefix and its host is an environment host (``<domain-prefix>-<name>.<zone>``).
    Anything else in the document belongs to someone else and is never touched."""
    prefix = f"{name_prefix}-" if name_prefix else ""
    host_re = re.compile(rf"{re.escape(domain_prefix)}-[a-z0-9-]+\.{re.escape(zone)}")

    def ours(entry: Mapping[str, Any]) -> bool:
        host = entry.get(update_key)
        return (
            str(entry.get("name", "")).startswith(prefix)
            and isinstance(host, str)
            and host_re.fullmatch(host) is not None
        )

    return ours


def sync_entries(
    doc: dict[str, Any],
    expected: Mapping[str, str],
    *,
    env_type: str,
    update_key: str,
    is_ours: Callable[[Mapping[str, Any]], bool],
) -> tuple[list[str], list[str]]:
    """Makes eden's entries match ``expected`` (entry name -> host); others stay as they are.

    Returns the names added or corrected, and the names removed.
    """
    added: list[str] = []
    removed: list[str] = []
    for entry in list(doc.setdefault(ENTRIES, [])):
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name not in expected and is_ours(entry):
            remove_entry(doc, name, update_key)
            removed.append(name)
    current = {e.get("name"): e.get(update_key) for e in doc[ENTRIES] if isinstance(e, dict)}
    for name, host in sorted(expected.items()):
        if current.get(name) != host:
            add_entry(doc, name, env_type, update_key, host)
            added.append(name)
    return added, removed
