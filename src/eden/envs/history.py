"""What the engine writes to the state store around an operation: the environment's record
before and after it runs, and one event per operation.

Before a create runs, the record is written (status ``creating``) with the names the
environment gets, so a crash leaves a record a later run resumes. After, each resource
module says what it recorded (ARNs, the priority chosen...). A create that failed and
left nothing is forgotten; one that left something is kept as ``failed``.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eden.config import Profile
from eden.core.arns import alb_of_listener
from eden.envs import usage, variables
from eden.envs.executor import RunResult, StepFailedError
from eden.envs.group import Wanted
from eden.envs.reader import Snapshot
from eden.envs.records import EnvRecord, Event, ServiceRecord
from eden.envs.resources import RESOURCES
from eden.envs.resources.base import step_id
from eden.state.base import StateStore


def default_actor() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # no user database in some containers
        return "unknown"


class History:
    def __init__(
        self, store: StateStore, profile: Profile, actor: str, clock: Callable[[], float]
    ):
        self.store = store
        self.profile = profile
        self.actor = actor
        self.clock = clock

    def before_create(
        self,
        snap: Snapshot,
        taken: EnvRecord | None,
        *,
        alias: str | None,
        origin: str | None,
        now: float,
        store: Callable[[EnvRecord], None] | None = None,
    ) -> EnvRecord:
        """The record to run the create under, with the names the environment has.

        ``store`` writes it (the quota ledger does, under its lease, when the create claims
        room on the ALB); by default it is written when it changed."""
        names = snap.names
        record = taken or EnvRecord(
            profile=self.profile.name,
            name=names.name,
            branch=names.branch,
            host=names.host,
            status="creating",
            created_at=now,
            alias=alias,
        )
        record.names = {
            "task_family": names.task_family,
            "service": names.service,
            "target_group": names.target_group,
            "host": names.host,
            "endpoint_name": names.endpoint_name,
        }
        changed = taken is None or not taken.names
        if origin is not None and record.origin != origin:
            record.origin = origin  # made for it now, or adopted from before origins
            changed = True
        if store is not None:
            store(record)
        elif changed:
            self.store.put(record)
        return record

    def made(
        self,
        record: EnvRecord,
        snap: Snapshot,
        result: RunResult,
        items: Sequence[Wanted],
        *,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        """Each resource of each service records what it made (its step's output) or what
        was there; a service the run did not touch keeps its record as it was.

        The request's env-var overrides are kept too: they are the environment's own
        values, which `eden diff` leaves out and `create --refresh` keeps. So are the
        environment's own variables (``eden vars``), set in each service deployed: pending
        no more once every service has them."""
        outputs = result.outputs()
        images = {i.member.role: i.request.image for i in items}
        before = {s.role: s for s in record.services}
        services = []
        for m in snap.members:
            role = m.member.role
            kept: dict[str, dict[str, Any]] = {}
            for resource in RESOURCES:
                output = outputs.get(step_id(self.profile, role, resource.key))
                entry = resource.record(output, m.current[resource.key])
                if entry is not None:
                    kept[resource.key] = entry
            image = images.get(role) or (before[role].image if role in before else "")
            services.append(ServiceRecord(role, image, kept))
        record.services = services
        record.extra["listener_arn"] = snap.listener_arn
        served = sum(1 for s in services if "listener_rule" in s.resources)
        if served:  # which ALB of the pool it lives on, and how much of it it uses
            record.extra["alb_arn"] = alb_of_listener(snap.listener_arn) or snap.listener_arn
            record.extra["alb_rules"] = served
        record.extra["zone_id"] = self.profile.zone_id
        record.extra["env_overrides"] = dict(overrides or {})
        if items:
            record.extra[variables.KEPT] = items[0].request.vars.to_record()
            record.extra[variables.PENDING] = len(items) < len(snap.members)
        record.status = "ready"
        record.last_deploy_at = self.clock()
        usage.note_deploy(record, self.profile, result.plan, snap, record.last_deploy_at)
        self.store.put(record)

    def create_failed(
        self, record: EnvRecord, exc: StepFailedError, *, brand_new: bool
    ) -> None:
        # What made something of its own (a step with an undo); settings on what was made
        # (target group attributes) went with it.
        undoable = {step.id for step in exc.result.plan.steps if step.undo is not None}
        created = {r.id for r in exc.result.results if r.ok and r.id in undoable}
        undone = {r.id.removeprefix("undo_") for r in exc.result.undone if r.ok}
        if brand_new and created <= undone:  # nothing of it is left: forget it
            self.store.delete(record.profile, record.name)
        elif not brand_new and created <= undone and exc.failure.action == "ecs.run_hook":
            pass  # the migrate hook failed before the service update: it runs as it was
        else:
            record.status = "failed"
            self.store.put(record)

    def event(
        self,
        env: str,
        action: str,
        started: float,
        result: str,
        detail: str,
        image: str | None = None,
    ) -> None:
        self.store.add_event(
            Event(
                self.profile.name,
                env,
                action,
                self.actor,
                started,
                self.clock() - started,
                result,
                detail,
                image,
            )
        )
