"""The gateway's ASGI app: the kernel's FastAPI service app with GraphQL at /graphql."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import httpx
import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from pmo_kernel.db import create_engine
from pmo_kernel.http.app import create_service_app
from pmo_kernel.http.openapi import amend_openapi
from pmo_kernel.identity import prepare_keys
from pmo_kernel.settings import Settings
from pmo_reporting.dashboard.page import router as dashboard_page
from pmo_reporting.gateway.capacity_api import CapacityApi
from pmo_reporting.gateway.capacity_readmodel import CapacityReadModel
from pmo_reporting.gateway.context import GatewayContext, GatewayServices, get_context
from pmo_reporting.gateway.demand_api import DemandApi
from pmo_reporting.gateway.errors import GatewayError, add_codes
from pmo_reporting.gateway.listener import ChangeHub
from pmo_reporting.gateway.portfolio_api import PortfolioApi
from pmo_reporting.gateway.portfolio_readmodel import PortfolioReadModel
from pmo_reporting.gateway.readmodel import ReadModel
from pmo_reporting.gateway.schema import build_schema
from pmo_reporting.reports.pages import router as report_pages

SCHEMA = "reporting"
GRAPHQL_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["query"],
    "properties": {
        "query": {"type": "string", "minLength": 1},
        "variables": {"type": ["object", "null"]},
        # Strawberry reads a name that is a string and ignores any other value.
        "operationName": {"description": "Which operation of `query` to run"},
    },
}
# Strawberry refuses a request it cannot read as GraphQL in plain text, before any resolver
# runs; a query that runs answers 200, its refusals (401, 403, ...) in `errors[].extensions`.
GRAPHQL_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": why}
    for status, why in (
        (400, "Not a GraphQL request: no query, a body that is not JSON, or another media type"),
        (404, "GET without a query where the GraphiQL IDE is off (production)"),
        (405, "A query sent with GET: queries and mutations come in by POST"),
    )
}


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

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry crashed (500) on a body that is not UTF-8 or is JSON but not an object
        (a string, a number, null). Both are malformed requests: 400."""
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method == "POST" and "application/json" in content_type:
            try:
                data = self.parse_json(await request.get_body())
            except ValueError:  # not UTF-8 (a 500 in strawberry too), or not JSON
                raise HTTPException(400, "Unable to parse request body as JSON") from None
            if not isinstance(data, dict | list):
                raise HTTPException(400, "A GraphQL request is a JSON object")
        return await super().parse_http_body(request)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """strawberry's HTTP answer, encoded with orjson instead of json.dumps: fifteen times
        faster, which a large answer notices (a year's capacity heatmap of 300 people, 600 KB:
        0.3 ms instead of 5). WebSocket messages keep strawberry's encoder (text frames)."""
        response = Response(
            orjson.dumps(response_data),
            media_type="application/json",
            status_code=sub_response.status_code or 200,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response

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
    capacity_transport: httpx.AsyncBaseTransport | None = None,
    listen: bool = True,
) -> FastAPI:
    """The gateway app. `demand_transport`, `portfolio_transport` and `capacity_transport`
    replace the network under the services' clients (tests); `listen=False` skips the LISTEN
    connection (waiters then poll)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, pool_size=10, max_overflow=10)
        app.state.database = engine  # readiness (/ready) checks it answers
        read_model = ReadModel(engine, SCHEMA)
        portfolio_read_model = PortfolioReadModel(engine, SCHEMA)
        demand_api = DemandApi.connect(settings.demand_url, demand_transport)
        portfolio_api = PortfolioApi.connect(settings.portfolio_url, portfolio_transport)
        capacity_api = CapacityApi.connect(settings.capacity_url, capacity_transport)
        capacity_read_model = CapacityReadModel(engine, SCHEMA)
        changes = ChangeHub(
            settings.database_url if listen else None,
            read_model.version_of,
            portfolio_read_model.stream_version,
            capacity_read_model.stream_version,
        )
        await changes.start()
        app.state.gateway = GatewayServices(
            settings=settings,
            read_model=read_model,
            portfolio_read_model=portfolio_read_model,
            demand_api=demand_api,
            portfolio_api=portfolio_api,
            capacity_api=capacity_api,
            changes=changes,
            capacity_read_model=capacity_read_model,
        )
        try:
            yield
        finally:
            await changes.stop()
            await demand_api.close()
            await portfolio_api.close()
            await capacity_api.close()
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
    app.include_router(router, prefix="/graphql", responses=GRAPHQL_REFUSALS)
    app.include_router(report_pages)
    app.include_router(dashboard_page)
    amend_openapi(app, graphql_operations)
    return app


def graphql_operations(document: dict[str, Any]) -> None:
    """What FastAPI cannot see in strawberry's handlers: POST takes a GraphQL request in JSON
    (no body, no query: 400), GET serves the GraphiQL page."""
    path = document["paths"]["/graphql"]
    path["post"]["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": GRAPHQL_REQUEST}},
    }
    path["get"]["responses"]["200"] = {
        "description": "The GraphiQL IDE (off in production: 404)",
        "content": {"text/html": {"schema": {"type": "string"}}},
    }
