"""eden's records in one DynamoDB table (the layout is in the package's docstring)."""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from eden.envs.docwriter import GroupCommit
from eden.state.base import ApiKey, EnvRecord, Event, JournalEntry, LockInfo
from eden.state.dynamodb.items import (
    Item,
    as_attr,
    as_n,
    as_opt_n,
    as_s,
    env_pk,
    error_code,
    escape_name,
    float_of,
    item_key,
    str_of,
    time_sk,
    value_of,
)
from eden.state.dynamodb.listing import EnvListing, complete_env, env_of
from eden.state.dynamodb.table import TTL_ATTRIBUTE
from eden.state.retention import DEFAULT_RETENTION_DAYS, cutoff, expiry

if TYPE_CHECKING:
    from eden.aws.clients import AwsClients

_KEYS = "KEY"
_KEY_HASH_SK = "KEYHASH"
_LOCKS = "LOCK"
_PROFILES = "PROFILE"
# Events and journal entries, stored alike: their partition's prefix, the item's kind,
# and the field whose time sorts them.
_TIMED: dict[type, tuple[str, str, str]] = {
    Event: ("EVT", "event", "started_at"),
    JournalEntry: ("JRN", "journal", "at"),
}
T = TypeVar("T", Event, JournalEntry)


class DynamoStore(EnvListing):
    """A ``StateStore`` on one DynamoDB table; safe to share between threads.

    ``clients`` is the one boto3 seam (endpoint, region, credentials, retries); its
    ``dynamodb`` client is built on first use. Create the table once with
    ``create_table()``; using a missing table raises ``ConfigError`` saying so.
    """

    def __init__(
        self, table: str, clients: AwsClients, *, retention_days: int = DEFAULT_RETENTION_DAYS
    ):
        super().__init__(table, clients)
        self.retention_days = retention_days
        # Journal entries and events written at the same moment by concurrent operations
        # (an API server's burst of creates) go out together, 25 a BatchWriteItem; each
        # writer still returns only once its own entry is written.
        self._timed_writes: GroupCommit[Item, None] = GroupCommit(lambda _key: nullcontext())

    # -- environments ------------------------------------------------------------------

    def get(self, profile: str, name: str) -> EnvRecord | None:
        item = self._get_item(item_key(f"ENV#{escape_name(profile)}", name))
        return env_of(item) if item and complete_env(item) else None

    def put(self, record: EnvRecord) -> None:
        key = item_key(f"ENV#{escape_name(record.profile)}", record.name)
        values = {
            "kind": as_s("env"),
            "profile": as_s(record.profile),
            "name": as_s(record.name),
            "branch": as_s(record.branch),
            "status": as_s(record.status),
            "last_deploy_at": as_opt_n(record.last_deploy_at),
            "record": as_s(record.to_json()),
        }
        names = {f"#a{i}": attr for i, attr in enumerate(values)}
        sets = [f"#a{i} = :a{i}" for i in range(len(values))]
        # created_at stays the first put's; get() and list_envs() return that one.
        names["#created"] = "created_at"
        sets.append("#created = if_not_exists(#created, :created)")
        attr_values = {f":a{i}": v for i, v in enumerate(values.values())}
        attr_values[":created"] = as_n(record.created_at)
        self._register_profile(record.profile)  # after every check that could refuse
        self._call(
            "update_item",
            TableName=self.table,
            Key=key,
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=attr_values,
        )
        self._changed(record.profile)

    def delete(self, profile: str, name: str) -> None:
        self._call(
            "delete_item", TableName=self.table, Key=item_key(f"ENV#{escape_name(profile)}", name)
        )
        self._changed(profile)

    # -- events and journal ------------------------------------------------------------

    def add_event(self, event: Event) -> None:
        self._add_timed(event)

    def events(self, profile: str, name: str, limit: int = 50) -> list[Event]:
        return self._read_timed(Event, profile, name, limit)

    def add_journal(self, entry: JournalEntry) -> None:
        self._add_timed(entry)

    def journal(self, profile: str, env: str, limit: int = 200) -> list[JournalEntry]:
        return self._read_timed(JournalEntry, profile, env, limit)

    def _add_timed(self, entry: Event | JournalEntry) -> None:
        """One event or journal entry: an item with the dataclass's fields as attributes,
        in its environment's partition, sorted by its time (see ``_TIMED``)."""
        prefix, kind, time_field = _TIMED[type(entry)]
        at = getattr(entry, time_field)
        item: Item = item_key(env_pk(prefix, entry.profile, entry.env), time_sk(at))
        item["kind"] = as_s(kind)
        for f in fields(entry):
            item[f.name] = as_attr(getattr(entry, f.name))
        item[TTL_ATTRIBUTE] = {"N": str(expiry(at, self.retention_days))}
        self._timed_writes.submit("timed", item, self._write_timed)

    def _write_timed(self, items: list[Item]) -> list[None]:
        if len(items) == 1:
            self._put(items[0])  # alone: what it always was
        else:
            self._put_items(items)
        return [None] * len(items)

    def _read_timed(self, cls: type[T], profile: str, env: str, limit: int) -> list[T]:
        """The newest ``limit`` entries of ``cls`` for one environment, newest first."""
        prefix = _TIMED[cls][0]
        return [
            cls(**{f.name: value_of(item, f.name) for f in fields(cls)})
            for item in self._newest(env_pk(prefix, profile, env), limit)
        ]

    def prune(self, now: float) -> int:
        """Deletes the events and journal entries older than the retention (or whose TTL
        is due) and returns how many.

        DynamoDB's TTL deletes them by itself (``enable_ttl``), so this is not needed to
        keep the table small: it is for not waiting for TTL, for a retention shortened
        since the items were written, and for items written before eden set a TTL. It
        reads the whole table once (a Scan), so it costs reads in proportion to its size.
        """
        before = cutoff(now, self.retention_days)
        return self._scan_delete(
            {
                "FilterExpression": "#ttl < :now OR (#kind = :event AND #started < :cutoff)"
                " OR (#kind = :journal AND #at < :cutoff)",
                "ExpressionAttributeNames": {
                    "#ttl": TTL_ATTRIBUTE, "#kind": "kind", "#started": "started_at", "#at": "at",
                },
                "ExpressionAttributeValues": {
                    ":now": as_n(now), ":cutoff": as_n(before),
                    ":event": as_s("event"), ":journal": as_s("journal"),
                },
            }
        )

    # -- API keys ----------------------------------------------------------------------

    def put_api_key(self, key: ApiKey) -> None:
        """Writes the key and its by-secret item together; a duplicate id or secret fails
        both (``ValueError``), as SQLite's primary key and UNIQUE constraint do."""
        attrs = {
            "kind": as_s("api-key"),
            "id": as_s(key.id),
            "name": as_s(key.name),
            "secret_hash": as_s(key.secret_hash),
            "scope": as_s(key.scope),
            "created_at": as_n(key.created_at),
            "revoked": {"BOOL": key.revoked},
        }
        new = "attribute_not_exists(pk)"
        reasons = self._transact(
            [
                {"Put": {"TableName": self.table, "Item": {**item_key(_KEYS, key.id), **attrs},
                         "ConditionExpression": new}},
                {"Put": {"TableName": self.table,
                         "Item": {**_hash_key(key.secret_hash), **attrs},
                         "ConditionExpression": new}},
            ]
        )
        if reasons:
            raise ValueError(f"an API key with id {key.id!r} or the same secret already exists")

    def find_api_key(self, secret_hash: str) -> ApiKey | None:
        item = self._get_item(_hash_key(secret_hash))
        return _api_key(item) if item else None

    def list_api_keys(self) -> list[ApiKey]:
        keys = [_api_key(item) for item in self._query(_KEYS)]
        return sorted(keys, key=lambda k: (k.created_at, k.id))

    def revoke_api_key(self, key_id: str) -> bool:
        """True if this call revoked the key; False if it is unknown or already revoked."""
        item = self._get_item(item_key(_KEYS, key_id))
        if item is None or item["revoked"]["BOOL"]:
            return False
        revoke = {
            "UpdateExpression": "SET revoked = :yes",
            "ExpressionAttributeValues": {":yes": {"BOOL": True}, ":no": {"BOOL": False}},
        }
        reasons = self._transact(
            [
                {"Update": {"TableName": self.table, "Key": item_key(_KEYS, key_id),
                            "ConditionExpression": "revoked = :no", **revoke}},
                {"Update": {"TableName": self.table, "Key": _hash_key(str_of(item, "secret_hash")),
                            "ConditionExpression": "revoked = :no", **revoke}},
            ]
        )
        return not reasons  # a concurrent revoke got there first


    # -- leases ------------------------------------------------------------------------

    def acquire_lock(self, key: str, owner: str, ttl: float, now: float) -> bool:
        """One conditional PutItem: take a free or expired lease, or renew our own."""
        try:
            self._call(
                "put_item",
                TableName=self.table,
                Item={
                    **item_key(_LOCKS, key),
                    "kind": as_s("lock"),
                    "owner": as_s(owner),
                    "expires_at": as_n(now + ttl),
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR expires_at < :now OR #owner = :owner"
                ),
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":now": as_n(now), ":owner": as_s(owner)},
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release_lock(self, key: str, owner: str) -> bool:
        try:
            self._call(
                "delete_item",
                TableName=self.table,
                Key=item_key(_LOCKS, key),
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": as_s(owner)},
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def lock_info(self, key: str) -> LockInfo | None:
        item = self._get_item(item_key(_LOCKS, key))
        if item is None:
            return None
        return LockInfo(key, str_of(item, "owner"), float_of(item, "expires_at"))

    # -- shared profiles ---------------------------------------------------------------

    def put_profile(self, name: str, values: dict[str, Any]) -> None:
        # JSON, as in SQLite, not a DynamoDB map: TOML floats would come back as Decimal.
        self._put(
            {
                **item_key(_PROFILES, name),
                "kind": as_s("profile"),
                "profile": as_s(json.dumps(values, sort_keys=True)),
            }
        )

    def get_profile(self, name: str) -> dict[str, Any] | None:
        item = self._get_item(item_key(_PROFILES, name))
        return dict(json.loads(str_of(item, "profile"))) if item else None

    def list_profiles(self) -> list[str]:
        return sorted(str_of(item, "sk") for item in self._query(_PROFILES))

    def delete_profile(self, name: str) -> bool:
        out = self._call(
            "delete_item",
            TableName=self.table,
            Key=item_key(_PROFILES, name),
            ReturnValues="ALL_OLD",
        )
        return bool(out.get("Attributes"))

    def close(self) -> None:
        """Nothing to close: the HTTP connections belong to ``clients``, which may be
        shared with the rest of the process."""


def _hash_key(secret_hash: str) -> Item:
    return item_key(f"KEYHASH#{secret_hash}", _KEY_HASH_SK)


def _api_key(item: Item) -> ApiKey:
    return ApiKey(
        id=str_of(item, "id"),
        name=str_of(item, "name"),
        secret_hash=str_of(item, "secret_hash"),
        scope=str_of(item, "scope"),
        created_at=float_of(item, "created_at"),
        revoked=bool(item["revoked"]["BOOL"]),
    )
