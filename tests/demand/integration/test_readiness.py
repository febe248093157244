"""Liveness and readiness: Kubernetes sends traffic to an api only while it reaches its database."""

from __future__ import annotations

import httpx

from pmo_demand.bootstrap import build, create_app
from pmo_kernel.infra.ports import free_port
from tests.demand.integration.conftest import DemandApi
from tests.support import settings_for


async def test_an_api_that_reaches_its_database_is_ready(demand_api: DemandApi) -> None:
    live = await demand_api.client.get("/health")
    ready = await demand_api.client.get("/ready")

    assert (live.status_code, ready.status_code) == (200, 200)
    assert ready.json() == {"status": "ready", "service": "demand"}


async def test_an_api_whose_database_is_gone_is_alive_but_not_ready() -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/pmo"
    container = build(settings_for(nowhere))
    app = create_app(container.settings, container)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://demand") as client:
            live = await client.get("/health")
            ready = await client.get("/ready")
    finally:
        await container.engine.dispose()

    assert live.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert ready.json()["code"] == "not_ready"
    assert "database does not answer" in ready.json()["detail"]
