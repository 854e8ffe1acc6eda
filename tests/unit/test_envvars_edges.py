"""An environment's own variables at the edges: the value limit, an empty change, truth,
the order kept, and records with parts missing (pure)."""

from __future__ import annotations

import pytest

from eden.core.envvars import MAX_VALUE, EnvVars, VarsChange, check_keys
from eden.errors import UsageError


def test_a_value_of_exactly_the_limit_is_taken() -> None:
    assert MAX_VALUE == 4096
    assert VarsChange(env={"A": "x" * 4096}).env["A"] == "x" * 4096


def test_check_keys_names_what_it_checks() -> None:
    check_keys(["A", "_B1"])
    with pytest.raises(UsageError, match=r"^secret name '9X' is not valid$"):
        check_keys(["A", "9X"], what="secret")


@pytest.mark.parametrize(
    ("change", "empty"),
    [
        (VarsChange(), True),
        (VarsChange(env={"A": "1"}), False),
        (VarsChange(secrets={"S": "/s"}), False),
        (VarsChange(unset=("A",)), False),
    ],
)
def test_a_change_is_empty_only_with_nothing_in_it(change: VarsChange, empty: bool) -> None:
    assert change.empty is empty


def test_variables_are_true_with_a_value_or_a_secret() -> None:
    assert bool(EnvVars({"A": "1"})) and bool(EnvVars({}, {"S": "/s"}))
    assert not EnvVars({}, {})


def test_a_change_keeps_the_rest_and_sorts_by_name() -> None:
    own = EnvVars({"B": "2", "A": "1"}, {"T": "/t", "S": "/s"})
    after = own.apply(VarsChange(env={"C": "3"}, secrets={"R": "/r"}))
    assert after == EnvVars({"A": "1", "B": "2", "C": "3"}, {"R": "/r", "S": "/s", "T": "/t"})
    assert list(after.env) == ["A", "B", "C"] and list(after.secrets) == ["R", "S", "T"]
    assert own.apply(VarsChange()) == own


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        ({"env": {"A": 1}}, EnvVars({"A": "1"}, {})),
        ({"secrets": {"S": "/s"}, "env": None}, EnvVars({}, {"S": "/s"})),
        ({"env": {"A": "1"}, "secrets": None}, EnvVars({"A": "1"}, {})),
        ({}, EnvVars()),
        ("junk", EnvVars()),
    ],
)
def test_a_record_with_parts_missing(raw: object, found: EnvVars) -> None:
    assert EnvVars.from_record(raw) == found
    assert EnvVars.from_record(raw).to_record() == {"env": dict(found.env),
                                                    "secrets": dict(found.secrets)}
