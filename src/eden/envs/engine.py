"""Create, deploy, delete, list and show environments: read, plan, run, remember.

The engine only sequences: it resolves which environment a request means
(``ownership``), takes its lease, reads the world (``reader``), plans (``planner``), runs
the plan (``executor``, journaled), and records what was made (each resource module says
what it records). The CLI and the HTTP API are thin shells over it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eden.aws import Aws
from eden.config import Profile
from eden.config.access import require_client_secret
from eden.config.access import secrets as access_secrets
from eden.core import envvars, naming
from eden.core.images import validate_image
from eden.envs import albs, hooks
from eden.envs.executor import (
    DryRunExecutor,
    Executor,
    Listener,
    NoteListener,
    RunResult,
    StepFailedError,
)
from eden.envs.group import (
    check_images,
    image_messages,
    image_summary,
    plan_group,
    plan_removal,
    specs,
    wanted,
)
from eden.envs.history import History, default_actor
from eden.envs.journal import Journal, OperationLog, last_operation, resume_note
from eden.envs.outcome import CreateRequest, Outcome, Prepared
from eden.envs.ownership import Directory, check_owner
from eden.envs.plan import Plan
from eden.envs.quota import Ledger, QuotaFull
from eden.envs.reader import MemberSpec, Reader, Snapshot
from eden.envs.readiness import Readiness, wait_for_environment
from eden.envs.records import EnvRecord, Event
from eden.envs.resources.apply import Apply
from eden.envs.resources.base import AlbUsage
from eden.envs.shared import LeasedWrites
from eden.errors import NotFound, UsageError
from eden.state.base import LockInfo, StateStore
from eden.state.leases import LockPolicy, env_key, held, new_owner

WaitCallback = Callable[[LockInfo | None, float], None]
ReadyCallback = Callable[[Readiness, float], None]
NamesInZone = Callable[[str], naming.EnvNames]


class Engine:
    def __init__(
        self,
        profile: Profile,
        aws: Aws,
        store: StateStore,
        *,
        pool: ThreadPoolExecutor,
        actor: str | None = None,
        clock: Callable[[], float] = time.time,
        lock_policy: LockPolicy | None = None,
    ):
        self.profile = profile
        self.aws = aws
        self.store = store
        self.pool = pool
        self.reader = Reader(aws, pool)
        self.directory = Directory(store, profile.name)
        self.lock_policy = lock_policy or LockPolicy()
        shared_policy = LockPolicy(
            mode="wait", timeout=120.0, ttl=self.lock_policy.ttl, max_delay=0.05
        )
        overrides = profile.endpoints.write_overrides() if profile.endpoints else {}
        self.shared = LeasedWrites(aws, store, shared_policy, overrides)
        self.quota = Ledger(store, shared_policy)
        secrets = access_secrets(profile.access, os.environ)
        self.executor = Executor(Apply(aws, self.shared, **secrets), pool)
        self.actor = actor or default_actor()
        self.clock = clock
        self.history = History(store, profile, self.actor, clock)

    def _names(self, branch: str, alias: str | None, record: EnvRecord | None) -> NamesInZone:
        """The environment's names: as stored when it was created (naming rules apply to
        new environments only), else derived from the branch."""
        stored = record.stored_names() if record is not None else None
        if stored is not None:
            return lambda _zone: stored
        p = self.profile
        prefix = p.endpoints.name_prefix if p.endpoints else ""

        def in_zone(zone: str) -> naming.EnvNames:
            return naming.names_for(
                branch,
                name_prefix=p.name_prefix,
                domain_prefix=p.service.domain_prefix,
                zone_name=zone,
                endpoint_prefix=prefix,
                alias=alias,
            )

        in_zone("zone.invalid")  # validates branch and alias before any AWS call
        return in_zone

    def _env_lock(self, name: str, on_wait: WaitCallback | None) -> Any:
        return held(
            self.store, env_key(self.profile.name, name), new_owner(), self.lock_policy, on_wait
        )

    def find(self, name_or_branch: str) -> EnvRecord | None:
        """An environment by name, alias or branch."""
        return self.directory.find(name_or_branch)

    def find_by_origin(self, origin: str) -> EnvRecord | None:
        return self.directory.by_origin(origin)

    def create(
        self,
        branch: str,
        image: str | None = None,
        *,
        images: Mapping[str, str] | None = None,
        alias: str | None = None,
        env: Mapping[str, str] | None = None,
        dry_run: bool = False,
        keep_on_failure: bool = False,
        listener: Listener | None = None,
        on_wait: WaitCallback | None = None,
        origin: str | None = None,
        adopt: bool = False,
        ready_timeout: float | None = None,
        on_ready: ReadyCallback | None = None,
        notes: NoteListener | None = None,
        refresh: bool = False,
        on_message: Callable[[str], None] | None = None,
        vars_change: envvars.VarsChange | None = None,
    ) -> Outcome:
        """``origin`` keys the environment to a pull request (webhooks): an environment of
        another origin is never touched, even when the branch names collide.

        ``ready_timeout``: after the change, wait (outside the lease, so other operations
        are not held up) until the environment serves, or raise ``NotReady``.
        ``refresh``: an existing environment also gets the reference's service settings and
        health check (``eden create --refresh``), keeping its own values.
        ``images``: a group's images by service role (``image`` alone: the first service's).
        """
        wanted_images = dict(images or {})
        if image:
            wanted_images.setdefault(self.profile.service.role, image)
        for each in wanted_images.values():
            validate_image(each)
        check_images(self.profile, wanted_images, redeploy=vars_change is not None)
        existing = self.directory.target(branch, origin, adopt, by_name=False)
        name = None
        if existing is not None:
            branch = existing.branch  # a renamed PR branch keeps its environment
            if alias is None or alias == existing.alias:
                alias = existing.alias  # a deploy keeps the alias it was made with,
                name = existing.name  # and the name it has, whatever today's rules say
        name = name or naming.env_name(branch, alias)
        req = CreateRequest(
            branch, wanted_images, alias, env, keep_on_failure, origin, adopt, refresh,
            on_message, vars_change,
        )
        if dry_run:
            return self._create(name, req, True, listener, notes)
        with self._env_lock(name, on_wait):
            outcome = self._create(name, req, False, listener, notes)
        if ready_timeout is not None:
            assert outcome.record is not None
            outputs = outcome.run.outputs()
            outcome.ready, waited = wait_for_environment(
                self.aws, self.profile, outcome.record, outputs, ready_timeout, on_ready, self.clock
            )
            outcome.messages.append(f"{outcome.env} is ready (waited {waited:.1f}s for it)")
        return outcome

    def _create(
        self,
        name: str,
        req: CreateRequest,
        dry_run: bool,
        listener: Listener | None,
        notes: NoteListener | None,
    ) -> Outcome:
        # Read under the lease: the one record that can collide with this name.
        taken = self.store.get(self.profile.name, name)
        check_owner(taken, req.branch, req.origin, req.adopt, req.alias)
        started = self.clock()
        members = specs(self.profile, self._names(req.branch, req.alias, taken), images=req.images)
        prepared = self._prepare(name, req, taken, members, started, dry_run)
        if isinstance(prepared, Outcome):
            return prepared  # a dry run
        snap, items, plan, record = prepared.snap, prepared.items, prepared.plan, prepared.record
        messages, url = prepared.messages, prepared.url
        for message in messages:  # said before the work starts, not after it ends
            _ = req.on_message and req.on_message(message)
        journal = Journal(self.store, self.profile.name, name, self.clock)
        journal.begin(plan.operation)
        shown = image_summary(self.profile, items)
        try:
            result = self.executor.run(
                plan,
                undo_on_failure=not req.keep_on_failure,
                listener=journal.listener(listener),
                notes=notes,
            )
        except StepFailedError as exc:
            journal.end(False, exc.message)
            self.history.create_failed(record, exc, brand_new=taken is None)
            self.history.event(name, plan.operation, started, "failed", exc.message, shown)
            raise
        journal.end(True)
        messages = [*messages, *hooks.warnings(result.outputs())]
        self.history.made(record, snap, result, items, overrides=req.env)
        detail = f"{len(plan.steps)} steps"
        self.history.event(name, plan.operation, started, "ok", detail, shown)
        return Outcome(plan.operation, name, url, result, record, messages)

    def _prepare(
        self,
        name: str,
        req: CreateRequest,
        taken: EnvRecord | None,
        members: list[MemberSpec],
        started: float,
        dry_run: bool,
    ) -> Prepared | Outcome:
        """Reads, plans and claims the environment's room on a shared ALB (the next one
        of the pool when another create took the last room since the pool was read)."""
        pool = albs.placement(
            self.aws, self.reader.submit, self.profile, lambda: self.store.list_envs(None), taken
        )
        for attempt, alb in enumerate(pool.candidates):
            snap = self.reader.snapshot_group(self.profile, members, shared_alb=alb)
            messages = image_messages(snap, req.images)
            try:
                items = wanted(self.profile, snap, req.images, dict(req.env or {}),
                               refresh=req.refresh, record=taken, change=req.vars_change)
                plan = plan_group(self.profile, items, name, self.executor.context.bypass_secret)
                url = f"https://{snap.names.host}"
                if dry_run:
                    run = DryRunExecutor().run(plan)
                    return Outcome(plan.operation, name, url, run, None, messages)
                record = self.history.before_create(
                    snap, taken, alias=req.alias, origin=req.origin, now=started,
                    store=self._room_claim(snap, plan),
                )  # fmt: skip
            except QuotaFull as full:
                if attempt + 1 < len(pool.candidates):
                    continue
                raise pool.full(self.profile) or full from full
            messages += [*plan.notes, *resume_note(taken, self.last_operation)]
            return Prepared(snap, items, plan, record, messages, url)
        raise AssertionError("a placement has at least one candidate")

    def _room_claim(self, snap: Snapshot, plan: Plan) -> Callable[[EnvRecord], None] | None:
        """A create that adds rules to the ALB claims their room (see ``quota``)."""
        need = albs.need_of(plan)
        served = [m.reference for m in snap.members if m.reference is not None]
        if not (need.rules or need.shared) or not served:
            return None
        require_client_secret(self.profile.access, os.environ)  # before anything is made
        ref = served[0]
        usage = ref.alb_usage or AlbUsage()
        alb = ref.alb_arn or albs.alb_arn_of(ref.listener_arn)

        def claim(record: EnvRecord) -> None:
            self.quota.claim(alb, usage, record, need)

        return claim

    # --- delete -------------------------------------------------------------------------
    def delete(
        self,
        name_or_branch: str,
        *,
        dry_run: bool = False,
        listener: Listener | None = None,
        on_wait: WaitCallback | None = None,
        origin: str | None = None,
        adopt: bool = False,
        notes: NoteListener | None = None,
    ) -> Outcome:
        """With ``origin`` only that origin's environment is deleted; none is no error."""
        record, name = self.directory.delete_target(name_or_branch, origin, adopt)
        if origin is not None and record is None:
            return self._nothing_for(origin, name)
        if dry_run:
            return self._delete(name_or_branch, record, True, listener)
        with self._env_lock(name, on_wait):
            # Resolve again under the lease: a create may have finished while we waited.
            record, again = self.directory.delete_target(name_or_branch, origin, adopt)
            if again != name:
                raise UsageError(
                    f"{name_or_branch!r} now names environment {again!r}, not {name!r}: "
                    "another operation changed it while this one waited",
                    hint="check with `eden ls`, then run the delete again",
                )
            if origin is not None and record is None:
                return self._nothing_for(origin, name)
            return self._delete(name_or_branch, record, False, listener, notes)

    def _nothing_for(self, origin: str, name: str) -> Outcome:
        plan = Plan(operation="delete", profile=self.profile.name, env=name)
        message = f"no environment for {origin}: nothing to delete"
        return Outcome("delete", name, "", RunResult(plan=plan), None, [message])

    def _delete(
        self,
        name_or_branch: str,
        record: EnvRecord | None,
        dry_run: bool,
        listener: Listener | None,
        notes: NoteListener | None = None,
    ) -> Outcome:
        # Not in state (lost, or made by hand): find its resources by the names eden
        # would have given them, so delete still cleans up.
        branch, alias = (record.branch, record.alias) if record else (name_or_branch, None)
        names_in_zone = self._names(branch, alias, record)
        started = self.clock()
        known = record.host if record else None
        members = specs(self.profile, names_in_zone, images={}, known_host=known)
        snap = albs.removal_snapshot(self.reader, self.profile, members, record)
        plan = plan_removal(self.profile, snap)
        name = snap.names.name
        url = f"https://{snap.names.host}"
        messages: list[str] = []
        if not plan.steps:
            messages.append(f"nothing of {name} exists: already deleted")
        if dry_run:
            return Outcome("delete", name, url, DryRunExecutor().run(plan), record, messages)
        if record is not None:
            record.status = "deleting"
            self.store.put(record)
        journal = Journal(self.store, self.profile.name, name, self.clock)
        journal.begin("delete")
        try:
            result = self.executor.run(plan, listener=journal.listener(listener), notes=notes)
        except StepFailedError as exc:
            journal.end(False, exc.message)
            if record is not None:
                record.status = "failed"
                self.store.put(record)
            self.history.event(name, "delete", started, "failed", exc.message)
            raise
        journal.end(True)
        messages += hooks.warnings(result.outputs())
        self.store.delete(self.profile.name, name)
        if plan.steps or record is not None:
            detail = f"{len(plan.steps)} steps"
            self.history.event(name, "delete", started, "ok", detail)
        return Outcome("delete", name, url, result, record, messages)

    def environments(self) -> list[EnvRecord]:
        return self.store.list_envs(self.profile.name)

    def pin(
        self, name_or_branch: str, pinned: bool = True, *, on_wait: WaitCallback | None = None
    ) -> EnvRecord:
        """Exempts an environment from the stale cleaner (or makes it collectable again)."""
        found, _ = self.show(name_or_branch)
        # Under the lease, re-read: a pin must never bring back a record a delete removed.
        with self._env_lock(found.name, on_wait):
            record = self.store.get(self.profile.name, found.name)
            if record is None:
                raise NotFound(
                    f"environment {found.name!r} was deleted meanwhile",
                    hint="list them with `eden ls`",
                )
            record.pinned = pinned
            self.store.put(record)
        return record

    def show(self, name_or_branch: str) -> tuple[EnvRecord, list[Event]]:
        record = self.find(name_or_branch)
        if record is None:
            raise NotFound(
                f"no environment {name_or_branch!r} in profile {self.profile.name}",
                hint="list them with `eden ls`",
            )
        return record, self.store.events(self.profile.name, record.name)

    def last_operation(self, name: str) -> OperationLog | None:
        """The last operation on environment ``name``, from the journal (even one that
        was interrupted, or that left no record behind)."""
        return last_operation(self.store.journal(self.profile.name, name))


__all__ = ["Engine", "Outcome"]
