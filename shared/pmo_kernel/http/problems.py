"""RFC 9457 problem details. Every error leaves a service through here, mapped once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pmo_kernel.errors import PmoError
from pmo_kernel.faults import is_transient
from pmo_kernel.http.openapi import documented_methods
from pmo_kernel.logs import correlation_id_var

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://pmo.dev/problems/"
RETRY_AFTER_SECONDS = 1  # what a 503 for a transient failure tells the client to wait
# Where TracingMiddleware leaves the request's ids for the error handlers that run after its
# span has ended (Starlette runs the handler of `Exception` outside every middleware).
IDS_STATE = "pmo_ids"


def problem_responses(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting each status as a problem+json body."""
    return {
        status: {"content": {PROBLEM_JSON: {}}, "description": description}
        for status, description in descriptions.items()
    }


def problem(
    status: int,
    title: str,
    detail: str,
    code: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    *,
    ids: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response. `ids` (trace and correlation id) default to the current
    request's, when a span is current."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(current_ids() if ids is None else ids)
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def current_ids() -> dict[str, str]:
    """The trace id of the current span and the request's correlation id, for an error body:
    what a user quotes to support, and what finds the request's logs and trace."""
    ids: dict[str, str] = {}
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        ids["trace_id"] = format(context.trace_id, "032x")
    correlation = correlation_id_var.get()
    if correlation:
        ids["correlation_id"] = correlation
    return ids


def _request_ids(request: Request) -> dict[str, str]:
    """The ids TracingMiddleware left for the request, else the current ones."""
    ids: dict[str, str] | None = getattr(request.state, IDS_STATE, None)
    return ids if ids is not None else current_ids()


# invalid byte sequence for the encoding; untranslatable character (`\u0000` in jsonb)
_UNSTORABLE_TEXT = (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError)


def unstorable_text(error: BaseException) -> bool:
    """Whether `error` (or the driver error SQLAlchemy wraps in it) is PostgreSQL refusing
    text it cannot store: a NUL in a query parameter or a body. The client's input, a 422."""
    orig = getattr(error, "orig", None)
    return isinstance(error, _UNSTORABLE_TEXT) or isinstance(orig, _UNSTORABLE_TEXT)


def install_problem_handlers(app: FastAPI, *, production: bool) -> None:
    async def pmo_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PmoError)
        if exc.status >= 500:
            log.error("request failed: %s", exc.detail, exc_info=exc)
        headers = exc.headers or None
        detail = "internal error" if (production and exc.status >= 500) else exc.detail
        return problem(
            exc.status, exc.title, detail, exc.code, request.url.path, headers, **exc.extensions
        )

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "location": list(err.get("loc", ())),
                "message": err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        summary = "; ".join(
            f"{'.'.join(str(p) for p in e['location'])}: {e['message']}" for e in errors[:5]
        )
        return problem(
            422, "Invalid request", summary, "validation_failed", request.url.path, errors=errors
        )

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, f"http_{exc.status_code}"
        )
        # Starlette's 405 carries the Allow header (RFC 9110 requires it) but names only the
        # first route of the path; a path served by several routes (GraphQL: GET and POST)
        # allows what the document gives it.
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            methods = documented_methods(request.app.openapi(), request.url.path)
            if methods:
                headers = {**(headers or {}), "Allow": ", ".join(methods)}
        return problem(
            exc.status_code, str(exc.detail), str(exc.detail), code, request.url.path, headers
        )

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if unstorable_text(exc):
            return problem(
                422,
                "Invalid request",
                "the request holds text PostgreSQL cannot store (a NUL character)",
                "unstorable_text",
                request.url.path,
                ids=_request_ids(request),
            )
        if is_transient(exc):
            log.warning("unavailable on %s: %r", request.url.path, exc)
            return problem(
                503,
                "Service unavailable",
                "the service cannot reach its database or broker right now; nothing was "
                "changed, send the same request again",
                "service_unavailable",
                request.url.path,
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
                ids=_request_ids(request),
            )
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        detail = "internal error" if production else f"{type(exc).__name__}: {exc}"
        return problem(
            500, "Internal error", detail, "internal_error", request.url.path,
            ids=_request_ids(request),
        )  # fmt: skip

    app.add_exception_handler(PmoError, pmo_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    # The infrastructure's failures are handled inside the middleware, where the request's
    # span is still current; anything else reaches the last-resort handler of `Exception`.
    for infrastructure in (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, SQLAlchemyError):
        app.add_exception_handler(infrastructure, unexpected)
    app.add_exception_handler(Exception, unexpected)
