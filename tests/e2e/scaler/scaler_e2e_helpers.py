"""Real processes for the scaler's end-to-end test: nginx tasks, a slow upstream, load.

* ``SlowUpstream`` answers every request after ``delay`` seconds, so requests proxied by
  nginx stay in flight (nginx counts them in ``Writing``) long enough to be seen.
* ``NginxTask`` is one nginx master+worker on its own loopback address (moto keys ALB
  targets by IP), with its own prefix, config, pid file and error log in a temp dir. It is
  started in its own session so the test can freeze (SIGSTOP) and stop exactly the
  processes it started.
* ``LoadGenerator`` keeps ``users`` concurrent clients busy, each sending one request at a
  time to the currently registered tasks in turn, like an ALB's round robin.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)

_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen {host}:{port};
        location = /nginx_status {{ stub_status; }}
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"waited {timeout:g} s for nginx to listen on {host}:{port}")


class NginxTask:
    def __init__(self, workdir: Path, host: str, upstream_port: int) -> None:
        assert NGINX is not None
        self.host = host
        self.port = free_port(host)
        self.dir = workdir / f"nginx-{host}-{self.port}"
        self.dir.mkdir(parents=True)
        conf = self.dir / "nginx.conf"
        conf.write_text(_CONF.format(dir=self.dir, host=host, port=self.port,
                                     upstream=upstream_port))
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.dir), "-c", str(conf), "-e", str(self.dir / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            wait_for_port(host, self.port)
        except BaseException:
            self.stop()  # an nginx that never listened is not left running
            raise

    def signal(self, sig: signal.Signals) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait(timeout=5)


async def _cancel_all() -> None:
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class LoopThread:
    """An asyncio loop in a daemon thread, for servers and clients the test drives."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: object, timeout: float = 10.0) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        # Cancel what still runs (slow upstream answers, load clients) while the loop is
        # alive, so nothing is left to a closed loop; then stop it.
        self.run(_cancel_all(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class SlowUpstream:
    def __init__(self, loop: LoopThread, delay: float) -> None:
        self.delay = delay
        self.server: asyncio.Server = loop.run(  # type: ignore[assignment]
            asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(self.delay)
            writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # cancelled on close: the answer is simply never sent
        finally:
            writer.close()


class LoadGenerator:
    def __init__(self, loop: LoopThread, max_users: int = 64) -> None:
        self.loop = loop
        self.users = 0
        self.targets: list[tuple[str, int]] = []
        self.completed = 0
        self.failed = 0
        self._next = 0
        self._stop = False
        self._tasks = [asyncio.run_coroutine_threadsafe(self._user(i), loop.loop)
                       for i in range(max_users)]

    async def _user(self, index: int) -> None:
        while not self._stop:
            targets = list(self.targets)
            if index >= self.users or not targets:
                await asyncio.sleep(0.05)
                continue
            self._next += 1
            host, port = targets[self._next % len(targets)]
            try:
                async with asyncio.timeout(20):
                    reader, writer = await asyncio.open_connection(host, port)
                    writer.write(b"GET / HTTP/1.0\r\nHost: app\r\n\r\n")
                    await writer.drain()
                    await reader.read()
                    writer.close()
                self.completed += 1
            except (OSError, TimeoutError):
                self.failed += 1
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        self._stop = True
        for task in self._tasks:
            task.cancel()
