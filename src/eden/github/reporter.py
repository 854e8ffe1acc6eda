"""Puts a ``Preview`` on GitHub: the deployment and its status, the check run (or commit
status) and the sticky comment, each found again and edited rather than duplicated.

A report never raises: what GitHub refused is logged, returned, and kept as *pending*
so the repair loop (or the next event for the pull request) sends the newest state
again. Reports for one pull request are serialised and carry a generation, so an older
state that arrives late (a slow "deploying") never overwrites a newer one ("ready").
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import Counter

from eden.github import render
from eden.github.errors import GitHubError
from eden.github.render import LIVE_STATES, Preview
from eden.github.rest import GitHub, Json

log = logging.getLogger("eden.github")

RETIRE_LOOKBACK = 10  # older deployments of a pull request checked for a live status


class Reporter:
    def __init__(self, github: GitHub, check_name: str):
        self.github = github
        self.check_name = check_name
        self._lock = threading.Lock()
        self._pr_locks: dict[str, threading.Lock] = {}
        self._published: dict[str, int] = {}
        self._pending: dict[str, tuple[int, Preview]] = {}
        self._comment_ids: dict[str, int] = {}
        self._last: dict[str, Preview] = {}
        self._in_flight: Counter[str] = Counter()
        self._generations = itertools.count(1)

    # --- bookkeeping ------------------------------------------------------------------
    def generation(self) -> int:
        """Taken when a state is decided, so reports of one PR apply in decision order."""
        with self._lock:
            return next(self._generations)

    def begin(self, origin: str) -> None:
        with self._lock:
            self._in_flight[origin] += 1

    def end(self, origin: str) -> None:
        with self._lock:
            self._in_flight[origin] -= 1
            if self._in_flight[origin] <= 0:
                del self._in_flight[origin]

    def busy(self, origin: str) -> bool:
        with self._lock:
            return origin in self._in_flight

    def pending(self) -> list[tuple[int, Preview]]:
        with self._lock:
            return list(self._pending.values())

    def last(self, origin: str) -> Preview | None:
        """The newest state sent (or tried) for a pull request since the server started."""
        with self._lock:
            return self._last.get(origin)

    def _pr_lock(self, origin: str) -> threading.Lock:
        with self._lock:
            return self._pr_locks.setdefault(origin, threading.Lock())

    # --- publishing -------------------------------------------------------------------
    def publish(self, p: Preview, generation: int | None = None) -> list[str]:
        """Sends ``p``; returns what failed (empty: GitHub shows ``p`` now)."""
        gen = generation if generation is not None else self.generation()
        with self._pr_lock(p.origin):
            if gen < self._published.get(p.origin, 0):
                return []  # a newer state was sent already
            errors: list[str] = []
            for step in (self._deployment, self._check, self._comment):
                try:
                    step(p)
                except GitHubError as exc:
                    errors.append(exc.message)
                    log.warning("GitHub report for %s (%s) failed: %s", p.origin, p.phase, exc)
                except Exception as exc:  # an answer eden did not expect: never fail the op
                    errors.append(f"{type(exc).__name__}: {exc}")
                    log.exception("GitHub report for %s (%s) failed", p.origin, p.phase)
            with self._lock:
                self._published[p.origin] = gen
                self._last[p.origin] = p
                if errors:
                    self._pending[p.origin] = (gen, p)
                elif self._pending.get(p.origin, (0, p))[0] <= gen:
                    self._pending.pop(p.origin, None)
            return errors

    # --- the deployment -------------------------------------------------------------
    def _deployment(self, p: Preview) -> None:
        state = render.deployment_state(p)
        if state is None:
            return
        if p.phase == "deleted":
            for old in self.github.deployments(
                p.repository, environment=p.environment, limit=RETIRE_LOOKBACK
            ):
                self._retire(p, old, render.headline(p))
            return
        if p.sha is None:
            return
        deployment = self._deployment_for(p)
        self.github.create_deployment_status(
            p.repository,
            int(deployment["id"]),
            state=state,
            description=render.headline(p),
            environment_url=p.url if p.phase == "ready" else None,
            log_url=p.log_url,
        )
        if p.phase in ("deploying", "ready"):
            for old in self.github.deployments(
                p.repository, environment=p.environment, limit=RETIRE_LOOKBACK
            ):
                if old["id"] != deployment["id"]:
                    self._retire(p, old, f"Superseded by {p.short_sha}")

    def _deployment_for(self, p: Preview) -> Json:
        """This commit's deployment in the PR's environment: found again, or made."""
        assert p.sha is not None
        found = self.github.deployments(p.repository, environment=p.environment, sha=p.sha, limit=1)
        if found:
            return found[0]
        return self.github.create_deployment(
            p.repository,
            sha=p.sha,
            environment=p.environment,
            description=f"eden preview of #{p.number}",
            payload={"eden": {"origin": p.origin, "env": p.env}},
        )

    def _retire(self, p: Preview, deployment: Json, why: str) -> None:
        """Marks a deployment inactive unless GitHub already shows it as not live."""
        latest = self.github.deployment_statuses(p.repository, int(deployment["id"]))
        if latest and latest[0].get("state") in LIVE_STATES:
            self.github.create_deployment_status(
                p.repository, int(deployment["id"]), state="inactive", description=why
            )

    # --- the check run, or the commit status -------------------------------------------
    def _check(self, p: Preview) -> None:
        if p.sha is None:
            return
        if self.github.uses_app:
            self._check_run(p, p.sha)
        else:
            self._commit_status(p, p.sha)

    def _check_run(self, p: Preview, sha: str) -> None:
        body = render.check_run(p, self.check_name)
        if body is None:
            return
        runs = self.github.check_runs(p.repository, sha, self.check_name)
        if runs:
            self.github.update_check_run(p.repository, int(runs[0]["id"]), body)
        elif p.phase != "deleted":  # a deletion never makes a check that was not there
            self.github.create_check_run(p.repository, {**body, "head_sha": sha})

    def _commit_status(self, p: Preview, sha: str) -> None:
        state = render.commit_status(p)
        if p.phase == "deleted":
            # No "neutral" for commit statuses: a shown "success ... serves at" becomes a
            # plain "deleted", and none is made where there was none.
            combined = self.github.combined_status(p.repository, sha)
            ours = [s for s in combined.get("statuses", []) if s.get("context") == self.check_name]
            if not ours or ours[0].get("state") not in ("success", "pending"):
                return
            state = "success"
        if state is None:
            return
        self.github.create_commit_status(
            p.repository,
            sha,
            state=state,
            context=self.check_name,
            description=render.headline(p),
            url=p.url if p.phase == "ready" else p.log_url,
        )

    # --- the sticky comment -----------------------------------------------------------
    def _comment(self, p: Preview) -> None:
        body = render.comment(p)
        for comment_id in self._comment_candidates(p):
            try:
                self.github.update_comment(p.repository, comment_id, body)
            except GitHubError as exc:
                if exc.status not in (403, 404):  # not ours, or deleted by someone
                    raise
                with self._lock:
                    self._comment_ids.pop(p.origin, None)
                continue
            with self._lock:
                self._comment_ids[p.origin] = comment_id
            return
        if p.phase == "deleted":
            return  # nothing was ever said about a preview here: say nothing now
        made = self.github.create_comment(p.repository, p.number, body)
        with self._lock:
            self._comment_ids[p.origin] = int(made["id"])

    def _comment_candidates(self, p: Preview) -> list[int]:
        with self._lock:
            cached = self._comment_ids.get(p.origin)
        if cached is not None:
            return [cached]
        return [
            int(c["id"])
            for c in self.github.comments(p.repository, p.number)
            if str(c.get("body", "")).startswith(render.MARKER)
        ]

    # --- what GitHub shows (for `eden github status` and the sweep) --------------------
    def live_previews(self, repository: str) -> dict[int, tuple[Json, str | None]]:
        """PR number -> (its newest preview deployment, that deployment's latest state)."""
        newest: dict[int, Json] = {}
        for d in self.github.deployments(repository, limit=100):
            number = _pr_number(str(d.get("environment", "")))
            if number is not None and number not in newest:
                newest[number] = d
        out: dict[int, tuple[Json, str | None]] = {}
        for number, d in newest.items():
            latest = self.github.deployment_statuses(repository, int(d["id"]))
            out[number] = (d, str(latest[0]["state"]) if latest else None)
        return out


def _pr_number(environment: str) -> int | None:
    prefix = "preview/pr-"
    rest = environment[len(prefix) :] if environment.startswith(prefix) else ""
    return int(rest) if rest.isdigit() else None
