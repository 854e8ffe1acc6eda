"""The local-task reconciler (pure): each service's wish against what runs -> start/stop."""

from __future__ import annotations

from eden.sandbox.tasks import Actions, Task, TaskSpec, Want, reconcile, steady

SVC = "arn:aws:ecs:us-east-1:123456789012:service/sandbox/eden-feature-login"
OTHER = "arn:aws:ecs:us-east-1:123456789012:service/sandbox/eden-other"
V1 = TaskSpec("feature-login", "eden-feature-login", "api:v1", "td/eden-feature-login:1", "/h")
V2 = TaskSpec("feature-login", "eden-feature-login", "api:v2", "td/eden-feature-login:2", "/h")


def want(count: int, spec: TaskSpec = V1, due: float = 10.0, service: str = SVC) -> Want:
    return Want(service, spec, count, due)


def task(task_id: str, spec: TaskSpec = V1, answering: bool = True, service: str = SVC) -> Task:
    return Task(task_id, service, spec, answering)


def test_a_new_service_starts_its_tasks_once_due() -> None:
    wish = want(2, due=10.0)
    assert reconcile({SVC: wish}, [], now=9.9) == Actions()
    assert reconcile({SVC: wish}, [], now=10.0) == Actions(start=(wish, wish))


def test_a_held_service_waits_for_its_pause() -> None:
    wish = want(1)
    assert reconcile({SVC: wish}, [], now=11.0, held_until={SVC: 12.0}) == Actions()
    assert reconcile({SVC: wish}, [], now=12.0, held_until={SVC: 12.0}) == Actions(start=(wish,))


def test_steady_service_needs_nothing() -> None:
    assert reconcile({SVC: want(2)}, [task("a"), task("b")], now=20.0) == Actions()


def test_scale_out_starts_the_difference() -> None:
    wish = want(3)
    assert reconcile({SVC: wish}, [task("a")], now=20.0) == Actions(start=(wish, wish))


def test_scale_in_stops_the_starting_then_the_newest_first() -> None:
    running = [task("a"), task("b"), task("c", answering=False), task("d")]
    assert reconcile({SVC: want(2)}, running, now=20.0) == Actions(stop=("c", "d"))


def test_scale_in_happens_at_once_even_before_the_rollout_is_due() -> None:
    assert reconcile({SVC: want(1, due=99.0)}, [task("a"), task("b")], now=20.0) == Actions(
        stop=("b",)
    )


def test_a_deploy_starts_new_tasks_and_keeps_the_old_until_they_answer() -> None:
    wish = want(2, V2, due=30.0)
    old = [task("a"), task("b")]
    assert reconcile({SVC: wish}, old, now=29.0) == Actions()  # not due: the old serve
    assert reconcile({SVC: wish}, old, now=30.0) == Actions(start=(wish, wish))
    starting = [*old, task("c", V2, answering=False), task("d", V2)]
    assert reconcile({SVC: wish}, starting, now=31.0) == Actions()
    answering = [*old, task("c", V2), task("d", V2)]
    assert reconcile({SVC: wish}, answering, now=31.0) == Actions(stop=("a", "b"))


def test_zero_desired_or_a_deleted_service_stops_everything() -> None:
    running = [task("a"), task("b", V2)]
    assert reconcile({SVC: want(0)}, running, now=20.0) == Actions(stop=("a", "b"))
    assert reconcile({}, running, now=20.0) == Actions(stop=("a", "b"))


def test_services_are_reconciled_apart() -> None:
    other = want(1, service=OTHER, due=0.0)
    running = [task("a"), task("x", service=OTHER)]
    assert reconcile({OTHER: other}, running, now=5.0) == Actions(stop=("a",))
    assert reconcile({SVC: want(1), OTHER: other}, running, now=20.0) == Actions()


def test_steady_means_every_wanted_task_of_the_new_spec_answers() -> None:
    wish = want(2, V2, due=30.0)
    assert steady(wish, [task("c", V2), task("d", V2)], now=31.0)
    assert not steady(wish, [task("c", V2), task("d", V2)], now=29.0)  # not due yet
    assert not steady(wish, [task("c", V2), task("d", V2, answering=False)], now=31.0)
    assert not steady(wish, [task("c", V2)], now=31.0)
    assert not steady(wish, [task("a"), task("c", V2), task("d", V2)], now=31.0)
    assert steady(want(0), [], now=0.0)
    assert not steady(want(0), [task("a")], now=0.0)
    assert steady(None, [], now=0.0)
