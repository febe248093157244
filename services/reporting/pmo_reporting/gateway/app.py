"""The gateway's ASGI app: the kernel's FastAPI service app with GraphQL at /graphql."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from pmo_kernel.db import create_engine
from pmo_kernel.http.app import create_service_app
from pmo_kernel.identity import prepare_keys
from pmo_kernel.settings import Settings
from pmo_reporting.gateway.context import GatewayContext, GatewayServices, get_context
from pmo_reporting.gateway.demand_api import DemandApi
from pmo_reporting.gateway.errors import GatewayError, add_codes
from pmo_reporting.gateway.listener import ChangeHub
from pmo_reporting.gateway.portfolio_api import PortfolioApi
from pmo_reporting.gateway.portfolio_readmodel import PortfolioReadModel
from pmo_reporting.gateway.readmodel import ReadModel
from pmo_reporting.gateway.schema import build_schema

SCHEMA = "reporting"


class GatewayRouter(GraphQLRouter[GatewayContext, None]):
    async def on_ws_connect(self, context: GatewayContext) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws connection_init: the token comes in its payload, as browsers
        cannot set headers on a WebSocket ({"Authorization": "Bearer <jwt>"}), or failing that
        in the upgrade request's header. No valid token, no connection."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        authorization = params.get("Authorization") or params.get("authorization")
        if isinstance(authorization, str):
            context.authorization = authorization
            await prepare_keys(context.services.settings, authorization)
        try:
            context.principal()
        except GatewayError as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from None
        return cast(UnsetType, UNSET)  # acknowledge without a payload

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            add_codes(result.errors)
        return await super().process_result(request, result)


def create_app(
    settings: Settings,
    *,
    demand_transport: httpx.AsyncBaseTransport | None = None,
    portfolio_transport: httpx.AsyncBaseTransport | None = None,
    listen: bool = True,
) -> FastAPI:
    """The gateway app. `demand_transport` and `portfolio_transport` replace the network under
    the services' clients (tests); `listen=False` skips the LISTEN connection (waiters then
    poll)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, pool_size=10, max_overflow=10)
        app.state.database = engine  # readiness (/ready) checks it answers
        read_model = ReadModel(engine, SCHEMA)
        portfolio_read_model = PortfolioReadModel(engine, SCHEMA)
        demand_api = DemandApi.connect(settings.demand_url, demand_transport)
        portfolio_api = PortfolioApi.connect(settings.portfolio_url, portfolio_transport)
        changes = ChangeHub(
            settings.database_url if listen else None,
            read_model.version_of,
            portfolio_read_model.stream_version,
        )
        await changes.start()
        app.state.gateway = GatewayServices(
            settings=settings,
            read_model=read_model,
            portfolio_read_model=portfolio_read_model,
            demand_api=demand_api,
            portfolio_api=portfolio_api,
            changes=changes,
        )
        try:
            yield
        finally:
            await changes.stop()
            await demand_api.close()
            await portfolio_api.close()
            await engine.dispose()

    app = create_service_app(
        "reporting",
        settings,
        title="pmo reporting gateway",
        description="GraphQL over the reporting read models; commands go to the services.",
        lifespan=lifespan,
    )
    router: GatewayRouter = GatewayRouter(
        build_schema(production=settings.production),
        context_getter=get_context,
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,  # one way in (POST): nothing to cache, less to secure
    )
    app.include_router(router, prefix="/graphql")
    return app
