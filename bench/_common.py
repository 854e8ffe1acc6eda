"""Helpers shared by eden's benchmarks: an in-process moto server and call-trace analysis.

Kept apart from any one benchmark so that every benchmark counts round trips the same way.
"""

from __future__ import annotations

import logging
import os
import platform
import statistics
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from typing import Any

from moto.server import ThreadedMotoServer

from eden.aws.clients import CallRecord


class Clock:
    """Wall time that a benchmark can move ahead (``offset``) to age environments."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.offset


@contextmanager
def moto_process(drain_seconds: float = 0.3) -> Iterator[str]:
    """The sandbox's moto server (eden's AWS model installed, no local tasks) in a process
    of its own, as AWS is: its CPU is not the benchmark's, and it holds no GIL eden needs."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "EDEN_SANDBOX_LOCAL_TASKS": "0",
           "EDEN_SANDBOX_DRAIN_SECONDS": str(drain_seconds)}
    cmd = [sys.executable, "-m", "eden.sandbox.moto_server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the moto server did not start: {cmd}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def moto_server() -> Iterator[str]:
    """A quiet moto server on 127.0.0.1 (a free port), in this process; yields its URL.

    ``verbose=False`` only silences moto's start-up line; werkzeug logs every request
    unless its logger is set above INFO first.
    """
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _chain_lengths(order: Sequence[CallRecord]) -> tuple[list[int], list[int]]:
    """For calls sorted by start: the longest chain ending at each call, and at or after it."""
    n = len(order)
    upto = [1] * n
    for j in range(n):
        for i in range(j):
            if order[i].end <= order[j].start:
                upto[j] = max(upto[j], upto[i] + 1)
    after = [1] * n
    for i in reversed(range(n)):
        for j in range(i + 1, n):
            if order[i].end <= order[j].start:
                after[i] = max(after[i], after[j] + 1)
    return upto, after


def critical_path(calls: Sequence[CallRecord]) -> list[CallRecord]:
    """The longest chain of calls in which each one starts after the previous one ended.

    Sort by start, then a longest-path DP over "ended before I started". Its length is the
    number of round trips that had to happen one after another. With injected latency a
    call's recorded start is the moment before its injected sleep, so two calls that ran
    at the same time overlap and never chain: the chain is the real sequential path.
    Without latency calls last a few milliseconds, so calls that merely happened to run
    one after another (thread scheduling, the GIL) chain too: an upper bound.

    When several calls could take a place in the chain, the one that ended last is taken
    (the one that held things up); ``critical_levels`` shows every candidate.
    """
    order = sorted(calls, key=lambda c: (c.start, c.end))
    if not order:
        return []
    upto, after = _chain_lengths(order)
    best = max(upto)
    chain: list[CallRecord] = []
    for level in range(1, best + 1):
        nxt = chain[-1].end if chain else float("-inf")
        candidates = [
            k for k in range(len(order))
            if upto[k] == level and upto[k] + after[k] - 1 == best and order[k].start >= nxt
        ]
        # Among the calls that still leave a longest chain, the one that ended last.
        k = max(candidates, key=lambda k: order[k].end)
        chain.append(order[k])
    return chain


def critical_levels(calls: Sequence[CallRecord]) -> list[list[CallRecord]]:
    """Every call on some longest chain, grouped by its place in the chain.

    Level k holds the calls that can be the k-th round trip of a longest chain: the
    calls running side by side at that point of the critical path.
    """
    order = sorted(calls, key=lambda c: (c.start, c.end))
    if not order:
        return []
    upto, after = _chain_lengths(order)
    best = max(upto)
    levels: list[list[CallRecord]] = [[] for _ in range(best)]
    for k, call in enumerate(order):
        if upto[k] + after[k] - 1 == best:
            levels[upto[k] - 1].append(call)
    return levels


def op_name(call: CallRecord) -> str:
    return f"{call.service}.{call.operation}"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def int_range(values: Sequence[int]) -> str:
    """``7`` when every run agreed, ``7–8`` when they did not."""
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def fmt_ms(latency_ms: float) -> str:
    return f"{latency_ms:g}"


def fmt_s(seconds: float) -> str:
    """Seconds with at most two decimals and no trailing zeros: 1.9, 0.95, 3.8."""
    return f"{seconds:.2f}".rstrip("0").rstrip(".")


def environment() -> dict[str, Any]:
    """What the numbers were measured on, for the JSON record."""

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "eden": version("eden-ecs"),
        "boto3": version("boto3"),
        "botocore": version("botocore"),
        "moto": version("moto"),
    }


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]],
                   align: Sequence[str] | None = None) -> str:
    """A GitHub Markdown table; ``align`` holds "l" or "r" per column."""
    align = align or ["l"] * len(header)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if a == "r" else c.ljust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * (w - 1) + ":" if a == "r" else "-" * w
        for w, a in zip(widths, align, strict=True)
    ]
    return "\n".join([line(header), line(rule), *(line(r) for r in rows)])


def server_cpu(url: str) -> float:
    """CPU seconds the moto server process has used (Linux /proc): the sandbox's stand-in
    for AWS's own work, which real AWS does elsewhere."""
    import os
    from pathlib import Path

    port = url.rsplit(":", 1)[-1].encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"eden.sandbox.moto_server" in cmd and port in cmd:
            return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0
