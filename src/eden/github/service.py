"""eden's GitHub side in a running server: wraps each environment operation of a pull
request with its reports, answers comment commands, and repairs what GitHub missed.

* Before an operation, "deploying" is sent in the background (the operation never waits
  for GitHub); after it, "ready", "failed" or "deleted" is sent (superseding the first).
* A report that failed stays pending; the repair loop sends the newest state again, as
  does the next event for the pull request.
* The sweep compares GitHub's live preview deployments with eden's environments: one
  deleted outside a pull request event (``eden gc``, ``eden delete`` by hand) is marked
  inactive, so a "success" never outlives its environment.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Any

import httpx

from eden.envs.engine import Outcome
from eden.envs.gc import expires_at
from eden.envs.records import EnvRecord
from eden.errors import EdenError
from eden.github.auth import AppAuth, Auth, TokenAuth
from eden.github.errors import GitHubError
from eden.github.events import PullRequest
from eden.github.render import LIVE_STATES, Preview
from eden.github.reporter import Reporter
from eden.github.rest import GitHub
from eden.github.settings import GitHubSettings
from eden.github.transport import Transport

log = logging.getLogger("eden.github")

# (profile, origin) -> the environment eden has for that pull request, if any
Find = Callable[[str, str], EnvRecord | None]
Work = Callable[[], Outcome]


def client_for(
    settings: GitHubSettings, *, http: httpx.Client | None = None, sleep: Any = time.sleep
) -> GitHub:
    auth: Auth
    if settings.uses_app:
        assert settings.app_id is not None and settings.private_key is not None
        auth = AppAuth(settings.app_id, settings.private_key)
    else:
        auth = TokenAuth(settings.token or "")
    transport = Transport(
        settings.api_url,
        auth,
        timeout=settings.timeout,
        max_wait=settings.max_wait,
        sleep=sleep,
        http=http,
    )
    return GitHub(transport)


class GitHubService:
    def __init__(
        self,
        settings: GitHubSettings,
        find: Find,
        *,
        github: GitHub | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.github = github or client_for(settings)
        self.reporter = Reporter(self.github, settings.check_name)
        self._find = find
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="eden-github")
        self._stop = threading.Event()
        self._loop: threading.Thread | None = None
        self._lock = threading.Lock()
        self._repositories: dict[str, str] = dict(settings.repositories)  # repo -> profile
        self._background: set[Future[Any]] = set()

    # --- deliveries -------------------------------------------------------------------
    def seen(self, repository: str, profile: str, payload: Mapping[str, Any]) -> None:
        """A delivery from ``repository``: remember its profile (for the sweep) and, for
        an App, the installation it names (saves a lookup)."""
        with self._lock:
            self._repositories.setdefault(repository.lower(), profile)
        installation = payload.get("installation")
        auth = self.github.transport.auth
        if isinstance(auth, AppAuth) and isinstance(installation, Mapping):
            installation_id = installation.get("id")
            if isinstance(installation_id, int):
                auth.remember_installation(repository, installation_id)

    def log_url(self, operation_id: str) -> str | None:
        base = self.settings.public_url
        return f"{base}/api/v1/operations/{operation_id}" if base else None

    # --- operations, wrapped with their reports ---------------------------------------
    def deploying(
        self, pr: PullRequest, profile: str, work: Work, *, ttl_hours: float, log_url: str | None
    ) -> Work:
        base = Preview(
            pr.repository, pr.number, pr.sha, "deploying", log_url=log_url, profile=profile
        )

        def run() -> Outcome:
            self.reporter.begin(pr.origin)
            try:
                started = self._send_later(replace(base, at=self._clock()))
                try:
                    outcome = work()
                except EdenError as exc:
                    self._after(
                        started, replace(base, phase="failed", detail=exc.message, at=self._clock())
                    )
                    raise
                self._after(started, self._ready(base, outcome, ttl_hours))
                return outcome
            finally:
                self.reporter.end(pr.origin)

        return run

    def deleting(self, pr: PullRequest, profile: str, work: Work, *, reason: str) -> Work:
        base = Preview(pr.repository, pr.number, pr.sha, "deleted", detail=reason, profile=profile)

        def run() -> Outcome:
            self.reporter.begin(pr.origin)
            try:
                try:
                    outcome = work()
                except EdenError as exc:
                    failed = f"the delete failed ({exc.message})"
                    self.reporter.publish(
                        replace(base, phase="failed", detail=failed, at=self._clock())
                    )
                    raise
                self.reporter.publish(replace(base, at=self._clock()))
                return outcome
            finally:
                self.reporter.end(pr.origin)

        return run

    def deleted(self, record: EnvRecord, reason: str) -> None:
        """An environment of a pull request deleted by other means (the REST API)."""
        parsed = parse_origin(record.origin)
        if parsed is not None:
            p = Preview(
                parsed[0],
                parsed[1],
                None,
                "deleted",
                detail=reason,
                profile=record.profile,
                at=self._clock(),
            )
            self.reporter.publish(p)

    def pinned(self, record: EnvRecord) -> None:
        """The comment shows the pin (the state is otherwise what was last sent)."""
        last = self.reporter.last(record.origin or "")
        if last is not None and last.phase != "deleted":
            self.reporter.publish(replace(last, pinned=True, expires_at=None))

    def _ready(self, base: Preview, outcome: Outcome, ttl_hours: float) -> Preview:
        record = outcome.record
        return replace(
            base,
            phase="ready",
            url=outcome.url,
            env=outcome.env,
            image=record.image if record else None,
            last_deploy_at=record.last_deploy_at if record else None,
            expires_at=expires_at(record, ttl_hours) if record else None,
            pinned=record.pinned if record else False,
            at=self._clock(),
        )

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self._pool.submit(fn, *args)
        with self._lock:
            self._background.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._background.discard(future)

    def settle(self, timeout: float = 60.0) -> None:
        """Waits until everything sent in the background so far has been sent (or failed)."""
        with self._lock:
            pending = set(self._background)
        wait(pending, timeout=timeout)

    def _send_later(self, p: Preview) -> Future[list[str]]:
        return self._submit(self.reporter.publish, p, self.reporter.generation())

    def _after(self, started: Future[list[str]], p: Preview) -> None:
        """The final state; generations make it win over a "deploying" still on its way."""
        self.reporter.publish(p, self.reporter.generation())
        if not started.done():
            log.info("GitHub is slow: 'deploying' for %s is still being sent", p.origin)

    # --- comment commands and forks ---------------------------------------------------
    def reply(self, repository: str, number: int, text: str) -> Future[None]:
        """A new comment (a refusal, an answer): sent in the background, never raises."""
        return self._submit(self._quietly, self.github.create_comment, repository, number, text)

    def revoke(self, pr: PullRequest, label: str, profile: str) -> Future[None]:
        """A fork's new commit: its approval (the label) goes, and the comment says so."""
        detail = (
            f"commit {pr.sha} is new; a maintainer approves it by adding the label `{label}` again"
        )
        record = self._find(profile, pr.origin)
        p = Preview(
            pr.repository,
            pr.number,
            pr.sha,
            "awaiting",
            detail=detail,
            image=record.image if record else None,
            url=record.url if record else None,
            profile=profile,
            at=self._clock(),
        )

        def send() -> None:
            self._quietly(self.github.remove_label, pr.repository, pr.number, label)
            self.reporter.publish(p)

        return self._submit(send)

    def _quietly(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except GitHubError as exc:
            log.warning("GitHub call failed: %s", exc)

    # --- repair and sweep -------------------------------------------------------------
    def repair(self) -> int:
        """Sends again every state GitHub missed (the newest one per pull request)."""
        sent = 0
        for generation, p in self.reporter.pending():
            if self.reporter.busy(p.origin):
                continue  # an operation is running: its own report follows
            self.reporter.publish(self._still_true(p), generation)
            sent += 1
        return sent

    def _still_true(self, p: Preview) -> Preview:
        """A pending "ready" whose environment was deleted since is sent as deleted."""
        live = p.phase in ("ready", "deploying") and p.profile is not None
        if live and self._find(p.profile or "", p.origin) is None:
            return replace(p, phase="deleted", detail="deleted meanwhile", at=self._clock())
        return p

    def sweep(self, repositories: Iterable[str] | None = None) -> int:
        """Marks previews GitHub shows as live, but that eden no longer has, deleted."""
        with self._lock:
            known = dict(self._repositories)
        fixed = 0
        for repository in repositories or sorted(known):
            profile = known.get(repository.lower())
            if profile is None:
                continue
            for number, (deployment, state) in self.reporter.live_previews(repository).items():
                origin = f"github:{repository.lower()}#{number}"
                if state not in LIVE_STATES or self.reporter.busy(origin):
                    continue
                if self._find(profile, origin) is not None:
                    continue
                p = Preview(
                    repository,
                    number,
                    str(deployment.get("sha") or "") or None,
                    "deleted",
                    detail="deleted outside a pull request event (eden gc, or by hand)",
                    profile=profile,
                    at=self._clock(),
                )
                self.reporter.publish(p)
                fixed += 1
        return fixed

    def start(self) -> None:
        """The background loop: repair often, sweep now and then."""
        if self._loop is not None:
            return
        self._loop = threading.Thread(target=self._run, name="eden-github-repair", daemon=True)
        self._loop.start()

    def _run(self) -> None:
        next_sweep = self._clock() + self.settings.sweep_seconds
        while not self._stop.wait(self.settings.repair_seconds):
            try:
                self.repair()
                if self._clock() >= next_sweep:
                    next_sweep = self._clock() + self.settings.sweep_seconds
                    self.sweep()
            except Exception:  # the loop must outlive any one bad answer
                log.exception("GitHub repair loop")

    def close(self) -> None:
        self._stop.set()
        if self._loop is not None:
            self._loop.join(timeout=30)
        self._pool.shutdown(wait=True)
        self.github.transport.close()


def parse_origin(origin: str | None) -> tuple[str, int] | None:
    """``github:owner/repo#12`` -> ("owner/repo", 12)."""
    if not origin or not origin.startswith("github:") or "#" not in origin:
        return None
    repository, _, number = origin[len("github:") :].rpartition("#")
    return (repository, int(number)) if number.isdigit() and "/" in repository else None
