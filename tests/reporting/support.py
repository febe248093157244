"""Helpers for the reporting tests: project events without Kafka, a fake demand REST API, and
GraphQL requests through the gateway app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.db import asyncpg_dsn
from pmo_reporting.projections.demand import DemandProjection


async def project(
    database_url: str, events: Sequence[ReceivedEvent], *, batch: bool = False
) -> DemandProjection:
    """Apply `events` in one transaction, one `handle` each (or one `apply` for the batch)."""
    projection = DemandProjection()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            if batch:
                await projection.apply(conn, events)
            else:
                for event in events:
                    await projection.handle(conn, event)
    finally:
        await conn.close()
    return projection


async def graphql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


Reply = tuple[int, dict[str, Any]]
OnCommand = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass
class FakeDemandApi:
    """Stands in for the demand service's REST API: records requests, answers as told.

    `replies` maps a path ("/demands", "/demands/D-1/qualification") to (status, JSON body);
    unlisted paths answer 200 {"id", "version": 2, "state": "submitted"}. `on_command` runs
    before the reply (e.g. to project the event the command would have produced)."""

    replies: dict[str, Reply] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    on_command: OnCommand | None = None

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/demands")
        async def submit(request: Request) -> JSONResponse:
            return await self._reply(request, "D-NEW", 201)

        @app.post("/demands/{demand_id}/{action}")
        async def act(demand_id: str, action: str, request: Request) -> JSONResponse:
            return await self._reply(request, demand_id, 200)

        return app

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app())

    async def _reply(self, request: Request, demand_id: str, ok: int) -> JSONResponse:
        body = await request.json()
        path = request.url.path
        raw_path = request.scope.get("raw_path", path.encode()).decode()  # as sent: escaped
        self.received.append(Received(raw_path, dict(request.headers), body))
        if self.on_command is not None:
            await self.on_command(path, body)
        status, reply = self.replies.get(
            path, (ok, {"id": demand_id, "version": 2, "state": "submitted"})
        )
        media = "application/problem+json" if status >= 400 else "application/json"
        return JSONResponse(reply, status_code=status, media_type=media)
