"""The sandbox's background moto server: start it, find it again, stop it.

``eden sandbox up`` returns while the server keeps running, so every later ``eden`` call
must be able to find it. The server's pid, address and (once seeded) the ids of the
reference stack live in ``sandbox.json`` under :func:`eden.paths.sandbox_dir`; that file
is the only record of the process, and it is removed when the process is gone.

moto has no authentication, so the server only ever listens on a loopback address.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eden import paths
from eden.errors import SandboxError
from eden.sandbox import procs

STATE_FILE = "sandbox.json"
LOG_FILE = "moto.log"
LOCK_FILE = "sandbox.lock"
SEED_KEY = "seed"

READY_TIMEOUT = 20.0  # seconds to wait for a fresh server to answer
STOP_TIMEOUT = 5.0  # seconds between SIGTERM and SIGKILL
_POLL = 0.05
_PROBE_TIMEOUT = 1.0
# A cheap moto-only route: answering it proves the port is moto, not some other program.
_PROBE_PATH = "/moto-api/config"
_LOOPBACK_NAMES = ("localhost",)
# Proxies from the environment must not see (or break) calls to 127.0.0.1.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Servers this process spawned. Holding the Popen lets us reap them (an exited child
# would otherwise look alive to kill(pid, 0)) and keeps Popen from warning that it was
# dropped while still running.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class ServerInfo:
    """A running sandbox server, as recorded in ``sandbox.json``."""

    pid: int
    host: str
    port: int
    endpoint_url: str
    started_at: str  # ISO 8601, UTC

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def state_path() -> Path:
    """``sandbox.json``: the record of the running server and of its seed."""
    return paths.sandbox_dir() / STATE_FILE


def log_path() -> Path:
    """The server's stdout and stderr; the first place to look when it will not start."""
    return paths.sandbox_dir() / LOG_FILE


def start(
    port: int | None = None, host: str = "127.0.0.1", env: Mapping[str, str] | None = None
) -> ServerInfo:
    """The running sandbox server, starting one in the background if none answers.

    A server that is already up is returned as it is (even if ``port`` differs), so
    ``eden sandbox up`` can be run again without losing what the sandbox holds. ``env``
    adds to a new server's environment (its timings, router port, local tasks).
    """
    _check_loopback(host)
    with _locked():
        running = _running_server()
        if running is not None:
            return running
        _discard_stale()
        info = _spawn_until_ready(host, port, env or {})
        _write_state(info.as_dict())
        return info


def stop() -> bool:
    """Stop the sandbox server. True when one was running; stopping none is not an error."""
    with _locked():
        state = _read_state()
        if state is None:
            return False
        info = _server_info(state)
        was_running = info is not None and _is_sandbox_process(info.pid)
        if info is not None and was_running:
            _terminate(info.pid)
        _remove(state_path())
        if was_running:
            _remove(log_path())
        return was_running


def status() -> ServerInfo | None:
    """The running sandbox server, or None. A record of a dead server is removed."""
    state = _read_state()
    if state is None:
        return None
    info = _server_info(state)
    if info is not None and _is_sandbox_process(info.pid):
        # Alive but not answering (busy, or still starting): keep the record so that
        # `stop` can still find the process; report it as not running.
        return info if _answers(info.host, info.port) else None
    with _locked():
        _discard_stale()
    return None


def read_seed() -> dict[str, Any] | None:
    """The seed as stored in sandbox.json (None before seeding); liveness is not checked."""
    state = _read_state()
    seed = state.get(SEED_KEY) if state else None
    return dict(seed) if isinstance(seed, Mapping) else None


def save_seed(seed: Mapping[str, Any]) -> None:
    """Record what was seeded, so that later runs reuse it instead of seeding again."""
    with _locked():
        state = _read_state()
        if state is None:
            raise SandboxError(
                "the sandbox server is not running, so there is nothing to record a seed for",
                where=str(state_path()),
                hint="run `eden sandbox up`",
            )
        state[SEED_KEY] = dict(seed)
        _write_state(state)


# --- the process ---------------------------------------------------------------------


def _spawn_until_ready(host: str, port: int | None, env: Mapping[str, str]) -> ServerInfo:
    """Spawn moto and wait until it answers; retry when a picked free port was taken."""
    attempts = 3 if port is None else 1
    for attempt in range(attempts):
        chosen = port if port is not None else procs.free_port(host)
        proc = _spawn(host, chosen, env)
        _CHILDREN[proc.pid] = proc
        if _wait_ready(proc, host, chosen):
            return ServerInfo(
                pid=proc.pid,
                host=host,
                port=chosen,
                endpoint_url=_endpoint_url(host, chosen),
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        exited = proc.poll() is not None
        if not exited:
            _terminate(proc.pid)
        if not exited or attempt == attempts - 1:
            raise _start_failed(host, chosen, exited)
    raise AssertionError("unreachable")  # pragma: no cover


def _spawn(host: str, port: int, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """moto in its own session, so it outlives the CLI call and its terminal's signals."""
    if importlib.util.find_spec("moto") is None:
        raise SandboxError(
            f"moto is not installed in {sys.prefix}, so the sandbox cannot run",
            hint="install the sandbox extra: pip install 'eden-ecs[sandbox]'",
        )
    log = log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "eden.sandbox.moto_server", "-H", host, "-p", str(port)]
    with log.open("ab") as out:
        try:
            return subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                env=_server_env(env),
            )
        except OSError as exc:
            raise SandboxError(
                f"could not run {sys.executable} -m eden.sandbox.moto_server: {exc}",
                hint="install the sandbox extra: pip install 'eden-ecs[sandbox]'",
            ) from exc


def _server_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The CLI's environment, with ACM certificates issued at once instead of after 60 s.

    A real ALB only takes an issued certificate; moto would report the seeded one as
    PENDING_VALIDATION for its first minute. The user's own setting still wins.
    """
    env = {**os.environ, **extra}
    env.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")
    return env


def _wait_ready(proc: subprocess.Popen[bytes], host: str, port: int) -> bool:
    """True once the server answers; False as soon as it exits or the time is up."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if _answers(host, port):
            return True
        time.sleep(_POLL)
    return False


def _start_failed(host: str, port: int, exited: bool) -> SandboxError:
    why = "exited during start-up" if exited else f"did not answer within {READY_TIMEOUT:.0f}s"
    return SandboxError(
        f"the sandbox server (moto) on {host}:{port} {why}",
        where=str(log_path()),
        hint=(
            f"read the log at {log_path()}; if moto is missing, install the sandbox extra "
            "(pip install 'eden-ecs[sandbox]'); if the port is taken, pick another with --port"
        ),
    )


def _terminate(pid: int) -> None:
    """SIGTERM, then SIGKILL if the process is still there after ``STOP_TIMEOUT``."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError as exc:
            raise SandboxError(
                f"not allowed to stop the sandbox server (pid {pid}): {exc}",
                hint=f"stop it as the user who started it, or `kill {pid}`",
            ) from exc
        if _wait_gone(pid, wait):
            return
    raise SandboxError(
        f"the sandbox server (pid {pid}) did not exit after SIGKILL",
        hint=f"check `ps -p {pid}`; remove {state_path()} once it is gone",
    )


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(_POLL)
    return not _pid_alive(pid)


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs. Our own exited child is reaped first, or it would look alive;
    another's exited process counts as gone even before init reaps it (a zombie)."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        del _CHILDREN[pid]
        return False
    return procs.alive(pid)


def _is_sandbox_process(pid: int) -> bool:
    """Alive and, where /proc tells, really moto: never signal a pid reused by another program."""
    if not _pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): the pid is all there is to go on
    return b"moto.server" in cmdline or b"eden.sandbox.moto_server" in cmdline


def _answers(host: str, port: int) -> bool:
    """Whether a moto server answers on host:port (any other program does not count)."""
    url = _endpoint_url(host, port) + _PROBE_PATH
    try:
        with _NO_PROXY.open(url, timeout=_PROBE_TIMEOUT) as resp:
            body = resp.read()
    except (urllib.error.URLError, OSError, ValueError):
        return False
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False


def _endpoint_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _check_loopback(host: str) -> None:
    if host in _LOOPBACK_NAMES or host.startswith("127.") or host == "::1":
        return
    raise SandboxError(
        f"the sandbox only listens on a loopback address, not {host!r}",
        hint="moto has no authentication; use --host 127.0.0.1 (the default)",
    )


# --- sandbox.json ----------------------------------------------------------------------


def _running_server() -> ServerInfo | None:
    """The recorded server when it is alive and answering; stops one that hangs."""
    state = _read_state()
    info = _server_info(state) if state else None
    if info is None or not _is_sandbox_process(info.pid):
        return None
    if _answers(info.host, info.port):
        return info
    _terminate(info.pid)  # alive but deaf: replace it rather than orphan it
    return None


def _server_info(state: Mapping[str, Any]) -> ServerInfo | None:
    try:
        return ServerInfo(
            pid=int(state["pid"]),
            host=str(state["host"]),
            port=int(state["port"]),
            endpoint_url=str(state["endpoint_url"]),
            started_at=str(state["started_at"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _discard_stale() -> None:
    """Remove the record of a server that is gone (the log stays, to explain why)."""
    state = _read_state()
    info = _server_info(state) if state else None
    if info is None or not _is_sandbox_process(info.pid):
        _remove(state_path())


def _read_state() -> dict[str, Any] | None:
    """sandbox.json, or None when it is missing or unreadable (it is then stale)."""
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(state: Mapping[str, Any]) -> None:
    """Atomically, so a concurrent reader never sees half a file."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise start/stop across processes, so two `up`s never spawn two servers."""
    directory = paths.sandbox_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / LOCK_FILE).open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except OSError as exc:  # pragma: no cover - filesystems without locks
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP):
                raise
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
