"""The executor over fake actions: concurrency, ordering, Refs, failure and undo. No AWS."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import pytest

from eden.aws import Aws
from eden.aws.errors import refused
from eden.envs import resources as eden_actions
from eden.envs.executor import DryRunExecutor, Executor, StepFailedError, StepResult
from eden.envs.plan import Plan, Ref, Step
from eden.errors import AwsError, ExecutionFailed

Fake = Callable[[Any, Mapping[str, Any]], dict[str, Any]]

AWS = cast(Aws, object())  # actions receive it; the fakes only check it is passed on


class Recorder:
    """Fake actions that log what ran, in which order, with which params."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[tuple[str, str]] = []  # (event, step action)
        self.params: dict[str, Mapping[str, Any]] = {}
        self.aws_seen: list[object] = []

    def record(self, event: str, name: str) -> None:
        with self.lock:
            self.log.append((event, name))

    def ok(self, name: str, outputs: dict[str, Any] | None = None) -> Fake:
        def action(aws: Any, p: Mapping[str, Any]) -> dict[str, Any]:
            self.record("start", name)
            with self.lock:
                self.params[name] = p
                self.aws_seen.append(aws)
            self.record("end", name)
            return dict(outputs or {})

        return action

    def fail(self, name: str, exc: Exception | None = None) -> Fake:
        def action(aws: Any, p: Mapping[str, Any]) -> dict[str, Any]:
            self.record("start", name)
            self.record("end", name)
            raise exc if exc is not None else RuntimeError(f"{name} broke")

        return action

    def started(self) -> list[str]:
        return [n for e, n in self.log if e == "start"]

    def index(self, event: str, name: str) -> int:
        return self.log.index((event, name))


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as p:
        yield p


def plan_of(*steps: Step) -> Plan:
    return Plan(operation="create", profile="dev", env="feature-login", steps=steps)


def test_independent_steps_run_at_the_same_time(pool: ThreadPoolExecutor) -> None:
    barrier = threading.Barrier(2, timeout=3)

    def meet(aws: Any, p: Mapping[str, Any]) -> dict[str, Any]:
        barrier.wait()  # raises BrokenBarrierError unless the other step runs meanwhile
        return {"met": p["who"]}

    plan = plan_of(
        Step("a", "meet", {"who": "a"}),
        Step("b", "meet", {"who": "b"}),
    )
    result = Executor(AWS, pool, {"meet": meet}).run(plan)
    assert {r.id for r in result.results if r.ok} == {"a", "b"}
    assert result.outputs() == {"a": {"met": "a"}, "b": {"met": "b"}}
    assert not barrier.broken


def test_dependents_run_after_their_deps_with_resolved_refs(pool: ThreadPoolExecutor) -> None:
    rec = Recorder()
    acts = {
        "td": rec.ok("td", {"taskDefinitionArn": "arn:td:7"}),
        "tg": rec.ok("tg", {"TargetGroupArn": "arn:tg"}),
        "rule": rec.ok("rule", {"RuleArn": "arn:rule"}),
        "svc": rec.ok("svc", {"serviceArn": "arn:svc"}),
    }
    plan = plan_of(
        Step("service", "svc", {
            "taskDefinition": Ref("task_definition", "taskDefinitionArn"),
            "loadBalancers": [{"targetGroupArn": Ref("target_group", "TargetGroupArn")}],
        }, depends_on=("task_definition", "target_group", "listener_rule")),
        Step("listener_rule", "rule", {
            "Actions": [{"TargetGroupArn": Ref("target_group", "TargetGroupArn")}],
        }, depends_on=("target_group",)),
        Step("task_definition", "td", {"family": "f"}),
        Step("target_group", "tg", {"Name": "n"}),
    )
    result = Executor(AWS, pool, acts).run(plan)
    assert rec.index("end", "tg") < rec.index("start", "rule")
    for dep in ("td", "tg", "rule"):
        assert rec.index("end", dep) < rec.index("start", "svc")
    assert rec.params["rule"] == {"Actions": [{"TargetGroupArn": "arn:tg"}]}
    assert rec.params["svc"] == {
        "taskDefinition": "arn:td:7",
        "loadBalancers": [{"targetGroupArn": "arn:tg"}],
    }
    assert all(a is AWS for a in rec.aws_seen)
    assert result.outputs()["service"] == {"serviceArn": "arn:svc"}
    assert all(r.ok for r in result.results)
    assert result.undone == []
    assert not result.dry_run
    d = result.as_dict()
    assert d["undone"] == [] and {s["id"] for s in d["steps"]} == {
        "service", "listener_rule", "task_definition", "target_group"
    }


def test_a_failing_step_stops_its_dependents(pool: ThreadPoolExecutor) -> None:
    rec = Recorder()
    acts = {"ok": rec.ok("a", {"x": 1}), "bad": rec.fail("bad"), "never": rec.ok("never")}
    plan = plan_of(
        Step("a", "ok", {}),
        Step("b", "bad", {}, depends_on=("a",)),
        Step("c", "never", {}, depends_on=("b",)),
        Step("d", "never", {}, depends_on=("a", "b")),
    )
    with pytest.raises(StepFailedError) as info:
        Executor(AWS, pool, acts).run(plan, undo_on_failure=False)
    exc = info.value
    assert isinstance(exc, ExecutionFailed)
    assert "never" not in rec.started()
    assert exc.failure.id == "b"
    assert exc.failure.error == "RuntimeError: bad broke"
    assert exc.where == "bad"
    assert "step b failed" in exc.message
    assert [r.id for r in exc.result.results] == ["a", "b"]
    assert exc.result.undone == []


def test_undo_runs_in_reverse_dependency_order(pool: ThreadPoolExecutor) -> None:
    rec = Recorder()
    acts = {
        "make": rec.ok("make", {"Arn": "made"}),
        "make_b": rec.ok("make_b", {"Arn": "made-b"}),
        "make_c": rec.ok("make_c", {"Arn": "made-c"}),
        "bad": rec.fail("bad"),
        "undo_a": rec.ok("undo_a"),
        "undo_b": rec.ok("undo_b"),
        "undo_c": rec.ok("undo_c"),
        "undo_d": rec.ok("undo_d"),
    }
    plan = plan_of(
        Step("d", "bad", {}, depends_on=("c",),
             undo=Step("undo_d", "undo_d", {})),
        Step("e", "bad", {}, depends_on=("c",),  # needs its own output: cannot be undone
             undo=Step("undo_e", "undo_d", {"arn": Ref("e", "Arn")})),
        Step("c", "make_c", {}, depends_on=("b",),
             undo=Step("undo_c", "undo_c", {"arn": Ref("c", "Arn")})),
        Step("b", "make_b", {}, depends_on=("a",),
             undo=Step("undo_b", "undo_b", {"arn": Ref("b", "Arn")})),
        Step("a", "make", {},
             undo=Step("undo_a", "undo_a", {"arn": Ref("a", "Arn")})),
    )
    with pytest.raises(StepFailedError) as info:
        Executor(AWS, pool, acts).run(plan, undo_on_failure=True)
    undone_order = [n for n in rec.started() if n.startswith("undo_")]
    # A failed step may have made its change (its answer lost): it is undone first, when
    # its undo needs nothing it would have returned; one that needs its output cannot be.
    assert undone_order == ["undo_d", "undo_c", "undo_b", "undo_a"]
    assert rec.params["undo_c"] == {"arn": "made-c"}
    assert rec.params["undo_a"] == {"arn": "made"}
    exc = info.value
    assert [r.id for r in exc.result.undone] == ["undo_d", "undo_c", "undo_b", "undo_a"]
    assert all(r.ok for r in exc.result.undone)
    assert exc.hint is not None and "undid d, c, b, a" in exc.hint
    assert exc.result.as_dict()["undone"] == ["undo_d", "undo_c", "undo_b", "undo_a"]


def test_undo_of_a_create_plan_shape(pool: ThreadPoolExecutor) -> None:
    """td + tg in parallel, rule after tg, the service fails: rule, tg, td are taken back."""
    rec = Recorder()
    acts = {
        "td": rec.ok("td", {"taskDefinitionArn": "arn:td"}),
        "tg": rec.ok("tg", {"TargetGroupArn": "arn:tg"}),
        "rule": rec.ok("rule", {"RuleArn": "arn:rule"}),
        "svc": rec.fail("svc"),
        "del_td": rec.ok("del_td"),
        "del_tg": rec.ok("del_tg"),
        "del_rule": rec.ok("del_rule"),
    }
    plan = plan_of(
        Step("task_definition", "td", {},
             undo=Step("undo_task_definition", "del_td",
                       {"arns": [Ref("task_definition", "taskDefinitionArn")]})),
        Step("target_group", "tg", {},
             undo=Step("undo_target_group", "del_tg",
                       {"TargetGroupArn": Ref("target_group", "TargetGroupArn")})),
        Step("listener_rule", "rule", {}, depends_on=("target_group",),
             undo=Step("undo_listener_rule", "del_rule",
                       {"RuleArn": Ref("listener_rule", "RuleArn")})),
        Step("service", "svc", {}, depends_on=("task_definition", "listener_rule")),
    )
    with pytest.raises(StepFailedError):
        Executor(AWS, pool, acts).run(plan, undo_on_failure=True)
    undone = [n for n in rec.started() if n.startswith("del_")]
    assert sorted(undone) == ["del_rule", "del_td", "del_tg"]
    assert undone.index("del_rule") < undone.index("del_tg")  # the rule holds the group
    assert rec.params["del_tg"] == {"TargetGroupArn": "arn:tg"}
    assert rec.params["del_td"] == {"arns": ["arn:td"]}


def test_nothing_is_undone_unless_asked(pool: ThreadPoolExecutor) -> None:
    rec = Recorder()
    acts = {"make": rec.ok("make", {"Arn": "x"}), "bad": rec.fail("bad"), "undo": rec.ok("undo")}
    plan = plan_of(
        Step("a", "make", {}, undo=Step("undo_a", "undo", {"arn": Ref("a", "Arn")})),
        Step("b", "bad", {}, depends_on=("a",)),
    )
    with pytest.raises(StepFailedError) as info:
        Executor(AWS, pool, acts).run(plan)
    assert "undo" not in rec.started()
    assert info.value.result.undone == []
    assert info.value.hint is not None and "undid" not in info.value.hint


def test_running_steps_finish_and_are_undone_after_a_failure(pool: ThreadPoolExecutor) -> None:
    """A step already running when another fails completes, and is then undone."""
    release = threading.Event()
    rec = Recorder()

    def slow(aws: Any, p: Mapping[str, Any]) -> dict[str, Any]:
        rec.record("start", "slow")
        release.wait(5)
        rec.record("end", "slow")
        return {"Arn": "slow-arn"}

    def bad(aws: Any, p: Mapping[str, Any]) -> dict[str, Any]:
        rec.record("start", "bad")
        release.set()
        raise RuntimeError("boom")

    acts = {"slow": slow, "bad": bad, "undo": rec.ok("undo"), "after": rec.ok("after")}
    plan = plan_of(
        Step("s", "slow", {}, undo=Step("undo_s", "undo", {"arn": Ref("s", "Arn")})),
        Step("b", "bad", {}),
        Step("later", "after", {}, depends_on=("s",)),
    )
    with pytest.raises(StepFailedError) as info:
        Executor(AWS, pool, acts).run(plan, undo_on_failure=True)
    assert ("end", "slow") in rec.log
    assert "after" not in rec.started()  # nothing new starts after the failure
    assert rec.params["undo"] == {"arn": "slow-arn"}
    assert info.value.failure.id == "b"


def test_a_failing_undo_is_reported_not_raised(pool: ThreadPoolExecutor) -> None:
    rec = Recorder()
    acts = {"make": rec.ok("make", {"Arn": "x"}), "bad": rec.fail("bad"),
            "undo": rec.fail("undo")}
    plan = plan_of(
        Step("a", "make", {}, undo=Step("undo_a", "undo", {})),
        Step("b", "bad", {}, depends_on=("a",)),
    )
    with pytest.raises(StepFailedError) as info:
        Executor(AWS, pool, acts).run(plan, undo_on_failure=True)
    assert [r.ok for r in info.value.result.undone] == [False]
    assert info.value.hint is not None and "could not undo a " in info.value.hint


def test_eden_and_client_errors_become_the_step_error(pool: ThreadPoolExecutor) -> None:
    client_error = refused(
        "PriorityInUse", "Priority '7' is currently in use", "CreateRule", "elasticloadbalancing"
    )
    acts = {
        "aws": Recorder().fail("aws", client_error),
        "eden": Recorder().fail("eden", AwsError("the bucket is gone")),
    }
    with pytest.raises(StepFailedError) as info:
        Executor(AWS, pool, acts).run(plan_of(Step("r", "aws", {}, description="create rule")))
    assert info.value.failure.error is not None
    assert "PriorityInUse" in info.value.failure.error
    assert "create rule" in info.value.failure.error
    with pytest.raises(StepFailedError) as info2:
        Executor(AWS, pool, acts).run(plan_of(Step("e", "eden", {})))
    assert info2.value.failure.error == "the bucket is gone"


def test_listener_sees_start_done_and_failed(pool: ThreadPoolExecutor) -> None:
    events: list[tuple[str, str, bool | None]] = []
    lock = threading.Lock()

    def listener(event: str, step: Step, res: StepResult | None) -> None:
        with lock:
            events.append((event, step.id, None if res is None else res.ok))

    rec = Recorder()
    acts = {"ok": rec.ok("ok", {"v": 1}), "bad": rec.fail("bad")}
    plan = plan_of(Step("a", "ok", {}), Step("b", "bad", {}, depends_on=("a",)))
    with pytest.raises(StepFailedError):
        Executor(AWS, pool, acts).run(plan, listener=listener)
    assert events == [
        ("start", "a", None),
        ("done", "a", True),
        ("start", "b", None),
        ("failed", "b", False),
    ]


def test_empty_plan_runs_nothing(pool: ThreadPoolExecutor) -> None:
    result = Executor(AWS, pool, {}).run(plan_of())
    assert result.results == []
    assert result.outputs() == {}


def test_dry_run_runs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []

    def trap(aws: Any, p: Mapping[str, Any]) -> dict[str, Any]:
        called.append("ran")
        return {}

    for name in list(eden_actions.ACTIONS):
        monkeypatch.setitem(eden_actions.ACTIONS, name, trap)
    plan = plan_of(
        Step("task_definition", "ecs.register_task_definition", {}),
        Step("service", "ecs.create_service", {}, depends_on=("task_definition",)),
    )
    result = DryRunExecutor().run(plan, undo_on_failure=True)
    assert called == []
    assert result.dry_run is True
    assert result.results == []
    assert result.plan is plan
    assert result.as_dict()["plan"]["steps"][1]["depends_on"] == ["task_definition"]
