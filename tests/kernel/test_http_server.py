"""The HTTP server of every service process: uvicorn's, waking once a second instead of ten
times when idle, and still stopping at once when told to."""

from __future__ import annotations

import asyncio
import email.utils

import httpx
import uvicorn
from fastapi import FastAPI

from pmo_kernel.infra.ports import free_port
from pmo_kernel.process import QuietServer
from tests.support import eventually


def app() -> FastAPI:
    served = FastAPI()

    @served.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return served


async def started(port: int, tick_seconds: float) -> tuple[QuietServer, asyncio.Task[None]]:
    server = QuietServer(uvicorn.Config(app(), port=port, log_level="warning", lifespan="off"))
    server.tick_seconds = tick_seconds
    serving = asyncio.create_task(server.serve())

    async def listening() -> bool:
        return server.started

    await eventually(listening)
    return server, serving


async def test_it_answers_with_a_date_header_and_stops_as_soon_as_it_is_told() -> None:
    port = free_port()
    server, serving = await started(port, tick_seconds=3600)
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{port}/ping")
    assert answer.json() == {"pong": "yes"}
    assert email.utils.parsedate_to_datetime(answer.headers["date"]) is not None

    server.should_exit = True
    # With an hour between ticks, only the wake-up can end the loop in time (a generous bound
    # against a hang, not a timing).
    await asyncio.wait_for(serving, timeout=60)
