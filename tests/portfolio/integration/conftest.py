"""The `portfolio` fixture: a fresh database, migrated, behind the service's FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from pmo_kernel.migrations import upgrade
from pmo_portfolio.application.intake import DemandIntake
from pmo_portfolio.bootstrap import MIGRATIONS, SCHEMA, build, create_app
from tests.portfolio.integration.support import Portfolio
from tests.support import settings_for


@pytest_asyncio.fixture(loop_scope="session")
async def portfolio(fresh_database: str) -> AsyncIterator[Portfolio]:
    settings = settings_for(fresh_database)
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    container = build(settings)
    app = create_app(settings, container)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as client,
    ):
        yield Portfolio(client, container, DemandIntake(container.store), settings)
    await container.engine.dispose()
