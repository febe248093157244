"""In production the gateway hides its internals: no introspection, no unexpected messages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from pmo_reporting.gateway.readmodel import ReadModel
from tests.reporting.support import error_codes, graphql

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(loop_scope="session")
async def production(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"environment": "production"}), listen=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        yield client


async def test_introspection_is_disabled(
    production: httpx.AsyncClient, requester_headers: dict[str, str]
) -> None:
    body = await graphql(production, "{ __schema { types { name } } }", headers=requester_headers)

    assert body["data"] is None
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_an_unexpected_error_is_masked_but_keeps_a_code(
    production: httpx.AsyncClient,
    requester_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(self: ReadModel, filters: object) -> int:
        raise RuntimeError("password=hunter2 leaked in a message")

    monkeypatch.setattr(ReadModel, "count_demands", broken)

    body = await graphql(production, "{ demands { totalCount } }", headers=requester_headers)

    extensions = body["errors"][0]["extensions"]
    assert extensions.pop("correlationId")  # what the user quotes to support, no more
    extensions.pop("traceId", None)  # when tracing is on
    assert body["errors"] == [
        {
            "message": "Internal server error",
            "locations": [{"line": 1, "column": 13}],
            "path": ["demands", "totalCount"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]


async def test_expected_errors_are_not_masked(production: httpx.AsyncClient) -> None:
    body = await graphql(production, "{ demands { totalCount } }")

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "bearer token is required" in body["errors"][0]["message"]


async def test_graphiql_is_not_served(production: httpx.AsyncClient) -> None:
    response = await production.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code in (404, 405)
