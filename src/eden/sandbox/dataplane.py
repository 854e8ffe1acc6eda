"""The sandbox's data plane: local tasks that follow moto's services, and a router.

moto has no data plane: a service runs nothing and a load balancer routes nothing. In
the sandbox's moto server process, a ``DataPlane`` gives it one:

* **local tasks**: it is the AWS model's ``tasks`` hook (``aws_model.Model.tasks``). Told
  that services changed, a background thread reconciles (``eden.sandbox.tasks``): it
  starts an nginx per task (``eden.sandbox.nginx_task``) once the rollout is due, waits
  for it to answer, registers it in the service's target groups (127.0.0.1 and its port)
  and marks the rollout complete; it stops tasks on a scale-in, a deploy (old tasks once
  the new ones answer) and a delete. A task that dies is replaced; a service whose tasks
  fail to start is retried with a growing pause. Nothing here runs in moto's request
  threads but two quick hooks, so a failing nginx never fails an AWS call.
* **the router** (``eden.sandbox.router``): the shared listener's rules, on a loopback
  port.

``stop`` stops every task and the router. The pids are kept on disk (``task.json`` per
task), so the tasks of a sandbox that crashed are found and stopped by the next one.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eden.sandbox import aws_model, moto_view, nginx_task, procs
from eden.sandbox import tasks as plan
from eden.sandbox.moto_view import ListenerRef, ServiceView
from eden.sandbox.router import Router
from eden.sandbox.tasks import Task, Want

log = logging.getLogger("eden.sandbox.dataplane")
IDLE_WAIT = 0.5  # seconds between looks for tasks that died, when nothing else is due
MAX_HOLD = 30.0  # the longest pause after failed starts


@dataclass(frozen=True)
class PlaneSettings:
    state_dir: Path  # task files and pids live in <state_dir>/tasks
    router_host: str = "127.0.0.1"
    router_port: int = 0  # 0: a free port
    listener: ListenerRef = field(default_factory=ListenerRef)
    local_tasks: bool = True
    nginx: str | None = None  # None: found on PATH or the usual places

    @property
    def tasks_dir(self) -> Path:
        return self.state_dir / "tasks"


@dataclass
class _Local:
    task: nginx_task.NginxTask
    service: str
    spec: plan.TaskSpec
    answering: bool = False


class DataPlane:
    """Local tasks and the router, attached to the AWS model (see the module's doc)."""

    def __init__(self, model: aws_model.Model, settings: PlaneSettings) -> None:
        self.model = model
        self.settings = settings
        self.router = Router(
            moto_view.MotoListener(settings.listener), settings.router_host, settings.router_port
        )
        found = settings.nginx or nginx_task.find_nginx()
        self.nginx = found if settings.local_tasks else None
        self.tasks_off_reason = self._off_reason()
        self._backends: dict[int, Any] = {}  # ECS backends with services (model lock)
        self._registered: dict[str, dict[tuple[str, str], Any]] = {}  # model lock
        self._running: dict[str, _Local] = {}  # the plane's thread only
        self._held: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def _off_reason(self) -> str | None:
        stand_ins = "targets are stand-ins at 127.99.x.y, where nothing answers"
        if not self.settings.local_tasks:
            return f"started with --no-local-tasks: {stand_ins}"
        if self.nginx is None:
            return f"nginx is not installed (apt-get install nginx-light): {stand_ins}"
        return None

    # --- the model's hooks (called with the model's lock held) -------------------------

    def changed(self, backend: Any | None) -> None:
        if backend is not None:
            self._backends[id(backend)] = backend
        self._wake.set()

    def deleted(self, backend: Any, service: Any) -> None:
        for (_arn, key), group in self._registered.pop(service.arn, {}).items():
            group.targets.pop(key, None)  # the router stops sending to it at once
        self.changed(backend)

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> DataPlane:
        """Stop what a crashed sandbox left, start the router, attach to the model."""
        left = nginx_task.sweep(self.settings.tasks_dir)
        if left:
            log.warning("stopped %d task(s) left by an earlier sandbox: pids %s", len(left), left)
        self.router.start()
        if self.tasks_off_reason is not None:
            log.warning("local tasks: %s", self.tasks_off_reason)
            return self
        self.settings.tasks_dir.mkdir(parents=True, exist_ok=True)
        with aws_model.lock():
            self.model.tasks = self
            for backend in moto_view.existing_ecs_backends():
                self._backends[id(backend)] = backend
        self._thread = threading.Thread(target=self._loop, name="eden-tasks", daemon=True)
        self._thread.start()
        self._wake.set()
        return self

    def stop(self) -> None:
        """Detach from the model, stop every task and the router. Safe to call twice."""
        with aws_model.lock():
            if self.model.tasks is self:
                self.model.tasks = None
            self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with aws_model.lock():
            for entries in self._registered.values():
                for (_arn, key), group in entries.items():
                    group.targets.pop(key, None)
            self._registered.clear()
        for local in list(self._running.values()):
            local.task.stop()
        self._running.clear()
        self.router.stop()

    def info(self) -> dict[str, Any]:
        """What ``eden sandbox status`` reports."""
        return {
            "router": {
                "url": self.router.url,
                "host": self.router.host,
                "port": self.router.port,
                "listener": self.settings.listener.describe(),
            },
            "local_tasks": {
                "on": self.tasks_off_reason is None,
                "why_off": self.tasks_off_reason,
                "nginx": self.nginx,
                "dir": str(self.settings.tasks_dir),
            },
        }

    def task_pids(self) -> list[int]:
        return [local.task.proc.pid for local in list(self._running.values())]

    # --- the loop ------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping:
            try:
                wait = self._tick()
            except Exception:  # never let one bad turn end the data plane
                log.exception("local tasks: reconcile failed; trying again")
                wait = IDLE_WAIT
            self._wake.wait(wait)
            self._wake.clear()

    def _tick(self) -> float:
        """One reconcile; returns how long to wait before the next if nothing changes."""
        now = self.model.clock()
        with aws_model.lock():
            views = self._read()
        wants = {arn: view.want for arn, view in views.items()}
        self._reap(now)
        for _ in range(3):  # start, then retire the old tasks the new ones replace
            actions = plan.reconcile(wants, self._tasks(), now, self._held)
            if not actions or self._stopping:
                break
            self._stop_tasks(actions.stop, views, now)
            self._start_tasks(actions.start, now)
        with aws_model.lock():
            self._publish(views, now)
        return self._next_wait(wants, now)

    def _read(self) -> dict[str, ServiceView]:
        views: dict[str, ServiceView] = {}
        for key, backend in list(self._backends.items()):
            if not backend.services:
                del self._backends[key]  # reset by moto, or never used
                continue
            views.update(moto_view.local_services(backend, self.model))
        return views

    def _tasks(self) -> list[Task]:
        return [Task(i, r.service, r.spec, r.answering) for i, r in self._running.items()]

    def _reap(self, now: float) -> None:
        """Tasks that died: forgotten (so they are replaced), the service held back."""
        for task_id, local in list(self._running.items()):
            if local.task.exited():
                log.warning(
                    "task %s of %s exited: %s",
                    task_id,
                    local.service,
                    local.task.error_log() or "no error logged",
                )
                del self._running[task_id]
                local.task.stop()
                self._hold(local.service, now)

    def _stop_tasks(self, ids: Sequence[str], views: dict[str, ServiceView], now: float) -> None:
        stopping = [self._running.pop(i) for i in ids if i in self._running]
        if not stopping:
            return
        with aws_model.lock():
            self._publish(views, now)  # deregistered before they stop, as on ECS
        for local in stopping:
            local.task.stop()

    def _start_tasks(self, wants: Sequence[Want], now: float) -> None:
        started: list[_Local] = []
        for want in wants:
            local = self._spawn(want, now)
            if local is not None:
                started.append(local)
        paths = {local.task.id: local.spec.health_path for local in started}
        answering = nginx_task.wait_answering(
            [local.task for local in started], paths, nginx_task.ANSWER_TIMEOUT
        )
        for local in started:
            if local.task.id in answering:
                local.answering = True
                self._failures.pop(local.service, None)
                continue
            code = local.task.proc.poll()
            why = f"exited with code {code}" if code is not None else "did not answer"
            log.warning(
                "task %s of %s %s (%s within %.0fs): %s; trying again in %.1fs",
                local.task.id,
                local.service,
                why,
                local.spec.health_path,
                nginx_task.ANSWER_TIMEOUT,
                local.task.error_log() or "nothing in its error log",
                min(MAX_HOLD, 0.5 * 2 ** self._failures.get(local.service, 0)),
            )
            self._running.pop(local.task.id, None)
            local.task.stop()
            self._hold(local.service, now)

    def _spawn(self, want: Want, now: float) -> _Local | None:
        assert self.nginx is not None
        task_id = uuid.uuid4().hex
        try:
            task = nginx_task.NginxTask.start(
                self.nginx,
                self.settings.tasks_dir,
                task_id,
                want.service,
                want.spec,
                procs.free_port(),
            )
        except OSError as exc:
            log.warning("could not start a task of %s: %s", want.service, exc)
            self._hold(want.service, now)
            return None
        local = _Local(task, want.service, want.spec)
        self._running[task_id] = local
        return local

    def _hold(self, service: str, now: float) -> None:
        failures = self._failures.get(service, 0) + 1
        self._failures[service] = failures
        self._held[service] = now + min(MAX_HOLD, 0.5 * 2 ** (failures - 1))

    def _publish(self, views: dict[str, ServiceView], now: float) -> None:
        """Targets and service counters in moto, from what answers (model lock held)."""
        for arn in set(views) | set(self._registered):
            view = views.get(arn)
            if view is not None and view.service.status != "ACTIVE":
                view = None  # deleted since it was read: no targets, counters left alone
            mine = [local for local in self._running.values() if local.service == arn]
            self._set_targets(arn, view, [m for m in mine if m.answering])
            if view is not None:
                tasks = [Task(m.task.id, m.service, m.spec, m.answering) for m in mine]
                running = sum(m.answering for m in mine)
                aws_model.settle(view.service, running, plan.steady(view.want, tasks, now))

    def _set_targets(self, arn: str, view: ServiceView | None, answering: list[_Local]) -> None:
        had = self._registered.get(arn, {})
        now_in: dict[tuple[str, str], Any] = {}
        for group in view.groups if view is not None else ():
            moto_view.drop_stand_ins(group)
            for local in answering:
                key = moto_view.register(group, local.task.port)
                now_in[(group.arn, key)] = group
        for entry, group in had.items():
            if entry not in now_in:
                group.targets.pop(entry[1], None)
        if now_in:
            self._registered[arn] = now_in
        else:
            self._registered.pop(arn, None)

    def _next_wait(self, wants: dict[str, Want], now: float) -> float:
        """Until the next start is due (a rollout's delay, a pause after failures)."""
        current = [(local.service, local.spec) for local in self._running.values()]
        due = [
            max(w.due_at, self._held.get(arn, 0.0))
            for arn, w in wants.items()
            if current.count((arn, w.spec)) < w.count
        ]
        if not due:
            return IDLE_WAIT
        return min(IDLE_WAIT, max(0.01, min(due) - now))


def start(model: aws_model.Model, settings: PlaneSettings) -> DataPlane:
    """A running data plane for ``model`` (see ``DataPlane``)."""
    return DataPlane(model, settings).start()
