"""`eden state init | prune`: create the state store, and keep its history bounded."""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path
from typing import Any

import click

from eden.cli.common import Options, common_options, out, print_json
from eden.state import DynamoStore, SqliteStore, StateStore, open_store
from eden.state.dynamodb import TTL_ATTRIBUTE

STATE_OPTION = click.option(
    "--state",
    "state_url",
    envvar="EDEN_STATE",
    metavar="URL",
    help="Team state store (dynamodb://TABLE?region=R or sqlite:///PATH) [env EDEN_STATE].",
)


@click.group()
def state() -> None:
    """The state store: environments, events, leases, API keys, shared profiles."""


@state.command(name="init")
@STATE_OPTION
@common_options()
def state_init(state_url: str | None, opts: Options) -> None:
    """Create the store (the DynamoDB table, with TTL on its history, or the SQLite file)
    for the profile or --state."""
    url = state_url or opts.load().state_url()
    with closing(open_store(url)) as store:
        if isinstance(store, DynamoStore):
            store.create_table()
            how = f"then DynamoDB's TTL on {TTL_ATTRIBUTE} deletes them"
        else:
            how = "`eden state prune` deletes older ones"
    if opts.json:
        print_json({"state": url, "ready": True, "retention_days": store.retention_days})
        return
    out.print(f"state store ready: {url}", markup=False)
    out.print(f"events and journal entries are kept {store.retention_days} days ({how})")


@state.command(name="prune")
@STATE_OPTION
@common_options()
def state_prune(state_url: str | None, opts: Options) -> None:
    """Delete events and journal entries older than the store's retention (the state URL's
    retention_days, default 90). SQLite: also truncates the write-ahead log, so the files
    shrink. DynamoDB: its TTL deletes them anyway; this deletes what has expired now."""
    url = state_url or opts.load().state_url()
    with closing(open_store(url)) as store:
        wal = _wal_file(store)
        wal_before = _size(wal)
        deleted = store.prune(time.time())
        report: dict[str, Any] = {
            "state": url, "retention_days": store.retention_days, "deleted": deleted,
        }
        if wal is not None:  # measured before close, which may remove the file anyway
            report["wal"] = {"file": str(wal), "bytes_before": wal_before,
                             "bytes_after": _size(wal)}
        if isinstance(store, DynamoStore):
            status, attribute = store.ttl_status()
            report["ttl"] = {"status": status, "attribute": attribute}
    if opts.json:
        print_json(report)
        return
    out.print(
        f"deleted {deleted} events and journal entries older than"
        f" {store.retention_days} days from {url}",
        markup=False,
    )
    for line in _details(report):
        out.print(f"  {line}", markup=False)


def _details(report: dict[str, Any]) -> list[str]:
    if "wal" in report:
        wal = report["wal"]
        return [f"write-ahead log {wal['file']}: {wal['bytes_before']} -> {wal['bytes_after']}"
                " bytes"]
    if "ttl" in report:
        ttl = report["ttl"]
        if ttl["status"] in ("ENABLED", "ENABLING") and ttl["attribute"] == TTL_ATTRIBUTE:
            return [f"DynamoDB also expires them by itself: TTL on {TTL_ATTRIBUTE} is"
                    f" {ttl['status'].lower()}"]
        now = ttl["status"] + (f" on {ttl['attribute']}" if ttl["attribute"] else "")
        return [f"TTL on {TTL_ATTRIBUTE} is not enabled (the table's TTL: {now}): run"
                " `eden state init` to enable it"]
    return []


def _wal_file(store: StateStore) -> Path | None:
    if isinstance(store, SqliteStore) and store.path != ":memory:":
        return Path(f"{store.path}-wal")
    return None


def _size(path: Path | None) -> int:
    """A file's size; 0 when it does not exist (SQLite removes the WAL on a clean close)."""
    try:
        return path.stat().st_size if path is not None else 0
    except FileNotFoundError:
        return 0
