"""Fixtures: a migrated reporting database, settings, and the gateway app over a fake demand API.

The database comes from tests/infra.py's `fresh_database` (a new, empty database per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from pmo_kernel.migrations import upgrade
from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from pmo_reporting.projector import MIGRATIONS, SCHEMA
from tests.reporting.factory import ANALYST, NAMES, REQUESTER
from tests.reporting.support import FakeDemandApi
from tests.support import bearer, settings_for


@pytest_asyncio.fixture(loop_scope="session")
async def reporting_db(fresh_database: str) -> str:
    """A fresh database with the reporting schema migrated to head."""
    await upgrade(fresh_database, MIGRATIONS, SCHEMA)
    return fresh_database


@pytest.fixture
def settings(reporting_db: str) -> Settings:
    return settings_for(reporting_db)


@pytest.fixture
def requester_headers(settings: Settings) -> dict[str, str]:
    return bearer(settings, REQUESTER, "requester", name=NAMES[REQUESTER])


@pytest.fixture
def analyst_headers(settings: Settings) -> dict[str, str]:
    return bearer(settings, ANALYST, "pmo_analyst", name=NAMES[ANALYST])


@pytest.fixture
def demand_api() -> FakeDemandApi:
    return FakeDemandApi()


@pytest_asyncio.fixture(loop_scope="session")
async def gateway(
    settings: Settings, demand_api: FakeDemandApi
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway app, its lifespan running (pool, LISTEN, demand API client)."""
    app = create_app(settings, demand_transport=demand_api.transport())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://reporting"
        ) as client,
    ):
        yield client
