"""The sandbox's local router: the shared listener's rules, served on a loopback port.

moto keeps a load balancer's listeners and rules but routes nothing. The router reads
the listener's rules from moto on every request (they are Python objects in the same
process, so there is nothing to cache and nothing goes stale: a rule eden just created
or deleted applies to the next request), picks the action as the ALB would
(``eden.sandbox.routing``) and carries it out:

* forward: one of the target group's healthy targets, in turn (round robin), proxied
  with the ALB's ``X-Forwarded-*`` headers; 503 when the group has none, 502 when the
  target does not answer, 504 when it answers too slowly;
* fixed-response and redirect: answered as configured;
* a sign-in action before the forward: a request is never signed in here, so it is sent
  to sign in (302 to the identity provider), as the ALB does without a session cookie.

Only targets on this machine (127.0.0.0/8) are ever proxied to. Request and response
bodies are read whole (up to ``MAX_BODY``): this is a test bed, not a load balancer.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import logging
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from eden.sandbox import routing
from eden.sandbox.routing import Action, Request, Rule

log = logging.getLogger("eden.sandbox.router")
MAX_BODY = 10 * 1024 * 1024
PROXY_TIMEOUT = 30.0
# Headers that belong to one connection, not to the request (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    )
)


class Source(Protocol):
    """Where the router reads the listener (``moto_view.MotoListener`` in the sandbox)."""

    def rules(self) -> tuple[Rule, ...] | None: ...

    def targets(self, group_arn: str) -> tuple[tuple[str, int], ...]: ...

    def protocol(self) -> tuple[str, int]: ...


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _text(status: int, message: str) -> Answer:
    body = f"{status} {http.client.responses.get(status, '')}: {message}\n".encode()
    return Answer(status, (("Content-Type", "text/plain; charset=utf-8"),), body)


class Router:
    def __init__(self, source: Source, host: str = "127.0.0.1", port: int = 0) -> None:
        self.source = source
        self._bind = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._turns: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        return self._bind[0]

    @property
    def port(self) -> int:
        return int(self._server.server_address[1]) if self._server else self._bind[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Router:
        self._server = _Server(self._bind, _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="eden-router", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None

    # --- what to answer --------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, body: bytes, client: str) -> Answer:
        """The answer to one request (never raises: a bug answers 500, with the reason)."""
        try:
            return self._handle(method, path, headers, body, client)
        except Exception as exc:
            log.exception("router: %s %s failed", method, path)
            return _text(500, f"the sandbox router failed: {exc!r} (see the sandbox log)")

    def _handle(self, method: str, path: str, headers: Any, body: bytes, client: str) -> Answer:
        named = {k.lower(): v for k, v in headers.items()}
        request = Request(routing.host_of(headers.get("Host")), path or "/", method, named)
        rules = self.source.rules()
        if rules is None:
            return _text(503, "the sandbox has no shared listener yet: run `eden sandbox up`")
        action = routing.choose(rules, request)
        if action is None:  # pragma: no cover - the default rule matches everything
            return _text(503, "no rule matched and the listener has no default")
        if action.kind == "fixed-response":
            ctype = (("Content-Type", action.content_type),)
            return Answer(action.status, ctype, action.body.encode())
        if action.kind == "sign-in":
            where = routing.sign_in_location(action, request)
            return Answer(action.status, (("Location", where), ("Cache-Control", "no-store")), b"")
        if action.kind == "redirect":
            where = routing.redirect_location(action.redirect, request, self.source.protocol())
            return Answer(action.status, (("Location", where),), b"")
        if action.kind == "forward":
            return self._forward(action, method, path, headers, body, client)
        return _text(502, action.body)

    def _forward(
        self, action: Action, method: str, path: str, headers: Any, body: bytes, client: str
    ) -> Answer:
        group = routing.pick_group(action.target_groups, self._turn("groups"))
        if group is None:
            return _text(503, "the rule forwards to no target group")
        target = routing.pick(self.source.targets(group), self._turn(group))
        if target is None:
            name = group.rsplit("/", 2)[-2] if group.count("/") >= 2 else group
            return _text(
                503,
                f"target group {name} has no healthy target: the environment's tasks are "
                "not running (yet), see `eden show NAME`; or the sandbox runs without local "
                "tasks, see `eden sandbox status`",
            )
        return proxy(target, method, path, _forwarded(headers, client, self.port), body)

    def _turn(self, key: str) -> int:
        with self._lock:
            counter = self._turns.setdefault(key, itertools.count())
            return next(counter)


def _forwarded(headers: Any, client: str, port: int) -> list[tuple[str, str]]:
    """The request's headers for the target, with what an ALB adds."""
    out = [(k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP]
    forwarded_for = headers.get("X-Forwarded-For")
    out = [(k, v) for k, v in out if not k.lower().startswith("x-forwarded-")]
    out.append(("X-Forwarded-For", f"{forwarded_for}, {client}" if forwarded_for else client))
    out.append(("X-Forwarded-Proto", "http"))
    out.append(("X-Forwarded-Port", str(port)))
    return out


def proxy(
    target: tuple[str, int],
    method: str,
    path: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
) -> Answer:
    """Send the request to the target and bring its whole answer back."""
    host, port = target
    conn = http.client.HTTPConnection(host, port, timeout=PROXY_TIMEOUT)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in headers:
            conn.putheader(key, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        data = resp.read(MAX_BODY + 1)
    except TimeoutError:
        return _text(504, f"the target {host}:{port} did not answer in {PROXY_TIMEOUT:.0f}s")
    except (OSError, http.client.HTTPException) as exc:
        return _text(502, f"the target {host}:{port} did not answer: {exc}")
    finally:
        conn.close()
    if len(data) > MAX_BODY:
        return _text(502, f"the target's answer is larger than {MAX_BODY} bytes")
    kept = tuple((k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP)
    return Answer(resp.status, kept, data)


# --- the HTTP server -----------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Any, router: Router) -> None:
        self.router = router
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End the keep-alive connections still open, so their threads finish."""
        with self._open_lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # a garbled request line still gets a status line
    server_version = "eden-sandbox-router"
    timeout = 60  # an idle keep-alive connection is closed after this
    server: _Server

    def _serve(self) -> None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._send(_text(411, "send the body with a Content-Length"))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(_text(413 if length > 0 else 400, "bad or too large Content-Length"))
            return
        body = self.rfile.read(length) if length else b""
        answer = self.server.router.handle(
            self.command, self.path, self.headers, body, self.client_address[0]
        )
        self._send(answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def version_string(self) -> str:
        return self.server_version

    def _send(self, answer: Answer) -> None:
        self.log_request(answer.status)
        self.send_response_only(answer.status)
        names = {key.lower() for key, _ in answer.headers}
        if "server" not in names:  # a target's own Server and Date pass through, as on an ALB
            self.send_header("Server", self.version_string())
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        for key, value in answer.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("router: %s %s", self.address_string(), format % args)
