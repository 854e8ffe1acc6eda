"""Processes the sandbox starts and must find again by pid: the moto server, local tasks.

A pid on disk may outlive its process and be reused by an unrelated program, so nothing
is signalled unless its command line (where ``/proc`` or ``ps`` tells) still names what
the sandbox started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

_POLL = 0.02


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by its parent, does not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # gone since, or no /proc: kill(pid, 0) said it runs
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def command_line(pid: int) -> bytes | None:
    """The process's command line, or None when it cannot be read (gone, or no way to)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except FileNotFoundError:
        if Path("/proc/self").exists():
            return None  # Linux, and the process is gone
    except OSError:
        return None
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def runs(pid: int, marker: bytes) -> bool:
    """Alive, and its command line contains ``marker`` (so it is ours, not a reused pid)."""
    if not alive(pid):
        return False
    cmdline = command_line(pid)
    return cmdline is not None and marker in cmdline


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True


def stop_pid(pid: int, timeout: float = 3.0) -> bool:
    """SIGTERM, then SIGKILL after ``timeout``; True once the process is gone. For
    processes this one did not start (found by pid file): its own children are reaped
    with ``subprocess.Popen.wait`` instead."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        if wait_gone(pid, timeout):
            return True
    return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now (another program may take it before it is used: callers
    retry when their bind fails)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
