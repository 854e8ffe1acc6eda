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

Retention: events and journal entries carry ``delete_after`` (their time plus the store's
``retention_days``, in epoch seconds), and ``create_table`` enables TTL on it, so DynamoDB
deletes them itself; ``prune`` deletes what has expired without waiting for TTL.

Modules: ``store`` holds eden's records, ``table`` the calls on one table (create, TTL,
query, transactions, batch deletes), ``items`` the encoding of values into items.

This package never imports boto3 or botocore: the CLI imports it through ``eden.state`` on
every command, and the client is built by ``clients`` on the first request.
"""

from eden.state.dynamodb.store import DynamoStore
from eden.state.dynamodb.table import TTL_ATTRIBUTE

__all__ = ["TTL_ATTRIBUTE", "DynamoStore"]
