"""Turning a request (REST, 2019 or webhook) into an operation ready to run.

Everything that can be checked without AWS is checked here, before an operation exists:
the profile, the branch or name, the alias, the image. A request that fails these gets a
4xx at once and leaves nothing behind, not even a failed operation record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from eden.api.context import ApiContext
from eden.api.operations import Operation
from eden.core import naming
from eden.core.images import validate_image
from eden.envs.engine import Outcome
from eden.errors import EdenError

Job = tuple[Operation, Callable[[], Outcome]]

# The engine checks the full image reference grammar (eden.engine.validate_image).
check_image = validate_image


def create_job(
    context: ApiContext,
    *,
    profile: str | None,
    branch: str,
    image: str,
    source: str,
    alias: str | None = None,
    env: Mapping[str, str] | None = None,
    dry_run: bool = False,
    keep_on_failure: bool = False,
    origin: str | None = None,
    adopt: bool = False,
    ready_timeout: float | None = None,
    role: str | None = None,
) -> Job:
    """``role``: the group's service ``image`` is for (a repository mapped to one member);
    None: the profile's first (or only) service."""
    engine = context.registry.engine(profile)
    naming.env_name(branch, alias)
    naming.validate_branch(branch)
    check_image(image)
    op = context.operations.new("create", engine.profile.name, branch, source)

    def work() -> Outcome:
        return engine.create(
            branch,
            None if role else image,
            images={role: image} if role else None,
            alias=alias,
            env=dict(env or {}),
            dry_run=dry_run,
            keep_on_failure=keep_on_failure,
            origin=origin,
            adopt=adopt,
            ready_timeout=ready_timeout,
        )

    return op, work


def delete_job(
    context: ApiContext,
    *,
    profile: str | None,
    name: str,
    source: str,
    dry_run: bool = False,
    origin: str | None = None,
    adopt: bool = False,
) -> Job:
    engine = context.registry.engine(profile)
    naming.validate_branch(name)
    op = context.operations.new("delete", engine.profile.name, name, source)

    def work() -> Outcome:
        outcome = engine.delete(name, dry_run=dry_run, origin=origin, adopt=adopt)
        record = outcome.record
        # A pull request's environment deleted by hand: its preview on GitHub goes too
        # (a webhook's own delete reports itself, with the reason).
        if context.github is not None and source != "webhook" and not dry_run and record:
            context.github.deleted(record, f"deleted through eden's API ({source})")
        return outcome

    return op, work


def failed_job(context: ApiContext, *, profile: str, target: str, error: EdenError) -> Job:
    """An operation that fails with ``error`` when run: accepted work that cannot succeed."""
    op = context.operations.new("create", profile, target, "webhook")

    def work() -> Outcome:
        raise error

    return op, work
