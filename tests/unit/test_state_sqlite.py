"""The embedded SQLite state store, on a temporary file and in memory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from eden.errors import ConfigError
from eden.state import EnvRecord, SqliteStore, open_store
from eden.state.base import ServiceRecord
from state_records import event, record


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqliteStore]:
    path: Path | str = tmp_path / "sub" / "state.db" if request.param == "file" else ":memory:"
    s = SqliteStore(path)
    yield s
    s.close()


def test_put_get_delete(store: SqliteStore) -> None:
    assert store.get("dev", "a") is None
    rec = record("a")
    store.put(rec)
    got = store.get("dev", "a")
    assert got == rec
    assert got is not rec
    assert store.get("other", "a") is None
    store.delete("dev", "a")
    assert store.get("dev", "a") is None
    store.delete("dev", "a")  # deleting what is gone is fine


def test_list_envs_filters_by_profile_and_orders_by_creation(store: SqliteStore) -> None:
    store.put(record("late", created_at=300.0))
    store.put(record("early", created_at=100.0))
    store.put(record("middle", created_at=200.0))
    store.put(record("x", profile="staging", created_at=50.0))
    assert [r.name for r in store.list_envs("dev")] == ["early", "middle", "late"]
    assert [r.name for r in store.list_envs("staging")] == ["x"]
    assert store.list_envs("nope") == []
    everything = store.list_envs()
    assert [(r.profile, r.name) for r in everything] == [
        ("dev", "early"), ("dev", "middle"), ("dev", "late"), ("staging", "x")
    ]


def test_upsert_replaces_the_record(store: SqliteStore) -> None:
    store.put(record("a", status="creating"))
    updated = record("a", status="ready", image="repo/api:2")
    updated.last_deploy_at = 999.0
    store.put(updated)
    got = store.get("dev", "a")
    assert got is not None
    assert got.status == "ready"
    assert got.image == "repo/api:2"
    assert got.last_deploy_at == 999.0
    assert len(store.list_envs("dev")) == 1


def test_upsert_keeps_the_creation_order(store: SqliteStore) -> None:
    store.put(record("a", created_at=100.0))
    store.put(record("b", created_at=150.0))
    store.put(record("a", created_at=500.0, status="failed"))  # a later put of the same env
    # the environment keeps its place: it was created before b
    assert [r.name for r in store.list_envs("dev")] == ["a", "b"]
    assert [r.status for r in store.list_envs("dev")] == ["failed", "ready"]


def test_upsert_keeps_created_at(store: SqliteStore) -> None:
    # A fixed bug (SqliteStore.put): the upsert kept the created_at *column* but
    # overwrote the stored JSON record, so get() and list_envs() returned the new
    # created_at (500) while ordering by the old one (100).
    store.put(record("a", created_at=100.0))
    store.put(record("a", created_at=500.0, status="failed"))
    got = store.get("dev", "a")
    assert got is not None
    assert got.status == "failed"
    assert got.created_at == 100.0
    assert [r.created_at for r in store.list_envs("dev")] == [100.0]


def test_events_newest_first_with_limit(store: SqliteStore) -> None:
    store.add_event(event("a", 10.0, "create"))
    store.add_event(event("a", 30.0, "delete"))
    store.add_event(event("a", 20.0, "deploy", result="failed"))
    store.add_event(event("b", 40.0))
    store.add_event(event("a", 50.0, profile="staging"))
    evs = store.events("dev", "a")
    assert [e.started_at for e in evs] == [30.0, 20.0, 10.0]
    assert [e.action for e in evs] == ["delete", "deploy", "create"]
    assert evs[1] == event("a", 20.0, "deploy", result="failed")
    assert [e.started_at for e in store.events("dev", "a", limit=2)] == [30.0, 20.0]
    assert store.events("dev", "zzz") == []


def test_events_at_the_same_time_keep_insertion_order_newest_first(store: SqliteStore) -> None:
    store.add_event(event("a", 10.0, "create"))
    store.add_event(event("a", 10.0, "deploy"))
    assert [e.action for e in store.events("dev", "a")] == ["deploy", "create"]


def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    one, two = SqliteStore(path), SqliteStore(path)
    try:
        one.put(record("a"))
        assert two.get("dev", "a") == record("a")
        two.put(record("b", created_at=200.0))
        two.add_event(event("b", 1.0))
        assert [r.name for r in one.list_envs("dev")] == ["a", "b"]
        assert len(one.events("dev", "b")) == 1
        one.delete("dev", "b")
        assert two.get("dev", "b") is None
    finally:
        one.close()
        two.close()
    reopened = SqliteStore(path)
    try:
        assert reopened.get("dev", "a") == record("a")
    finally:
        reopened.close()


def test_record_json_round_trip_with_services() -> None:
    rec = record("a")
    rec.alias = "short"
    rec.services.append(ServiceRecord(role="worker", image="repo/worker:3",
                                      resources={"service": {"arn": "arn:svc/worker"}}))
    text = rec.to_json()
    assert json.loads(text)["services"][1]["role"] == "worker"
    back = EnvRecord.from_json(text)
    assert back == rec
    assert isinstance(back.services[0], ServiceRecord)
    assert back.image == "repo/api:1"
    assert back.url == "https://api-a.dev.example.com"
    d = back.as_dict()
    assert d["url"] == back.url and d["image"] == back.image
    json.dumps(d)


def test_record_without_services_has_no_image() -> None:
    rec = EnvRecord(profile="dev", name="a", branch="a", host="h", status="creating",
                    created_at=1.0)
    back = EnvRecord.from_json(rec.to_json())
    assert back == rec
    assert back.image == ""


def test_open_store_urls(tmp_path: Path) -> None:
    mem = open_store("sqlite://:memory:")
    assert isinstance(mem, SqliteStore) and mem.path == ":memory:"
    mem.close()
    path = tmp_path / "deep" / "state.db"
    s = open_store(f"sqlite://{path}")
    assert isinstance(s, SqliteStore) and s.path == str(path)
    s.put(record("a"))
    s.close()
    assert path.exists()
    with pytest.raises(ConfigError, match="region is missing"):
        open_store("dynamodb://table")
    with pytest.raises(ConfigError, match="unknown state URL 'postgres://db'"):
        open_store("postgres://db")


def test_prune_deletes_old_history_and_truncates_the_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    wal = Path(f"{path}-wal")
    store = SqliteStore(path, retention_days=1)
    try:
        for i in range(200):  # each write appends to the WAL; nothing shrinks it
            store.add_event(event(f"e{i}", 10.0 + i))
        store.add_event(event("recent", 3 * 86400.0))
        assert wal.stat().st_size > 100_000
        assert store.prune(now=3.5 * 86400) == 200
        assert wal.stat().st_size == 0  # checkpointed and truncated while still open
        assert [e.env for e in store.events("dev", "recent")] == ["recent"]
        assert store.events("dev", "e0") == []
    finally:
        store.close()


def test_prune_in_memory_has_no_log_to_truncate() -> None:
    store = SqliteStore(":memory:")
    try:
        store.add_event(event("a", 1.0))
        store.add_event(event("b", 91 * 86400.0))
        assert store.prune(now=91 * 86400.0 + 2) == 1  # 90 days by default
        assert [e.env for e in store.events("dev", "b")] == ["b"]
    finally:
        store.close()


def test_open_store_takes_four_slashes_as_one_absolute_path(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'state.db'}?retention_days=7")
    try:
        assert isinstance(s, SqliteStore)
        assert s.path == str(tmp_path / "state.db")  # not "//tmp/...": the WAL is named after it
        assert s.retention_days == 7
    finally:
        s.close()
