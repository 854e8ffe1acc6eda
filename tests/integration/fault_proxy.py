"""An HTTP proxy in front of the moto server that fails like AWS and networks do.

* **Throttles** a share of calls before they reach moto, in each service's own error
  format (JSON ``ThrottlingException``, query/REST-XML ``Throttling``, S3 ``SlowDown``).
* **Loses the answer** to a share of the calls that change something, *after* moto made
  the change: the client gets a 503, or the connection is reset.
* **Stands in for an unreachable endpoint** (``down``): every connection is reset.

Which calls are hit is drawn from a seeded random generator, so a run is reproducible up
to the order in which parallel calls arrive; the tests assert outcomes that hold for any
order. Only loopback addresses are involved.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import struct
import threading
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_CHANGES = re.compile(
    r"^(Create|Delete|Update|Put|Register|Deregister|Change|Modify|Add|Remove|Set|Tag|"
    r"Untag|Transact|BatchWrite|Run|Stop)"
)
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def _service(headers: Any) -> str:
    found = _SCOPE.search(headers.get("Authorization", ""))
    return found.group(1) if found else "?"


def _operation(method: str, path: str, headers: Any, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    if body and b"Action=" in body[:200]:
        return parse_qs(body.decode("utf-8", "replace")).get("Action", ["?"])[0]
    return f"{method} {urlsplit(path).path}"


def _changes(method: str, operation: str) -> bool:
    if " " in operation:  # REST: S3, Route 53
        return method in ("PUT", "POST", "DELETE")
    return _CHANGES.match(operation) is not None


def _throttle_answer(service: str, headers: Any) -> tuple[int, str, bytes]:
    request_id = uuid.uuid4().hex
    if headers.get("X-Amz-Target"):
        body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
        return 400, "application/x-amz-json-1.1", body
    if service == "s3":
        xml = (
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
            f"</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return 503, "application/xml", xml.encode()
    xml = (
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
        f"<Message>Rate exceeded</Message></Error><RequestId>{request_id}</RequestId>"
        "</ErrorResponse>"
    )
    return 400, "text/xml", xml.encode()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a connection it reset on purpose, or one the client dropped


class FaultProxy:
    def __init__(self, target: str, *, seed: int = 7, throttle: float = 0.0, lose: float = 0.0):
        self.target = urlsplit(target)
        self.random = random.Random(seed)
        self.throttle = throttle
        self.lose = lose
        self.down = False
        self.lose_next: set[str] = set()  # operations whose next answer is lost, once each
        self.lock = threading.Lock()
        self.stats: Counter[str] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def _any(self) -> None:
                proxy.handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _any

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def set(self, *, throttle: float | None = None, lose: float | None = None) -> None:
        with self.lock:
            if throttle is not None:
                self.throttle = throttle
            if lose is not None:
                self.lose = lose

    def _draw(self) -> float:
        with self.lock:
            return self.random.random()

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        if self.down:
            self._reset(req, "down")
            return
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        service = _service(req.headers)
        operation = _operation(req.command, req.path, req.headers, body)
        if self._draw() < self.throttle:
            self._count("throttled")
            status, kind, answer = _throttle_answer(service, req.headers)
            self._reply(req, status, {"Content-Type": kind}, answer)
            return
        status, headers, answer = self._forward(req, body)
        with self.lock:
            once = operation in self.lose_next
            self.lose_next.discard(operation)
        if once or (_changes(req.command, operation) and self._draw() < self.lose):
            self._count(f"lost:{service}:{operation}")
            if self._draw() < 0.5:
                self._reply(req, 503, {"Content-Type": "text/plain"}, b"Service Unavailable")
            else:
                self._reset(req, "reset")
            return
        self._reply(req, status, headers, answer)

    def _forward(
        self, req: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        try:
            headers = {k: v for k, v in req.headers.items() if k.lower() != "connection"}
            conn.request(req.command, req.path, body=body or None, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            kept = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in ("connection", "transfer-encoding", "content-length")
            }
            return response.status, kept, answer
        finally:
            conn.close()

    def _reply(
        self, req: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        req.send_response(status)
        for key, value in headers.items():
            req.send_header(key, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(body)

    def _reset(self, req: BaseHTTPRequestHandler, why: str) -> None:
        """Closes the connection with a TCP reset, answering nothing."""
        self._count(why)
        sock: socket.socket = req.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        req.close_connection = True
        sock.close()

    def _count(self, what: str) -> None:
        with self.lock:
            self.stats[what] += 1
