"""Hooks in plans (``eden.envs.hooks``) and in the profile (``eden.config.hooks``). Pure."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from test_planner import (
    NAMES,
    Current,
    make_profile,
    make_reference,
    make_request,
    reference_service,
)

from eden.config import Profile, build_profile
from eden.config.hooks import DEFAULT_TIMEOUT, Hook, hooks_table
from eden.envs import hooks
from eden.envs.group import wanted
from eden.envs.plan import Plan, Ref
from eden.envs.planner import plan_create, plan_delete
from eden.envs.reader import MemberSnapshot, Snapshot
from eden.envs.records import EnvRecord, ServiceRecord
from eden.envs.resources.hook_task import HookRun
from eden.errors import ConfigError

EXISTING_TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/eden-feature-login:3"


def _profile(table: dict[str, Any]) -> Profile:
    return make_profile(hooks=table)


def _item(profile: Profile, deployed_before: bool = False) -> Any:
    return SimpleNamespace(
        member=profile.service, request=make_request(), reference=make_reference(),
        deployed_before=deployed_before,
    )  # fmt: skip


def _create(profile: Profile, current: Any = None, deployed_before: bool = False) -> Plan:
    plan = plan_create(profile, make_request(), make_reference(), current or Current())
    return hooks.add_to_create(profile, plan, [_item(profile, deployed_before)])


def _existing() -> Any:
    service = reference_service(serviceName=NAMES.service, taskDefinition=EXISTING_TD)
    return Current(task_definition_arn=EXISTING_TD, target_group_arn="arn:tg", service=service)


# --- the profile ---------------------------------------------------------------------------


def test_a_string_runs_with_sh_and_a_list_runs_as_it_is() -> None:
    found = hooks_table(
        {"migrate": "./manage migrate", "predestroy": {"command": ["./drop", "--yes"]}},
        where="t",
    )
    assert found == (
        Hook("migrate", ("sh", "-c", "./manage migrate"), "fail", DEFAULT_TIMEOUT),
        Hook("predestroy", ("./drop", "--yes"), "fail", DEFAULT_TIMEOUT),
    )


def test_a_hook_table_takes_its_failure_mode_timeout_and_container() -> None:
    (hook,) = hooks_table(
        {"postdeploy": {"command": "seed", "on_failure": "warn", "timeout_seconds": 60,
                        "container": "tools"}},
        where="t",
    )  # fmt: skip
    assert (hook.fails, hook.timeout_seconds, hook.container) == (False, 60, "tools")
    assert hook.to_toml() == {
        "command": ["sh", "-c", "seed"], "on_failure": "warn", "timeout_seconds": 60,
        "container": "tools",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"postcreate": "x"}, r"unknown hook\(s\) postcreate"),
        ({"migrate": ""}, "command is missing or empty"),
        ({"migrate": []}, "command is missing or empty"),
        ({"migrate": ["ok", 3]}, "command is missing or empty"),
        ({"migrate": 7}, "hook migrate must be a command or a table"),
        ({"migrate": {"command": "x", "on_failure": "ignore"}}, "on_failure 'ignore' is not"),
        ({"migrate": {"command": "x", "timeout_seconds": 0}}, "timeout_seconds must be"),
        ({"migrate": {"command": "x", "timeout_seconds": 86_401}}, "timeout_seconds must be"),
        ({"migrate": {"command": "x", "timeout_seconds": True}}, "timeout_seconds must be"),
        ({"migrate": {"command": "x", "retries": 2}}, r"unknown field\(s\) retries"),
        ({"migrate": "x" * 8_190}, "longer than 8192 characters"),
        ("migrate", r"\[hooks\] must be a table"),
    ],
)
def test_bad_hooks_are_refused_with_what_to_do(table: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        hooks_table(table, where="t")


def test_a_profile_keeps_its_hooks_and_a_group_keeps_them_per_service() -> None:
    assert _profile({"migrate": "m"}).service.hook("migrate") is not None
    with pytest.raises(ConfigError, match=r"hooks and \[services\] are both set"):
        build_profile("g", {"cluster": "c", "zone_id": "Z1", "alb_arn": "a", "hooks": {},
                            "services": {"api": {"reference_service": "api"}}})  # fmt: skip


# --- plans ---------------------------------------------------------------------------------


def test_postdeploy_runs_after_everything_a_first_create_makes() -> None:
    profile = _profile({"postdeploy": "seed", "migrate": "migrate"})
    plan = _create(profile)
    last = plan.steps[-1]
    assert (last.id, last.action) == ("hook_postdeploy", "ecs.run_hook")
    assert set(last.depends_on) == {s.id for s in plan.steps[:-1]}
    assert "hook_migrate" not in {s.id for s in plan.steps}  # migrate is for deploys
    run = last.params["run"]
    assert run["taskDefinition"] == Ref("task_definition", "taskDefinitionArn")
    svc = make_reference().service
    assert run["networkConfiguration"] == svc["networkConfiguration"]
    assert run["group"] == f"eden-hook:{NAMES.service}"
    assert last.params["container"] == "app" and last.params["fails"] is True
    assert last.params["command"] == ["sh", "-c", "seed"]


def test_migrate_runs_with_the_new_revision_before_the_service_update() -> None:
    profile = _profile({"postdeploy": "seed", "migrate": "migrate"})
    plan = _create(profile, _existing())
    assert plan.operation == "deploy"
    ids = [s.id for s in plan.steps]
    assert "hook_postdeploy" not in ids
    assert ids.index("hook_migrate") < ids.index("service")
    assert plan.step("hook_migrate").depends_on == ("task_definition",)
    assert "hook_migrate" in plan.step("service").depends_on


def test_a_deployed_service_that_reads_as_missing_still_migrates_before_it_is_made() -> None:
    # The record says the service was deployed, but the read found none (gone out of band,
    # or a read that lagged): the plan makes it anew, and migrate must still come first.
    profile = _profile({"postdeploy": "seed", "migrate": "migrate"})
    plan = _create(profile, deployed_before=True)
    assert plan.step("service").action == "ecs.create_service"
    ids = [s.id for s in plan.steps]
    assert "hook_postdeploy" not in ids
    assert ids.index("hook_migrate") < ids.index("service")
    assert "hook_migrate" in plan.step("service").depends_on


def test_the_record_tells_wanted_which_services_were_deployed_before() -> None:
    profile = _profile({"migrate": "migrate"})
    member = MemberSnapshot(profile.service, NAMES, Current(), make_reference(), None)
    snap = Snapshot((member,), "arn:listener", "dev.example.com")
    record = EnvRecord(profile.name, NAMES.name, NAMES.branch, NAMES.host, "ready", 0.0)
    images = {profile.service.role: "img:2"}

    def deployed(record: EnvRecord | None) -> bool:
        (item,) = wanted(profile, snap, images, {}, refresh=False, record=record)
        return item.deployed_before

    assert deployed(None) is False
    assert deployed(record) is False  # recorded, but its service was never made
    made = {"service": {"arn": "arn:aws:ecs:eu-west-1:1:service/c/s"}}
    record.services = [ServiceRecord("other", "img:1", made)]
    assert deployed(record) is False  # another role's service
    record.services = [ServiceRecord(profile.service.role, "img:1", made)]
    assert deployed(record) is True


def test_a_profile_without_hooks_plans_as_before() -> None:
    profile = make_profile()
    bare = plan_create(profile, make_request(), make_reference(), _existing())
    assert hooks.add_to_create(profile, bare, [_item(profile)]) == bare


def test_predestroy_runs_before_any_removal_with_the_running_revision() -> None:
    profile = _profile({"predestroy": {"command": "drop", "on_failure": "warn"}})
    current = _existing()
    plan = plan_delete(profile, NAMES, current)
    member = SimpleNamespace(member=profile.service, names=NAMES, current=current)
    with_hook = hooks.add_to_delete(profile, plan, [member])
    first, rest = with_hook.steps[0], with_hook.steps[1:]
    assert first.id == "hook_predestroy" and first.params["fails"] is False
    assert first.params["run"]["taskDefinition"] == EXISTING_TD
    assert all("hook_predestroy" in s.depends_on for s in rest)
    assert [s.id for s in rest] == [s.id for s in plan.steps]
    # Nothing runs it once the service is gone.
    left = Current(task_definition_arn=EXISTING_TD)
    gone = SimpleNamespace(member=profile.service, names=NAMES, current=left)
    empty = plan_delete(profile, NAMES, gone.current)
    assert hooks.add_to_delete(profile, empty, [gone]) == empty


def test_only_hooks_that_failed_and_warn_are_reported() -> None:
    ok = HookRun("migrate", "arn:task/abc", 0, "", ("done",), 1.0)
    bad = HookRun("migrate", "arn:task/def", 4, "exited", ("boom",), 1.0)
    lost = HookRun("postdeploy", "arn:task/ghi", None, "timed out", (), 9.0)
    assert hooks.warnings({"a": ok, "b": bad, "c": lost, "d": "other"}) == [
        "warning: the migrate hook exited with code 4 (task def); its last lines:\n  | boom",
        "warning: the postdeploy hook did not run to the end: timed out (task ghi)",
    ]
