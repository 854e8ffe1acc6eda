"""One local task: an nginx process on a loopback port, standing in for an ECS task.

Each task is its own nginx, run with ``master_process off`` (one process, no workers):
it starts in ~15 ms and costs ~1 MiB of memory not shared with the other tasks
(docs/sandbox.md has the measurements). A process per task, rather than one server
block each in a shared nginx, keeps tasks apart as on ECS: stopping, killing or freezing
one touches no other, and no reload is needed to start or stop one.

A task serves a page naming its environment and image on every path, answers its target
group's health-check path with 200, and nginx's ``stub_status`` on ``/nginx_status``
(what eden's scaler scrapes). Its files live in ``<root>/<task id>/``; ``task.json``
there records its pid, so a sandbox that crashed leaves a trail the next ``up`` or
``down`` follows to stop it (``sweep``).
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from eden.sandbox import procs
from eden.sandbox.tasks import TaskSpec

RECORD = "task.json"
CONF = "nginx.conf"
ERROR_LOG = "error.log"
ANSWER_TIMEOUT = 5.0  # seconds for a started nginx to answer its health path
STOP_TIMEOUT = 3.0
DEFAULT_HEALTH_PATH = "/healthz"
_CANDIDATES = (
    "/usr/sbin/nginx",
    "/usr/local/sbin/nginx",
    "/usr/local/bin/nginx",
    "/opt/homebrew/bin/nginx",
)
_SAFE_PATH = re.compile(r"/[A-Za-z0-9._~/-]{0,200}")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

_CONF = """\
# eden sandbox: a local stand-in for ECS task {task_id}
daemon off;
master_process off;
pid {pid};
error_log {error_log} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    default_type text/html;
{temp_paths}    server {{
        listen 127.0.0.1:{port};
        root {www};
        add_header X-Eden-Task {task_id} always;
{health}        location = /nginx_status {{ stub_status; }}
        location / {{ try_files /index.html =404; }}
    }}
}}
"""


def find_nginx() -> str | None:
    """nginx from PATH or the usual places (Debian puts it in /usr/sbin)."""
    found = shutil.which("nginx")
    return found or next((p for p in _CANDIDATES if os.access(p, os.X_OK)), None)


def health_path(path: str | None) -> str:
    """The target group's health-check path when nginx can serve it as written."""
    if path and _SAFE_PATH.fullmatch(path):
        return path
    return DEFAULT_HEALTH_PATH


def render_conf(directory: Path, port: int, task_id: str, path: str) -> str:
    health = ""
    if path != "/":  # "/" is the page itself, which answers 200 too
        health = f'        location = {path} {{ return 200 "ok\\n"; }}\n'
    return _CONF.format(
        pid=_quoted(directory / "nginx.pid"),
        error_log=_quoted(directory / ERROR_LOG),
        temp_paths="".join(
            f"    {kind}_temp_path {_quoted(directory / 'tmp' / kind)};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        www=_quoted(directory / "www"),
        port=port,
        task_id=task_id,
        health=health,
    )


def _quoted(path: Path) -> str:
    """A path as an nginx string (the sandbox's directory may hold spaces)."""
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_page(spec: TaskSpec, task_id: str) -> str:
    e = html.escape
    return (
        "<!doctype html>\n"
        f"<title>{e(spec.environment)} - eden sandbox</title>\n"
        f"<h1>{e(spec.environment)}</h1>\n"
        f'<p>environment: <b id="environment">{e(spec.environment)}</b></p>\n'
        f'<p>image: <b id="image">{e(spec.image)}</b></p>\n'
        f'<p>service: <b id="service">{e(spec.service_name)}</b></p>\n'
        f'<p>task: <b id="task">{e(task_id)}</b> (a local nginx standing in for an ECS task)</p>\n'
    )


@dataclass(frozen=True)
class TaskRecord:
    """``task.json``: what finds the process again, even from another sandbox process."""

    id: str
    pid: int
    port: int
    service: str
    environment: str
    image: str
    conf: str  # the config path: in the process's command line, so its pid is checked

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


class NginxTask:
    """A running nginx this process started (so it can be waited for, not just killed)."""

    def __init__(self, record: TaskRecord, proc: subprocess.Popen[bytes], directory: Path):
        self.record = record
        self.proc = proc
        self.directory = directory

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def port(self) -> int:
        return self.record.port

    @classmethod
    def start(
        cls, nginx: str, root: Path, task_id: str, service: str, spec: TaskSpec, port: int
    ) -> NginxTask:
        """Write the task's files and start nginx (it is not answering yet)."""
        directory = root / task_id
        (directory / "tmp").mkdir(parents=True)
        (directory / "www").mkdir()
        (directory / "www" / "index.html").write_text(render_page(spec, task_id), "utf-8")
        conf = directory / CONF
        conf.write_text(render_conf(directory, port, task_id, spec.health_path), "utf-8")
        proc = subprocess.Popen(
            [nginx, "-p", str(directory), "-c", str(conf), "-e", str(directory / ERROR_LOG)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own group: a signal to the sandbox is not one to it
            close_fds=True,
        )
        record = TaskRecord(
            task_id, proc.pid, port, service, spec.environment, spec.image, str(conf)
        )
        (directory / RECORD).write_text(record.as_json(), "utf-8")
        return cls(record, proc, directory)

    def exited(self) -> bool:
        return self.proc.poll() is not None

    def answers(self, path: str, timeout: float = 0.5) -> bool:
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            with _NO_PROXY.open(url, timeout=timeout) as resp:
                return int(resp.status) == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def error_log(self, limit: int = 400) -> str:
        try:
            return (self.directory / ERROR_LOG).read_text("utf-8", "replace")[-limit:].strip()
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop nginx (SIGTERM, then SIGKILL) and remove its files."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        shutil.rmtree(self.directory, ignore_errors=True)


def wait_answering(tasks: list[NginxTask], path_of: dict[str, str], timeout: float) -> set[str]:
    """Ids of the tasks whose health path answers within ``timeout`` (polled together)."""
    deadline = time.monotonic() + timeout
    waiting = {t.id: t for t in tasks}
    answering: set[str] = set()
    while waiting and time.monotonic() < deadline:
        for task_id, task in list(waiting.items()):
            if task.exited():
                del waiting[task_id]
            elif task.answers(path_of[task_id]):
                answering.add(task_id)
                del waiting[task_id]
        if waiting:
            time.sleep(0.005)
    return answering


def read_records(root: Path) -> list[TaskRecord]:
    """Every task recorded under ``root`` (unreadable records are skipped)."""
    found = []
    for path in sorted(root.glob(f"*/{RECORD}")):
        try:
            found.append(TaskRecord(**json.loads(path.read_text("utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return found


def sweep(root: Path) -> list[int]:
    """Stop every recorded task still running (left by a sandbox that crashed) and
    remove the files; returns the pids stopped."""
    stopped = []
    for record in read_records(root):
        if procs.runs(record.pid, record.conf.encode()):
            procs.stop_pid(record.pid, STOP_TIMEOUT)
            stopped.append(record.pid)
    if root.exists():
        for child in root.iterdir():
            shutil.rmtree(child, ignore_errors=True)
    return stopped


def live_pids(root: Path) -> list[int]:
    """The pids of recorded tasks that run now."""
    return [r.pid for r in read_records(root) if procs.runs(r.pid, r.conf.encode())]
