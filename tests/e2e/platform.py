"""The whole platform as `pmo run` starts it (every installed service's processes, on the test
PostgreSQL and broker), driven through its public HTTP and GraphQL APIs."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from pmo_kernel.infra.databases import create_database, drop_database
from pmo_kernel.infra.ports import free_port
from pmo_kernel.settings import Settings
from tests.infra import Infrastructure
from tests.support import TEST_KEY, bearer, eventually


@dataclass
class Platform:
    settings: Settings
    graphql_url: str
    process: subprocess.Popen[bytes]

    async def graphql(self, query: str, who: tuple[str, ...], **variables: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(
                self.graphql_url,
                json={"query": query, "variables": variables},
                headers=bearer(self.settings, *who),
            )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest_asyncio.fixture(loop_scope="session")
async def platform(
    infra: Infrastructure, fresh_database: str, fresh_topic_prefix: str
) -> AsyncIterator[Platform]:
    """A platform of the test's own."""
    async with running_platform(infra, fresh_database, fresh_topic_prefix) as started:
        yield started


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def shared_platform(infra: Infrastructure) -> AsyncIterator[Platform]:
    """One platform for a module's tests, on its own database and topics: starting `pmo run`
    takes about 30 s on two cores, so tests that only add their own data share it."""
    name = f"pmo_test_{secrets.token_hex(6)}"
    database = await create_database(infra.database_url, name)
    try:
        async with running_platform(infra, database, f"t{secrets.token_hex(5)}.") as started:
            yield started
    finally:
        await drop_database(infra.database_url, name)


@asynccontextmanager
async def running_platform(
    infra: Infrastructure, fresh_database: str, fresh_topic_prefix: str
) -> AsyncIterator[Platform]:
    demand_port, portfolio_port, reporting_port = free_port(), free_port(), free_port()
    capacity_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": fresh_topic_prefix,
        "DEMAND_URL": f"http://127.0.0.1:{demand_port}",
        "PORTFOLIO_URL": f"http://127.0.0.1:{portfolio_port}",
        "REPORTING_URL": f"http://127.0.0.1:{reporting_port}",
        "CAPACITY_URL": f"http://127.0.0.1:{capacity_port}",
        "JWT_SIGNING_KEY": TEST_KEY,
        "LOG_LEVEL": "WARNING",
        "COMMAND_RATE_PER_MINUTE": "0",  # the tests send commands faster than people
    }
    process = subprocess.Popen(  # noqa: ASYNC220 — started once; the test then waits on HTTP
        [sys.executable, "-m", "pmo_kernel.cli.main", "run"], env=env, start_new_session=True
    )
    settings = Settings(
        database_url=fresh_database,
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        kafka_topic_prefix=fresh_topic_prefix,
        demand_url=env["DEMAND_URL"],
        portfolio_url=env["PORTFOLIO_URL"],
        reporting_url=env["REPORTING_URL"],
        capacity_url=env["CAPACITY_URL"],
        jwt_signing_key=TEST_KEY,
    )
    platform = Platform(settings, f"{env['REPORTING_URL']}/graphql", process)

    async def up() -> bool:
        assert process.poll() is None, "pmo run exited early"
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                for url in (
                    env["DEMAND_URL"],
                    env["PORTFOLIO_URL"],
                    env["REPORTING_URL"],
                    env["CAPACITY_URL"],
                ):
                    if (await client.get(f"{url}/health")).status_code != 200:
                        return False
        except httpx.HTTPError:
            return False
        return True

    try:
        await eventually(up, within=90, interval=0.3)
        yield platform
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                raise
