"""The endpoints document edits (actions.add_entry / remove_entry): pure dict changes."""

from __future__ import annotations

import copy
from typing import Any

from eden.core.endpoints_doc import add_entry, remove_entry

HOST = "api-feature-login.dev.example.com"


def test_add_to_an_empty_document() -> None:
    doc: dict[str, Any] = {}
    add_entry(doc, "dev-feature-login", "dev", "api", HOST)
    assert doc == {"environments": [{"name": "dev-feature-login", "env": "dev", "api": HOST}]}


def test_add_to_a_document_with_an_empty_list() -> None:
    doc: dict[str, Any] = {"environments": [], "version": 2}
    add_entry(doc, "a", "dev", "api", HOST)
    assert doc == {"version": 2, "environments": [{"name": "a", "env": "dev", "api": HOST}]}


def test_add_updates_in_place_and_keeps_other_keys() -> None:
    doc: dict[str, Any] = {
        "environments": [
            {"name": "a", "env": "dev", "api": "old.example.com", "web": "web-a.example.com"},
        ]
    }
    add_entry(doc, "a", "staging", "api", HOST)
    assert doc == {
        "environments": [
            # env stays as it was: only the update key is set on an existing entry
            {"name": "a", "env": "dev", "api": HOST, "web": "web-a.example.com"},
        ]
    }


def test_a_second_update_key_joins_the_existing_entry() -> None:
    doc: dict[str, Any] = {}
    add_entry(doc, "a", "dev", "api", HOST)
    add_entry(doc, "a", "dev", "web", "web-a.dev.example.com")
    assert doc["environments"] == [
        {"name": "a", "env": "dev", "api": HOST, "web": "web-a.dev.example.com"}
    ]


def test_entries_eden_does_not_manage_are_kept() -> None:
    foreign = [
        {"name": "production", "env": "prod", "api": "api.example.com", "owner": "ops"},
        "a stray string",
        {"url": "https://legacy.example.com"},
    ]
    doc: dict[str, Any] = {"environments": copy.deepcopy(foreign), "generated_by": "hand"}
    add_entry(doc, "b", "dev", "api", HOST)
    assert doc["environments"][:3] == foreign
    assert doc["environments"][3] == {"name": "b", "env": "dev", "api": HOST}
    assert doc["generated_by"] == "hand"
    assert remove_entry(doc, "b", "api") is True
    assert doc == {"environments": foreign, "generated_by": "hand"}


def test_remove_drops_only_the_update_key_when_others_remain() -> None:
    doc: dict[str, Any] = {
        "environments": [
            {"name": "a", "env": "dev", "api": HOST, "web": "web-a.dev.example.com"},
            {"name": "b", "env": "dev", "api": "api-b.dev.example.com"},
        ]
    }
    assert remove_entry(doc, "a", "api") is True
    assert doc["environments"] == [
        {"name": "a", "env": "dev", "web": "web-a.dev.example.com"},
        {"name": "b", "env": "dev", "api": "api-b.dev.example.com"},
    ]


def test_remove_drops_the_entry_when_only_name_and_env_remain() -> None:
    doc: dict[str, Any] = {
        "environments": [
            {"name": "a", "env": "dev", "api": HOST},
            {"name": "b", "env": "dev", "api": "api-b.dev.example.com"},
        ]
    }
    assert remove_entry(doc, "a", "api") is True
    assert doc["environments"] == [{"name": "b", "env": "dev", "api": "api-b.dev.example.com"}]


def test_remove_of_the_last_key_after_sharing() -> None:
    doc: dict[str, Any] = {}
    add_entry(doc, "a", "dev", "api", HOST)
    add_entry(doc, "a", "dev", "web", "w")
    assert remove_entry(doc, "a", "web") is True
    assert remove_entry(doc, "a", "api") is True
    assert doc == {"environments": []}


def test_removing_a_missing_entry_returns_false_and_changes_nothing() -> None:
    doc: dict[str, Any] = {"environments": [{"name": "a", "env": "dev", "web": "w"}]}
    before = copy.deepcopy(doc)
    assert remove_entry(doc, "zzz", "api") is False
    assert remove_entry(doc, "a", "api") is False  # the entry exists, the key does not
    assert doc == before
    assert remove_entry({}, "a", "api") is False
