"""The list's pure parts: cursors, If-None-Match, the kept answers, the record's dict."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from fastapi import Response

from eden.api import cursors
from eden.api.answers import Answers
from eden.api.listing import ListQuery, full_view, matches, summary_view
from eden.config.validate import build_profile
from eden.core.secrets import REDACTED
from eden.errors import UsageError
from state_records import record

FILTERS = ListQuery(profile="dev", statuses=("ready",)).filters()


def test_a_cursor_gives_back_its_position_and_only_to_its_filters() -> None:
    cursor = cursors.encode("dev", "feature-ü#1", FILTERS)
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor  # URL-safe
    assert cursors.decode(cursor, FILTERS) == ("dev", "feature-ü#1")
    other = ListQuery(profile="dev", statuses=("failed",)).filters()
    with pytest.raises(UsageError, match="does not belong to this listing"):
        cursors.decode(cursor, other)


@pytest.mark.parametrize("bad", ["", "!!!", "bm90IGpzb24", "WzEsMiwzXQ", "WzIsImEiLCJiIiwiYyJd",
                                 "eyJhIjoxfQ"])
def test_anything_else_is_not_a_cursor(bad: str) -> None:
    with pytest.raises(UsageError, match="cursor is not one this server gave"):
        cursors.decode(bad, FILTERS)


def test_status_true_alone_is_the_old_way_to_ask_for_health() -> None:
    old = ListQuery.of(status=["true"], health=False, limit=None, view="full")
    assert (old.health, old.statuses) == (True, ())
    assert ListQuery.of(status=["false"], health=False, limit=None, view="full").health is False
    new = ListQuery.of(status=["ready", "failed", "ready"], health=False, limit=None,
                       view="summary")
    assert (new.statuses, new.limit) == (("failed", "ready"), 100)
    with pytest.raises(UsageError, match="cannot be mixed with status filters"):
        ListQuery.of(status=["true", "ready"], health=False, limit=None, view="full")


@pytest.mark.parametrize(("header", "hit"), [
    (None, False), ("", False), ('W/"abc"', True), ('"abc"', True), ('W/"abd"', False),
    ('W/"x", W/"abc"', True), ("*", True), ('"x" , *', True),
])
def test_if_none_match_compares_weakly(header: str | None, hit: bool) -> None:
    assert matches(header, 'W/"abc"') is hit


def test_kept_answers_are_bounded_in_bytes_and_entries() -> None:
    kept = Answers(max_bytes=100, max_entries=2)
    kept.put("a", Response(b"x" * 40, headers={"ETag": "a", "X-Other": "no"}))
    kept.put("b", Response(b"y" * 40))
    got = kept.get("a")  # a is now the most recently used
    assert got is not None and got.body == b"x" * 40
    assert got.headers["etag"] == "a" and "x-other" not in got.headers
    kept.put("c", Response(b"z" * 40))  # over 2 entries: b, the least recent, goes
    assert kept.get("b") is None and kept.get("a") is not None
    kept.put("d", Response(b"w" * 90))  # over 100 bytes: all but d go
    assert [kept.get(k) is not None for k in "acd"] == [False, False, True]
    kept.put("e", Response(b"v" * 101))  # larger than the whole budget: not kept
    assert kept.get("e") is None
    kept.put("f", Response(b"", status_code=304))
    assert kept.get("f") is None


def test_the_records_dict_is_asdicts_without_shared_values() -> None:
    rec = record("a")
    rec.extra = {"nested": {"list": [1, {"x": 2}]}}
    d = rec.as_dict()
    expected = asdict(rec)
    expected["services"] = [s.as_dict() for s in rec.services]
    assert {k: v for k, v in d.items() if k not in ("url", "image", "alb", "power")} == expected
    d["extra"]["nested"]["list"].append(3)
    d["names"]["service"] = "changed"
    assert rec.extra == {"nested": {"list": [1, {"x": 2}]}}
    assert rec.names["service"] == "eden-a"


def test_the_full_and_lean_views_show_no_secret_values() -> None:
    """The list's full view is the record's dict, redacted; the lean one has no variables."""
    rec = record("a")
    rec.extra = {"env_overrides": {"DB_PASSWORD": "hunter2", "LOG_LEVEL": "debug"}}
    full = full_view(rec, build_profile("dev", {
        "region": "us-east-1", "cluster": "dev", "reference_service": "api", "zone_id": "Z1",
        "listener_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/s/a/l",
    }))
    assert full["extra"]["env_overrides"] == {"DB_PASSWORD": REDACTED, "LOG_LEVEL": "debug"}
    assert rec.extra["env_overrides"]["DB_PASSWORD"] == "hunter2"  # the record is untouched
    assert "hunter2" not in json.dumps(summary_view(rec, 24))
