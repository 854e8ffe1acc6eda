"""The one boundary where errors become HTTP statuses and JSON bodies.

eden's error tree already says what failed and what to do; here it only gets a status.
Anything else is a bug: it is logged with its traceback and the caller gets a generic
500, never the traceback. The 2019 routes answer in their own shape
(``{"status": "error", ...}``) so old CI scripts keep parsing errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from eden.errors import EdenError

log = logging.getLogger("eden.api")

LEGACY_PATHS = ("/api/v1/create", "/api/v1/delete")
UNAUTHORIZED_MESSAGE = "a valid API key is required (header x-api-key or Authorization: Bearer)"


class ApiProblem(Exception):
    """An HTTP-level refusal (auth, size, signature) with a body safe to show anyone."""

    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}


def status_for(exc: EdenError) -> int:
    """Each error class carries its status (eden.errors): 404 not found, 422 bad input,
    409 locked, 502 AWS refused, 503 AWS unreachable..."""
    return exc.http_status


def body(
    error: str, message: str, hint: str | None = None, where: str | None = None
) -> dict[str, Any]:
    return {"error": error, "message": message, "hint": hint, "where": where}


def _respond(
    request: Request, status: int, payload: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    if request.url.path in LEGACY_PATHS:
        payload = {
            "status": "error",
            "message": payload["message"],
            "name": request.query_params.get("name"),
            "cname": None,
        }
    return JSONResponse(payload, status_code=status, headers=headers)


def install(app: FastAPI, authenticated: Callable[[Request], bool]) -> None:
    """Register the handlers; ``create_app`` calls this once.

    FastAPI parses the body before it runs dependencies, so a malformed body would be
    judged before the key is: ``authenticated`` lets a validation error on a guarded
    route answer 401 first, as every other refusal does.
    """

    async def on_eden(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, EdenError)
        status = status_for(exc)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc.message)
        return _respond(request, status, exc.as_dict())

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        return _respond(request, exc.status, body(exc.error, exc.message), exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if not authenticated(request):
            return _respond(request, 401, body("Unauthorized", UNAUTHORIZED_MESSAGE))
        return _respond(request, 422, validation_body(exc))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return _respond(request, exc.status_code, body("HTTPError", message), exc.headers)

    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return _respond(
            request,
            500,
            body("InternalError", "internal error; the server log has the details"),
        )

    app.add_exception_handler(EdenError, on_eden)
    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_bug)


def validation_body(exc: RequestValidationError) -> dict[str, Any]:
    """pydantic's errors as one readable sentence plus the list, without echoing input."""
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        problems.append({"field": where, "problem": str(err.get("msg", "invalid"))})
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        message = "the request body is not valid JSON"
    elif any(tuple(e.get("loc", ())) == ("body",) for e in exc.errors()):
        message = "the request body must be a JSON object (see /docs for its fields)"
    else:
        message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems) or "invalid request"
    out = body("ValidationError", message, hint="see the OpenAPI description at /docs")
    out["problems"] = problems
    return out
