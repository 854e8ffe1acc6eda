"""An environment as it is now: its health and its drift from the reference.

The thin, reading half of day two (``envs/health.py`` and ``envs/drift.py`` decide): it
reads the environment's service, tasks and targets for ``Health``, and its task
definition, service and target group beside today's reference for ``Drift``. ``survey``
does both for many environments at once (``eden ls``, the API's list), reading the
reference once and the environments in batches (``envs/survey.py``); an environment that
cannot be read gets its error, not the whole list's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eden.config import Profile
from eden.core.naming import EnvNames
from eden.envs import drift as d
from eden.envs import variables
from eden.envs.engine import Engine
from eden.envs.health import Health, assess_health
from eden.envs.logs import LogReader, log_sources
from eden.envs.records import EnvRecord
from eden.envs.resources import service, target_group, task_definition
from eden.envs.resources.base import Current, PlanInput, Reference, Request
from eden.envs.shell import ExecTarget, choose_target
from eden.envs.survey import EnvState, Wanted, read_states
from eden.errors import AwsError, AwsUnreachable, EdenError, NotFound, UsageError

# What `eden diff` compares of a service: what is cloned, and what a refresh sets.
SERVICE_FIELDS = tuple(
    dict.fromkeys((*service.FIELDS, *service.REFRESHED, "deploymentController"))
)


@dataclass(frozen=True)
class Survey:
    """One environment in a list: its health and drift, or why they could not be read."""

    health: Health | None = None
    drift: d.Drift | None = None
    error: str | None = None

    def brief(self) -> dict[str, Any]:
        """For a list: the health in full, the drift in short, and what could not be read."""
        drift = self.drift
        return {
            "health": self.health.as_dict() if self.health else None,
            "drift": {"drifted": drift.drifted, "summary": drift.summary()} if drift else None,
            "status_error": self.error,
        }


def stored_names(record: EnvRecord) -> EnvNames:
    names = record.stored_names()
    if names is None:
        raise UsageError(
            f"environment {record.name} was made by an older eden and has no stored names",
            hint=f"deploy it once (`eden create {record.branch} --image ...`) so they are kept",
        )
    return names


class Observer:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.aws = engine.aws
        self.profile = engine.profile
        self.clock = clock

    def find(self, name_or_branch: str) -> EnvRecord:
        """An environment by name, alias or branch; ``NotFound`` says how to list them."""
        return self.engine.show(name_or_branch)[0]

    # --- health -----------------------------------------------------------------------
    def health(self, record: EnvRecord) -> Health:
        names = stored_names(record)
        ecs, cluster = self.aws.ecs, self.profile.cluster
        svc = ecs.describe_service(cluster, names.service)
        tasks = ecs.service_tasks(cluster, names.service) if svc else []
        arn = record.services[0].target_group_arn if record.services else None
        try:
            targets = self.aws.elbv2.target_health(arn) if arn and svc else []
        except AwsError as exc:
            if exc.code != "TargetGroupNotFound":
                raise
            targets = []  # deleted by hand: `eden diff` says so, `eden create` makes it
        return assess_health(svc, tasks, targets, self.clock())

    # --- drift ------------------------------------------------------------------------
    def reference(self, record: EnvRecord) -> Reference:
        names = stored_names(record)
        snap = self.engine.reader.snapshot(self.profile, lambda _zone: names)
        assert snap.reference is not None  # read with_reference
        return snap.reference

    def drift(self, record: EnvRecord, ref: Reference | None = None) -> d.Drift:
        """What `create --refresh` would change, section by section."""
        names = stored_names(record)
        ref = ref or self.reference(record)
        return drift_from(self.profile, record, ref, self._read_now(names))

    def _read_now(self, names: EnvNames) -> dict[str, Any]:
        aws = self.aws
        revisions = aws.ecs.task_definition_arns(names.task_family)
        found = aws.ecs.describe_task_definition(revisions[-1]) if revisions else None
        tg_arn = aws.elbv2.target_group_arn_by_name(names.target_group)
        group, attributes = None, {}
        if tg_arn:
            try:
                group = aws.elbv2.describe_target_group(tg_arn)
                attributes = aws.elbv2.target_group_attributes(tg_arn) if group else {}
            except AwsError as exc:
                if exc.code != "TargetGroupNotFound":  # deleted while we read: missing
                    raise
                group = None
        return {
            "revisions": revisions,
            "task_definition": found[0] if found else None,
            "service": aws.ecs.describe_service(self.profile.cluster, names.service),
            "target_group_arn": tg_arn if group else None,
            "target_group": group,
            "attributes": attributes,
        }

    # --- logs and exec -------------------------------------------------------------
    def logs(
        self, record: EnvRecord, service_role: str | None = None, container: str | None = None
    ) -> tuple[LogReader, list[str], str]:
        """A reader of the environment's logs, what it cannot read (in words) and the task
        definition it read the log configuration from."""
        names = self._service_names(record, service_role)
        td = self._task_definition(names)
        sources = log_sources(td)
        if container is not None and container not in {s.container for s in sources}:
            raise UsageError(
                f"{record.name} has no container {container!r}",
                hint="its containers: " + ", ".join(s.container for s in sources),
            )
        wanted = [s for s in sources if container in (None, s.container)]
        readable = [s for s in wanted if s.readable]
        notes = [s.where() for s in wanted if not s.readable]
        if not readable:
            raise UsageError(
                f"eden cannot read the logs of {record.name}: " + "; ".join(notes),
                hint="give the reference's containers an awslogs logConfiguration (group, "
                "region, stream prefix) to read them with eden logs",
            )
        ecs, cluster = self.aws.ecs, self.profile.cluster

        def task_ids() -> list[str]:
            # The service's tasks and its hooks' (migrations, seeds): their streams share
            # the task definition's log configuration.
            tasks = ecs.service_tasks(cluster, names.service)
            tasks += ecs.hook_tasks(cluster, names.task_family, names.service)
            return sorted(str(t["taskArn"]).rsplit("/", 1)[-1] for t in tasks)

        reader = LogReader(self.aws, task_ids, readable, clock=self.clock)
        return reader, notes, str(td.get("taskDefinitionArn", ""))

    def exec_target(self, record: EnvRecord, container: str | None) -> ExecTarget:
        names = stored_names(record)
        cluster = self.profile.cluster
        svc = self.aws.ecs.describe_service(cluster, names.service)
        tasks = self.aws.ecs.service_tasks(cluster, names.service) if svc else []
        return choose_target(
            record.name,
            cluster,
            svc,
            tasks,
            container,
            allow_exec=self.profile.allow_exec,
            profile=self.profile.name,
        )

    def _service_names(self, record: EnvRecord, role: str | None) -> EnvNames:
        roles = [s.role for s in record.services]
        if role is not None and role not in roles:
            raise UsageError(
                f"{record.name} has no service {role!r}",
                hint="its services: " + (", ".join(roles) or "none recorded"),
            )
        return stored_names(record)

    def _task_definition(self, names: EnvNames) -> dict[str, Any]:
        revisions = self.aws.ecs.task_definition_arns(names.task_family)
        found = self.aws.ecs.describe_task_definition(revisions[-1]) if revisions else None
        if found is None:
            raise NotFound(
                f"task definition family {names.task_family} has no active revision",
                hint="deploy the environment again with `eden create`",
            )
        return found[0]

    # --- many at once -----------------------------------------------------------------
    def survey(self, records: list[EnvRecord]) -> dict[str, Survey]:
        """Health and drift of each environment, as ``health`` and ``drift`` give them one
        by one, read in batches (``envs/survey.py``); the reference is read once."""
        if not records:
            return {}
        try:
            ref: Reference | None = self.reference(records[0])
            ref_error = None
        except AwsUnreachable as exc:  # no use asking again for each environment
            return {r.name: Survey(error=exc.message) for r in records}
        except EdenError as exc:
            ref, ref_error = None, exc.message
        out: dict[str, Survey] = {}
        wanted: dict[str, Wanted] = {}
        for r in records:
            try:
                arn = r.services[0].target_group_arn if r.services else None
                wanted[r.name] = Wanted(stored_names(r), arn)
            except EdenError as exc:
                out[r.name] = Survey(error=exc.message)
        states = read_states(
            self.aws, self.engine.pool, self.profile.cluster, wanted, ref is not None
        )
        for r in records:
            if r.name in states:
                out[r.name] = self._assess(r, states[r.name], ref, ref_error)
        return {r.name: out[r.name] for r in records}

    def _assess(
        self, record: EnvRecord, state: EnvState, ref: Reference | None, ref_error: str | None
    ) -> Survey:
        if state.error is not None:
            return Survey(error=state.error)
        health = assess_health(state.service, state.tasks, state.targets, self.clock())
        if ref is None:
            return Survey(health, None, f"the reference could not be read: {ref_error}")
        if state.now is None:
            return Survey(health, None, state.drift_error)
        try:
            return Survey(health, drift_from(self.profile, record, ref, state.now))
        except EdenError as exc:
            return Survey(health, None, exc.message)


def drift_from(
    profile: Profile, record: EnvRecord, ref: Reference, now: Mapping[str, Any]
) -> d.Drift:
    """The drift of an environment from ``now`` (what ``Observer._read_now`` reads)."""
    names = stored_names(record)
    td_now = now["task_definition"]
    overrides = own_overrides(record, td_now, ref)
    current = Current.of(
        task_definition=task_definition.Revisions(tuple(now["revisions"])),
        target_group=now["target_group_arn"],
        service=now["service"],
    )
    request = Request(names, record.image, overrides, vars=variables.stored(record))
    p = PlanInput(profile, request, ref, current)
    return d.combine(
        (
            _section(
                d.TASK_DEFINITION,
                names.name,
                td_now,
                task_definition.params(p),
                lambda x: d.task_definition_view(x, task_definition.FIELDS),
            ),
            _section(
                d.SERVICE,
                names.name,
                now["service"],
                service.params(p),
                lambda x: d.view(x, SERVICE_FIELDS),
            ),
            _target_group(names.name, now, target_group.params(p)),
        )
    )


def refresh_inputs(
    observer: Observer, name: str, image: str | None, env: Mapping[str, str]
) -> tuple[str, str | None, dict[str, str]]:
    """`create --refresh`: the branch, image and env-var overrides to deploy with. An
    existing environment keeps its image and its own overrides unless new ones are
    given; a missing one is created, which needs an image."""
    record = observer.engine.find(name)
    if record is None:
        if image is None:
            raise NotFound(
                f"no environment {name!r} to refresh",
                hint=f"create it with `eden create {name} --image URI`",
            )
        return name, image, dict(env)
    kept = record.extra.get("env_overrides")
    if not isinstance(kept, Mapping):  # recorded before overrides were kept: infer them
        names = stored_names(record)
        kept = own_overrides(
            record, observer._read_now(names)["task_definition"], observer.reference(record)
        )
    return record.branch, image or record.image, {**kept, **env}


def own_overrides(
    record: EnvRecord, td_now: Mapping[str, Any] | None, ref: Reference
) -> dict[str, str]:
    """The environment's own env-var overrides: as recorded at its last deploy; for a
    record from before they were kept, the values its target container has and the
    reference's does not (a reference change to those is then taken for an override)."""
    kept = record.extra.get("env_overrides")
    if isinstance(kept, Mapping):
        return {str(k): str(v) for k, v in kept.items()}
    mine = _environment(td_now, ref.container)
    theirs = _environment(ref.task_definition, ref.container)
    return {k: v for k, v in mine.items() if theirs.get(k) != v}


def _environment(td: Mapping[str, Any] | None, container: str) -> dict[str, str]:
    for c in (td or {}).get("containerDefinitions") or []:
        if c.get("name") == container:
            return {str(e["name"]): str(e.get("value", "")) for e in c.get("environment") or []}
    return {}


def _section(
    section: str,
    env: str,
    now: Mapping[str, Any] | None,
    wanted: Mapping[str, Any],
    view: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> d.Drift:
    if now is None:
        return d.missing(section, env)
    return d.compare(section, env, view(now), view(wanted))


def _target_group(env: str, now: Mapping[str, Any], wanted: Mapping[str, Any]) -> d.Drift:
    group = now["target_group"]
    if group is None:
        return d.missing(d.TARGET_GROUP, env)
    attributes = dict(wanted.get("Attributes") or {})
    mine = {k: v for k, v in now["attributes"].items() if k in attributes}
    return d.compare(
        d.TARGET_GROUP,
        env,
        {**d.view(group, target_group.FIELDS), "attributes": mine},
        {**d.view(wanted, target_group.FIELDS), "attributes": attributes},
    )
