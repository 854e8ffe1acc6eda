"""The endpoints document beyond single edits: its shape checked, entries found, the edits
as functions, which entries are eden's, and a whole profile's entries brought in line."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from eden.core import endpoints_doc as doc_
from eden.core.endpoints_doc import Edit  # what the document writer applies
from eden.errors import AwsError

ZONE = "dev.example.com"
OURS = doc_.entry_matcher(name_prefix="dev", update_key="api", domain_prefix="api", zone=ZONE)


def entry(name: str, host: str, **more: str) -> dict[str, str]:
    return {"name": name, "env": "dev", "api": host, **more}


def test_a_missing_document_is_a_new_empty_one() -> None:
    assert doc_.checked(None, "s3://b/k") == {"environments": []}
    assert doc_.empty() == {"environments": []}
    assert doc_.empty() is not doc_.empty()  # each caller edits its own


def test_a_document_of_the_right_shape_is_itself() -> None:
    good = {"environments": [entry("a", "h")], "version": 2}
    assert doc_.checked(good, "s3://b/k") is good
    no_list: dict[str, Any] = {"version": 2}
    assert doc_.checked(no_list, "s3://b/k") is no_list


@pytest.mark.parametrize("bad", [[], "text", {"environments": {"a": 1}}])
def test_a_document_of_another_shape_is_refused_not_overwritten(bad: Any) -> None:
    with pytest.raises(AwsError, match=r'^s3://b/k is not an endpoints document \({"environments"'
                       ) as info:
        doc_.checked(bad, "s3://b/k")
    assert "eden will not overwrite" in (info.value.hint or "")


def test_has_entry_needs_the_name_and_the_update_key() -> None:
    doc = {"environments": ["junk", entry("a", "h"), {"name": "b", "web": "w"}]}
    assert doc_.has_entry(doc, "a", "api")
    assert not doc_.has_entry(doc, "a", "web")
    assert not doc_.has_entry(doc, "b", "api")
    assert doc_.has_entry(doc, "b", "web")
    assert doc_.has_entry(["a"], "a", "api") is False
    assert not doc_.has_entry({}, "a", "api")


def test_add_and_remove_skip_entries_that_are_not_tables() -> None:
    doc: dict[str, Any] = {"environments": ["junk", entry("a", "old")]}
    doc_.add_entry(doc, "a", "dev", "api", "new")
    assert doc == {"environments": ["junk", entry("a", "new")]}
    assert doc_.remove_entry(doc, "a", "api")
    assert doc == {"environments": ["junk"]}
    assert not doc_.remove_entry({}, "a", "api")


def test_remove_picks_the_entry_holding_the_key_and_keeps_its_other_keys() -> None:
    doc = {"environments": [{"name": "a", "env": "dev", "web": "w"}, entry("a", "h", extra="x")]}
    assert doc_.remove_entry(doc, "a", "api")
    assert doc == {"environments": [{"name": "a", "env": "dev", "web": "w"},
                                    {"name": "a", "env": "dev", "extra": "x"}]}


def test_the_edits_change_the_document_and_say_whether_to_write() -> None:
    doc: dict[str, Any] = {"environments": []}
    upsert: Edit = doc_.upsert_edit("a", "dev", "api", "h")
    assert upsert(doc) is True
    assert doc == {"environments": [entry("a", "h")]}
    remove = doc_.remove_edit("a", "api")
    assert remove(doc) is True and doc == {"environments": []}
    assert remove(doc) is False


@pytest.mark.parametrize(
    ("found", "ours"),
    [
        (entry("dev-login", "api-login.dev.example.com"), True),
        (entry("dev-login", "api-a-b-9.dev.example.com"), True),
        (entry("prod-login", "api-login.dev.example.com"), False),  # another prefix
        (entry("dev-login", "web-login.dev.example.com"), False),  # another service's host
        (entry("dev-login", "api-login.dev.example.com.evil.com"), False),  # not the whole host
        (entry("dev-login", "api-login.devXexample.com"), False),  # the zone's dots are dots
        (entry("dev-login", "api-.dev.example.com"), False),
        (entry("dev-login", "api-LOGIN.dev.example.com"), False),
        ({"name": "dev-login", "web": "api-login.dev.example.com"}, False),  # no api key
        ({"api": "api-login.dev.example.com"}, False),  # no name
        ({"name": "dev-login", "api": 5}, False),
    ],
)
def test_an_entry_is_edens_by_its_name_prefix_and_host(found: dict[str, Any], ours: bool) -> None:
    assert OURS(found) is ours


def test_without_a_name_prefix_any_name_with_an_environment_host_is_edens() -> None:
    ours = doc_.entry_matcher(name_prefix="", update_key="api", domain_prefix="api", zone=ZONE)
    assert ours(entry("login", "api-login.dev.example.com"))
    assert not ours(entry("login", "api-login.prod.example.com"))


def test_sync_adds_corrects_and_removes_only_edens_entries() -> None:
    theirs = entry("dashboard", "dash.example.com")
    doc: dict[str, Any] = {"environments": [
        "junk",
        theirs,
        entry("dev-gone", "api-gone.dev.example.com"),
        entry("dev-moved", "api-old.dev.example.com"),
        entry("dev-same", "api-same.dev.example.com"),
        {"env": "dev", "api": "api-noname.dev.example.com"},
    ]}
    expected = {"dev-same": "api-same.dev.example.com", "dev-new": "api-new.dev.example.com",
                "dev-moved": "api-moved.dev.example.com", "dev-a": "api-a.dev.example.com"}
    before = copy.deepcopy(doc)
    added, removed = doc_.sync_entries(doc, expected, env_type="dev", update_key="api",
                                       is_ours=OURS)
    assert (added, removed) == (["dev-a", "dev-moved", "dev-new"], ["dev-gone"])
    assert doc == {"environments": [
        "junk",
        theirs,
        entry("dev-moved", "api-moved.dev.example.com"),
        entry("dev-same", "api-same.dev.example.com"),
        before["environments"][5],
        entry("dev-a", "api-a.dev.example.com"),
        entry("dev-new", "api-new.dev.example.com"),
    ]}


def test_sync_of_a_document_without_entries_makes_the_list() -> None:
    doc: dict[str, Any] = {"version": 2}
    assert doc_.sync_entries(doc, {"dev-a": "h"}, env_type="dev", update_key="api",
                             is_ours=OURS) == (["dev-a"], [])
    assert doc == {"version": 2, "environments": [entry("dev-a", "h")]}
    assert doc_.sync_entries(doc, {"dev-a": "h"}, env_type="dev", update_key="api",
                             is_ours=OURS) == ([], [])
