"""`eden serve --metrics-port N`: /metrics with no key, on a port of its own.

The API's /metrics needs a read key, like every route that reads state. Prometheus users
usually scrape an unauthenticated port kept off the public listener instead (as the
scaler's exporter does); this is that port. It serves the same text and nothing else,
from a stdlib thread, so it costs no dependency and cannot reach any other route.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsPort:
    """A running metrics server; ``close()`` stops it and joins its thread."""

    def __init__(self, render: Callable[[], str], host: str, port: int):
        handler = _handler(render)
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="eden-metrics", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _handler(render: Callable[[], str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self._send(404, "only /metrics is served on this port\n")
                return
            self._send(200, render(), CONTENT_TYPE)

        def _send(self, status: int, text: str, kind: str = "text/plain") -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per scrape would drown the server's own log

    return Handler
