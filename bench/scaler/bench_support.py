"""Shared pieces for the scaler benchmarks: stub stub_status servers and a loop thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """An asyncio loop in a daemon thread, driven from synchronous bench code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class StubTasks:
    """``count`` stub_status servers on loopback; ``in_flight`` is what each reports."""

    def __init__(self, in_flight: int = 0) -> None:
        self.in_flight = in_flight
        self.servers: list[asyncio.Server] = []
        self.ports: list[int] = []

    async def start(self, count: int, host: str = "127.0.0.1") -> StubTasks:
        for _ in range(count):
            server = await asyncio.start_server(self._handle, host, 0, backlog=1024)
            self.servers.append(server)
            self.ports.append(int(server.sockets[0].getsockname()[1]))
        return self

    async def stop(self) -> None:
        for server in self.servers:
            server.close()
        for server in self.servers:
            await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            body = (f"Active connections: {self.in_flight + 1} \nserver accepts handled "
                    f"requests\n 1 1 1 \nReading: 0 Writing: {self.in_flight + 1} "
                    "Waiting: 0 \n").encode()
            writer.write(b"HTTP/1.0 200 OK\r\n\r\n" + body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation), p in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
