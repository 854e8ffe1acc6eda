"""Helpers shared by the scaler's unit tests: build Observations without noise."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from eden.scaler.model import Decision, Observation, Policy


def even(at: float, total: float | None, ready: int, desired: int | None = None) -> Observation:
    """A tick where ``total`` load is spread evenly over ``ready`` tasks (None = all failed)."""
    n = max(ready, 1)
    value = None if total is None else total / n
    return Observation(at, tuple([value] * n), ready, ready if desired is None else desired)


Feed = Callable[[Policy, float, float, float | None, int], Decision]


def feed_policy(
    policy: Policy, start: float, end: float, total: float | None, current: int
) -> Decision:
    """Feed one value every second over [start, end); return the last decision."""
    decision: Decision | None = None
    t = start
    while t < end:
        decision = policy.decide(even(t, total, current))
        t += 1.0
    assert decision is not None
    return decision


class StubStatusServer:
    """An asyncio server on loopback answering like nginx's stub_status.

    ``in_flight`` is what the page reports (Writing = in_flight + 1, the status request);
    ``broken`` makes it answer 502, as a dying task behind a proxy might.
    """

    def __init__(self, in_flight: int = 0) -> None:
        self.in_flight = in_flight
        self.broken = False
        self.hits = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> StubStatusServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.hits += 1
        await reader.readuntil(b"\r\n\r\n")
        if self.broken:
            writer.write(b"HTTP/1.0 502 Bad Gateway\r\n\r\nbad gateway")
        else:
            body = (
                f"Active connections: {self.in_flight + 3} \n"
                "server accepts handled requests\n 10 10 100 \n"
                f"Reading: 0 Writing: {self.in_flight + 1} Waiting: 2 \n"
            )
            writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body.encode())
        await writer.drain()
        writer.close()
