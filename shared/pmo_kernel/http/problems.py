"""RFC 9457 problem details. Every error leaves a service through here, mapped once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pmo_kernel.errors import PmoError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://pmo.dev/problems/"


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
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI, *, production: bool) -> None:
    async def pmo_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PmoError)
        if exc.status >= 500:
            log.error("request failed: %s", exc.detail, exc_info=exc)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
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
        return problem(exc.status_code, str(exc.detail), str(exc.detail), code, request.url.path)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        detail = "internal error" if production else f"{type(exc).__name__}: {exc}"
        return problem(500, "Internal error", detail, "internal_error", request.url.path)

    app.add_exception_handler(PmoError, pmo_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
