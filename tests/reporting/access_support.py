"""What the gateway's visibility matrices share: a caller with what it should see, and the
gateway app configured with department sharing off or on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from pmo_kernel.access import Sight
from pmo_kernel.settings import Settings
from pmo_reporting.gateway.app import create_app
from tests.support import bearer


@dataclass(frozen=True)
class Caller:
    label: str
    subject: str
    roles: tuple[str, ...]
    department: str | None = None
    name: str | None = None
    sees: dict[str, Sight] = field(default_factory=dict)  # department sharing off
    sees_with_sharing: dict[str, Sight] | None = None  # on; None: as off

    def expected(self, sharing: bool) -> dict[str, Sight]:
        if sharing and self.sees_with_sharing is not None:
            return self.sees_with_sharing
        return self.sees

    def headers(self, settings: Settings) -> dict[str, str]:
        return bearer(
            settings, self.subject, *self.roles, name=self.name, department=self.department
        )


@asynccontextmanager
async def gateway_sharing(
    settings: Settings, sharing: bool
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    """A client of the gateway app with `REQUESTERS_SEE_DEPARTMENT` = `sharing`."""
    configured = settings.model_copy(update={"requesters_see_department": sharing})
    app = create_app(configured)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://reporting"
        ) as client,
    ):
        yield client, configured
