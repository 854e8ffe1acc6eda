"""Requests through the sandbox's router, and the pids of its local tasks."""

from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from eden.sandbox import aws_model, dataplane, nginx_task, procs
from eden.sandbox.seed import SeedInfo, sandbox_clients

HOST = "api-feature-login.dev.example.com"
NGINX = nginx_task.find_nginx()
T = TypeVar("T")


@dataclass
class Sandbox:
    """An in-process moto server with the data plane on (the ``local_tasks`` fixture)."""

    url: str
    seed: SeedInfo
    plane: dataplane.DataPlane
    model: aws_model.Model
    profile_values: dict[str, Any]

    @property
    def router(self) -> str:
        return self.plane.router.url

    def client(self, service: str) -> Any:
        return sandbox_clients(self.url).client(service)


@dataclass(frozen=True)
class Page:
    status: int
    body: str
    headers: dict[str, str]

    def field(self, name: str) -> str | None:
        """A value the task's page names (environment, image, task)."""
        found = re.search(rf'<b id="{name}">([^<]*)</b>', self.body)
        return found.group(1) if found else None


def get(router_url: str, host: str, path: str = "/") -> Page:
    """One request through the router, with ``host`` as its Host header."""
    parts = urllib.parse.urlsplit(router_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        return Page(resp.status, body, {k.lower(): v for k, v in resp.getheaders()})
    finally:
        conn.close()


def raw(router_url: str, request: bytes) -> bytes:
    """Bytes as sent (a client library would refuse them); the answer's status line."""
    parts = urllib.parse.urlsplit(router_url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Poll ``probe`` until it gives something; fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout:.0f}s for {what}; last saw {last!r}")


def page_showing(router_url: str, host: str, **fields: str) -> Callable[[], Page | None]:
    """A probe: the router's answer for ``host`` once its page shows ``fields``."""

    def probe() -> Page | None:
        page = get(router_url, host)
        ok = page.status == 200 and all(page.field(k) == v for k, v in fields.items())
        return page if ok else None

    return probe


def task_pids(tasks_dir: Path) -> set[int]:
    """Pids of the local tasks recorded under ``tasks_dir`` that run now."""
    return set(nginx_task.live_pids(tasks_dir))


def running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running nginx (a pid reused by another program is not)."""
    return {pid for pid in pids if procs.runs(pid, b"nginx")}
