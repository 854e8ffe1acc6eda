"""Which environment a request means, and whether it may act on it.

Two branch names can slug to one environment name (``Foo`` and ``FOO``), and two pull
requests can have the same head branch (a fork's ``mallory:changes`` and the repository's
own ``changes``). Every operation therefore resolves its target twice: once to know which
lease to take, and again under that lease (another operation may have made or removed an
environment with that name meanwhile), and refuses an environment that belongs to another
branch or origin. Reads only the state store.
"""

from __future__ import annotations

from eden.core import naming
from eden.envs.records import EnvRecord
from eden.errors import UsageError
from eden.state.base import StateStore


class Directory:
    """The environments of one profile, looked up by name, alias, branch or origin."""

    def __init__(self, store: StateStore, profile: str):
        self.store = store
        self.profile = profile

    def find(self, name_or_branch: str) -> EnvRecord | None:
        """An environment by name, alias or branch."""
        rec = self.store.get(self.profile, name_or_branch)
        if rec is not None:
            return rec
        return self.by_branch(name_or_branch)

    def by_branch(self, branch: str) -> EnvRecord | None:
        """The environment of ``branch``: one point lookup by its slug name, and a scan
        only when that misses (the environment has an alias)."""
        try:
            derived = self.store.get(self.profile, naming.env_name(branch))
        except UsageError:
            derived = None
        if derived is not None and derived.branch == branch:
            return derived
        for r in self.store.list_envs(self.profile):
            if r.branch == branch:
                return r
        return None

    def by_origin(self, origin: str) -> EnvRecord | None:
        """The environment made for ``origin`` (a pull request), whatever its branch."""
        for record in self.store.list_envs(self.profile):
            if record.origin == origin:
                return record
        return None

    def target(
        self, name_or_branch: str, origin: str | None, adopt: bool, *, by_name: bool = True
    ) -> EnvRecord | None:
        """The environment a request means. With an origin only that origin's environment
        counts; ``adopt`` also accepts one made for the same branch before origins existed.
        ``by_name`` False: the request names a branch only (create), never an env name."""
        if origin is None:
            return self.find(name_or_branch) if by_name else self.by_branch(name_or_branch)
        record = self.by_origin(origin)
        if record is None and adopt:
            legacy = self.by_branch(name_or_branch)
            if legacy is not None and legacy.origin is None:
                return legacy
        return record

    def delete_target(
        self, name_or_branch: str, origin: str | None, adopt: bool
    ) -> tuple[EnvRecord | None, str]:
        """What a delete removes: the environment, and the name whose lease guards it.

        Without a record the delete removes resources by the names eden would derive from
        the branch, but never when those names belong to another branch's environment.
        """
        record = self.target(name_or_branch, origin, adopt)
        if record is not None:
            return record, record.name
        name = naming.env_name(name_or_branch)
        if origin is not None:  # an origin deletes its own environment or nothing
            return None, name
        owner = self.store.get(self.profile, name)
        if owner is not None and owner.branch != name_or_branch:
            raise UsageError(
                f"{name_or_branch!r} has no environment; the name {name!r} belongs to "
                f"branch {owner.branch!r}",
                hint=f"to delete that one, run `eden delete {owner.name}`",
            )
        return None, name


def check_owner(
    taken: EnvRecord | None, branch: str, origin: str | None, adopt: bool, alias: str | None = None
) -> None:
    """Refuses to act on an environment that belongs to another branch or origin."""
    if taken is None:
        return
    if taken.branch != branch:
        hint = (
            f"the alias {alias!r} is taken: pick another --alias"
            if alias is not None
            else "give this branch its own short name with --alias"
        )
        raise UsageError(
            f"the name {taken.name!r} is already used by branch {taken.branch!r}", hint=hint
        )
    if origin is None or taken.origin == origin or (taken.origin is None and adopt):
        return
    owner = taken.origin or "a branch deployed by hand"
    raise UsageError(
        f"environment {taken.name!r} belongs to {owner}, not to {origin}",
        hint="each pull request gets its own environment; close the other one first, "
        "or deploy this one under another name",
    )
