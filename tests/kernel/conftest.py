from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from pmo_kernel.db import create_engine, raw_connection
from pmo_kernel.store import EventStore
from pmo_kernel.store.schema import consumer_ddl, event_store_ddl
from tests.support import kernel_registry

SCHEMA = "kstore"


@pytest_asyncio.fixture(loop_scope="session")
async def store(fresh_database: str) -> AsyncIterator[EventStore]:
    engine = create_engine(fresh_database, pool_size=25, max_overflow=5)
    async with raw_connection(engine) as conn:
        for statement in event_store_ddl(SCHEMA) + consumer_ddl(SCHEMA):
            await conn.execute(statement)
    yield EventStore(engine, SCHEMA, kernel_registry)
    await engine.dispose()
