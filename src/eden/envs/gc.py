"""The stale-environment cleaner and the orphan sweep.

``stale`` is pure: which environments have not been deployed for longer than the TTL
(each deploy renews it; pinned ones are exempt). ``collect`` deletes them with bounded
parallelism, skipping any environment another operation is changing right now, so it is
safe to run from a schedule. ``find_orphans`` asks the Resource Groups Tagging API for
resources tagged by eden for this profile that no environment in state claims; each
resource module says which ARNs are its own, whether one still exists, and where to find
tagged resources the Tagging API does not list (the shared listener's rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from eden.core.tags import MANAGED_BY, TAG_ENV, TAG_PROFILE
from eden.envs.engine import Engine
from eden.envs.records import EnvRecord
from eden.envs.resources import RESOURCES
from eden.errors import EdenError
from eden.state.leases import LockPolicy
from eden.state.sqlite import SqliteStore

HOUR = 3600.0
ALIVE_CHECKS = 16  # tagged resources checked at once


def last_activity(record: EnvRecord) -> float:
    return record.last_deploy_at or record.created_at


def expires_at(record: EnvRecord, ttl_hours: float) -> float | None:
    """When the cleaner may take it; None for a pinned environment."""
    return None if record.pinned else last_activity(record) + ttl_hours * HOUR


def stale(records: Iterable[EnvRecord], now: float, ttl_hours: float) -> list[EnvRecord]:
    """Environments idle longer than the TTL, oldest first; pinned ones never."""
    out = [r for r in records if not r.pinned and last_activity(r) + ttl_hours * HOUR < now]
    return sorted(out, key=last_activity)


def prune_history(engine: Engine) -> int:
    """Events and journal entries past the store's retention, deleted; run with every gc.

    Only for SQLite: DynamoDB expires them by itself (TTL, enabled by ``eden state init``),
    and pruning there would read the whole table on every run.
    """
    if isinstance(engine.store, SqliteStore):
        return engine.store.prune(engine.clock())
    return 0


@dataclass
class GcResult:
    name: str
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def collect(
    engine: Engine,
    candidates: list[EnvRecord],
    *,
    parallel: int = 4,
    on_done: Callable[[GcResult], None] | None = None,
) -> list[GcResult]:
    """Deletes ``candidates``, ``parallel`` at a time. Never waits for a busy environment."""
    # gc must not queue behind a deploy: an environment being changed is not idle.
    engine.lock_policy = LockPolicy(mode="fail", ttl=engine.lock_policy.ttl)

    def one(record: EnvRecord) -> GcResult:
        try:
            engine.delete(record.name)
            res = GcResult(record.name, True, "deleted")
        except EdenError as exc:
            res = GcResult(record.name, False, exc.message)
        if on_done:
            on_done(res)
        return res

    # Its own pool: each delete waits on the engine's pool, which must stay free for it.
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="eden-gc") as pool:
        return list(pool.map(one, candidates))


@dataclass
class Orphans:
    """Resources tagged by eden for this profile, by the environment name in their tags."""

    by_env: dict[str, list[str]] = field(default_factory=dict)

    def add(self, env: str, arn: str) -> None:
        self.by_env.setdefault(env, []).append(arn)

    def as_dict(self) -> dict[str, list[str]]:
        return {k: sorted(v) for k, v in sorted(self.by_env.items())}


def tagged_resources(engine: Engine) -> Orphans:
    """Every live resource tagged ``eden:managed-by=eden`` and this profile."""
    found = Orphans()
    aws = engine.aws
    profile = engine.profile
    wanted = {MANAGED_BY: "eden", TAG_PROFILE: profile.name}
    tagged = [(arn, tags) for arn, tags in aws.tagging.tagged(wanted) if TAG_ENV in tags]

    def alive(arn: str) -> bool:
        # The tagging API lists deleted resources for a while: each is checked, at once
        # (one call each, a fleet of hundreds would otherwise take minutes).
        resource = next((r for r in RESOURCES if r.owns_arn(arn)), None)
        return resource.alive(aws, arn) if resource is not None else True

    with ThreadPoolExecutor(max_workers=ALIVE_CHECKS) as pool:
        checked = list(pool.map(alive, [arn for arn, _ in tagged]))
    for (arn, tags), ok in zip(tagged, checked, strict=True):
        if ok:
            found.add(tags[TAG_ENV], arn)
    for resource in RESOURCES:
        if resource.also_tagged is None:
            continue
        for env, arn in resource.also_tagged(aws, profile):
            if arn not in found.by_env.get(env, []):
                found.add(env, arn)
    return found


def find_orphans(engine: Engine) -> Orphans:
    """Tagged resources whose environment is not in state."""
    known = {r.name for r in engine.environments()}
    tagged = tagged_resources(engine)
    return Orphans({env: arns for env, arns in tagged.by_env.items() if env not in known})


def remove_orphans(engine: Engine, orphans: Orphans) -> list[GcResult]:
    """Deletes each orphan environment by the names its tags give; reports what is left."""
    results: list[GcResult] = []
    for env in sorted(orphans.by_env):
        try:
            engine.delete(env)
        except EdenError as exc:
            results.append(GcResult(env, False, exc.message))
            continue
        results.append(GcResult(env, True, f"{len(orphans.by_env[env])} resource(s) removed"))
    left = find_orphans(engine)
    for env, arns in left.by_env.items():
        results.append(
            GcResult(env, False, "still there (names do not match eden's): " + ", ".join(arns))
        )
    return results
