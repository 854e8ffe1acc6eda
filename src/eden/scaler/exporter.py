"""The daemon's own HTTP endpoint: ``/metrics`` (Prometheus text) and ``/status`` (JSON).

A minimal asyncio server in the daemon's event loop: two read-only routes, one request per
connection, no dependency. It listens on loopback unless the config says otherwise.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from eden.errors import ConfigError

Route = Callable[[], tuple[str, str]]  # -> (content type, body)


class Exporter:
    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen and return the bound port (``port=0`` picks a free one)."""
        try:
            self._server = await asyncio.start_server(self._handle, host, port)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                              hint="set scaler.metrics_port to a free port (0 = any)") from exc
        sock = self._server.sockets[0]
        return int(sock.getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5.0):
                line = await reader.readline()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
            parts = line.decode("latin-1").split()
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else ""
            route = self.routes.get(path)
            if route is None:
                status, ctype, body = "404 Not Found", "text/plain", "not found\n"
            else:
                status = "200 OK"
                ctype, body = route()
            data = body.encode()
            writer.write(
                f"HTTP/1.0 {status}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


def json_route(producer: Callable[[], object]) -> Route:
    return lambda: ("application/json", json.dumps(producer(), indent=2, default=str) + "\n")
