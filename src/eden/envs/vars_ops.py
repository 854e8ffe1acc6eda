"""Changing an environment's own variables: ``eden vars set|unset`` and the API's
``PUT``/``DELETE /api/v1/vars/{name}``.

A change is checked first (names, secret ARNs, the profile's deny and allow lists), so a
refused one changes nothing at all. Then, by default, it is deployed: the engine deploys
every service of the environment again with the image it runs and the variables with
the change made, under the environment's lease, and records them when the deploy
succeeded (a failed one leaves the old ones). With ``deploy=False`` the change is only
kept in the record (``pending``) and the next deploy sets it. Each change is an event in
the environment's history naming the variables, never their values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eden.core.envvars import EnvVars, VarsChange
from eden.envs import variables
from eden.envs.engine import Engine, Outcome, WaitCallback
from eden.envs.records import EnvRecord
from eden.errors import NotFound
from eden.state.leases import env_key, held, new_owner


@dataclass
class VarsResult:
    """What a change did: the record after it, and the deploy (None: none ran)."""

    record: EnvRecord
    changed: bool
    outcome: Outcome | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def deployed(self) -> bool:
        return self.outcome is not None and not self.outcome.run.dry_run

    def as_dict(self, *, show_values: bool = False) -> dict[str, Any]:
        return {
            **variables.view(self.record, show_values=show_values),
            "changed": self.changed,
            "deployed": self.deployed,
            "messages": self.messages,
            "outcome": self.outcome.as_dict() if self.outcome is not None else None,
        }


@dataclass(frozen=True)
class Checked:
    """A change that may be made: to which environment, and whether it needs a deploy."""

    record: EnvRecord
    change: VarsChange
    changed: bool
    deploy: bool
    messages: list[str]


def describe(change: VarsChange) -> str:
    """The change in words, with names only: what an event keeps."""
    parts = []
    if change.env:
        parts.append("set " + ", ".join(sorted(change.env)))
    if change.secrets:
        parts.append("secret " + ", ".join(sorted(change.secrets)))
    if change.unset:
        parts.append("unset " + ", ".join(sorted(change.unset)))
    return "; ".join(parts) or "deploy the kept variables"


class VarsEditor:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.profile = engine.profile

    def find(self, name_or_branch: str) -> EnvRecord:
        record = self.engine.find(name_or_branch)
        if record is None:
            raise NotFound(
                f"no environment {name_or_branch!r} in profile {self.profile.name}",
                hint="list them with `eden ls`; variables are set on an environment that "
                "exists (create it first with `eden create BRANCH --image URI`)",
            )
        return record

    def prepare(self, name_or_branch: str, change: VarsChange, *, deploy: bool) -> Checked:
        """Checks ``change`` (nothing read from AWS, nothing changed): raises when it cannot
        be made; says whether a deploy is needed, and what the user should know."""
        # The input first: a bad ARN or a denied secret is wrong whichever environment.
        messages = variables.check_change(self.profile, change, name_or_branch)
        record = self.find(name_or_branch)
        before = variables.stored(record)
        absent = [k for k in change.unset if k not in before.env and k not in before.secrets]
        if absent:
            messages.append(f"not set on {record.name}, so nothing to unset: {', '.join(absent)}")
        changed = before.apply(change) != before
        pending = variables.pending(record)
        if not deploy and (changed or pending):
            messages.append(
                f"kept: the next deploy sets them (`eden vars set {record.name}` deploys them now)"
            )
        needed = deploy and (changed or change.empty or pending)
        if deploy and not needed:
            messages.append(f"nothing changed: {record.name} was not deployed")
        return Checked(record, change, changed, needed, messages)

    def change(
        self,
        name_or_branch: str,
        change: VarsChange,
        *,
        deploy: bool = True,
        dry_run: bool = False,
        on_message: Callable[[str], None] | None = None,
        **deploy_options: Any,
    ) -> VarsResult:
        """Checks ``change``, then deploys it (or keeps it for the next deploy).
        ``deploy_options``: ``Engine.create``'s listener, notes, on_wait, ready_timeout,
        on_ready."""
        checked = self.prepare(name_or_branch, change, deploy=deploy)
        record, messages = checked.record, list(checked.messages)
        if not deploy:
            if checked.changed and not dry_run:
                record = self._keep(record.name, change, deploy_options.get("on_wait"))
            return VarsResult(record, checked.changed, None, messages)
        if not checked.deploy:
            return VarsResult(record, False, None, messages)
        for message in messages:
            _ = on_message and on_message(message)
        outcome = self.deploy(checked, dry_run=dry_run, on_message=on_message, **deploy_options)
        return VarsResult(
            outcome.record or record, checked.changed, outcome, messages + outcome.messages
        )

    def deploy(self, checked: Checked, *, dry_run: bool = False, **options: Any) -> Outcome:
        """Deploys every service of the environment with the change made (the engine
        checks it again under the environment's lease, against the record there)."""
        started = self.engine.clock()
        outcome = self.engine.create(
            checked.record.branch, vars_change=checked.change, dry_run=dry_run, **options
        )
        if not dry_run and outcome.record is not None:
            detail = describe(checked.change)
            self.engine.history.event(outcome.env, "vars", started, "ok", detail)
        return outcome

    def _keep(self, name: str, change: VarsChange, on_wait: WaitCallback | None) -> EnvRecord:
        """``--no-deploy``: the change is kept in the record, under the environment's lease
        (re-read there: another change may have been made meanwhile)."""
        engine = self.engine
        key = env_key(self.profile.name, name)
        started = engine.clock()
        with held(engine.store, key, new_owner(), engine.lock_policy, on_wait):
            record = engine.store.get(self.profile.name, name)
            if record is None:
                raise NotFound(f"environment {name!r} was deleted meanwhile")
            own: EnvVars = variables.stored(record).apply(change)
            record.extra[variables.KEPT] = own.to_record()
            record.extra[variables.PENDING] = True
            engine.store.put(record)
        detail = f"{describe(change)} (not deployed)"
        engine.history.event(name, "vars", started, "ok", detail)
        return record
