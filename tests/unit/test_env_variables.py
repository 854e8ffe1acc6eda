"""An environment's own variables in the plan, the checks before anything is registered,
and redaction in records, plans and diffs. Pure: no AWS."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest
from test_planner import (
    ACCOUNT,
    PROFILE,
    REGION,
    containers_by_name,
    create_plan,
    make_profile,
    make_reference,
    make_request,
    tag_like,
)

from eden.core.envvars import EnvVars, VarsChange
from eden.envs import drift
from eden.envs.records import EnvRecord
from eden.envs.resources.base import Reference
from eden.envs.variables import apply_to_container, check_change, rows, view
from eden.errors import ConfigError, UsageError

SM = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
DENY = ["/prod/*", "arn:aws:secretsmanager:*:*:secret:prod/*"]


def _with_vars(own: EnvVars, **overrides: str) -> Any:
    return replace(make_request(**overrides), vars=own)


def _reference_reading(*secrets: dict[str, str], role: bool = True) -> Reference:
    ref = make_reference()
    td = copy.deepcopy(ref.task_definition)
    td["containerDefinitions"][0]["secrets"] = list(secrets)
    if not role:
        del td["executionRoleArn"]
    return replace(ref, task_definition=td)


def test_change_set_unset_and_switch_kind() -> None:
    own = EnvVars({"A": "1", "B": "2"}, {"S": "/x"})
    after = own.apply(VarsChange(env={"S": "plain"}, secrets={"A": "/a"}, unset=("B", "NOPE")))
    assert after == EnvVars({"S": "plain"}, {"A": "/a"})
    assert EnvVars.from_record(after.to_record()) == after
    assert EnvVars.from_record(None) == EnvVars() and not EnvVars()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"env": {"A": "1"}, "secrets": {"A": "/a"}}, "A given twice"),
        ({"env": {"A": "1"}, "unset": ("A",)}, "A given twice"),
        ({"env": {"1A": "x"}}, "variable name '1A' is not valid"),
        ({"unset": ("A-B",)}, "variable name 'A-B' is not valid"),
        ({"env": {"A": "x" * 4097}}, "4097 characters, more than 4096"),
    ],
)
def test_changes_that_cannot_be_made(change: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        VarsChange(**change)


def test_layers_value_over_secret_and_secret_over_value() -> None:
    target: dict[str, Any] = {
        "environment": [{"name": "DB", "value": "plain"}, {"name": "KEEP", "value": "k"}],
        "secrets": [{"name": "TOKEN", "valueFrom": "/ref/token"}],
    }
    own = EnvVars({"TOKEN": "own-value"}, {"DB": "/previews/db", "API": "/previews/api"})
    apply_to_container(target, {"PROFILE": "p"}, own, {"API": "one-deploy"})
    assert tag_like(target["environment"]) == {
        "API": "one-deploy", "KEEP": "k", "PROFILE": "p", "TOKEN": "own-value",
    }  # fmt: skip
    assert target["secrets"] == [{"name": "DB", "valueFrom": "/previews/db"}]  # never both


def test_nothing_to_set_leaves_the_container_as_the_reference_has_it() -> None:
    target = {"environment": [{"name": "B", "value": "1"}, {"name": "A", "value": "2"}]}
    apply_to_container(target, {}, EnvVars(), {})
    assert target == {"environment": [{"name": "B", "value": "1"}, {"name": "A", "value": "2"}]}
    only = {"name": "app"}
    apply_to_container(only, {}, EnvVars({}, {"S": "/s"}), {})
    assert only == {"name": "app", "secrets": [{"name": "S", "valueFrom": "/s"}]}


def test_the_plan_registers_the_environments_own_variables() -> None:
    own = EnvVars({"MODE": "fast", "LOG_LEVEL": "warn"}, {"DB": f"{SM}previews/db-AbCdEf"})
    app = containers_by_name(create_plan(request=_with_vars(own, LOG_LEVEL="trace")))["app"]
    env = tag_like(app["environment"])
    assert (env["MODE"], env["LOG_LEVEL"], env["FEATURE_X"]) == ("fast", "trace", "on")
    assert app["secrets"] == [{"name": "DB", "valueFrom": f"{SM}previews/db-AbCdEf"}]


def test_a_profile_execution_role_replaces_the_references() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/eden-previews"
    plan = create_plan(profile=make_profile(execution_role_arn=role))
    assert plan.step("task_definition").params["executionRoleArn"] == role


def test_the_environments_own_denied_secret_stops_the_plan() -> None:
    profile = make_profile(deny_secrets=DENY)
    own = EnvVars({}, {"DB": "/prod/db"})  # kept before the profile denied it
    with pytest.raises(UsageError, match=r"secret DB of feature-login reads /prod/db, which "
                       r"profile dev no longer lets previews read \(deny_secrets: /prod/\*\)"):
        create_plan(profile=profile, request=_with_vars(own))


def test_a_reference_secret_that_is_denied_stops_the_plan_unless_replaced() -> None:
    profile = make_profile(deny_secrets=DENY)
    ref = _reference_reading({"name": "DB", "valueFrom": f"{SM}prod/db-AbCdEf"})
    with pytest.raises(ConfigError, match="the reference's container app reads DB from"):
        create_plan(profile=profile, reference=ref)
    own = EnvVars({}, {"DB": "/previews/db"})  # the environment's own replaces it
    plan = create_plan(profile=profile, reference=ref, request=_with_vars(own))
    secrets = containers_by_name(plan)["app"]["secrets"]
    assert secrets == [{"name": "DB", "valueFrom": "/previews/db"}]


def test_log_options_and_registry_credentials_are_secrets_too() -> None:
    profile = make_profile(deny_secrets=["/prod/*"])
    for where in (
        {"logConfiguration": {"logDriver": "splunk",
                              "secretOptions": [{"name": "splunk-token", "valueFrom": "/prod/t"}]}},
        {"repositoryCredentials": {"credentialsParameter": "/prod/registry"}},
    ):  # fmt: skip
        ref = make_reference()
        td = copy.deepcopy(ref.task_definition)
        td["containerDefinitions"][1].update(where)
        with pytest.raises(ConfigError, match="container log-router reads"):
            create_plan(profile=profile, reference=replace(ref, task_definition=td))


def test_an_allow_list_admits_only_its_paths() -> None:
    profile = make_profile(allow_secrets=["/previews/*"])
    inside = EnvVars({}, {"DB": "/previews/db"})
    assert create_plan(profile=profile, request=_with_vars(inside)).steps
    with pytest.raises(UsageError, match=r"not in allow_secrets"):
        create_plan(profile=profile, request=_with_vars(EnvVars({}, {"DB": "/other/db"})))
    with pytest.raises(UsageError, match="not in profile dev's allow_secrets"):
        check_change(profile, VarsChange(secrets={"DB": "/other/db"}))


def test_secrets_need_an_execution_role() -> None:
    ref = _reference_reading({"name": "DB", "valueFrom": "/x"}, role=False)
    with pytest.raises(ConfigError, match="has no execution role"):
        create_plan(reference=ref)
    role = f"arn:aws:iam::{ACCOUNT}:role/eden-previews"
    plan = create_plan(reference=ref, profile=make_profile(execution_role_arn=role))
    assert plan.step("task_definition").params["executionRoleArn"] == role


def test_check_change_says_what_to_know() -> None:
    notes = check_change(
        PROFILE,
        VarsChange(env={"API_TOKEN": "x"},
                   secrets={"DB": "arn:aws:ssm:us-east-1:210987654321:parameter/db"}),
    )  # fmt: skip
    assert notes == [
        "note: DB reads a secret in us-east-1/210987654321, the environment runs in "
        f"{REGION}/{ACCOUNT}: its execution role needs access there",
        "warning: API_TOKEN looks like a secret; its value is kept in plain text in eden's "
        "state and the task definition. Store it in Secrets Manager or SSM and use `eden "
        "vars set NAME --secret API_TOKEN=ARN`",
    ]


def _record() -> EnvRecord:
    return EnvRecord(
        "dev", "feature-login", "feature/login", "h", "ready", 0.0,
        extra={
            "vars": {"env": {"DB_PASSWORD": "hunter2", "MODE": "fast"},
                     "secrets": {"TOKEN": "/previews/token"}},
            "env_overrides": {"API_KEY": "k3y", "LEVEL": "x"},
        },
    )  # fmt: skip


def test_records_plans_and_listings_hide_secret_looking_values() -> None:
    record = _record()
    shown = record.as_dict()
    assert shown["extra"]["vars"] == {
        "env": {"DB_PASSWORD": "****", "MODE": "fast"}, "secrets": {"TOKEN": "/previews/token"},
    }  # fmt: skip
    assert shown["extra"]["env_overrides"] == {"API_KEY": "****", "LEVEL": "x"}
    assert "hunter2" in record.to_json()  # the store keeps what it deploys
    listed = view(record)
    assert [(r["name"], r["redacted"]) for r in listed["vars"]] == [
        ("DB_PASSWORD", True), ("MODE", False), ("TOKEN", False)]
    assert listed["last_deploy_env"] == {"API_KEY": "****", "LEVEL": "x"}
    assert rows(record, show_values=True)[0]["value"] == "hunter2"

    own = EnvVars({"DB_PASSWORD": "hunter2"})
    plan = create_plan(request=_with_vars(own))
    assert "hunter2" not in json.dumps(plan.as_dict())
    assert "hunter2" in json.dumps(plan.to_dict())  # the faithful form is what runs


def test_a_diff_compares_secret_looking_values_without_showing_them() -> None:
    now = {"containerDefinitions": [{"name": "app", "environment": [
        {"name": "DB_PASSWORD", "value": "old-pass"}]}]}  # fmt: skip
    wanted = copy.deepcopy(now)
    wanted["containerDefinitions"][0]["environment"][0]["value"] = "new-pass"
    view_now = drift.task_definition_view(now, ())
    found = drift.compare("task definition", "x", view_now, drift.task_definition_view(wanted, ()))
    assert [c.path for c in found.changes] == ["containerDefinitions.app.environment.DB_PASSWORD"]
    text = json.dumps(found.as_dict())
    assert "old-pass" not in text and "new-pass" not in text
    same = drift.compare("task definition", "x", view_now, drift.task_definition_view(now, ()))
    assert not same.drifted
