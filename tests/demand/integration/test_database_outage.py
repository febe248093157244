"""The database goes away under a load of commands and comes back: every command is answered
201 or 503 (never 500), a client that sends a 503'd command again with its Idempotency-Key
gets it done, and afterwards the store holds each command's event exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import asyncpg
import httpx

from pmo_demand.bootstrap import MIGRATIONS, SCHEMA, build, create_app
from pmo_kernel.db import asyncpg_dsn
from pmo_kernel.migrations import upgrade
from tests.demand.integration.test_demand_api import submission
from tests.support import bearer, settings_for
from tests.tcp_proxy import proxy_to

COMMANDS = 240
CONCURRENCY = 8


async def test_commands_through_a_database_outage_are_503s_then_done_once(
    fresh_database: str,
) -> None:
    await upgrade(fresh_database, MIGRATIONS, SCHEMA)
    answers: Counter[int] = Counter()
    done: list[str] = []
    async with proxy_to(fresh_database) as proxy:
        settings = settings_for(proxy.url_for(fresh_database))
        container = build(settings)
        app = create_app(settings, container)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demand") as client:
            client.headers.update(bearer(settings, "alice", "requester"))
            queue: asyncio.Queue[str] = asyncio.Queue()
            a_third_done = asyncio.Event()
            for _ in range(COMMANDS):
                queue.put_nowait(f"submit-{uuid.uuid4()}")

            async def worker() -> None:
                while not queue.empty():
                    key = queue.get_nowait()
                    while True:  # a careful client: the same key until it is done
                        response = await client.post(
                            "/demands", json=submission(), headers={"Idempotency-Key": key}
                        )
                        answers[response.status_code] += 1
                        if response.status_code != 503:
                            break
                        assert response.headers["retry-after"] == "1"
                        await asyncio.sleep(0.2)
                    if response.status_code == 201:
                        done.append(response.json()["id"])
                        if len(done) == COMMANDS // 3:
                            a_third_done.set()

            async def outage() -> None:
                await a_third_done.wait()
                await proxy.cut()
                await asyncio.sleep(3)
                await proxy.restore()

            await asyncio.gather(outage(), *(worker() for _ in range(CONCURRENCY)))
        await container.engine.dispose()

    assert set(answers) <= {201, 503}, answers
    assert answers[503] > 0, "the outage was met"
    assert len(done) == len(set(done)) == COMMANDS
    conn = await asyncpg.connect(asyncpg_dsn(fresh_database))
    try:
        stored = await conn.fetchval(f'SELECT count(*) FROM "{SCHEMA}".events')
        streams = await conn.fetchval(f'SELECT count(DISTINCT stream_id) FROM "{SCHEMA}".events')
    finally:
        await conn.close()
    assert (stored, streams) == (COMMANDS, COMMANDS)  # each command's event, once
    print(f"\n{COMMANDS} commands through a 3 s outage: {dict(answers)} answers")
