"""What every resource module is given (``envs/resources/base.py``) on its own: step ids and
endpoint keys in a group, the defaults of the value types, ``Current``, ``PlanInput``'s
helpers, ``ReadContext.one``, and ``Resource.of_module``'s check. Pure: no AWS."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import FrozenInstanceError, replace
from typing import Any

import pytest
from test_planner import NAMES, make_profile, make_reference, make_request

from eden.config import Profile
from eden.config.model import ServiceTemplate
from eden.envs.plan import Ref
from eden.envs.resources import base
from eden.envs.resources.base import (
    AlbUsage,
    Current,
    ListenerRule,
    PlanInput,
    Planned,
    ReadContext,
    Reference,
    RemoveInput,
    Request,
    Resource,
)

API = ServiceTemplate("api", "api-ref")
WEB = ServiceTemplate("web", "web-ref", endpoint_key="frontend")


def group() -> Profile:
    return replace(make_profile(), services=(API, WEB))


# --- step ids and endpoint keys --------------------------------------------------------


def test_a_step_id_is_the_key_alone_unless_the_profile_is_a_group() -> None:
    assert base.step_id(make_profile(), "app", "service") == "service"
    assert base.step_id(group(), "web", "service") == "web:service"


def test_the_endpoint_key_own_then_role_in_a_group_then_the_documents() -> None:
    single = make_profile()
    assert base.endpoint_key(single, None) == "api"  # the document's update_key
    assert base.endpoint_key(single, single.service) == "api"
    assert base.endpoint_key(group(), WEB) == "frontend"
    assert base.endpoint_key(group(), API) == "api"
    assert base.endpoint_key(group(), replace(API, role="worker")) == "worker"
    assert base.endpoint_key(group(), None) == "api"  # no member: the document's
    assert base.endpoint_key(replace(single, endpoints=None), None) == ""
    assert base.endpoint_key(replace(single, endpoints=None), WEB) == "frontend"


def test_plan_remove_and_read_inputs_give_their_members_endpoint_key() -> None:
    pi = PlanInput(group(), make_request(), make_reference(), Current(), member=WEB)
    assert pi.endpoint_key == "frontend"
    assert replace(pi, member=replace(API, role="db")).endpoint_key == "db"
    ri = RemoveInput(group(), NAMES, Current(), member=replace(API, role="db"))
    assert ri.endpoint_key == "db"
    assert replace(ri, member=WEB).endpoint_key == "frontend"
    assert read_context(member=replace(API, role="db")).endpoint_key == "db"
    assert read_context(member=WEB).endpoint_key == "frontend"


# --- the value types -------------------------------------------------------------------


def test_the_defaults() -> None:
    assert AlbUsage() == AlbUsage(0, 0, frozenset())
    assert (AlbUsage().rules, AlbUsage().target_groups) == (0, 0)
    rule = ListenerRule("arn:r", 3, ("a.example.com",), ("arn:tg",))
    assert (rule.sign_in, rule.sign_in_config, rule.header_digests) == (None, {}, {})
    ref = Reference({}, {}, [], None, "app", None, "arn:listener", "alb.example", "Z1",
                    "dev.example.com", ())
    assert (ref.wildcard_record, ref.alb_arn, ref.alb_usage) == (False, "", None)
    assert ref.target_group_attributes == {}
    request = Request(NAMES, "img")
    assert (request.refresh, request.env_overrides) == (False, {})
    assert Planned() == Planned((), (), False)
    assert Planned().deploying is False
    pi = PlanInput(make_profile(), request, ref, Current())
    assert (pi.planned, pi.member) == (frozenset(), None)
    ri = RemoveInput(make_profile(), NAMES, Current())
    assert (ri.after, ri.member) == ((), None)


def test_the_value_types_are_frozen_and_hashable_where_they_hold_no_mapping() -> None:
    rule = ListenerRule("arn:r", 3, (), ())
    usage = AlbUsage(1, 2, frozenset({"a"}))
    assert hash(usage) == hash(AlbUsage(1, 2, frozenset({"a"})))
    assert hash(Planned()) == hash(Planned())
    for value, attr in ((rule, "priority"), (usage, "rules"), (make_reference(), "container"),
                        (Current(), "found"), (Request(NAMES, "img"), "image"),
                        (PlanInput(make_profile(), make_request(), make_reference(), Current()),
                         "planned"),
                        (RemoveInput(make_profile(), NAMES, Current()), "after"),
                        (Planned(), "deploying"), (read_context(), "deleting"),
                        (resource(), "key")):
        with pytest.raises(FrozenInstanceError, match=f"cannot assign to field '{attr}'"):
            setattr(value, attr, None)


# --- Current -----------------------------------------------------------------------------


def test_current_keeps_what_exists_and_reads_none_for_the_rest() -> None:
    current = Current.of(service={"serviceArn": "arn:s"}, target_group=None, record={})
    assert current.found == {"service": {"serviceArn": "arn:s"}, "record": {}}
    assert current["service"] == {"serviceArn": "arn:s"}
    assert current["target_group"] is None
    assert current.without("service").found == {"record": {}}
    assert current.without("target_group").found == current.found
    assert current.empty is False
    assert current.without("service").empty is True  # an empty record is nothing
    assert Current().empty is True


# --- PlanInput's helpers -----------------------------------------------------------------


def test_a_plan_input_refs_what_the_plan_makes_and_waits_only_for_that() -> None:
    pi = PlanInput(make_profile(), make_request(), make_reference(), Current(),
                   planned=frozenset({"target_group", "service"}))
    assert pi.names == NAMES
    assert pi.served is True
    assert replace(pi, reference=replace(make_reference(), target_group=None)).served is False
    assert pi.value("target_group", "TargetGroupArn", "arn:old") == Ref("target_group",
                                                                          "TargetGroupArn")
    assert pi.value("listener_rule", "RuleArn", "arn:old") == "arn:old"
    assert pi.after("task_definition", "service", "target_group") == ("service", "target_group")
    assert pi.after("listener_rule") == ()


# --- ReadContext.one ---------------------------------------------------------------------


def read_context(member: ServiceTemplate | None = None,
                 submitted: list[str] | None = None) -> ReadContext:
    def submit(what: str, read: Any) -> Future[Any]:
        (submitted if submitted is not None else []).append(what)
        done: Future[Any] = Future()
        done.set_result(read())
        return done

    return ReadContext(group(), None, NAMES, None, False, submit, None, None,  # type: ignore[arg-type]
                       member)


def test_one_submits_the_read_in_round_one_and_collects_its_answer() -> None:
    submitted: list[str] = []
    collect = read_context(submitted=submitted).one("read it", lambda: {"found": 1})
    assert submitted == ["read it"]
    assert collect(NAMES) == {"found": 1}


# --- Resource ------------------------------------------------------------------------------


def resource(**namespace: Any) -> Resource:
    parts: dict[str, Any] = {"KEY": "thing", "read": len, "plan": len, "remove": len,
                             "ACTIONS": {}, "record": len}
    parts.update(namespace)
    return Resource.of_module({k: v for k, v in parts.items() if v is not None}, ("before",))


def test_of_module_takes_the_modules_parts_in_order() -> None:
    made = resource(read=str, plan=repr, remove=id, ACTIONS={"a": len}, record=hash)
    assert (made.key, made.after, made.read, made.plan, made.remove) == (
        "thing", ("before",), str, repr, id)
    assert (made.actions, made.record) == ({"a": len}, hash)
    assert made.owns_arn("arn:anything") is False  # by default it owns nothing
    assert made.also_tagged is None
    extra = Resource.of_module({"KEY": "k", "read": 1, "plan": 2, "remove": 3, "ACTIONS": 4,
                                "record": 5}, (), owns_arn=bool)
    assert extra.owns_arn is bool


def test_of_module_names_every_missing_part() -> None:
    with pytest.raises(TypeError, match=r"^a resource module must define remove, record$"):
        resource(remove=None, record=None)
    with pytest.raises(TypeError, match=r"^a resource module must define KEY$"):
        resource(KEY=None)
