"""The demand API killed (SIGKILL) in the middle of a load of commands: after a restart the
log verifies (every stream contiguous, every hash chained), and every command that was
acknowledged is there. A command in flight when the process died is all there or not at all."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx

from pmo_demand.bootstrap import MIGRATIONS, SCHEMA
from pmo_kernel.db import create_engine
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


async def until_up(url: str) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{url}/health")).status_code == 200
        except httpx.HTTPError:
            return False

    await eventually(up, within=60, interval=0.2)


async def test_an_api_killed_mid_load_leaves_every_acknowledged_command_and_a_sound_log(
    fresh_database: str,
) -> None:
    await upgrade(fresh_database, MIGRATIONS, SCHEMA)
    settings = settings_for(fresh_database)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_api(fresh_database, port)
    acknowledged: dict[str, int] = {}  # demand -> the highest version answered 2xx
    killed = asyncio.Event()
    try:
        await until_up(url)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            client.headers.update(bearer(settings, "alice", "requester"))

            async def worker(w: int) -> None:
                revision = 0
                while not killed.is_set():
                    try:
                        submitted = await client.post("/demands", json=submission())
                        demand_id = submitted.json()["id"]
                        acknowledged[demand_id] = 1
                        for _ in range(3):
                            revision += 1
                            case = {**submission()["business_case"], "problem": f"v{revision}"}
                            revised = await client.post(
                                f"/demands/{demand_id}/business-case",
                                json={"business_case": case},
                            )
                            acknowledged[demand_id] = revised.json()["version"]
                    except (httpx.TransportError, ValueError, KeyError):
                        return  # the process is gone: what was in flight is unknown
                    if sum(acknowledged.values()) >= KILL_AFTER and not killed.is_set():
                        killed.set()
                        os.killpg(process.pid, signal.SIGKILL)

            await asyncio.gather(*(worker(w) for w in range(WORKERS)))
        process.wait(10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    engine = create_engine(fresh_database, pool_size=1)
    try:
        report = await verify_chain(engine, SCHEMA)
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            rows = await driver.fetch(
                f'SELECT stream_id, max(stream_version) FROM "{SCHEMA}".events GROUP BY 1'
            )
    finally:
        await engine.dispose()
    stored = {str(row[0]): int(row[1]) for row in rows}
    assert report.ok, report.first_broken
    missing = {d: v for d, v in acknowledged.items() if stored.get(d, 0) < v}
    assert missing == {}, "acknowledged commands lost"
    print(f"\nkilled after {sum(acknowledged.values())} acknowledged commands: "
          f"{report.events_checked} events on {report.streams_checked} streams verify")  # fmt: skip
