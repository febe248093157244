"""A write service whose database is away answers 503 with Retry-After, never 500: the client
may send the same request again. Every error body carries the request's correlation id (and
its trace id when tracing is on), what a user quotes to support."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from pmo_demand.bootstrap import create_app as demand_app
from pmo_kernel.infra.ports import free_port
from pmo_portfolio.bootstrap import create_app as portfolio_app
from tests.demand.integration.test_demand_api import submission
from tests.support import bearer, settings_for


async def client_for(build: Callable[[Any], FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    app = build(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        client.headers.update(bearer(settings, "paul", "pmo_analyst", "requester"))
        yield client
    await app.state.database.dispose()


@pytest.fixture
async def demand() -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(demand_app):
        yield client


@pytest.fixture
async def portfolio() -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(portfolio_app):
        yield client


def assert_unavailable(response: httpx.Response, correlation: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert "send the same request again" in body["detail"]
    assert body["correlation_id"] == correlation


async def test_a_command_while_the_demand_database_is_gone_is_a_503_to_retry(
    demand: httpx.AsyncClient,
) -> None:
    response = await demand.post(
        "/demands", json=submission(), headers={"X-Correlation-ID": "retry-me-1"}
    )

    assert_unavailable(response, "retry-me-1")


async def test_a_command_while_the_portfolio_database_is_gone_is_a_503_to_retry(
    portfolio: httpx.AsyncClient,
) -> None:
    programme = {"programme_id": "erp", "name": "ERP", "description": "One ERP", "sponsor": "CFO"}
    response = await portfolio.post(
        "/programmes", json=programme, headers={"X-Correlation-ID": "retry-me-2"}
    )
    read = await portfolio.get("/items/item-1", headers={"X-Correlation-ID": "retry-me-3"})

    assert_unavailable(response, "retry-me-2")
    assert_unavailable(read, "retry-me-3")


async def test_a_client_error_body_names_the_request_it_answers(
    demand: httpx.AsyncClient,
) -> None:
    response = await demand.post(
        "/demands", json={"content": {}}, headers={"X-Correlation-ID": "which-one"}
    )

    assert response.status_code == 422
    assert response.json()["correlation_id"] == "which-one"
