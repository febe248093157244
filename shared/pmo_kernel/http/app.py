"""The FastAPI application every pmo service starts from."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from pmo_kernel.http.middleware import RequestLimitsMiddleware, TracingMiddleware
from pmo_kernel.http.problems import install_problem_handlers
from pmo_kernel.settings import Settings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_service_app(
    service: str,
    settings: Settings,
    *,
    title: str,
    description: str,
    version: str = "1.0.0",
    lifespan: Lifespan | None = None,
) -> FastAPI:
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app, production=settings.production)
    # Outermost first: the span and correlation id cover the size check's 413 too.
    app.add_middleware(RequestLimitsMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(TracingMiddleware, service=service)

    @app.get("/health", tags=["operations"], summary="Liveness")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    return app
