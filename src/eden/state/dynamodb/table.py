"""One DynamoDB table, as the store uses it: create it, let TTL expire items, and call it.

Every call goes through ``DynamoTable._call``, which turns a missing table into a
``ConfigError`` that says what to do; the rest are the few shapes of access the store
needs (get, put, query a partition, a transaction, a filtered scan that deletes).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from eden.errors import AwsError, ConfigError
from eden.state.dynamodb.items import Item, as_s, error_code

if TYPE_CHECKING:
    from eden.aws.clients import AwsClients

# The TTL attribute of events and journal entries: epoch seconds after which DynamoDB may
# delete the item (its time plus the retention).
TTL_ATTRIBUTE = "delete_after"
_TRANSACTION_ATTEMPTS = 5
_BATCH_ATTEMPTS = 6
_BATCH_SIZE = 25  # BatchWriteItem's limit


class DynamoTable:
    """Calls on one table through ``clients`` (its ``dynamodb`` client is built on first
    use); safe to share between threads, as the client is."""

    def __init__(self, table: str, clients: AwsClients):
        self.table = table
        self.clients = clients


    def create_table(self, wait: bool = True) -> None:
        """Creates the table (on-demand billing); an existing table is fine.

        Idempotent so that every teammate's set-up script can run it. ``wait`` polls until
        the table is ACTIVE (seconds on AWS, at once on moto) and then enables TTL on
        ``delete_after``; with ``wait=False``, call it again once the table is ACTIVE.
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
            if error_code(exc) != "ResourceInUseException":
                raise
        if wait:
            waiter = self._db.get_waiter("table_exists")
            waiter.wait(TableName=self.table, WaiterConfig={"Delay": 2, "MaxAttempts": 90})
            self.enable_ttl()


    def enable_ttl(self) -> None:
        """Lets DynamoDB delete expired events and journal entries itself (TTL on
        ``delete_after``): free, and usually within a few days of the expiry time.

        Idempotent. A table can have one TTL attribute; one that already expires items by
        another attribute is left alone and reported.
        """
        status, attribute = self.ttl_status()
        if status in ("ENABLED", "ENABLING") and attribute == TTL_ATTRIBUTE:
            return
        if status != "DISABLED":
            raise ConfigError(
                f"the DynamoDB state table {self.table!r} has TTL {status.lower()} on"
                f" {attribute!r}; eden's events and journal expire by {TTL_ATTRIBUTE!r}",
                hint="disable that TTL (it takes up to an hour), then run `eden state init`"
                " again; meanwhile `eden state prune` deletes what has expired",
                where=f"dynamodb://{self.table}",
            )
        self._call(
            "update_time_to_live",
            TableName=self.table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )


    def ttl_status(self) -> tuple[str, str | None]:
        """The table's TTL: ENABLED, ENABLING, DISABLING or DISABLED, and its attribute."""
        ttl = self._call("describe_time_to_live", TableName=self.table)
        description = ttl.get("TimeToLiveDescription", {})
        return str(description.get("TimeToLiveStatus", "DISABLED")), description.get(
            "AttributeName"
        )

    @property
    def _db(self) -> Any:
        return self.clients.client("dynamodb")


    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One API call; a missing table becomes a ``ConfigError`` that says what to do."""
        try:
            return dict(getattr(self._db, operation)(**kwargs))
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
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
            "ExpressionAttributeValues": {":pk": as_s(pk)},
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


    def _query_after(
        self, pk: str, after: str | None, page_size: int | None, *, where: str = "",
        names: dict[str, str] | None = None, values: Item | None = None,
        project: tuple[str, ...] = (),
    ) -> Iterator[Item]:
        """A partition's items with a sort key past ``after``, in order, that pass the
        filter ``where``, page after page; the next page is asked for only when the
        caller reads past this one, so a caller that stops early pays for no more.

        ``page_size`` is DynamoDB's ``Limit``, which counts the items read before the
        filter; None lets DynamoDB fill 1 MB pages.
        """
        kwargs = self._query_args(pk)
        attr_names = dict(names or {})
        attr_values = {**kwargs["ExpressionAttributeValues"], **(values or {})}
        if after is not None:
            kwargs["KeyConditionExpression"] += " AND sk > :after"
            attr_values[":after"] = as_s(after)
        if where:
            kwargs["FilterExpression"] = where
        if project:
            attr_names.update({f"#p{i}": attr for i, attr in enumerate(project)})
            kwargs["ProjectionExpression"] = ", ".join(f"#p{i}" for i in range(len(project)))
        if attr_names:
            kwargs["ExpressionAttributeNames"] = attr_names
        kwargs["ExpressionAttributeValues"] = attr_values
        if page_size is not None:
            kwargs["Limit"] = page_size
        while True:
            page = self._call("query", **kwargs)
            yield from page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            kwargs["ExclusiveStartKey"] = start

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


    def _transact(self, items: list[Item]) -> list[str]:
        """Runs a transaction; returns [] on success, else its cancellation reasons when a
        condition failed. Conflicts with another transaction are retried."""
        for attempt in range(_TRANSACTION_ATTEMPTS):
            try:
                self._call("transact_write_items", TransactItems=items)
                return []
            except Exception as exc:
                if error_code(exc) != "TransactionCanceledException":
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


    def _scan_delete(self, scan: dict[str, Any]) -> int:
        """Deletes every item a filtered Scan finds (``scan``: its filter arguments) and
        returns how many; a page at a time, so memory stays flat on a large table."""
        kwargs: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True, "ProjectionExpression": "pk, sk",
            **scan,
        }
        deleted = 0
        while True:
            page = self._call("scan", **kwargs)
            keys = [dict(item) for item in page.get("Items", [])]
            self._delete_keys(keys)
            deleted += len(keys)
            start = page.get("LastEvaluatedKey")
            if not start:
                return deleted
            kwargs["ExclusiveStartKey"] = start

    def _delete_keys(self, keys: list[Item]) -> None:
        """BatchWriteItem in batches of 25, retrying what DynamoDB leaves unprocessed."""
        self._batch_write(
            [{"DeleteRequest": {"Key": k}} for k in keys],
            "deletes",
            "run `eden state prune` again later; TTL deletes them meanwhile",
        )

    def _put_items(self, items: list[Item]) -> None:
        """Puts many items (no conditions), 25 a call, as ``_delete_keys`` deletes."""
        self._batch_write(
            [{"PutRequest": {"Item": i}} for i in items],
            "writes",
            "run the operation again; its journal or events may miss entries",
        )

    def _batch_write(self, requests: list[Item], what: str, hint: str) -> None:
        for first in range(0, len(requests), _BATCH_SIZE):
            pending = requests[first : first + _BATCH_SIZE]
            for attempt in range(_BATCH_ATTEMPTS):
                out = self._call("batch_write_item", RequestItems={self.table: pending})
                pending = out.get("UnprocessedItems", {}).get(self.table, [])
                if not pending:
                    break
                time.sleep(0.05 * 2**attempt)  # throttled: back off as AWS advises
            else:
                raise AwsError(
                    f"DynamoDB left {len(pending)} {what} unprocessed after"
                    f" {_BATCH_ATTEMPTS} tries (the table is throttled)",
                    code="UnprocessedItems",
                    operation="BatchWriteItem",
                    where=f"dynamodb://{self.table}",
                    hint=hint,
                )
