"""Create, deploy, delete, list and show environments: read, plan, run, remember.

The engine is the one place that sequences the pure pieces (naming, planner) with the
effectful ones (reader, executor, state). The CLI and the HTTP API are thin shells over it.
"""

from __future__ import annotations

import getpass
import re
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from eden import naming
from eden.actions import (
    ACTIONS,
    Action,
    edit_document,
    remove_edit,
    sync_entries,
    upsert_edit,
)
from eden.aws.ops import ECR_URI_RE, Aws
from eden.config import Profile
from eden.docwriter import DocumentWriter
from eden.errors import ExecutionFailed, NotFound, UsageError
from eden.executor import DryRunExecutor, Executor, Listener, RunResult, StepFailedError
from eden.locks import LockPolicy, env_key, held, new_owner, shared_key
from eden.plan import Plan, Step
from eden.planner import Request, plan_create, plan_delete
from eden.reader import Reader, Snapshot
from eden.state.base import EnvRecord, Event, JournalEntry, LockInfo, ServiceRecord, StateStore

WaitCallback = Callable[[LockInfo | None, float], None]
# The distribution reference grammar: [host[:port]/]path[:tag][@algo:hex]. Checked before
# anything is written, so a reference no registry could resolve never reaches AWS.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
# A first component is a registry host only with a dot, a port, or "localhost" (as docker
# reads it).
_HOST = rf"(?:(?:{_LABEL}(?:\.{_LABEL})+|localhost)(?::[0-9]+)?/|{_LABEL}:[0-9]+/)"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_IMAGE_RE = re.compile(rf"{_HOST}?{_COMPONENT}(?:/{_COMPONENT})*(?::{_TAG})?(?:@{_DIGEST})?")
IMAGE_MAX = 255  # ECS containerDefinitions[].image
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class _CreateRequest:
    branch: str
    image: str
    alias: str | None
    env: Mapping[str, str] | None
    keep_on_failure: bool
    origin: str | None
    adopt: bool


@dataclass
class Outcome:
    """What one operation did, for the CLI, the API and the tests."""

    operation: str
    env: str
    url: str
    run: RunResult
    record: EnvRecord | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def plan(self) -> Plan:
        return self.run.plan

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "env": self.env,
            "url": self.url,
            "messages": self.messages,
            "record": self.record.as_dict() if self.record else None,
            **self.run.as_dict(),
        }


def default_actor() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # no user database in some containers
        return "unknown"


def validate_image(image: str) -> str:
    if not image or len(image) > IMAGE_MAX or not _IMAGE_RE.fullmatch(image):
        raise UsageError(
            f"{image!r} is not a container image reference",
            hint="use REGISTRY/REPOSITORY:TAG or REPOSITORY@sha256:DIGEST, in lower case, "
            "like 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:abc123",
        )
    return image


def parse_env_pairs(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``KEY=VAL`` strings -> dict, with a clear error for anything else."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not _ENV_KEY_RE.fullmatch(key):
            raise UsageError(
                f"--env {pair!r} is not KEY=VALUE with a valid variable name",
                hint="for example --env LOG_LEVEL=debug",
            )
        out[key] = value
    return out


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
        self.lock_policy = lock_policy or LockPolicy()
        self._shared_policy = LockPolicy(
            mode="wait", timeout=120.0, ttl=self.lock_policy.ttl, max_delay=0.05
        )
        self._docwriter = DocumentWriter(
            lambda key: held(self.store, key, new_owner(), self._shared_policy)
        )
        self.executor = Executor(aws, pool, actions=self._with_shared_locks(ACTIONS))
        self.actor = actor or default_actor()
        self.clock = clock

    # --- locks and journal ----------------------------------------------------------------
    def _with_shared_locks(self, actions: Mapping[str, Action]) -> dict[str, Action]:
        """Actions on things every environment shares run under a short shared lease.

        Rule priorities and the endpoints document are read-modify-write across
        environments; AWS's own guards (PriorityInUse, S3 If-Match) catch a lost race,
        and the lease makes the race rare (and, where S3 conditional writes are not
        atomic, as in moto, impossible).
        """
        wrapped = dict(actions)
        policy = self._shared_policy

        def guard(name: str, key: Callable[[Mapping[str, Any]], str]) -> None:
            inner = wrapped[name]

            def run(aws: Aws, params: Mapping[str, Any]) -> dict[str, Any]:
                with held(self.store, key(params), new_owner(), policy):
                    return inner(aws, params)

            wrapped[name] = run

        guard("elbv2.create_rule", lambda p: shared_key(f"rules:{p['ListenerArn']}"))

        # The endpoints document: edits from this process's threads are grouped, so a
        # burst of creates (API server) or deletes (gc) costs one read and one write.
        def document(p: Mapping[str, Any], edit: Any) -> bool:
            return self._edit_endpoints(str(p["Bucket"]), str(p["Key"]), edit)

        def upsert(aws: Aws, p: Mapping[str, Any]) -> dict[str, Any]:
            document(p, upsert_edit(p))
            return {"Name": p["Name"]}

        def remove(aws: Aws, p: Mapping[str, Any]) -> dict[str, Any]:
            return {"removed": document(p, remove_edit(p))}

        wrapped["s3.endpoints_upsert"] = upsert
        wrapped["s3.endpoints_remove"] = remove
        return wrapped

    def _edit_endpoints(self, bucket: str, key: str, edit: Any) -> bool:
        return self._docwriter.submit(
            shared_key(f"endpoints:{bucket}/{key}"),
            edit,
            lambda edits: edit_document(self.aws, bucket, key, edits),
        )

    def sync_endpoints(self, *, dry_run: bool = False) -> dict[str, list[str]]:
        """Rebuilds eden's entries in the endpoints document from state.

        An entry is eden's when its name has the profile's endpoint prefix and its host is
        an environment host of this profile (``<domain-prefix>-<name>.<zone>``); anything
        else in the document is left alone.
        """
        doc_cfg = self.profile.endpoints
        if doc_cfg is None:
            raise UsageError(
                f"profile {self.profile.name} has no [endpoints] table",
                hint="add one with bucket, key and update_key to keep a document",
            )
        zone = self.aws.zone_name(self.profile.zone_id) or ""
        expected: dict[str, str] = {}
        for record in self.environments():
            names = self._names(record.branch, record.alias)(zone)
            expected[names.endpoint_name] = names.host
        prefix = f"{doc_cfg.name_prefix}-" if doc_cfg.name_prefix else ""
        host_re = re.compile(
            rf"{re.escape(self.profile.service.domain_prefix)}-[a-z0-9-]+\.{re.escape(zone)}"
        )

        def ours(entry: Mapping[str, Any]) -> bool:
            host = entry.get(doc_cfg.update_key)
            return (
                str(entry.get("name", "")).startswith(prefix)
                and isinstance(host, str)
                and host_re.fullmatch(host) is not None
            )

        report: dict[str, list[str]] = {"added": [], "removed": []}

        def edit(doc: dict[str, Any]) -> bool:
            added, removed = sync_entries(
                doc,
                expected,
                env_type=doc_cfg.env_type,
                update_key=doc_cfg.update_key,
                is_ours=ours,
            )
            report["added"], report["removed"] = added, removed
            return bool(added or removed) and not dry_run

        self._edit_endpoints(doc_cfg.bucket, doc_cfg.key, edit)
        return report

    def _journal(self, env: str, listener: Listener | None) -> Listener:
        """Every step is journaled in state before and after it runs (then shown to the user)."""
        op = uuid.uuid4().hex[:12]

        def record(event: str, step: Step, result: Any) -> None:
            detail = (result.error or "") if result is not None else step.description
            self.store.add_journal(
                JournalEntry(
                    self.profile.name,
                    env,
                    op,
                    step.id,
                    "start" if event == "start" else event,
                    self.clock(),
                    detail,
                )
            )
            if listener is not None:
                listener(event, step, result)

        return record

    def _env_lock(self, name: str, on_wait: WaitCallback | None) -> Any:
        return held(
            self.store, env_key(self.profile.name, name), new_owner(), self.lock_policy, on_wait
        )

    # --- naming -------------------------------------------------------------------------
    def _names(self, branch: str, alias: str | None) -> Callable[[str], naming.EnvNames]:
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

    def find(self, name_or_branch: str) -> EnvRecord | None:
        """An environment by name, alias or branch."""
        rec = self.store.get(self.profile.name, name_or_branch)
        if rec is not None:
            return rec
        return self._by_branch(name_or_branch)

    def find_by_origin(self, origin: str) -> EnvRecord | None:
        """The environment made for ``origin`` (a pull request), whatever its branch."""
        for record in self.store.list_envs(self.profile.name):
            if record.origin == origin:
                return record
        return None

    # --- who owns a name ----------------------------------------------------------------
    # Every operation resolves its target twice: once to know which lease to take, and
    # again under that lease, because another operation may have made or removed an
    # environment with the same name while this one waited.
    def _target(
        self, name_or_branch: str, origin: str | None, adopt: bool, *, by_name: bool = True
    ) -> EnvRecord | None:
        """The environment a request means. With an origin only that origin's environment
        counts; ``adopt`` also accepts one made for the same branch before origins existed.
        ``by_name`` False: the request names a branch only (create), never an env name."""
        if origin is None:
            return self.find(name_or_branch) if by_name else self._by_branch(name_or_branch)
        record = self.find_by_origin(origin)
        if record is None and adopt:
            legacy = self._by_branch(name_or_branch)
            if legacy is not None and legacy.origin is None:
                return legacy
        return record

    def _check_owner(
        self, taken: EnvRecord | None, branch: str, origin: str | None, adopt: bool
    ) -> None:
        """Refuses to act on an environment that belongs to another branch or origin."""
        if taken is None:
            return
        if taken.branch != branch:
            raise UsageError(
                f"the name {taken.name!r} is already used by branch {taken.branch!r}",
                hint="give this branch its own short name with --alias",
            )
        if origin is None or taken.origin == origin or (taken.origin is None and adopt):
            return
        owner = taken.origin or "a branch deployed by hand"
        raise UsageError(
            f"environment {taken.name!r} belongs to {owner}, not to {origin}",
            hint="each pull request gets its own environment; close the other one first, "
            "or deploy this one under another name",
        )

    def _delete_target(
        self, name_or_branch: str, origin: str | None, adopt: bool
    ) -> tuple[EnvRecord | None, str]:
        """What a delete removes: the environment, and the name whose lease guards it.

        Without a record the delete removes resources by the names eden would derive from
        the branch, but never when those names belong to another branch's environment.
        """
        record = self._target(name_or_branch, origin, adopt)
        if record is not None:
            return record, record.name
        name = self._names(name_or_branch, None)("zone.invalid").name
        if origin is not None:  # an origin deletes its own environment or nothing
            return None, name
        owner = self.store.get(self.profile.name, name)
        if owner is not None and owner.branch != name_or_branch:
            raise UsageError(
                f"{name_or_branch!r} has no environment; the name {name!r} belongs to "
                f"branch {owner.branch!r}",
                hint=f"to delete that one, run `eden delete {owner.name}`",
            )
        return None, name

    # --- create / deploy ----------------------------------------------------------------
    def create(
        self,
        branch: str,
        image: str,
        *,
        alias: str | None = None,
        env: Mapping[str, str] | None = None,
        dry_run: bool = False,
        keep_on_failure: bool = False,
        listener: Listener | None = None,
        on_wait: WaitCallback | None = None,
        origin: str | None = None,
        adopt: bool = False,
    ) -> Outcome:
        """``origin`` keys the environment to a pull request (webhooks): an environment of
        another origin is never touched, even when the branch names collide."""
        validate_image(image)
        existing = self._target(branch, origin, adopt, by_name=False)
        if existing is not None:
            branch = existing.branch  # a renamed PR branch keeps its environment
            if alias is None:  # a deploy keeps the alias the environment was made with
                alias = existing.alias
        name = self._names(branch, alias)("zone.invalid").name
        request = _CreateRequest(branch, image, alias, env, keep_on_failure, origin, adopt)
        if dry_run:
            return self._create(request, True, listener)
        with self._env_lock(name, on_wait):
            return self._create(request, False, listener)

    def _create(self, req: _CreateRequest, dry_run: bool, listener: Listener | None) -> Outcome:
        branch, image, alias, env = req.branch, req.image, req.alias, req.env
        names_in_zone = self._names(branch, alias)
        name = names_in_zone("zone.invalid").name
        # Read under the lease: the one record that can collide with this name.
        taken = self.store.get(self.profile.name, name)
        self._check_owner(taken, branch, req.origin, req.adopt)
        started = self.clock()
        snap = self.reader.snapshot(self.profile, names_in_zone, image=image)
        if snap.image_found is False:
            m = ECR_URI_RE.fullmatch(image)
            repo = m["repo"] if m else image
            raise UsageError(
                f"image {image} does not exist in ECR repository {repo}",
                hint="push the image first, or check the tag (aws ecr describe-images)",
            )
        assert snap.reference is not None
        wanted = Request(names=snap.names, image=image, env_overrides=dict(env or {}))
        plan = plan_create(self.profile, wanted, snap.reference, snap.current)
        url = f"https://{snap.names.host}"
        if dry_run:
            return Outcome(plan.operation, name, url, DryRunExecutor().run(plan))

        messages = list(plan.notes)
        if taken is not None and taken.status in ("creating", "deleting", "failed"):
            messages.append(f"resuming: the last operation on {name} ended as {taken.status!r}")
        record = self._record_before(snap, alias, image, taken, started)
        if req.origin is not None and record.origin != req.origin:
            record.origin = req.origin  # made for it now, or adopted from before origins
            self.store.put(record)
        try:
            result = self.executor.run(
                plan,
                undo_on_failure=not req.keep_on_failure,
                listener=self._journal(name, listener),
            )
        except StepFailedError as exc:
            self._record_failure(record, plan, exc, started, brand_new=taken is None, image=image)
            raise
        now = self.clock()
        self._fill_record(record, snap, result, image)
        record.status = "ready"
        record.last_deploy_at = now
        self.store.put(record)
        self.store.add_event(
            self._event(name, plan.operation, started, "ok", f"{len(plan.steps)} steps", image)
        )
        return Outcome(plan.operation, name, url, result, record, messages)

    def _by_branch(self, branch: str) -> EnvRecord | None:
        """The environment of ``branch``: one point lookup by its slug name, and a scan
        only when that misses (the environment has an alias)."""
        try:
            derived = self.store.get(self.profile.name, naming.env_name(branch))
        except UsageError:
            derived = None
        if derived is not None and derived.branch == branch:
            return derived
        for r in self.store.list_envs(self.profile.name):
            if r.branch == branch:
                return r
        return None

    def _record_before(
        self, snap: Snapshot, alias: str | None, image: str, taken: EnvRecord | None, now: float
    ) -> EnvRecord:
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
        if taken is None:
            self.store.put(record)
        return record

    def _fill_record(
        self, record: EnvRecord, snap: Snapshot, result: RunResult, image: str
    ) -> None:
        out = result.outputs()
        cur = snap.current
        svc = ServiceRecord(
            role=self.profile.service.role,
            image=image,
            task_definition_arn=out.get("task_definition", {}).get("taskDefinitionArn")
            or cur.task_definition_arn,
            service_arn=out.get("service", {}).get("serviceArn")
            or (cur.service or {}).get("serviceArn"),
            target_group_arn=out.get("target_group", {}).get("TargetGroupArn")
            or cur.target_group_arn,
            rule_arn=out.get("listener_rule", {}).get("RuleArn") or cur.rule_arn,
        )
        record.services = [svc]
        record.extra["listener_arn"] = snap.listener_arn
        record.extra["zone_id"] = self.profile.zone_id
        if "listener_rule" in out:
            record.extra["rule_priority"] = out["listener_rule"].get("Priority")

    def _record_failure(
        self,
        record: EnvRecord,
        plan: Plan,
        exc: StepFailedError,
        started: float,
        *,
        brand_new: bool,
        image: str,
    ) -> None:
        created = {r.id for r in exc.result.results if r.ok}
        undone = {r.id.removeprefix("undo_") for r in exc.result.undone if r.ok}
        if brand_new and created <= undone:  # nothing of it is left: forget it
            self.store.delete(record.profile, record.name)
        else:
            record.status = "failed"
            self.store.put(record)
        self.store.add_event(
            self._event(record.name, plan.operation, started, "failed", exc.message, image)
        )

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
    ) -> Outcome:
        """With ``origin`` only that origin's environment is deleted; none is no error."""
        record, name = self._delete_target(name_or_branch, origin, adopt)
        if origin is not None and record is None:
            return self._nothing_for(origin, name)
        if dry_run:
            return self._delete(name_or_branch, record, True, listener)
        with self._env_lock(name, on_wait):
            # Resolve again under the lease: a create may have finished while we waited.
            record, again = self._delete_target(name_or_branch, origin, adopt)
            if again != name:
                raise UsageError(
                    f"{name_or_branch!r} now names environment {again!r}, not {name!r}: "
                    "another operation changed it while this one waited",
                    hint="check with `eden ls`, then run the delete again",
                )
            if origin is not None and record is None:
                return self._nothing_for(origin, name)
            return self._delete(name_or_branch, record, False, listener)

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
    ) -> Outcome:
        if record is not None:
            names_in_zone = self._names(record.branch, record.alias)
        else:
            # Not in state (lost, or made by hand): find its resources by the names eden
            # would have given them, so delete still cleans up.
            names_in_zone = self._names(name_or_branch, None)
        started = self.clock()
        snap = self.reader.snapshot(
            self.profile,
            names_in_zone,
            with_reference=False,
            known_host=record.host if record else None,
        )
        plan = plan_delete(self.profile, snap.names, snap.current, self.profile.zone_id)
        url = f"https://{snap.names.host}"
        messages: list[str] = []
        if not plan.steps:
            messages.append(f"nothing of {snap.names.name} exists: already deleted")
        if dry_run:
            return Outcome(
                "delete", snap.names.name, url, DryRunExecutor().run(plan), record, messages
            )
        if record is not None:
            record.status = "deleting"
            self.store.put(record)
        try:
            result = self.executor.run(plan, listener=self._journal(snap.names.name, listener))
        except StepFailedError as exc:
            if record is not None:
                record.status = "failed"
                self.store.put(record)
            self.store.add_event(
                self._event(snap.names.name, "delete", started, "failed", exc.message)
            )
            raise
        self.store.delete(self.profile.name, snap.names.name)
        if plan.steps or record is not None:
            self.store.add_event(
                self._event(snap.names.name, "delete", started, "ok", f"{len(plan.steps)} steps")
            )
        return Outcome("delete", snap.names.name, url, result, record, messages)

    # --- read ---------------------------------------------------------------------------
    def environments(self) -> list[EnvRecord]:
        return self.store.list_envs(self.profile.name)

    def _event(
        self,
        env: str,
        action: str,
        started: float,
        result: str,
        detail: str,
        image: str | None = None,
    ) -> Event:
        return Event(
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


__all__ = ["Engine", "ExecutionFailed", "Outcome", "parse_env_pairs", "validate_image"]
