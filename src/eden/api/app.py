"""``create_app(settings)``: the FastAPI application, wired once, with no AWS at import.

Two small ASGI middlewares sit in front of the routes: one bounds request bodies (the
API takes JSON documents of a few hundred bytes, so anything over the limit is refused
with 413 before it is parsed), one counts requests by route template for ``/metrics``
and adds security headers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eden import __version__
from eden.api import dayto, legacy, power, problems, rest, vars_routes, webhooks
from eden.api.auth import secret_from, verify
from eden.api.context import ApiContext, read_key
from eden.api.metrics import Metrics
from eden.api.operations import Operations
from eden.api.power import power_gauges
from eden.api.registry import Registry
from eden.api.settings import ApiSettings
from eden.api.waker import Waker
from eden.github.service import GitHubService

DASHBOARD = Path(__file__).parent / "dashboard"
OPEN_PREFIXES = ("/api/v1/webhooks/", "/healthz", "/docs", "/openapi.json", "/static/")
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# The dashboard's own pages only: /docs starts Swagger UI with an inline script.
_DASHBOARD_CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"


class BodyLimit:
    """Reads the whole body first and refuses it past the route's limit: ``limit`` for the
    API's own small JSON documents, ``larger`` for path prefixes that take more (GitHub's
    webhooks)."""

    def __init__(self, app: ASGIApp, limit: int, larger: Mapping[str, int] | None = None):
        self.app = app
        self.default = limit
        self.larger = dict(larger or {})

    def _limit(self, path: str) -> int:
        return next((n for p, n in self.larger.items() if path.startswith(p)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        response = JSONResponse(
            problems.body(
                "PayloadTooLarge",
                f"the request body is larger than {limit} bytes",
                hint="send only the JSON document the API describes",
            ),
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


class RequestMetrics:
    """Counts responses by method, route template (never the raw path) and status, and
    adds the security headers on the way out (one wrapper of ``send`` instead of two)."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in _SECURITY_HEADERS.items()]
                if scope["path"] == "/" or scope["path"].startswith("/static/"):
                    headers.append((b"content-security-policy", _DASHBOARD_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.request(scope["method"], template, status)


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The app for ``settings`` (default: the profiles file found as the CLI finds it)."""
    settings = settings or ApiSettings()
    metrics = Metrics()
    registry = Registry(settings)
    context = ApiContext(
        settings=settings,
        registry=registry,
        operations=Operations(metrics, settings.workers),
        metrics=metrics,
        github=_github(settings, registry),
        waker=Waker(registry, metrics),
    )
    metrics.extra = lambda: power_gauges(registry)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if context.github is not None:
            context.github.start()
        yield
        context.close()

    app = FastAPI(
        title="eden",
        version=__version__,
        description=(
            "Per-branch ECS environments: create, deploy, delete and list them, from CI, "
            "GitHub webhooks or people. Authenticate with `x-api-key` (or a Bearer token)."
        ),
        lifespan=lifespan,
        docs_url=None,  # served by _docs_routes, from files in the package
        redoc_url=None,
    )
    app.state.eden = context
    problems.install(app, lambda request: _authenticated(context, request))
    app.include_router(rest.router)
    app.include_router(power.router)
    app.include_router(dayto.router)
    app.include_router(vars_routes.router)
    app.include_router(legacy.router)
    app.include_router(webhooks.router)
    _system_routes(app, context)
    _docs_routes(app)
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        larger={webhooks.router.prefix + "/": settings.max_webhook_bytes},
    )
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app


def _github(settings: ApiSettings, registry: Registry) -> GitHubService | None:
    """The GitHub reporter, when the settings hold credentials for it."""
    if settings.github is None or not settings.github.reports:
        return None
    return GitHubService(
        settings.github, lambda profile, origin: registry.engine(profile).find_by_origin(origin)
    )


def _authenticated(context: ApiContext, request: Request) -> bool:
    """Whether a request may learn why its input is invalid: open routes, or a live key."""
    if request.url.path.startswith(OPEN_PREFIXES):
        return True
    return verify(context.registry.key_store(), secret_from(request)) is not None


def _system_routes(app: FastAPI, context: ApiContext) -> None:
    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, Any]:
        """Liveness: the process answers. Reads nothing, so it never needs a key."""
        return {"status": "ok", "version": __version__}

    @app.get(
        "/metrics",
        tags=["system"],
        response_class=PlainTextResponse,
        dependencies=[Depends(read_key)],
    )
    def metrics() -> PlainTextResponse:
        """Prometheus text format: requests, operations, durations, failures, webhooks.

        Needs a read key like the rest (Prometheus: ``authorization: {credentials: KEY}``).
        """
        return PlainTextResponse(
            context.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        """The page holds no data (it asks the API with the key the user pastes), so no key."""
        return FileResponse(DASHBOARD / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=DASHBOARD), name="static")


def _swagger_assets() -> Path:
    """Swagger UI's files as fastapi-offline ships them (a dependency of the api extra)."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def _docs_routes(app: FastAPI) -> None:
    """/docs with Swagger UI served by this process, not a CDN: it works with no network
    (FastAPI's own /docs page is blank offline, yet the API's 422 answers say "see /docs")."""
    app.mount("/docs/assets", StaticFiles(directory=_swagger_assets()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="eden API",
            swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/assets/favicon.png",
        )
