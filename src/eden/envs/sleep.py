"""Sleep and wake an environment: read, plan (``sleep_plan``), run, remember.

The record keeps what a wake needs (``extra["sleep"]``: the state, the task count of
each service when it went to sleep, when and why), so any replica of the waker, the CLI
or the API can wake it. Every change runs under the environment's lease, like a deploy,
so a sleep never interleaves with a create, deploy or delete of the same environment.

A wake is two phases: ``wake`` starts the tasks (the state becomes ``waking``); ``finish``
points the rules back at the environment's target groups once every group has a healthy
target (before that the ALB would answer 503). ``eden wake`` does both; the waker starts
the first and finishes from its background thread or any later request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from eden.core.tags import TAG_SLEEPING
from eden.envs.executor import DryRunExecutor, Executor, Listener, StepFailedError
from eden.envs.journal import Journal
from eden.envs.outcome import Outcome
from eden.envs.plan import Plan
from eden.envs.quota import Need, check
from eden.envs.records import EnvRecord
from eden.envs.resources import ACTIONS
from eden.envs.resources.apply import Apply
from eden.envs.resources.base import AlbUsage
from eden.envs.sleep_plan import (
    Member,
    WakerGroup,
    plan_sleep,
    plan_wake_finish,
    plan_wake_start,
    waker_params,
)
from eden.envs.usage import note_power
from eden.errors import ConfigError, NotFound, UsageError
from eden.state.leases import LockPolicy, env_key, held, new_owner

if TYPE_CHECKING:
    from eden.envs.engine import Engine

POLL = 1.0  # seconds between target-health reads while `eden wake` waits


def tag_sleeping(ctx: Apply, p: Mapping[str, Any]) -> None:
    ctx.aws.ecs.tag_resource(str(p["resourceArn"]), {TAG_SLEEPING: "true"})


def untag_sleeping(ctx: Apply, p: Mapping[str, Any]) -> None:
    ctx.aws.ecs.untag_resource(str(p["resourceArn"]), [TAG_SLEEPING])


SLEEP_ACTIONS = {
    **ACTIONS,
    "ecs.tag_sleeping": tag_sleeping,
    "ecs.untag_sleeping": untag_sleeping,
}


class Power:
    """Sleep, wake and finish waking the environments of one engine's profile."""

    def __init__(self, engine: Engine, *, sleep: Callable[[float], None] = time.sleep):
        self.engine = engine
        self.profile = engine.profile
        self.aws = engine.aws
        self.store = engine.store
        self.executor = Executor(engine.executor.context, engine.pool, SLEEP_ACTIONS)
        self.sleep_fn = sleep

    # --- reading ----------------------------------------------------------------------
    def record(self, name_or_branch: str) -> EnvRecord:
        found = self.engine.find(name_or_branch)
        if found is None:
            raise NotFound(
                f"no environment {name_or_branch!r} in profile {self.profile.name}",
                hint="list them with `eden ls`",
            )
        return found

    def _again(self, name: str) -> EnvRecord:
        record = self.store.get(self.profile.name, name)
        if record is None:
            raise NotFound(f"environment {name!r} was deleted meanwhile", hint="eden ls")
        return record

    def members(self, record: EnvRecord) -> list[Member]:
        """Each service of the environment as AWS has it now (parallel reads)."""
        cluster = self.profile.cluster
        jobs = []
        for svc in record.services:
            name = (svc.service_arn or "").rsplit("/", 1)[-1]
            rule = svc.rule_arn
            jobs.append((
                svc, name,
                self.engine.pool.submit(self.aws.ecs.describe_service, cluster, name),
                self.engine.pool.submit(self.aws.elbv2.describe_rule, rule) if rule else None,
            ))  # fmt: skip
        out = []
        for svc, name, service_f, rule_f in jobs:
            service = service_f.result()
            if not name or service is None:
                raise UsageError(
                    f"service {name or svc.role} of {record.name} does not exist in {cluster}",
                    hint=f"see `eden show {record.name}`; `eden delete {record.name}` cleans up",
                )
            found = rule_f.result() if rule_f is not None else None
            out.append(Member(
                svc.role, name, str(service["serviceArn"]), int(service.get("desiredCount", 0)),
                svc.rule_arn if found else None,
                tuple(found.get("Actions", [])) if found else (), svc.target_group_arn,
            ))  # fmt: skip
        return out

    # --- sleep ------------------------------------------------------------------------
    def sleep(
        self, name_or_branch: str, *, dry_run: bool = False, reason: str = "by hand",
        listener: Listener | None = None, policy: LockPolicy | None = None,
    ) -> Outcome:  # fmt: skip
        """Puts the environment to sleep; refuses one that is not awake and ready."""
        record = self.record(name_or_branch)
        if dry_run:
            return self._sleep(record, True, reason, listener)
        with self._lease(record.name, policy):
            return self._sleep(self._again(record.name), False, reason, listener)

    def _sleep(
        self, record: EnvRecord, dry_run: bool, reason: str, listener: Listener | None
    ) -> Outcome:
        if record.power != "awake":
            raise UsageError(
                f"{record.name} is already {record.power}",
                hint=f"wake it with `eden wake {record.name}`",
            )
        if record.status != "ready":
            raise UsageError(
                f"{record.name} is {record.status}: only a ready environment can sleep",
                hint=f"see `eden show {record.name}`; deploy it again or delete it",
            )
        members = self.members(record)
        steps = plan_sleep(self.profile, members, self._waker_group(record, members))
        plan = Plan("sleep", self.profile.name, record.name, tuple(steps))
        if dry_run:
            return Outcome("sleep", record.name, record.url, DryRunExecutor().run(plan), record)
        counts = {m.role: m.desired for m in members}
        started = self.engine.clock()
        run = self._run(record, plan, listener)
        record.extra["sleep"] = {
            "state": "sleeping", "since": started, "counts": counts, "reason": reason,
        }  # fmt: skip
        note_power(record, started)
        self.store.put(record)
        self.engine.history.event(record.name, "sleep", started, "ok", reason)
        total = sum(counts.values())
        said = f"{record.name} is asleep ({total} task(s) stopped; they come back on request)"
        return Outcome("sleep", record.name, record.url, run, record, [said])

    def _waker_group(self, record: EnvRecord, members: list[Member]) -> WakerGroup | None:
        """The ALB's waker group, checked against the ALB's target-group quota when this
        sleep is the one that attaches it (the first environment of the ALB to sleep)."""
        served = [m for m in members if m.rule_arn and m.target_group_arn]
        if not served:
            return None  # workers only: nothing routes to them
        if self.profile.sleep.waker is None:
            raise ConfigError(
                "the profile has no waker: a sleeping environment could not be woken",
                where=f"profile {self.profile.name} [sleep] waker",
                hint='set waker = "IP:PORT" (where the ALB reaches `eden serve --waker-port`)',
            )
        alb = str(record.extra.get("alb_arn") or "")
        group = self.aws.elbv2.describe_target_group(str(served[0].target_group_arn)) or {}
        params = waker_params(self.profile, alb, str(group.get("VpcId", "")))
        attached = self.aws.elbv2.target_groups_of(alb) if alb else []
        if params["Name"] not in {g.get("TargetGroupName") for g in attached}:
            check(AlbUsage(0, len(attached), frozenset()), 0, Need(0, 1), alb)
        return WakerGroup(None, params)

    # --- wake -------------------------------------------------------------------------
    def wake(
        self, name_or_branch: str, *, by: str = "by hand", listener: Listener | None = None,
        policy: LockPolicy | None = None,
    ) -> Outcome:  # fmt: skip
        """Starts the tasks again (state ``waking``); refuses an environment that is awake.
        A waking one is left as it is (its tasks are starting)."""
        record = self.record(name_or_branch)
        with self._lease(record.name, policy):
            record = self._again(record.name)
            if record.power == "awake":
                raise UsageError(
                    f"{record.name} is awake: there is nothing to wake",
                    hint=f"put it to sleep with `eden sleep {record.name}`",
                )
            if record.power == "waking":
                plan = Plan("wake", self.profile.name, record.name)
                run = DryRunExecutor().run(plan)
                return Outcome("wake", record.name, record.url, run, record, [
                    f"{record.name} is already waking (since {by}): its tasks are starting"
                ])  # fmt: skip
            return self._start(record, by, listener)

    def _start(self, record: EnvRecord, by: str, listener: Listener | None) -> Outcome:
        state = dict(record.extra.get("sleep") or {})
        members = self.members(record)
        plan = Plan("wake", self.profile.name, record.name,
                    tuple(plan_wake_start(self.profile, members, state.get("counts") or {})))
        started = self.engine.clock()
        run = self._run(record, plan, listener)
        record.extra["sleep"] = {**state, "state": "waking", "woken_at": started, "woken_by": by}
        note_power(record, started)
        self.store.put(record)
        self.engine.history.event(record.name, "wake", started, "ok", f"tasks starting ({by})")
        said = f"{record.name} is waking: its tasks are starting"
        return Outcome("wake", record.name, record.url, run, record, [said])

    def ready(self, record: EnvRecord) -> bool:
        """Every served target group of the environment has a healthy target."""
        groups = [s.target_group_arn for s in record.services if s.rule_arn]
        return all(
            any(t.get("TargetHealth", {}).get("State") == "healthy"
                for t in self.aws.elbv2.target_health(str(arn)))
            for arn in groups
        )  # fmt: skip

    def finish(self, name: str, *, policy: LockPolicy | None = None) -> str:
        """A waking environment whose targets are healthy gets its rules back; returns
        its state after the call (awake, waking or sleeping)."""
        record = self._again(name)
        if record.power != "waking" or not self.ready(record):
            return record.power
        with self._lease(name, policy):
            record = self._again(name)
            if record.power != "waking":
                return record.power
            members = self.members(record)
            steps = plan_wake_finish(self.profile, members)
            started = self.engine.clock()
            self._run(record, Plan("wake", self.profile.name, name, tuple(steps)), None)
            state = record.extra.pop("sleep", {}) or {}
            record.extra["last_woken_at"] = state.get("woken_at", started)
            record.extra["last_woken_by"] = state.get("woken_by", "")
            self.store.put(record)
            self.engine.history.event(name, "wake", started, "ok", "rules restored")
        return "awake"

    def wait_awake(self, name: str, timeout: float) -> bool:
        """Finishes the wake as soon as the targets are healthy, within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            if self.finish(name) == "awake":
                return True
            if time.monotonic() >= deadline:
                return False
            self.sleep_fn(POLL)

    # --- running ----------------------------------------------------------------------
    def _lease(self, name: str, policy: LockPolicy | None) -> AbstractContextManager[Any]:
        chosen = policy or self.engine.lock_policy
        return held(self.store, env_key(self.profile.name, name), new_owner(), chosen)

    def _run(self, record: EnvRecord, plan: Plan, listener: Listener | None) -> Any:
        """Runs the plan journaled; a failed step is undone (the rule back, the count
        back), and the failure is recorded as the operation's event."""
        journal = Journal(self.store, self.profile.name, record.name, self.engine.clock)
        journal.begin(plan.operation)
        started = self.engine.clock()
        try:
            run = self.executor.run(plan, undo_on_failure=True,
                                    listener=journal.listener(listener))
        except StepFailedError as exc:
            journal.end(False, exc.message)
            self.engine.history.event(record.name, plan.operation, started, "failed",
                                      exc.message)
            raise
        journal.end(True)
        return run
