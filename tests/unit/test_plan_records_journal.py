"""Plans as JSON, records across schema versions, and the journal read back. No AWS."""

from __future__ import annotations

import json

import pytest

from eden.envs.journal import last_operation
from eden.envs.plan import Plan, Ref, Step
from eden.envs.records import OPERATION, EnvRecord, JournalEntry
from eden.envs.resources.base import Resource


def _plan() -> Plan:
    undo = Step("undo_rule", "elbv2.delete_rule", {"RuleArn": Ref("rule", "RuleArn")})
    return Plan(
        operation="create",
        profile="dev",
        env="feature-login",
        steps=(
            Step("tg", "elbv2.create_target_group", {"Name": "eden-x", "Port": 8080}),
            Step(
                "rule",
                "elbv2.create_rule",
                {"Priority": 412, "Actions": [{"TargetGroupArn": Ref("tg", "TargetGroupArn")}]},
                depends_on=("tg",),
                description="route it",
                undo=undo,
                decided_at_apply={"Priority": "a free slot near 412"},
            ),
        ),
        notes=("a note",),
    )


def test_a_plan_survives_json_with_refs_undo_and_apply_time_values() -> None:
    plan = _plan()
    back = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert back == plan
    rule = back.step("rule")
    assert rule.params["Actions"][0]["TargetGroupArn"] == Ref("tg", "TargetGroupArn")
    assert rule.undo is not None and rule.undo.params == {"RuleArn": Ref("rule", "RuleArn")}
    assert rule.decided_at_apply == {"Priority": "a free slot near 412"}
    assert plan.to_dict()["steps"][1]["params"]["Actions"][0]["TargetGroupArn"] == {
        "$ref": "tg.TargetGroupArn"
    }


def test_a_plan_of_another_version_or_operation_is_refused() -> None:
    data = _plan().to_dict()
    with pytest.raises(ValueError, match="plan_version 2 is not 1"):
        Plan.from_dict({**data, "plan_version": 2})
    with pytest.raises(ValueError, match="unknown operation 'explode'"):
        Plan.from_dict({**data, "operation": "explode"})


V1_RECORD = {
    "profile": "dev",
    "name": "feature-login",
    "branch": "feature/login",
    "host": "api-feature-login.dev.example.com",
    "status": "ready",
    "created_at": 100.0,
    "last_deploy_at": 105.0,
    "alias": None,
    "names": {
        "task_family": "eden-feature-login",
        "service": "eden-feature-login",
        "target_group": "eden-feature-login",
        "host": "api-feature-login.dev.example.com",
        "endpoint_name": "dev-feature-login",
    },
    "services": [
        {
            "role": "app",
            "image": "repo/api:1",
            "task_definition_arn": "arn:td:3",
            "service_arn": "arn:svc",
            "target_group_arn": "arn:tg",
            "rule_arn": "arn:rule",
        }
    ],
    "extra": {"rule_priority": 412, "listener_arn": "arn:listener"},
    "pinned": False,
}


def test_a_schema_1_record_loads_and_keeps_what_it_knew() -> None:
    rec = EnvRecord.from_json(json.dumps(V1_RECORD))
    assert rec.schema == 2 and rec.origin is None
    svc = rec.services[0]
    assert (svc.task_definition_arn, svc.service_arn) == ("arn:td:3", "arn:svc")
    assert (svc.target_group_arn, svc.rule_arn) == ("arn:tg", "arn:rule")
    assert svc.resources["listener_rule"] == {"arn": "arn:rule", "priority": 412}
    names = rec.stored_names()
    assert names is not None and names.target_group == "eden-feature-login"
    assert names.endpoint_name == "dev-feature-login" and names.branch == "feature/login"
    again = EnvRecord.from_json(rec.to_json())
    assert again == rec
    assert rec.as_dict()["services"][0]["rule_arn"] == "arn:rule"  # the v1 shape, still


def test_a_record_without_every_name_derives_them_again() -> None:
    partial = {**V1_RECORD, "names": {"service": "eden-feature-login"}}
    assert EnvRecord.from_json(json.dumps(partial)).stored_names() is None


def _entry(op: str, step: str, phase: str, at: float, detail: str = "") -> JournalEntry:
    return JournalEntry("dev", "x", op, step, phase, at, detail)


def test_the_last_operation_and_whether_it_ended() -> None:
    entries = [
        _entry("a", OPERATION, "start", 1, "create"),
        _entry("a", "tg", "start", 2),
        _entry("a", "tg", "done", 3),
        _entry("a", OPERATION, "done", 4),
        _entry("b", OPERATION, "start", 10, "deploy"),
        _entry("b", "td", "start", 11),
        _entry("b", "td", "done", 12),
        _entry("b", "service", "start", 13),
    ]
    last = last_operation(reversed(entries))  # the stores return newest first
    assert last is not None
    assert (last.id, last.kind, last.started_at, last.ended) == ("b", "deploy", 10, None)
    assert last.interrupted
    assert [(s.step, s.phase) for s in last.steps] == [("td", "done"), ("service", "start")]
    first = last_operation(entries[:4])
    assert first is not None and first.ended == "done" and not first.interrupted
    failed = last_operation([*entries[:3], _entry("a", OPERATION, "failed", 4, "boom")])
    assert failed is not None and failed.ended == "failed"


def test_a_journal_from_before_operation_entries_is_read_as_ended() -> None:
    old = [_entry("z", "tg", "start", 1), _entry("z", "tg", "done", 2)]
    last = last_operation(old)
    assert last is not None and last.kind == "?" and last.ended == "done"
    assert last_operation([]) is None


def test_a_resource_module_must_define_all_of_it() -> None:
    with pytest.raises(TypeError, match="must define read, ACTIONS, record"):
        Resource.of_module({"KEY": "k", "plan": None, "remove": None}, after=())
