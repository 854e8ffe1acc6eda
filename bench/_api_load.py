"""Load for the API benchmark: 500 environment records, a real ``eden serve`` process, and
a closed-loop HTTP driver (httpx, asyncio) that reports what the issue asks for.

Kept apart from ``api_bench.py`` so that the benchmark reads as its scenarios.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request

from eden.api import ApiSettings, create_app, listing
from eden.api.answers import Answers
from eden.api.listing import ListQuery
from eden.envs.records import EnvRecord, Event, JournalEntry
from eden.state import StateStore

STATUSES = ("ready",) * 17 + ("failed", "creating", "deleting")  # mostly ready
PREFIXES = ("feature", "fix", "chore", "release")
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def variant(template: EnvRecord, i: int) -> EnvRecord:
    """The ``i``-th copy of a real record: its own branch, name, host, image and status.

    The record itself comes from a real create against moto, so every copy has what eden
    really stores (stored names, per-resource ARNs, the ALB, the rule priority...).
    """
    prefix = PREFIXES[i % len(PREFIXES)]
    branch = f"{prefix}/JIRA-{1000 + i}-make-the-page-faster"
    name = f"{prefix}-jira-{1000 + i}-make-the-page-faster"
    text = template.to_json()
    for old, new in ((template.name, name), (template.branch, branch)):
        text = text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
    record = EnvRecord.from_json(text)
    tag = f"sha-{i:07x}"
    for service in record.services:
        service.image = service.image.rsplit(":", 1)[0] + f":{tag}"
    return replace(
        record,
        status=STATUSES[i % len(STATUSES)],
        created_at=1_760_000_000.0 + 600 * i,
        last_deploy_at=1_760_000_300.0 + 600 * i,
        pinned=i % 25 == 0,
    )


def seed_records(
    store: StateStore, template: EnvRecord, events: Sequence[Event],
    journal: Sequence[JournalEntry], n: int,
) -> list[EnvRecord]:
    """``n`` records written straight into the store, each with the template's events and
    journal (renamed), as ``n`` creates would have left them."""
    made = []
    for i in range(n):
        record = variant(template, i)
        store.put(record)
        for event in events:
            store.add_event(replace(event, env=record.name))
        for entry in journal:
            store.add_journal(replace(entry, env=record.name))
        made.append(record)
    return made


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (/proc, Linux)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK


@contextmanager
def eden_serve(config: Path, env: dict[str, str], log: Path) -> Iterator[Server]:
    """``eden serve`` as its own process on a free loopback port; stopped (by its pid) at
    the end, killed if it does not stop within 30 s."""
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "eden", "serve", "--config", str(config), "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"eden serve did not answer /healthz: {log.read_text()}")
            time.sleep(0.1)
        yield Server(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class Scenario:
    """One kind of request, sent over and over: ``path`` with ``headers``; ``expect`` is
    the only status that counts as an answer."""

    label: str
    path: str
    headers: dict[str, str]
    expect: int = 200


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of already sorted values."""
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _drive(server: Server, scenario: Scenario, concurrency: int, total: int) -> dict[str, Any]:
    """A closed loop: ``concurrency`` threads, each with its own keep-alive connection,
    send the next request as soon as their last one is answered, until ``total``.

    Threads with httpx's sync client, not its asyncio one: measured here, the asyncio
    client spent 3 ms of CPU per request against 1 ms, and on 2 shared cores the load
    generator's CPU is taken from the server's.
    """
    lock = threading.Lock()
    left = total
    latencies: list[float] = []
    sizes: list[int] = []
    failures: list[str] = []
    ready = threading.Barrier(concurrency + 1)

    def worker() -> None:
        nonlocal left
        with httpx.Client(base_url=server.url, timeout=60) as client:
            client.get(scenario.path, headers=scenario.headers)  # connect and warm, untimed
            ready.wait()
            while not failures:
                with lock:
                    if left <= 0:
                        return
                    left -= 1
                start = time.perf_counter()
                r = client.get(scenario.path, headers=scenario.headers)
                took = time.perf_counter() - start
                if r.status_code != scenario.expect:
                    failures.append(f"{scenario.label}: {r.status_code} (expected"
                                    f" {scenario.expect}) {r.text[:300]}")
                with lock:
                    latencies.append(took)
                    sizes.append(len(r.content))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    try:
        ready.wait(timeout=120)
        load = os.getloadavg()[0]
        started, cpu0, server0 = time.perf_counter(), time.process_time(), server.cpu_seconds()
    finally:
        for t in threads:
            t.join()
    wall = time.perf_counter() - started
    server_cpu = server.cpu_seconds() - server0
    if failures:
        raise AssertionError(failures[0])
    latencies.sort()
    return {
        "requests": len(latencies),
        "wall_s": wall,
        "req_per_s": len(latencies) / wall,
        "p50_ms": 1000 * _percentile(latencies, 50),
        "p99_ms": 1000 * _percentile(latencies, 99),
        "max_ms": 1000 * latencies[-1],
        "bytes": sizes[0],
        "client_cpu_ms_per_request": 1000 * (time.process_time() - cpu0) / len(latencies),
        "server_cpu_s": server_cpu,
        "server_cpu_ms_per_request": 1000 * server_cpu / len(latencies),
        "server_cores": server_cpu / wall,
        "load_average_1m": load,
    }


def measure(server: Server, scenario: Scenario, concurrency: int, total: int) -> dict[str, Any]:
    """``total`` requests of one scenario, ``concurrency`` in flight at any time: req/s,
    p50 and p99, bytes per answer, the server's CPU over the timed part (cores: CPU
    seconds per wall second), the load generator's, and the load average when it began
    (the machine is shared)."""
    return {"label": scenario.label, "path": scenario.path,
            **_drive(server, scenario, concurrency, total)}


def timed_process(args: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    """Wall seconds of a whole CLI process, ``runs`` times; it must exit 0."""
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "eden", *args], capture_output=True,
                              text=True, env={**os.environ, **env}, timeout=900)
        walls.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"eden {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    walls.sort()
    return {"args": args, "runs": runs, "median_s": walls[len(walls) // 2], "min_s": walls[0],
            "stdout_bytes": len(proc.stdout)}


def _request(path: str, query: str, headers: dict[str, str]) -> Request:
    """A request as the route gets it, without a server: for timing the work behind it."""
    return Request({
        "type": "http", "method": "GET", "path": path, "query_string": query.encode(),
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "server": ("127.0.0.1", 80), "scheme": "http", "root_path": "",
    })


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def build_costs(config: Path, runs: int) -> list[dict[str, Any]]:
    """What one list answer costs the server itself, in one thread and with no HTTP (so
    neither the framework nor the load generator is in it): median milliseconds of
    ``listing.answer`` for a 304, a kept answer, and answers built from the store."""
    app = create_app(ApiSettings(config=config))
    context = app.state.eden
    try:
        def case(label: str, view: str, limit: int | None, headers: dict[str, str],
                 n: int) -> dict[str, Any]:
            query = ListQuery.of(status=[], health=False, limit=limit, view=view)
            request = _request("/api/v1/environments", f"view={view}", headers)
            listing.answer(context, request, query)  # warm: profiles, store, kept answer
            ms = _median_ms(lambda: listing.answer(context, request, query), n)
            return {"label": label, "median_ms": ms, "runs": n}

        lean = ListQuery.of(status=[], health=False, limit=50, view="summary")
        tag = listing.answer(context, _request("/", "", {}), lean).headers["etag"]
        rows = [case("304: the ETag still holds", "summary", 50, {"if-none-match": tag},
                     runs * 10),
                case("kept answer (no If-None-Match)", "summary", 50, {}, runs * 10)]
        context.answers = Answers(max_bytes=0)  # nothing kept from here on: each is built
        rows += [case("lean page of 50, built", "summary", 50, {}, runs),
                 case("lean, all 500, built", "summary", 500, {}, runs),
                 case("full, all 500, built", "full", None, {}, runs)]
        return rows
    finally:
        context.close()
