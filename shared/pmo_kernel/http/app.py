"""The FastAPI application every pmo service starts from."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.db import raw_connection
from pmo_kernel.http.middleware import RequestLimitsMiddleware, TracingMiddleware
from pmo_kernel.http.openapi import amend_openapi, decimal_strings
from pmo_kernel.http.problems import install_problem_handlers, problem, problem_responses
from pmo_kernel.rate_limit import CommandAllowance
from pmo_kernel.settings import Settings

READY_TIMEOUT_SECONDS = 2.0

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_service_app(
    service: str,
    settings: Settings,
    *,
    title: str,
    description: str,
    version: str = "1.0.0",
    lifespan: Lifespan | None = None,
    disposes: AsyncEngine | None = None,
) -> FastAPI:
    """The service's app with liveness (`/health`: the process answers) and readiness
    (`/ready`: it also reaches the database in `app.state.database`, which the service sets
    when it has its engine, so a load balancer or Kubernetes sends it traffic only then).
    `disposes`: an engine the app made for itself, disposed of when it stops (not one a
    caller, such as a test, lent it)."""

    @asynccontextmanager
    async def started(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app) if lifespan is not None else nullcontext():
            # Everything built so far (modules, the GraphQL schema, pools) lives as long as the
            # process: moved out of the collector's reach, the first full collections no longer
            # walk it (they stalled the gateway 150-300 ms under load).
            gc.freeze()
            yield
        if disposes is not None:
            await disposes.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=started,
    )
    app.state.settings = settings
    app.state.command_allowance = CommandAllowance(
        settings.command_rate_per_minute, settings.command_burst
    )
    install_problem_handlers(app, production=settings.production)
    amend_openapi(app, decimal_strings)
    # Outermost first: the span and correlation id cover the size check's 413 too.
    app.add_middleware(RequestLimitsMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(TracingMiddleware, service=service)

    @app.get("/health", tags=["operations"], summary="Liveness")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get(
        "/ready",
        tags=["operations"],
        summary="Readiness: the service reaches its database",
        responses=problem_responses({503: "The database does not answer"}),
        response_model=None,
    )
    async def ready(request: Request) -> dict[str, str] | JSONResponse:
        database: AsyncEngine | None = getattr(request.app.state, "database", None)
        if database is None:
            return problem(503, "Not ready", "the service is starting", "not_ready")
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                async with raw_connection(database) as conn:
                    await conn.fetchval("SELECT 1")
        except Exception as error:  # whatever fails, the service is not ready
            return problem(
                503,
                "Not ready",
                f"the database does not answer: {type(error).__name__}",
                "not_ready",
                service=service,
            )
        return {"status": "ready", "service": service}

    return app
