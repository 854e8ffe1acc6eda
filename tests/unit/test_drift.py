"""Drift: normalised views, the changes between them and their ecspresso-style diff."""

from __future__ import annotations

from eden.envs import drift as d


def test_normalise_treats_missing_empty_and_off_alike() -> None:
    aws = {
        "a": None,
        "b": [],
        "c": {},
        "enableExecuteCommand": False,
        "propagateTags": "NONE",
        "essential": False,  # not a flag where off means unset
        "environment": [{"name": "B", "value": "2"}, {"name": "A", "value": ""}],
        "secrets": [{"name": "S", "valueFrom": "arn:secret"}],
        "nested": {"x": None, "y": 1},
    }
    assert d.normalise(aws) == {
        "essential": False,
        "environment": {"A": "", "B": "2"},
        "secrets": {"S": "arn:secret"},
        "nested": {"y": 1},
    }


def test_task_definition_view_keys_containers_by_name() -> None:
    td = {
        "family": "ignored",
        "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "i"}, {"name": "side", "cpu": 0}],
    }
    assert d.task_definition_view(td, ("memory", "cpu")) == {
        "memory": "512",
        "containerDefinitions": {
            "app": {"name": "app", "image": "i"},
            "side": {"name": "side", "cpu": 0},
        },
    }


def test_compare_lists_each_change_and_a_unified_diff() -> None:
    now = {"memory": "512", "containerDefinitions": {"app": {"environment": {"LOG": "info"}}}}
    wanted = {
        "memory": "1024",
        "containerDefinitions": {"app": {"environment": {"LOG": "debug", "NEW": "1"}}},
    }
    drift = d.compare(d.TASK_DEFINITION, "feature-x", now, wanted)
    assert [(c.path, c.now, c.wanted) for c in drift.changes] == [
        ("containerDefinitions.app.environment.LOG", "info", "debug"),
        ("containerDefinitions.app.environment.NEW", None, "1"),
        ("memory", "512", "1024"),
    ]
    lines = drift.diffs[0][1]
    assert lines[0] == "--- task definition of feature-x (now)"
    assert lines[1] == "+++ task definition from the reference (eden create --refresh)"
    assert '-  "memory": "512"' in lines and '+  "memory": "1024"' in lines
    assert drift.summary() == "3 difference(s) in the task definition"
    assert d.compare(d.SERVICE, "x", {"a": 1}, {"a": 1}) == d.Drift()


def test_fixed_settings_are_not_refreshable() -> None:
    drift = d.compare(
        d.TARGET_GROUP,
        "x",
        {"Port": 80, "HealthCheckPath": "/"},
        {"Port": 8080, "HealthCheckPath": "/healthz"},
    )
    assert [(c.path, c.refreshable) for c in drift.changes] == [
        ("HealthCheckPath", True),
        ("Port", False),
    ]
    both = d.combine([drift, d.missing(d.SERVICE, "x")])
    assert both.summary() == "3 difference(s) in the service and target group"
    assert both.as_dict()["diff"].endswith(
        "--- service of x: missing (`eden create` makes it again)"
    )
