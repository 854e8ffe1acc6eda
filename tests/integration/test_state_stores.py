"""One suite for every state store: SQLite on a file, DynamoDB on a moto server over HTTP.

Each test runs once per store, so any difference in semantics between the two shows up
as a failure of the same assertions. The DynamoDB store reads in pages of at most
``PAGE`` items here (a botocore hook lowers each Query's ``Limit``), so every multi-item
read in the suite crosses pages the way a large table's reads do on AWS.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from moto_atomic import make_dynamodb_items_atomic

from eden.aws.clients import AwsClients, AwsSettings
from eden.errors import ConfigError
from eden.state import (
    ApiKey,
    DynamoStore,
    EnvQuery,
    EnvRecord,
    EnvSummary,
    LockInfo,
    SqliteStore,
    StateStore,
    open_store,
)
from eden.state.dynamodb import TTL_ATTRIBUTE
from state_records import api_key, entry, event, record

PAGE = 2
REGION = "us-east-1"
# Every moto backend call that reads or writes items. See ``dynamo_endpoint``.


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dynamo_endpoint() -> Iterator[str]:
    """This file's own moto server on 127.0.0.1, for the whole session.

    DynamoDB applies each item write (and its condition) atomically; moto's server
    handles requests on threads and checks a condition and then writes without a lock,
    so two racing requests can both pass. The race tests below are about the store
    making *one* conditional request, so moto's item operations are serialized here
    to give them DynamoDB's per-item atomicity.
    """
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    with pytest.MonkeyPatch.context() as mp:
        make_dynamodb_items_atomic(mp)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def _small_pages(params: dict[str, Any], **_: Any) -> None:
    params["Limit"] = min(int(params.get("Limit", PAGE)), PAGE)


@pytest.fixture(scope="session")
def dynamo_clients(dynamo_endpoint: str) -> AwsClients:
    """One set of clients for every table: building boto3 clients costs ~0.15 s."""
    clients = AwsClients(
        AwsSettings(region=REGION, endpoint_url=dynamo_endpoint,
                    access_key_id="sandbox", secret_access_key="sandbox")
    )
    clients.on("before-parameter-build.dynamodb.Query", _small_pages)
    return clients


class Backend(NamedTuple):
    store: StateStore
    url: str  # what another process opens to reach the same state


@pytest.fixture(params=["sqlite", "dynamodb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh, empty store of each kind: a new SQLite file, or a new table."""
    if request.param == "sqlite":
        path = tmp_path / "state.db"
        store: StateStore = SqliteStore(path)
        url = f"sqlite://{path}"
    else:
        endpoint = request.getfixturevalue("dynamo_endpoint")
        table = f"eden-test-{uuid.uuid4().hex[:12]}"
        dynamo = DynamoStore(table, request.getfixturevalue("dynamo_clients"))
        dynamo.create_table()
        store, url = dynamo, f"dynamodb://{table}?region={REGION}&endpoint_url={endpoint}"
    yield Backend(store, url)
    store.close()


@pytest.fixture
def store(backend: Backend) -> StateStore:
    return backend.store


# -- environments -----------------------------------------------------------------------


def test_put_get_delete(store: StateStore) -> None:
    assert store.get("dev", "a") is None
    rec = record("a")
    rec.alias = "short"
    store.put(rec)
    got = store.get("dev", "a")
    assert got == rec and got is not rec
    assert store.get("other", "a") is None
    store.delete("dev", "a")
    assert store.get("dev", "a") is None
    assert store.list_envs("dev") == []
    store.delete("dev", "a")  # deleting what is gone is fine


def test_list_envs_by_profile_oldest_first_and_all_profiles(store: StateStore) -> None:
    for i, created in enumerate([300.0, 100.0, 500.0, 200.0, 400.0]):
        store.put(record(f"e{i}", created_at=created))
    store.put(record("x", profile="staging", created_at=50.0))
    store.put(record("y", profile="qa", created_at=700.0))
    store.put(record("z", profile="qa", created_at=600.0))
    assert [r.name for r in store.list_envs("dev")] == ["e1", "e3", "e0", "e4", "e2"]
    assert [r.name for r in store.list_envs("staging")] == ["x"]
    assert store.list_envs("nope") == []
    assert [(r.profile, r.name) for r in store.list_envs()] == [
        ("dev", "e1"), ("dev", "e3"), ("dev", "e0"), ("dev", "e4"), ("dev", "e2"),
        ("qa", "z"), ("qa", "y"),
        ("staging", "x"),
    ]
    assert store.list_envs(None) == store.list_envs()
    assert store.list_envs()[0] == record("e1", created_at=100.0)


def test_all_profiles_leaves_out_deleted_environments(store: StateStore) -> None:
    store.put(record("a", profile="p1"))
    store.put(record("b", profile="p2"))
    store.delete("p1", "a")
    assert [(r.profile, r.name) for r in store.list_envs()] == [("p2", "b")]


def test_upsert_replaces_the_record_but_keeps_created_at(store: StateStore) -> None:
    store.put(record("a", created_at=100.0, status="creating"))
    store.put(record("b", created_at=150.0))
    updated = record("a", created_at=500.0, status="ready", image="repo/api:2")
    updated.last_deploy_at = 999.0
    store.put(updated)
    got = store.get("dev", "a")
    assert got is not None
    assert (got.status, got.image, got.last_deploy_at) == ("ready", "repo/api:2", 999.0)
    assert got.created_at == 100.0
    listed = store.list_envs("dev")
    assert [(r.name, r.created_at) for r in listed] == [("a", 100.0), ("b", 150.0)]
    assert listed[0] == got


def test_pinned_flag_round_trips(store: StateStore) -> None:
    rec = record("a")
    rec.pinned = True
    store.put(rec)
    got = store.get("dev", "a")
    assert got is not None and got.pinned is True
    rec.pinned = False
    store.put(rec)
    got = store.get("dev", "a")
    assert got is not None and got.pinned is False
    assert [r.pinned for r in store.list_envs("dev")] == [False]


def test_optional_fields_and_awkward_values_round_trip(store: StateStore) -> None:
    bare = EnvRecord(profile="dev", name="bare", branch="b", host="h", status="creating",
                     created_at=1_700_000_000.123456)
    store.put(bare)
    assert store.get("dev", "bare") == bare
    odd = record("odd", created_at=0.1 + 0.2)  # floats that are not short decimals
    odd.extra = {"unicode": "héllo ✓", "empty": "", "none": None, "list": [1, 2.5]}
    store.put(odd)
    assert store.get("dev", "odd") == odd


def test_names_with_separators_never_collide(store: StateStore) -> None:
    store.put(record("c", profile="a#b"))
    store.put(record("b#c", profile="a"))
    store.put(record("x", profile="a%23b"))
    assert [r.name for r in store.list_envs("a#b")] == ["c"]
    assert [r.name for r in store.list_envs("a")] == ["b#c"]
    assert [r.name for r in store.list_envs("a%23b")] == ["x"]
    store.add_event(event("c", 1.0, profile="a#b"))
    store.add_event(event("b#c", 2.0, profile="a"))
    assert [e.started_at for e in store.events("a#b", "c")] == [1.0]
    assert [e.started_at for e in store.events("a", "b#c")] == [2.0]


# -- pages and the change token (the API's list: paging, filters, ETags) ------------------


def _fleet(store: StateStore) -> None:
    for name, status, branch in [
        ("f-b", "ready", "feature/b"), ("a-x", "failed", "fix/a"), ("f-a", "ready", "feature/a"),
        ("f-c", "creating", "feature/c"), ("fea", "ready", "feat"), ("z", "ready", "Feature/z"),
    ]:
        rec = record(name, status=status)
        rec.branch = branch
        store.put(rec)
    store.put(record("other", profile="staging"))


def _names(store: StateStore, **query: Any) -> list[str]:
    return [r.name for r in store.list_page("dev", EnvQuery(**query))]


def test_list_page_in_name_order_after_a_name_up_to_a_limit(store: StateStore) -> None:
    _fleet(store)
    assert _names(store) == ["a-x", "f-a", "f-b", "f-c", "fea", "z"]
    assert _names(store, limit=3) == ["a-x", "f-a", "f-b"]
    assert _names(store, after="f-b", limit=3) == ["f-c", "fea", "z"]
    assert _names(store, after="f-bb") == ["f-c", "fea", "z"]  # after a name that is gone
    assert _names(store, after="z") == []
    assert _names(store, limit=0) == []
    got = store.list_page("dev", EnvQuery(limit=1))[0]
    assert got == store.get("dev", "a-x")


def test_list_page_filters_by_status_and_branch_prefix(store: StateStore) -> None:
    _fleet(store)
    assert _names(store, statuses=("ready",)) == ["f-a", "f-b", "fea", "z"]
    assert _names(store, statuses=("creating", "failed")) == ["a-x", "f-c"]
    # A prefix is case-sensitive and literal ("feature/" is not "feat" nor "Feature/").
    assert _names(store, branch_prefix="feature/") == ["f-a", "f-b", "f-c"]
    assert _names(store, branch_prefix="feat") == ["f-a", "f-b", "f-c", "fea"]
    assert _names(store, branch_prefix="feature/", statuses=("ready",), limit=1) == ["f-a"]
    assert _names(
        store, branch_prefix="feature/", statuses=("ready",), after="f-a", limit=1
    ) == ["f-b"]
    assert _names(store, branch_prefix="%") == []
    assert [r.name for r in store.list_page("staging", EnvQuery())] == ["other"]


def test_list_summaries_are_the_pages_records_in_brief(store: StateStore) -> None:
    """Lean rows (SQLite reads them from its columns) hold what the records say, for a
    record deployed again (created_at stays the first put's), pinned, or with no service."""
    _fleet(store)
    bare = record("bare", created_at=50.0)
    bare.pinned, bare.services, bare.last_deploy_at = True, [], None
    store.put(bare)
    store.put(record("f-a", created_at=999.0, image="repo/api:2"))  # a deploy
    for query in (EnvQuery(), EnvQuery(statuses=("ready",), limit=2),
                  EnvQuery(branch_prefix="feature/", after="f-a")):
        records = store.list_page("dev", query)
        assert store.list_summaries("dev", query) == [EnvSummary.of(r) for r in records]
    lean = {s.name: s for s in store.list_summaries("dev", EnvQuery())}
    assert (lean["f-a"].created_at, lean["f-a"].image) == (100.0, "repo/api:2")
    assert (lean["bare"].pinned, lean["bare"].image, lean["bare"].url) == (
        True, "", "https://api-bare.dev.example.com")


def test_changes_moves_with_every_write_of_its_profile_only(store: StateStore) -> None:
    empty = store.changes("dev")
    assert store.changes("dev") == empty  # reading changes nothing
    store.put(record("a"))
    one = store.changes("dev")
    assert one != empty
    staging = store.changes("staging")
    store.put(record("b", profile="staging"))
    assert store.changes("dev") == one
    assert store.changes("staging") != staging
    rec = record("a")
    rec.pinned = True
    store.put(rec)
    pinned = store.changes("dev")
    assert pinned not in (empty, one)
    store.add_event(event("a", 5.0))  # history is not in the list: no change
    store.list_page("dev", EnvQuery())
    assert store.changes("dev") == pinned
    store.delete("dev", "a")
    assert store.changes("dev") not in (empty, one, pinned)


def test_changes_seen_by_another_store_on_the_same_state(backend: Backend) -> None:
    other = open_store(backend.url)
    try:
        before = other.changes("dev")
        backend.store.put(record("a"))
        after = other.changes("dev")
        assert after != before
        assert backend.store.changes("dev") == after
    finally:
        other.close()


def test_changes_never_repeat_in_a_new_store(backend: Backend, tmp_path: Path) -> None:
    """A count alone would repeat in a new file or table: the epoch tells them apart."""
    backend.store.put(record("a"))
    fresh: StateStore
    if isinstance(backend.store, SqliteStore):
        fresh = SqliteStore(tmp_path / "new.db")
    else:
        fresh = DynamoStore(f"eden-test-{uuid.uuid4().hex[:12]}", backend.store.clients)
        fresh.create_table()
    try:
        fresh.put(record("a", image="repo/api:2"))
        assert fresh.changes("dev") != backend.store.changes("dev")
    finally:
        fresh.close()


# -- events and journal -----------------------------------------------------------------


def test_events_newest_first_with_limit(store: StateStore) -> None:
    store.add_event(event("a", 10.0, "create"))
    store.add_event(event("a", 30.0, "delete", image=None))
    store.add_event(event("a", 20.0, "deploy", result="failed"))
    store.add_event(event("a", 1_700_000_000.5, "deploy"))
    store.add_event(event("b", 40.0))
    store.add_event(event("a", 50.0, profile="staging"))
    evs = store.events("dev", "a")
    assert [e.started_at for e in evs] == [1_700_000_000.5, 30.0, 20.0, 10.0]
    assert evs[1] == event("a", 30.0, "delete", image=None)
    assert evs[2] == event("a", 20.0, "deploy", result="failed")
    assert [e.started_at for e in store.events("dev", "a", limit=3)] == [1_700_000_000.5, 30.0,
                                                                        20.0]
    assert store.events("dev", "a", limit=0) == []
    assert store.events("dev", "a", limit=-1) == evs  # SQLite's LIMIT -1: no limit
    assert store.events("dev", "zzz") == []


def test_events_at_the_same_time_come_back_newest_write_first(store: StateStore) -> None:
    for action in ["create", "deploy", "deploy", "delete", "create"]:
        store.add_event(event("a", 10.0, action))
    store.add_event(event("a", 9.0, "older"))
    got = [e.action for e in store.events("dev", "a")]
    assert got == ["create", "delete", "deploy", "deploy", "create", "older"]


def test_journal_newest_first_with_limit(store: StateStore) -> None:
    store.add_journal(entry("a", 1.0, "target_group"))
    store.add_journal(entry("a", 2.0, "target_group", "done"))
    store.add_journal(entry("a", 2.0, "service"))  # same time: written later, newer
    store.add_journal(entry("a", 3.0, "service", "failed"))
    store.add_journal(entry("b", 4.0, "other"))
    store.add_journal(entry("a", 5.0, "other", profile="staging"))
    got = store.journal("dev", "a")
    assert [(j.step, j.phase) for j in got] == [
        ("service", "failed"), ("service", "start"), ("target_group", "done"),
        ("target_group", "start"),
    ]
    assert got[0] == entry("a", 3.0, "service", "failed")
    assert [j.at for j in store.journal("dev", "a", limit=3)] == [3.0, 2.0, 2.0]
    assert store.journal("dev", "nothing") == []


# -- API keys ---------------------------------------------------------------------------


def test_api_keys_put_find_list_revoke(store: StateStore) -> None:
    store.put_api_key(api_key("k2", "h2", 20.0, "write"))
    store.put_api_key(api_key("k1", "h1", 10.0))
    store.put_api_key(api_key("k3", "h3", 30.0))
    assert store.find_api_key("h2") == api_key("k2", "h2", 20.0, "write")
    assert store.find_api_key("nope") is None
    assert [k.id for k in store.list_api_keys()] == ["k1", "k2", "k3"]

    assert store.revoke_api_key("k2") is True
    assert store.revoke_api_key("k2") is False  # already revoked
    assert store.revoke_api_key("unknown") is False
    found = store.find_api_key("h2")
    assert found is not None and found.revoked is True
    assert [(k.id, k.revoked) for k in store.list_api_keys()] == [
        ("k1", False), ("k2", True), ("k3", False)
    ]
    assert "secret_hash" not in found.as_dict()


def test_api_key_stored_revoked_stays_revoked(store: StateStore) -> None:
    key = ApiKey(id="k", name="old", secret_hash="h", scope="read", created_at=1.0,
                 revoked=True)
    store.put_api_key(key)
    assert store.find_api_key("h") == key
    assert store.revoke_api_key("k") is False


def test_api_key_duplicates_are_refused(store: StateStore) -> None:
    # Both stores refuse with the same error (SQLite: primary key, UNIQUE; DynamoDB: a
    # transaction's conditions); neither leaves half a key behind.
    store.put_api_key(api_key("k1", "h1", 10.0))
    with pytest.raises(ValueError, match=r"^an API key with id 'k1' or the same secret already"):
        store.put_api_key(api_key("k1", "other", 11.0))
    with pytest.raises(ValueError, match=r"^an API key with id 'k2' or the same secret already"):
        store.put_api_key(api_key("k2", "h1", 12.0))
    assert store.find_api_key("other") is None
    assert [k.id for k in store.list_api_keys()] == ["k1"]
    assert store.find_api_key("h1") == api_key("k1", "h1", 10.0)


# -- leases -----------------------------------------------------------------------------


def test_lease_acquire_renew_expire_release(store: StateStore) -> None:
    assert store.lock_info("env:a") is None
    assert store.acquire_lock("env:a", "alice", 10.0, now=100.0) is True
    assert store.lock_info("env:a") == LockInfo("env:a", "alice", 110.0)
    assert store.acquire_lock("env:a", "bob", 10.0, now=105.0) is False  # held
    assert store.acquire_lock("env:a", "alice", 10.0, now=105.0) is True  # renewal
    assert store.lock_info("env:a") == LockInfo("env:a", "alice", 115.0)
    assert store.acquire_lock("env:a", "bob", 10.0, now=115.0) is False  # expires *after* now
    assert store.acquire_lock("other", "bob", 10.0, now=115.0) is True  # keys are separate
    # Expired: still visible to lock_info (who held it), and free for anyone to take.
    assert store.lock_info("env:a") == LockInfo("env:a", "alice", 115.0)
    assert store.acquire_lock("env:a", "bob", 10.0, now=115.5) is True
    assert store.lock_info("env:a") == LockInfo("env:a", "bob", 125.5)
    assert store.acquire_lock("env:a", "alice", 10.0, now=116.0) is False

    assert store.release_lock("env:a", "alice") is False  # not the owner
    assert store.lock_info("env:a") == LockInfo("env:a", "bob", 125.5)
    assert store.release_lock("env:a", "bob") is True
    assert store.lock_info("env:a") is None
    assert store.release_lock("env:a", "bob") is False  # already released
    assert store.acquire_lock("env:a", "alice", 10.0, now=117.0) is True  # free again
    assert store.lock_info("other") == LockInfo("other", "bob", 125.0)


def test_twenty_threads_race_for_one_lease_and_one_wins(store: StateStore) -> None:
    n = 20
    store.lock_info("race")  # builds clients and connections before the start line
    start = threading.Barrier(n)
    results: dict[str, bool] = {}

    def contend(owner: str) -> None:
        start.wait(timeout=30)
        results[owner] = store.acquire_lock("race", owner, 30.0, now=1000.0)

    threads = [threading.Thread(target=contend, args=(f"t{i}",)) for i in range(n)]
    try:
        for t in threads:
            t.start()
    except BaseException:
        start.abort()  # the started ones stop waiting for those that never will
        raise
    finally:
        for t in threads:
            if t.ident is not None:
                t.join(timeout=60)
    assert not [t.name for t in threads if t.is_alive()], "a contender is still running"
    assert len(results) == n
    winners = [owner for owner, won in results.items() if won]
    assert len(winners) == 1
    assert store.lock_info("race") == LockInfo("race", winners[0], 1030.0)


WON, LOST = 10, 11


def _contend_in_process(url: str, owner: str, start: Any) -> None:
    """A spawned process: open the store by URL, wait at the start line, race once."""
    store = open_store(url)
    store.lock_info("race")  # boto3 clients and the HTTP connection, before the race
    start.wait(timeout=60)
    won = store.acquire_lock("race", owner, 30.0, now=1000.0)
    store.close()
    sys.exit(WON if won else LOST)


def test_processes_race_for_one_lease_and_one_wins(backend: Backend) -> None:
    n = 4
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(n)
    procs = [
        ctx.Process(target=_contend_in_process, args=(backend.url, f"p{i}", start))
        for i in range(n)
    ]
    try:
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(10)
    codes = sorted(p.exitcode for p in procs if p.exitcode is not None)
    assert codes == [WON] + [LOST] * (n - 1)
    info = backend.store.lock_info("race")
    assert info is not None and info.owner in {f"p{i}" for i in range(n)}
    assert info.expires_at == 1030.0


# -- shared profiles --------------------------------------------------------------------


def test_profiles_put_get_list_delete(store: StateStore) -> None:
    values: dict[str, Any] = {
        "region": "eu-west-1", "desired_count": 2, "ratio": 0.5,
        "env": {"LOG_LEVEL": "debug"}, "services": [{"role": "app", "port": 8080}],
    }
    assert store.get_profile("dev") is None
    assert store.list_profiles() == []
    store.put_profile("staging", {"region": "us-east-1"})
    store.put_profile("dev", values)
    assert store.get_profile("dev") == values
    assert isinstance(store.get_profile("dev"), dict)
    assert store.list_profiles() == ["dev", "staging"]
    store.put_profile("dev", {"region": "eu-central-1"})  # replaces, does not merge
    assert store.get_profile("dev") == {"region": "eu-central-1"}
    assert store.delete_profile("dev") is True
    assert store.delete_profile("dev") is False
    assert store.get_profile("dev") is None
    assert store.list_profiles() == ["staging"]


# -- retention --------------------------------------------------------------------------

DAY = 86400.0


def test_prune_deletes_history_older_than_the_retention_and_nothing_else(
    store: StateStore,
) -> None:
    assert store.retention_days == 90  # the default
    now = 1_000 * DAY
    for at in (now - 200 * DAY, now - 90 * DAY - 1, now - 90 * DAY, now - DAY):
        store.add_event(event("a", at))
        store.add_journal(entry("a", at, "service"))
    store.add_event(event("b", now - 100 * DAY, profile="staging"))
    store.put(record("a", created_at=1.0))  # older than any cutoff, but not history
    store.put_profile("dev", {"region": "eu-west-1"})
    store.put_api_key(api_key("k1", "h1", 1.0))
    assert store.acquire_lock("env:a", "me", ttl=10, now=1.0)

    assert store.prune(now) == 5  # two events and two entries of a, one event of b
    kept = [now - 90 * DAY, now - DAY]  # exactly 90 days old is kept
    assert sorted(e.started_at for e in store.events("dev", "a")) == kept
    assert sorted(j.at for j in store.journal("dev", "a")) == kept
    assert store.events("staging", "b") == []
    assert store.get("dev", "a") == record("a", created_at=1.0)
    assert store.get_profile("dev") == {"region": "eu-west-1"}
    assert [k.id for k in store.list_api_keys()] == ["k1"]
    assert store.lock_info("env:a") == LockInfo("env:a", "me", 11.0)
    assert store.prune(now) == 0  # nothing left to prune


def test_retention_days_comes_from_the_state_url(backend: Backend) -> None:
    joiner = "&" if "?" in backend.url else "?"
    store = open_store(f"{backend.url}{joiner}retention_days=30")
    try:
        assert store.retention_days == 30
        now = 1_000 * DAY
        store.add_event(event("a", now - 31 * DAY))
        store.add_event(event("a", now - 29 * DAY))
        store.add_journal(entry("a", now - 31 * DAY, "service"))
        assert store.prune(now) == 2
        assert [e.started_at for e in store.events("dev", "a")] == [now - 29 * DAY]
        assert store.journal("dev", "a") == []
    finally:
        store.close()


# -- DynamoDB only ----------------------------------------------------------------------


def test_dynamodb_reads_cross_pages(dynamo_clients: AwsClients) -> None:
    store = DynamoStore(f"eden-test-{uuid.uuid4().hex[:12]}", dynamo_clients)
    store.create_table()
    store.create_table()  # idempotent
    for i in range(5):
        store.put(record(f"e{i}", created_at=float(10 - i)))
    dynamo_clients.reset_calls()
    assert [r.name for r in store.list_envs("dev")] == ["e4", "e3", "e2", "e1", "e0"]
    queries = [c for c in dynamo_clients.calls() if c.operation == "Query"]
    assert len(queries) == 3  # 5 items, PAGE = 2 per page


def test_dynamodb_ignores_an_environment_item_still_being_written(
    dynamo_clients: AwsClients,
) -> None:
    # moto's UpdateItem stores a new item's bare key before its attributes; a read on
    # another thread can see that in between (DynamoDB never shows it).
    store = DynamoStore(f"eden-test-{uuid.uuid4().hex[:12]}", dynamo_clients)
    store.create_table()
    store.put(record("a"))
    bare = {"pk": {"S": "ENV#dev"}, "sk": {"S": "b"}}
    dynamo_clients.client("dynamodb").put_item(TableName=store.table, Item=bare)
    assert store.get("dev", "b") is None
    assert [r.name for r in store.list_envs("dev")] == ["a"]
    assert [r.name for r in store.list_envs()] == ["a"]


def test_dynamodb_page_reads_what_it_returns(dynamo_clients: AwsClients) -> None:
    """A page of 3 out of 9 costs the Queries for 3 items, not a read of all 9."""
    store = DynamoStore(f"eden-test-{uuid.uuid4().hex[:12]}", dynamo_clients)
    store.create_table()
    for i in range(9):
        store.put(record(f"e{i}"))
    dynamo_clients.reset_calls()
    assert [r.name for r in store.list_page("dev", EnvQuery(after="e2", limit=3))] == [
        "e3", "e4", "e5"
    ]
    queries = [c for c in dynamo_clients.calls() if c.operation == "Query"]
    assert len(queries) == 2  # PAGE = 2 items per Query: 2 + 1


def test_dynamodb_register_keeps_the_change_count(dynamo_clients: AwsClients) -> None:
    """Each new process registers the profile again; that must not reset the count (a
    count that went back could repeat a token with other records behind it)."""
    table = f"eden-test-{uuid.uuid4().hex[:12]}"
    first = DynamoStore(table, dynamo_clients)
    first.create_table()
    first.put(record("a"))
    first.put(record("b"))
    before = first.changes("dev")
    DynamoStore(table, dynamo_clients).put(record("c"))  # a new process: registers again
    item = dynamo_clients.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": "ENVPROFILE"}, "sk": {"S": "dev"}}, ConsistentRead=True
    )["Item"]
    assert item["changes"] == {"N": "3"}
    assert first.changes("dev").split(".")[:2] == [before.split(".")[0], "3"]


def test_dynamodb_missing_table_is_a_config_error(dynamo_clients: AwsClients) -> None:
    store = DynamoStore("eden-no-such-table", dynamo_clients)
    with pytest.raises(
        ConfigError, match=r"^the DynamoDB state table 'eden-no-such-table' does not exist"
    ) as err:
        store.get("dev", "a")
    assert err.value.hint is not None and "create_table" in err.value.hint


def test_dynamodb_refuses_what_it_cannot_store_before_any_request(
    dynamo_clients: AwsClients,
) -> None:
    store = DynamoStore("eden-no-such-table", dynamo_clients)  # never reached
    with pytest.raises(ValueError, match="inf"):
        store.acquire_lock("k", "o", float("inf"), now=1.0)
    with pytest.raises(ValueError, match="empty"):
        store.put(record(""))
    with pytest.raises(ValueError, match="empty"):
        store.lock_info("")
    with pytest.raises(ValueError, match=">= 0"):
        store.add_event(event("a", -1.0))
    with pytest.raises(ValueError, match=">= 0"):
        store.add_journal(entry("a", float("nan"), "step"))


def _raw_items(store: DynamoStore, dynamo_clients: AwsClients) -> list[dict[str, Any]]:
    return list(
        dynamo_clients.client("dynamodb").scan(TableName=store.table, ConsistentRead=True)["Items"]
    )


def test_dynamodb_history_carries_a_ttl_that_the_table_enables(
    dynamo_clients: AwsClients,
) -> None:
    # moto keeps TTL as metadata and never expires items: the attribute and the table's
    # TTL specification are what can be checked here.
    store = DynamoStore(f"eden-test-{uuid.uuid4().hex[:12]}", dynamo_clients,
                        retention_days=7)
    store.create_table()
    ttl = dynamo_clients.client("dynamodb").describe_time_to_live(TableName=store.table)
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": TTL_ATTRIBUTE,
    }
    assert store.ttl_status() == ("ENABLED", "delete_after")
    store.create_table()  # enabling again is a no-op, not AWS's "already enabled" error
    store.add_event(event("a", 1_700_000_000.75))
    store.add_journal(entry("a", 1_700_000_100.25, "service"))
    store.put(record("a"))
    store.put_profile("dev", {})
    expiry = {
        item["kind"]["S"]: item.get(TTL_ATTRIBUTE)
        for item in _raw_items(store, dynamo_clients)
        if item["kind"]["S"] in ("event", "journal", "env", "profile")
    }
    assert expiry == {
        "event": {"N": str(1_700_000_000 + 7 * 86400)},  # whole epoch seconds
        "journal": {"N": str(1_700_000_100 + 7 * 86400)},
        "env": None,  # only history expires
        "profile": None,
    }


def test_dynamodb_ttl_on_another_attribute_is_reported(dynamo_clients: AwsClients) -> None:
    store = DynamoStore(f"eden-test-{uuid.uuid4().hex[:12]}", dynamo_clients)
    store.create_table(wait=False)
    dynamo_clients.client("dynamodb").update_time_to_live(
        TableName=store.table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
    )
    with pytest.raises(ConfigError, match="has TTL enabled on 'expires'") as err:
        store.create_table()
    assert err.value.hint is not None and "disable that TTL" in err.value.hint


def test_dynamodb_prune_also_deletes_history_written_without_a_ttl(
    dynamo_clients: AwsClients,
) -> None:
    store = DynamoStore(f"eden-test-{uuid.uuid4().hex[:12]}", dynamo_clients)
    store.create_table()
    now = 1_000 * DAY
    store.add_event(event("a", now - 100 * DAY))
    store.add_event(event("a", now - DAY))
    store.add_journal(entry("a", now - 100 * DAY, "service"))
    # What an older eden wrote: the same items without the TTL attribute.
    client = dynamo_clients.client("dynamodb")
    for item in _raw_items(store, dynamo_clients):
        del item[TTL_ATTRIBUTE]
        client.put_item(TableName=store.table, Item=item)
    assert all(TTL_ATTRIBUTE not in i for i in _raw_items(store, dynamo_clients))
    assert store.prune(now) == 2
    assert [e.started_at for e in store.events("dev", "a")] == [now - DAY]
    assert store.journal("dev", "a") == []


# -- open_store -------------------------------------------------------------------------


# open_store's SQLite URLs: tests/unit/test_state_sqlite.py::test_open_store_urls.


def test_open_store_dynamodb_url(dynamo_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    table = f"eden-url-{uuid.uuid4().hex[:8]}"
    s = open_store(f"dynamodb://{table}?region=us-east-1&endpoint_url={dynamo_endpoint}")
    assert isinstance(s, DynamoStore) and s.table == table
    settings = s.clients.settings
    assert (settings.region, settings.endpoint_url) == ("us-east-1", dynamo_endpoint)
    # A loopback endpoint is the sandbox: it gets the sandbox's fixed credentials.
    assert (settings.access_key_id, settings.secret_access_key) == ("sandbox", "sandbox")
    s.create_table()
    s.put(record("a"))
    assert s.get("dev", "a") == record("a")
    s.close()


def test_open_store_dynamodb_credentials_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    real = open_store("dynamodb://eden-state?region=eu-west-1")
    assert isinstance(real, DynamoStore)
    assert real.clients.settings.endpoint_url is None
    assert real.clients.settings.access_key_id is None  # the default credential chain
    remote = open_store("dynamodb://eden-state?region=eu-west-1&endpoint_url=https://ddb.example")
    assert isinstance(remote, DynamoStore) and remote.clients.settings.access_key_id is None
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    mine = open_store("dynamodb://eden-state?region=eu-west-1&endpoint_url=http://localhost:5000")
    assert isinstance(mine, DynamoStore) and mine.clients.settings.access_key_id is None


def test_open_store_dynamodb_takes_given_clients(dynamo_clients: AwsClients) -> None:
    s = open_store("dynamodb://eden-given?region=eu-west-1", clients=dynamo_clients)
    assert isinstance(s, DynamoStore)
    assert s.table == "eden-given" and s.clients is dynamo_clients


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("dynamodb://", "table name is missing"),
        ("dynamodb://?region=us-east-1", "table name is missing"),
        ("dynamodb:///eden-state?region=us-east-1", "table name is missing"),
        ("dynamodb://eden-state", "region is missing"),
        ("dynamodb://eden-state?region=", "region is missing"),
        ("dynamodb://eden-state/more?region=us-east-1", "nothing may follow"),
        ("dynamodb://eden-state?region=us-east-1#frag", "nothing may follow"),
        ("dynamodb://ab?region=us-east-1", "not a DynamoDB table name"),
        ("dynamodb://bad name?region=us-east-1", "not a DynamoDB table name"),
        ("dynamodb://user@eden-state?region=us-east-1", "not a DynamoDB table name"),
        ("dynamodb://eden-state?region=US East", "not an AWS region"),
        ("dynamodb://eden-state?regoin=us-east-1", "unknown parameter(s) regoin"),
        ("dynamodb://eden-state?region=us-east-1&region=eu-west-1", "more than once"),
        ("dynamodb://eden-state?region=us-east-1&endpoint_url=ftp://x", "not an http(s) URL"),
        ("dynamodb://eden-state?region=us-east-1&endpoint_url=localhost", "not an http(s) URL"),
        ("dynamodb://eden-state?region", "bad query field"),
        ("dynamodb://eden-state?region=us-east-1&retention_days=0", "whole number of days"),
        ("dynamodb://eden-state?region=us-east-1&retention_days=30d", "got '30d'"),
        ("sqlite:///tmp/x.db?retention_days=1.5", "from 1 to 36500, got '1.5'"),
        ("sqlite:///tmp/x.db?retention_days=36501", "from 1 to 36500"),
        ("sqlite:///tmp/x.db?retention_days=", "got ''"),
        ("sqlite:///tmp/x.db?retention_days=-3", "got '-3'"),
        ("sqlite:///tmp/x.db?keep=3", "unknown parameter(s) keep"),
        ("sqlite:///tmp/x.db?retention_days=3&retention_days=4", "more than once"),
        ("sqlite://", "no file path"),
        ("postgres://db", "unknown state URL"),
        ("state.db", "unknown state URL"),
    ],
)
def test_open_store_bad_urls(url: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)) as err:
        open_store(url)
    assert err.value.hint is not None
    if url.startswith("dynamodb://"):
        assert "dynamodb://TABLE?region=REGION" in err.value.hint


def test_dynamodb_journal_entries_written_at_once_go_out_together(
    dynamo_clients: AwsClients,
) -> None:
    """12 writers at once: every entry is there when its writer returns, in fewer calls
    than entries (one BatchWriteItem carries those that queued behind the first)."""
    writers = 12  # enough to queue behind the first; each then reads the journal
    store = DynamoStore(f"eden-test-{uuid.uuid4().hex[:12]}", dynamo_clients)
    store.create_table()
    dynamo_clients.reset_calls()
    gate = threading.Barrier(writers)
    seen: list[bool] = []

    def write(i: int) -> None:
        gate.wait(timeout=30)
        store.add_journal(entry("a", float(i + 1), f"step-{i}"))
        seen.append(any(j.step == f"step-{i}" for j in store.journal("dev", "a")))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a journal writer never returned"
    assert seen == [True] * writers
    assert sorted(j.step for j in store.journal("dev", "a")) == sorted(
        f"step-{i}" for i in range(writers))
    writes = [c.operation for c in dynamo_clients.calls()
              if c.operation in ("PutItem", "BatchWriteItem")]
    assert "BatchWriteItem" in writes and len(writes) < writers
