"""The shared state store: one DynamoDB table that a whole team's CLIs and servers use.

Why DynamoDB: a team needs one place that every laptop, CI runner and API server can
reach, with atomic conditional writes for leases and nothing to operate. Why one table
(single-table design, on-demand billing): one thing to create, grant and back up, and
every record kind is read by its partition key, so no query ever scans the table.

Layout (``pk`` / ``sk``, both strings; ``kind`` names the record for people reading the
table in the console):

=====================  ==========================  ==========================================
record                 pk                          sk
=====================  ==========================  ==========================================
environment            ``ENV#<profile>``           ``<name>``
profile that has envs  ``ENVPROFILE``              ``<profile>``
event                  ``EVT#<profile>#<env>``     ``<started_at>#<tick>#<uuid>``
journal entry          ``JRN#<profile>#<env>``     ``<at>#<tick>#<uuid>``
API key                ``KEY``                     ``<id>``
API key by secret      ``KEYHASH#<sha256>``        ``KEYHASH``
lease                  ``LOCK``                    ``<key>``
shared profile         ``PROFILE``                 ``<name>``
=====================  ==========================  ==========================================

``#`` and ``%`` inside a profile or environment name are percent-escaped where names are
joined into a key, so ``("a#b", "c")`` and ``("a", "b#c")`` never share a partition.

It keeps SQLite's semantics (see ``SqliteStore``):

* every read is strongly consistent, so a write is visible to the next read, as in SQLite;
* ``put`` is one ``UpdateItem`` with ``if_not_exists(created_at)``: the first put's
  creation time survives upserts, and the stored time, not the record's, is returned;
* ``list_envs(None)`` queries the ``ENVPROFILE`` partition (one item per profile that ever
  had an environment, written before the environment) and then each profile's partition:
  no GSI, whose reads could lag behind a write, and no scan over events and journal;
* events and journal entries sort by time and then by ``tick``, a per-process clock that
  only moves forward, so entries written at the same time come back newest-write first,
  like SQLite's autoincrement id;
* a lease is one conditional ``PutItem``; releasing is a ``DeleteItem`` conditioned on
  the owner;
* an API key and its by-secret item are written, and revoked, in one transaction, so the
  lookup every API request makes is a single ``GetItem``.

What it cannot keep, because DynamoDB works differently:

* a duplicate API key id or secret raises ``ValueError``, not ``sqlite3.IntegrityError``;
* key strings (environment, lease, API key and shared profile names) cannot be empty,
  and numbers must be finite (``ValueError`` for both, before any request);
* ``list_envs(None)`` reads one partition after another and a partition page after page,
  so a listing that runs during writes is not one snapshot, as a single SELECT is;
* times in event and journal keys go to the microsecond and must not be negative; equal
  times come back in the writer's clock order (``tick``), which across hosts follows
  their clocks rather than the order the writes reached the table;
* an item, hence an environment record, is at most 400 KB.

This module never imports boto3 or botocore: the CLI imports it through ``eden.state`` on
every command, and the client is built by ``clients`` on the first request.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from eden.errors import ConfigError
from eden.state.base import ApiKey, EnvRecord, Event, JournalEntry, LockInfo

if TYPE_CHECKING:
    from eden.aws.clients import AwsClients

Item = dict[str, Any]  # one item in DynamoDB's low-level form: {"attr": {"S": "..."}}

_ENV_PROFILES = "ENVPROFILE"
_KEYS = "KEY"
_KEY_HASH_SK = "KEYHASH"
_LOCKS = "LOCK"
_PROFILES = "PROFILE"
_TRANSACTION_ATTEMPTS = 5
# Events and journal entries, stored alike: their partition's prefix, the item's kind,
# and the field whose time sorts them.
_TIMED: dict[type, tuple[str, str, str]] = {
    Event: ("EVT", "event", "started_at"),
    JournalEntry: ("JRN", "journal", "at"),
}
T = TypeVar("T", Event, JournalEntry)


class DynamoStore:
    """A ``StateStore`` on one DynamoDB table; safe to share between threads.

    ``clients`` is the one boto3 seam (endpoint, region, credentials, retries); its
    ``dynamodb`` client is built on first use. Create the table once with
    ``create_table()``; using a missing table raises ``ConfigError`` saying so.
    """

    def __init__(self, table: str, clients: AwsClients):
        self.table = table
        self.clients = clients
        # Profiles whose ENVPROFILE item this process has written: the item is never
        # deleted, so one write per profile and process is enough.
        self._registered: set[str] = set()

    # -- table -------------------------------------------------------------------------

    def create_table(self, wait: bool = True) -> None:
        """Creates the table (on-demand billing); an existing table is fine.

        Idempotent so that every teammate's set-up script can run it. ``wait`` polls until
        the table is ACTIVE (seconds on AWS, at once on moto).
        """
        try:
            self._db.create_table(
                TableName=self.table,
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        except Exception as exc:
            if _error_code(exc) != "ResourceInUseException":
                raise
        if wait:
            waiter = self._db.get_waiter("table_exists")
            waiter.wait(TableName=self.table, WaiterConfig={"Delay": 2, "MaxAttempts": 90})

    # -- environments ------------------------------------------------------------------

    def get(self, profile: str, name: str) -> EnvRecord | None:
        item = self._get_item(_key(f"ENV#{_part(profile)}", name))
        return _env(item) if item and _complete(item) else None

    def put(self, record: EnvRecord) -> None:
        key = _key(f"ENV#{_part(record.profile)}", record.name)
        values = {
            "kind": _s("env"),
            "profile": _s(record.profile),
            "name": _s(record.name),
            "branch": _s(record.branch),
            "status": _s(record.status),
            "last_deploy_at": _opt_n(record.last_deploy_at),
            "record": _s(record.to_json()),
        }
        names = {f"#a{i}": attr for i, attr in enumerate(values)}
        sets = [f"#a{i} = :a{i}" for i in range(len(values))]
        # created_at stays the first put's; get() and list_envs() return that one.
        names["#created"] = "created_at"
        sets.append("#created = if_not_exists(#created, :created)")
        attr_values = {f":a{i}": v for i, v in enumerate(values.values())}
        attr_values[":created"] = _n(record.created_at)
        self._register_profile(record.profile)  # after every check that could refuse
        self._call(
            "update_item",
            TableName=self.table,
            Key=key,
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=attr_values,
        )

    def delete(self, profile: str, name: str) -> None:
        self._call(
            "delete_item", TableName=self.table, Key=_key(f"ENV#{_part(profile)}", name)
        )

    def list_envs(self, profile: str | None = None) -> list[EnvRecord]:
        """Oldest first; with no profile, by profile and then oldest first (as SQLite)."""
        if profile is not None:
            # Only what a record is rebuilt from: less to send and to parse (on AWS the
            # read still costs the whole item).
            items = self._query(f"ENV#{_part(profile)}", project=("record", "created_at"))
            envs = [_env(item) for item in items if _complete(item)]
            # Ties on created_at go by name: SQLite leaves their order unspecified.
            return sorted(envs, key=lambda r: (r.created_at, r.name))
        profiles = sorted(_str(item, "sk") for item in self._query(_ENV_PROFILES))
        return [r for p in profiles for r in self.list_envs(p)]

    def _register_profile(self, profile: str) -> None:
        # Written before the environment: a crash in between leaves an empty profile
        # (harmless), never an environment that list_envs(None) cannot see.
        if profile in self._registered:
            return
        self._put({**_key(_ENV_PROFILES, profile), "kind": _s("env-profile")})
        self._registered.add(profile)

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
        item = {
            **_key(_pair(prefix, entry.profile, entry.env), _time_sk(getattr(entry, time_field))),
            "kind": _s(kind),
        }
        for f in fields(entry):
            item[f.name] = _attr(getattr(entry, f.name))
        self._put(item)

    def _read_timed(self, cls: type[T], profile: str, env: str, limit: int) -> list[T]:
        """The newest ``limit`` entries of ``cls`` for one environment, newest first."""
        prefix = _TIMED[cls][0]
        return [
            cls(**{f.name: _value(item, f.name) for f in fields(cls)})
            for item in self._newest(_pair(prefix, profile, env), limit)
        ]

    def _newest(self, pk: str, limit: int) -> list[Item]:
        """Up to ``limit`` items of a partition, newest first; a negative limit means all
        (SQLite's ``LIMIT -1``), zero means none."""
        if limit == 0:
            return []
        out: list[Item] = []
        start: Item | None = None
        while True:
            kwargs = self._query_args(pk)
            kwargs["ScanIndexForward"] = False
            if limit > 0:
                kwargs["Limit"] = limit - len(out)
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = self._call("query", **kwargs)
            out.extend(page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start or 0 < limit <= len(out):
                return out[:limit] if limit > 0 else out

    # -- API keys ----------------------------------------------------------------------

    def put_api_key(self, key: ApiKey) -> None:
        """Writes the key and its by-secret item together; a duplicate id or secret fails
        both (``ValueError``), as SQLite's primary key and UNIQUE constraint do."""
        attrs = {
            "kind": _s("api-key"),
            "id": _s(key.id),
            "name": _s(key.name),
            "secret_hash": _s(key.secret_hash),
            "scope": _s(key.scope),
            "created_at": _n(key.created_at),
            "revoked": {"BOOL": key.revoked},
        }
        new = "attribute_not_exists(pk)"
        reasons = self._transact(
            [
                {"Put": {"TableName": self.table, "Item": {**_key(_KEYS, key.id), **attrs},
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
        item = self._get_item(_key(_KEYS, key_id))
        if item is None or item["revoked"]["BOOL"]:
            return False
        revoke = {
            "UpdateExpression": "SET revoked = :yes",
            "ExpressionAttributeValues": {":yes": {"BOOL": True}, ":no": {"BOOL": False}},
        }
        reasons = self._transact(
            [
                {"Update": {"TableName": self.table, "Key": _key(_KEYS, key_id),
                            "ConditionExpression": "revoked = :no", **revoke}},
                {"Update": {"TableName": self.table, "Key": _hash_key(_str(item, "secret_hash")),
                            "ConditionExpression": "revoked = :no", **revoke}},
            ]
        )
        return not reasons  # a concurrent revoke got there first

    def _transact(self, items: list[Item]) -> list[str]:
        """Runs a transaction; returns [] on success, else its cancellation reasons when a
        condition failed. Conflicts with another transaction are retried."""
        for attempt in range(_TRANSACTION_ATTEMPTS):
            try:
                self._call("transact_write_items", TransactItems=items)
                return []
            except Exception as exc:
                if _error_code(exc) != "TransactionCanceledException":
                    raise
                reasons = [
                    str(r.get("Code", "None"))
                    for r in getattr(exc, "response", {}).get("CancellationReasons", [])
                ]
                if "ConditionalCheckFailed" in reasons:
                    return reasons
                if "TransactionConflict" not in reasons or attempt == _TRANSACTION_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- leases ------------------------------------------------------------------------

    def acquire_lock(self, key: str, owner: str, ttl: float, now: float) -> bool:
        """One conditional PutItem: take a free or expired lease, or renew our own."""
        try:
            self._call(
                "put_item",
                TableName=self.table,
                Item={
                    **_key(_LOCKS, key),
                    "kind": _s("lock"),
                    "owner": _s(owner),
                    "expires_at": _n(now + ttl),
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR expires_at < :now OR #owner = :owner"
                ),
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":now": _n(now), ":owner": _s(owner)},
            )
        except Exception as exc:
            if _error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release_lock(self, key: str, owner: str) -> bool:
        try:
            self._call(
                "delete_item",
                TableName=self.table,
                Key=_key(_LOCKS, key),
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": _s(owner)},
            )
        except Exception as exc:
            if _error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def lock_info(self, key: str) -> LockInfo | None:
        item = self._get_item(_key(_LOCKS, key))
        if item is None:
            return None
        return LockInfo(key, _str(item, "owner"), _float(item, "expires_at"))

    # -- shared profiles ---------------------------------------------------------------

    def put_profile(self, name: str, values: dict[str, Any]) -> None:
        # JSON, as in SQLite, not a DynamoDB map: TOML floats would come back as Decimal.
        self._put(
            {
                **_key(_PROFILES, name),
                "kind": _s("profile"),
                "profile": _s(json.dumps(values, sort_keys=True)),
            }
        )

    def get_profile(self, name: str) -> dict[str, Any] | None:
        item = self._get_item(_key(_PROFILES, name))
        return dict(json.loads(_str(item, "profile"))) if item else None

    def list_profiles(self) -> list[str]:
        return sorted(_str(item, "sk") for item in self._query(_PROFILES))

    def delete_profile(self, name: str) -> bool:
        out = self._call(
            "delete_item", TableName=self.table, Key=_key(_PROFILES, name), ReturnValues="ALL_OLD"
        )
        return bool(out.get("Attributes"))

    def close(self) -> None:
        """Nothing to close: the HTTP connections belong to ``clients``, which may be
        shared with the rest of the process."""

    # -- plumbing ----------------------------------------------------------------------

    @property
    def _db(self) -> Any:
        return self.clients.client("dynamodb")

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One API call; a missing table becomes a ``ConfigError`` that says what to do."""
        try:
            return dict(getattr(self._db, operation)(**kwargs))
        except Exception as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                raise ConfigError(
                    f"the DynamoDB state table {self.table!r} does not exist"
                    f" (region {self.clients.region})",
                    hint="create it once: DynamoStore(TABLE, clients).create_table()"
                    " (eden.state.dynamodb), or fix the table name in the state URL",
                    where=f"dynamodb://{self.table}",
                ) from exc
            raise

    def _get_item(self, key: Item) -> Item | None:
        out = self._call("get_item", TableName=self.table, Key=key, ConsistentRead=True)
        item = out.get("Item")
        return dict(item) if item else None

    def _put(self, item: Item) -> None:
        self._call("put_item", TableName=self.table, Item=item)

    def _query_args(self, pk: str) -> dict[str, Any]:
        return {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(pk)},
            "ConsistentRead": True,
        }

    def _query(self, pk: str, project: tuple[str, ...] = ()) -> Iterator[Item]:
        """Every item of one partition, in sort-key order, page after page; only the
        ``project`` attributes, if given."""
        kwargs = self._query_args(pk)
        if project:
            names = {f"#p{i}": attr for i, attr in enumerate(project)}
            kwargs["ProjectionExpression"] = ", ".join(names)
            kwargs["ExpressionAttributeNames"] = names
        while True:
            page = self._call("query", **kwargs)
            yield from page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            kwargs["ExclusiveStartKey"] = start


class _Ticker:
    """Nanoseconds since the epoch that never repeat or go back within a process.

    Breaks ties between events (or journal entries) written with the same time, so they
    come back in write order like SQLite's autoincrement ids. Across processes the order
    of ties follows the hosts' clocks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return self._last


_TICKS = _Ticker()


def _time_sk(at: float) -> str:
    """Sorts by time (epoch seconds, zero-padded, to the microsecond), then write order.

    The uuid keeps two processes that tick the same nanosecond from overwriting each
    other's entry. Fixed width is what makes text order time order, hence the range.
    """
    if not 0 <= at < 1e17:
        raise ValueError(f"event and journal times must be epoch seconds >= 0, got {at!r}")
    return f"{at:024.6f}#{_TICKS.next():020d}#{uuid.uuid4().hex}"


def _part(name: str) -> str:
    """A name made safe to join into a key with ``#``."""
    return name.replace("%", "%25").replace("#", "%23")


def _pair(prefix: str, profile: str, env: str) -> str:
    return f"{prefix}#{_part(profile)}#{_part(env)}"


def _key(pk: str, sk: str) -> Item:
    if not sk:
        # DynamoDB refuses empty key strings; say which, instead of a ValidationException.
        raise ValueError(f"DynamoDB keys cannot be empty (an empty name under {pk})")
    return {"pk": _s(pk), "sk": _s(sk)}


def _hash_key(secret_hash: str) -> Item:
    return _key(f"KEYHASH#{secret_hash}", _KEY_HASH_SK)


def _finite(x: float) -> None:
    if not math.isfinite(x):
        raise ValueError(f"DynamoDB cannot store the number {x!r}")


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float) -> dict[str, str]:
    # repr() is the shortest text that reads back as the same float; Decimal turns it
    # into DynamoDB's number syntax (what boto3's own serializer sends).
    _finite(value)
    return {"N": str(Decimal(repr(float(value))))}


def _attr(value: str | float | None) -> dict[str, Any]:
    """A string, a number or None as a DynamoDB attribute; read back by ``_value``."""
    if value is None:
        return {"NULL": True}
    return _s(value) if isinstance(value, str) else _n(value)


def _value(item: Item, attr: str) -> Any:
    """What ``_attr`` wrote: a str, a float, or None (also for an absent attribute)."""
    value = item.get(attr, {"NULL": True})
    if "S" in value:
        return str(value["S"])
    if "N" in value:
        return float(value["N"])
    return None


def _opt_n(value: float | None) -> dict[str, Any]:
    return {"NULL": True} if value is None else _n(value)


def _str(item: Item, attr: str) -> str:
    return str(item[attr]["S"])


def _float(item: Item, attr: str) -> float:
    # Numbers travel as text; float() of DynamoDB's exact decimal is the float we wrote.
    return float(item[attr]["N"])


def _complete(item: Item) -> bool:
    """False for an environment item that is still being written, which only moto shows.

    DynamoDB applies an UpdateItem at once. moto's server (the sandbox, the tests) first
    stores a new item with its key alone and then sets the attributes, so a read running
    on another thread can see the bare key; it is treated as not written yet.
    """
    return "record" in item and "created_at" in item


def _env(item: Item) -> EnvRecord:
    record = EnvRecord.from_json(_str(item, "record"))
    record.created_at = _float(item, "created_at")  # the first put's, kept by put()
    return record


def _api_key(item: Item) -> ApiKey:
    return ApiKey(
        id=_str(item, "id"),
        name=_str(item, "name"),
        secret_hash=_str(item, "secret_hash"),
        scope=_str(item, "scope"),
        created_at=_float(item, "created_at"),
        revoked=bool(item["revoked"]["BOOL"]),
    )


def _error_code(exc: Exception) -> str | None:
    """The AWS error code of a botocore ``ClientError``, without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None
