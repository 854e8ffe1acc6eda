"""ETags over HTTP: an unchanged list or environment is a 304 with no body, and anything
shown that changes (a deploy, a pin, a write by another process, the profile's TTL)
gives a new ETag; a walk through pages stays whole while environments come and go."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import fleet_record

from eden.config import read_file, write_profile
from eden.state import SqliteStore

pytestmark = pytest.mark.integration

LEAN = {"view": "summary"}


def _get(api: Any, path: str, etag: str | None = None, **params: Any) -> Any:
    headers = api.as_reader() | ({"if-none-match": etag} if etag else {})
    return api.client.get(path, params=params, headers=headers)


def _assert_not_modified(api: Any, path: str, sent: str, current: str, **params: Any) -> None:
    r = _get(api, path, sent, **params)
    assert r.status_code == 304, r.text
    assert r.content == b""
    assert r.headers["etag"] == current


def test_a_list_and_an_environment_are_304_until_a_deploy_or_a_pin(api: Any) -> None:
    images = api.seeded.image_uris
    one = "/api/v1/environments/feature/etag"
    assert api.client.put(one, json={"image": images[0]}, headers=api.as_writer()).is_success
    listed = _get(api, "/api/v1/environments", **LEAN)
    shown = _get(api, one)
    tags = {"list": listed.headers["etag"], "one": shown.headers["etag"]}
    assert tags["list"].startswith('W/"') and tags["one"].startswith('W/"')
    assert listed.headers["cache-control"] == "private, no-cache"
    _assert_not_modified(api, "/api/v1/environments", tags["list"], tags["list"], **LEAN)
    _assert_not_modified(api, one, tags["one"], tags["one"])
    # If-None-Match may list several tags, or be *.
    _assert_not_modified(api, one, f'W/"other", {tags["one"]}', tags["one"])
    _assert_not_modified(api, "/api/v1/environments", "*", tags["list"], **LEAN)
    # Another view or page of the same data is another answer, with its own tag.
    assert _get(api, "/api/v1/environments", tags["list"]).status_code == 200

    assert api.client.put(one, json={"image": images[1]}, headers=api.as_writer()).is_success
    deployed = _get(api, "/api/v1/environments", tags["list"], **LEAN)
    assert deployed.status_code == 200
    assert deployed.json()["environments"][0]["image"] == images[1]
    again = _get(api, one, tags["one"])
    assert again.status_code == 200 and again.json()["image"] == images[1]
    tags = {"list": deployed.headers["etag"], "one": again.headers["etag"]}

    assert api.client.put("/api/v1/pins/feature/etag", headers=api.as_writer()).is_success
    pinned = _get(api, "/api/v1/environments", tags["list"], **LEAN)
    assert pinned.status_code == 200 and pinned.json()["environments"][0]["pinned"] is True
    assert _get(api, one, tags["one"]).json()["pinned"] is True


def test_a_write_by_another_process_changes_the_etag_and_the_kept_answer(api: Any) -> None:
    """A CLI writes the same state file through its own connection: the triggers count
    it, so neither a 304 nor the server's kept answer hides it."""
    api.store.put(fleet_record(1, "sandbox"))
    first = _get(api, "/api/v1/environments")
    assert _get(api, "/api/v1/environments").content == first.content  # kept, unchanged
    cli = SqliteStore(api.config.parent / "state.db")
    try:
        changed = fleet_record(1, "sandbox")
        changed.status = "failed"
        cli.put(changed)
        after = _get(api, "/api/v1/environments", first.headers["etag"])
        assert after.status_code == 200
        assert [e["status"] for e in after.json()["environments"]] == ["failed"]
        cli.delete("sandbox", changed.name)
        gone = _get(api, "/api/v1/environments", after.headers["etag"])
        assert gone.status_code == 200 and gone.json()["environments"] == []
    finally:
        cli.close()


def test_a_new_ttl_in_the_profile_changes_expires_at_and_the_etag(api: Any) -> None:
    api.store.put(fleet_record(1, "sandbox"))
    before = _get(api, "/api/v1/environments", **LEAN)
    values = dict(read_file(api.config)["profiles"]["sandbox"], ttl_hours=48)
    write_profile(api.config, "sandbox", values, default=True)
    after = _get(api, "/api/v1/environments", before.headers["etag"], **LEAN)
    assert after.status_code == 200
    rec = fleet_record(1, "sandbox")
    assert rec.last_deploy_at is not None
    assert after.json()["environments"][0]["expires_at"] == rec.last_deploy_at + 48 * 3600


def test_a_walk_stays_whole_while_environments_come_and_go(api: Any) -> None:
    for i in (10, 20, 30, 40, 50, 60):
        api.store.put(fleet_record(i, "sandbox"))
    first = _get(api, "/api/v1/environments", limit=2, **LEAN).json()
    assert [e["name"] for e in first["environments"]] == ["env-010", "env-020"]
    api.store.delete("sandbox", "env-010")  # already seen
    api.store.delete("sandbox", "env-040")  # not seen yet: never shown
    api.store.put(fleet_record(15, "sandbox"))  # before the cursor: not shown in this walk
    api.store.put(fleet_record(55, "sandbox"))  # after it: shown in its place
    rest = []
    page = first
    while page["next"]:
        page = api.client.get(page["next"], headers=api.as_reader()).json()
        rest += [e["name"] for e in page["environments"]]
    assert rest == ["env-030", "env-050", "env-055", "env-060"]
