"""Environments in a DynamoDB table: listing them (whole, or a page at a time) and the
count of writes to each profile's environments that ``changes`` turns into a token.

The count lives on the profile's ``ENVPROFILE`` item (the one ``list_envs(None)`` finds
profiles by): ``changes`` (a number each put and delete adds one to) and ``epoch`` (random,
set with the first count), so reading it is one GetItem whatever the number of records.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from eden.state.base import EnvQuery, EnvRecord, EnvSummary
from eden.state.dynamodb.items import Item, as_s, escape_name, float_of, item_key, str_of
from eden.state.dynamodb.table import DynamoTable

if TYPE_CHECKING:
    from eden.aws.clients import AwsClients

ENV_PROFILES = "ENVPROFILE"
# changes() turns over at least this often: see its docstring.
_CHANGES_TURN_OVER_S = 60


class EnvListing(DynamoTable):
    """The environment reads of ``DynamoStore`` and the write count its writes keep."""

    def __init__(self, table: str, clients: AwsClients):
        super().__init__(table, clients)
        # Profiles whose ENVPROFILE item this process has written: the item is never
        # deleted, so one write per profile and process is enough.
        self._registered: set[str] = set()

    def list_page(self, profile: str, query: EnvQuery) -> list[EnvRecord]:
        """One Query from the name after ``query.after``, filtered by DynamoDB, read until
        ``query.limit`` records have passed: a page of 50 reads about 50 items."""
        where: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        if query.statuses:
            names["#status"] = "status"
            keys = [f":s{i}" for i in range(len(query.statuses))]
            values.update({k: as_s(v) for k, v in zip(keys, query.statuses, strict=True)})
            where.append(f"#status IN ({', '.join(keys)})")
        if query.branch_prefix:
            names["#branch"] = "branch"
            values[":prefix"] = as_s(query.branch_prefix)
            where.append("begins_with(#branch, :prefix)")
        if query.limit == 0:
            return []
        # Without a filter a page reads exactly what it returns; with one, at least 100
        # items a request, so a filter that passes few records still costs few requests.
        size = query.limit and (max(query.limit, 100) if where else query.limit)
        items = self._query_after(
            f"ENV#{escape_name(profile)}", query.after, size, where=" AND ".join(where),
            names=names, values=values, project=("record", "created_at"),
        )
        out: list[EnvRecord] = []
        for item in items:
            if not complete_env(item):
                continue
            out.append(env_of(item))
            if len(out) == query.limit:
                break  # before the generator asks for another page
        return out

    def list_summaries(self, profile: str, query: EnvQuery) -> list[EnvSummary]:
        """The same page: an item holds its record as one JSON attribute, read anyway."""
        return [EnvSummary.of(r) for r in self.list_page(profile, query)]

    def changes(self, profile: str) -> str:
        """The profile's write count and the table's epoch, and the minute.

        Each put and delete adds one to the profile's count after its write (a second
        request: DynamoDB has no trigger). A writer that dies between the two, or an eden
        too old to count, changes the records and not the count; the minute in the token
        bounds how long a client can be told "not modified" about such a change.
        """
        item = self._get_item(item_key(ENV_PROFILES, profile)) or {}
        count = item.get("changes", {}).get("N", "0")
        epoch = item.get("epoch", {}).get("S", "-")
        return f"{epoch}.{count}.{int(time.time() // _CHANGES_TURN_OVER_S)}"

    def _changed(self, profile: str) -> None:
        # The epoch is set once, with the profile's first count: a table made again (or
        # an item an old eden replaced) starts a new epoch, so tokens never repeat.
        self._call(
            "update_item",
            TableName=self.table,
            Key=item_key(ENV_PROFILES, profile),
            UpdateExpression="SET #kind = :kind, #epoch = if_not_exists(#epoch, :epoch)"
            " ADD #changes :one",
            ExpressionAttributeNames={"#kind": "kind", "#epoch": "epoch", "#changes": "changes"},
            ExpressionAttributeValues={
                ":kind": as_s("env-profile"), ":epoch": as_s(secrets.token_hex(8)),
                ":one": {"N": "1"},
            },
        )

    def list_envs(self, profile: str | None = None) -> list[EnvRecord]:
        """Oldest first; with no profile, by profile and then oldest first (as SQLite)."""
        if profile is not None:
            # Only what a record is rebuilt from: less to send and to parse (on AWS the
            # read still costs the whole item).
            items = self._query(f"ENV#{escape_name(profile)}", project=("record", "created_at"))
            envs = [env_of(item) for item in items if complete_env(item)]
            # Ties on created_at go by name: SQLite leaves their order unspecified.
            return sorted(envs, key=lambda r: (r.created_at, r.name))
        profiles = sorted(str_of(item, "sk") for item in self._query(ENV_PROFILES))
        return [r for p in profiles for r in self.list_envs(p)]

    def _register_profile(self, profile: str) -> None:
        # Written before the environment: a crash in between leaves an empty profile
        # (harmless), never an environment that list_envs(None) cannot see.
        if profile in self._registered:
            return
        # An update, not a put: a put would replace the item and its change count.
        self._call(
            "update_item",
            TableName=self.table,
            Key=item_key(ENV_PROFILES, profile),
            UpdateExpression="SET #kind = :kind",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues={":kind": as_s("env-profile")},
        )
        self._registered.add(profile)


def complete_env(item: Item) -> bool:
    """False for an environment item that is still being written, which only moto shows.

    DynamoDB applies an UpdateItem at once. moto's server (the sandbox, the tests) first
    stores a new item with its key alone and then sets the attributes, so a read running
    on another thread can see the bare key; it is treated as not written yet.
    """
    return "record" in item and "created_at" in item


def env_of(item: Item) -> EnvRecord:
    record = EnvRecord.from_json(str_of(item, "record"))
    record.created_at = float_of(item, "created_at")  # the first put's, kept by put()
    return record
