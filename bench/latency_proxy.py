"""A small HTTP proxy on 127.0.0.1 that adds a fixed delay to every request it forwards.

Both tools of a comparison (eden and the 2019 tool) talk to the sandbox through it, so
each AWS call pays the same round trip, whatever client made it: unlike eden's own
``EDEN_INJECT_LATENCY_MS`` hook, the delay is outside either tool. It counts requests and
the most that were in flight at once, so a run can tell calls from round trips.

    python bench/latency_proxy.py --upstream http://127.0.0.1:5000 --delay-ms 100

Threaded (one thread per connection, HTTP/1.1 keep-alive like boto3's pools); the delay
is a sleep before forwarding, so concurrent calls overlap as they would against AWS.
"""

from __future__ import annotations

import argparse
import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
               "trailer", "upgrade"}


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def enter(self) -> None:
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.max_in_flight = self.in_flight


class LatencyProxy:
    """Forwards to ``upstream`` after ``delay`` seconds; ``close()`` stops and joins it."""

    def __init__(self, upstream: str, delay: float, port: int = 0):
        self.counter = Counter()
        target = urlsplit(upstream)
        handler = _handler(target.hostname or "127.0.0.1", target.port or 80, delay,
                           self.counter)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _handler(host: str, port: int, delay: float, counter: Counter) -> type:
    local = threading.local()

    def upstream() -> http.client.HTTPConnection:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(host, port, timeout=60)
        return conn

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            counter.enter()
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                time.sleep(delay)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in _HOP_BY_HOP}
                status, reason, answer_headers, data = self._ask(headers, body)
                self.send_response(status, reason)
                for key, value in answer_headers:
                    if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            finally:
                counter.leave()

        def _ask(self, headers: dict[str, str], body: bytes | None) -> Any:
            for attempt in (1, 2):  # a kept-alive upstream connection may have closed
                conn = upstream()
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    return answer.status, answer.reason, answer.getheaders(), answer.read()
                except (http.client.HTTPException, OSError):
                    conn.close()
                    local.conn = None
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--delay-ms", type=float, default=100.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    proxy = LatencyProxy(args.upstream, args.delay_ms / 1000, args.port)
    print(f"proxy {proxy.url} -> {args.upstream} (+{args.delay_ms:g} ms a request)", flush=True)
    try:
        proxy.thread.join()
    except KeyboardInterrupt:
        proxy.close()


if __name__ == "__main__":
    main()
