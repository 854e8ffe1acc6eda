"""The task definition resource's own small parts: the latest revision, the record,
orphans (pure)."""

from __future__ import annotations

from eden.envs.resources import task_definition as td

FAMILY = "arn:aws:ecs:eu-west-1:123456789012:task-definition/eden-x"


def test_the_latest_revision_is_the_last_active_one() -> None:
    revisions = td.Revisions((f"{FAMILY}:1", f"{FAMILY}:2", f"{FAMILY}:3"), (f"{FAMILY}:0",))
    assert revisions.latest == f"{FAMILY}:3"
    assert td.Revisions((), (f"{FAMILY}:0",)).latest is None
    assert bool(td.Revisions((), (f"{FAMILY}:0",))) and not td.Revisions()


def test_the_record_keeps_the_new_revision_else_the_latest_found() -> None:
    found = td.Revisions((f"{FAMILY}:1", f"{FAMILY}:2"))
    assert td.record(td.Registered(f"{FAMILY}:3"), found) == {"arn": f"{FAMILY}:3"}
    assert td.record(None, found) == {"arn": f"{FAMILY}:2"}
    assert td.record(None, td.Revisions()) is None
    assert td.record(None, None) is None


def test_only_task_definitions_are_its_orphans() -> None:
    assert td.RESOURCE.owns_arn(f"{FAMILY}:3") is True
    assert td.RESOURCE.owns_arn("arn:aws:ecs:eu-west-1:123456789012:service/main/x") is False
    assert td.Deregistered(2).revisions == 2
