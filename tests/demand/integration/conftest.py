from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio

from pmo_demand.bootstrap import MIGRATIONS, SCHEMA, DemandContainer, build, create_app
from pmo_kernel.migrations import upgrade
from pmo_kernel.settings import Settings
from tests.support import bearer, settings_for


@dataclass
class DemandApi:
    client: httpx.AsyncClient
    container: DemandContainer
    settings: Settings

    def as_(self, subject: str, *roles: str) -> dict[str, str]:
        return bearer(self.settings, subject, *roles)

    async def events_stored(self) -> int:
        count, _ = await self.container.store.stats()
        return count


@pytest_asyncio.fixture(loop_scope="session")
async def demand_api(fresh_database: str) -> AsyncIterator[DemandApi]:
    settings = settings_for(fresh_database).model_copy(update={"max_request_bytes": 64 * 1024})
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    container = build(settings)
    app = create_app(settings, container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demand") as client:
        yield DemandApi(client, container, settings)
    await container.engine.dispose()
