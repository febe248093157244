from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from pmo_capacity.bootstrap import MIGRATIONS, SCHEMA, CapacityContainer, build, create_app
from pmo_kernel.migrations import upgrade
from pmo_kernel.settings import Settings
from tests.support import bearer, settings_for

RESOURCE_MANAGER = ("rita", "resource_manager")
LINE_MANAGER = ("marc", "resource_manager")
PROJECT_MANAGER = ("paula", "project_manager")
# The skills the helpers' people and requests have: in the catalogue before each test.
CATALOGUE = ("Prince2", "Python", "SQL")


@dataclass
class CapacityApi:
    client: httpx.AsyncClient
    container: CapacityContainer
    settings: Settings

    def as_(self, subject: str, *roles: str) -> dict[str, str]:
        return bearer(self.settings, subject, *roles)

    async def events_stored(self) -> int:
        count, _ = await self.container.store.stats()
        return count

    async def skills(self, *names: str) -> None:
        for name in names:
            response = await self.client.post(
                "/skills", json={"name": name}, headers=self.as_(*RESOURCE_MANAGER)
            )
            assert response.status_code == 201, response.text

    async def calendar(self, calendar_id: str = "BE", **more: Any) -> httpx.Response:
        body = {"calendar_id": calendar_id, "name": "Belgium", "hours_per_week": "40", **more}
        return await self.client.post("/calendars", json=body, headers=self.as_(*RESOURCE_MANAGER))

    async def person(self, calendar_id: str = "BE", **more: Any) -> str:
        body = {
            "name": "Ann Peeters",
            "line_manager": LINE_MANAGER[0],
            "team": "Delivery",
            "roles": ["project_manager"],
            "skills": [{"name": "Prince2", "level": 4}],
            "cost_rate_per_day": {"amount": "650", "currency": "EUR"},
            "calendar_id": calendar_id,
            **more,
        }
        response = await self.client.post("/people", json=body, headers=self.as_(*RESOURCE_MANAGER))
        assert response.status_code == 201, response.text
        person_id: str = response.json()["id"]
        return person_id


@pytest_asyncio.fixture(loop_scope="session")
async def capacity_api(fresh_database: str) -> AsyncIterator[CapacityApi]:
    settings = settings_for(fresh_database)
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    container = build(settings)
    app = create_app(settings, container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capacity") as client:
        api = CapacityApi(client, container, settings)
        await api.skills(*CATALOGUE)
        yield api
    await container.engine.dispose()
