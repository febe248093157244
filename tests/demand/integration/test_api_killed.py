"""A history checker over a run with a kill: 8 clients send commands, each with its own
Idempotency-Key, to a real demand API process that is SIGKILLed mid-load, restarted, and
sent again every command whose answer was lost. Afterwards the log verifies (every stream
contiguous, every hash chained), and each command sent is stored exactly once: no command
lost, none twice, no event that no command asked for."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from typing import Any

import asyncpg
import httpx

from pmo_demand.bootstrap import MIGRATIONS, SCHEMA
from pmo_kernel.db import asyncpg_dsn, create_engine
from pmo_kernel.infra.ports import free_port
from pmo_kernel.migrations import upgrade
from pmo_kernel.store.audit import verify_chain
from tests.demand.integration.test_demand_api import submission
from tests.support import TEST_KEY, bearer, eventually, settings_for

WORKERS = 8
KILL_AFTER = 120  # acknowledged commands


def start_api(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SIGNING_KEY": TEST_KEY,
           "COMMAND_RATE_PER_MINUTE": "0", "LOG_LEVEL": "WARNING"}  # fmt: skip
    env.pop("DEMAND_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "pmo_demand", "api", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


async def until_up(url: str) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{url}/health")).status_code == 200
        except httpx.HTTPError:
            return False

    await eventually(up, within=60, interval=0.2)


class Command:
    def __init__(self, path: str, body: dict[str, Any]) -> None:
        self.path, self.body, self.key = path, body, f"k-{uuid.uuid4()}"

    async def send(self, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(self.path, json=self.body, headers={"Idempotency-Key": self.key})


async def test_every_command_of_a_run_with_a_kill_is_stored_exactly_once(
    fresh_database: str,
) -> None:
    await upgrade(fresh_database, MIGRATIONS, SCHEMA)
    settings = settings_for(fresh_database)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sent: list[Command] = []
    lost: list[Command] = []  # sent, answer never received
    acknowledged = 0
    process = start_api(fresh_database, port)
    try:
        await until_up(url)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            client.headers.update(bearer(settings, "alice", "requester"))

            async def worker() -> None:
                nonlocal acknowledged
                while True:
                    current = Command("/demands", submission())
                    sent.append(current)
                    try:
                        demand_id = (await current.send(client)).json()["id"]
                        acknowledged += 1
                        for revision in range(3):
                            case = {**submission()["business_case"], "problem": f"v{revision}"}
                            current = Command(f"/demands/{demand_id}/business-case",
                                              {"business_case": case})  # fmt: skip
                            sent.append(current)
                            assert (await current.send(client)).status_code == 200
                            acknowledged += 1
                    except httpx.TransportError:
                        lost.append(current)
                        return
                    if acknowledged >= KILL_AFTER and process.poll() is None:
                        os.killpg(process.pid, signal.SIGKILL)

            await asyncio.gather(*(worker() for _ in range(WORKERS)))
        stop(process)
        # Restarted; each command whose answer was lost is sent again, with its key.
        process = start_api(fresh_database, port)
        await until_up(url)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            client.headers.update(bearer(settings, "alice", "requester"))
            again = [await command.send(client) for command in lost]
    finally:
        stop(process)

    assert [a.status_code for a in again] == [201 if c.path == "/demands" else 200 for c in lost]
    engine = create_engine(fresh_database, pool_size=1)
    try:
        report = await verify_chain(engine, SCHEMA)
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(asyncpg_dsn(fresh_database))
    try:
        keys = Counter(
            str(row[0])
            for row in await conn.fetch(
                f"SELECT metadata->>'idempotency_key' FROM \"{SCHEMA}\".events"
            )
        )
    finally:
        await conn.close()
    assert report.ok, report.first_broken
    assert set(keys) == {command.key for command in sent}  # none lost, no phantom
    assert set(keys.values()) == {1}  # none twice
    replayed = sum(a.headers["Idempotent-Replayed"] == "true" for a in again)
    print(f"\n{len(sent)} commands, killed after {acknowledged} acknowledged; {len(lost)} "
          f"answers lost, sent again: {replayed} had been stored, {len(lost) - replayed} "
          f"had not; {report.events_checked} events on {report.streams_checked} streams, "
          f"each command once")  # fmt: skip
