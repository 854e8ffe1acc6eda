"""How long the command has taken: one honest number, from the process's start.

``eden create`` reports the whole command (Python's start, imports, reading AWS, the
changes, the state writes), the number a user's own stopwatch shows. On Linux the
process's start time comes from /proc; elsewhere, and when ``main()`` is called inside
a longer-lived process (tests), from the moment ``main()`` was entered.
"""

from __future__ import annotations

import os
import time

_started = [time.monotonic()]


def _process_age() -> float:
    """Seconds since this process started (Linux), else 0."""
    try:
        with open(f"/proc/{os.getpid()}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        return max(0.0, uptime - int(fields[19]) / ticks)
    except (OSError, ValueError, IndexError):
        return 0.0


def mark_start(*, whole_process: bool) -> None:
    """From now on (``whole_process``: from when the process started)."""
    age = _process_age() if whole_process else 0.0
    _started[0] = time.monotonic() - age


def elapsed() -> float:
    return time.monotonic() - _started[0]
