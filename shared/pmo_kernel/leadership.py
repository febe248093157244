"""What the kernel's log-tailing processes (the outbox relay, the Merkle log) share: one leader
per log, holding a PostgreSQL advisory lock, that sleeps until the events table announces an
append (NOTIFY, store.schema.event_wakeup_ddl) instead of polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.aio import sleep_unless
from pmo_kernel.db import raw_connection

log = logging.getLogger(__name__)


@asynccontextmanager
async def leading(
    engine: AsyncEngine,
    lock: str,
    channel: str,
    listener: Any,  # asyncpg's listener protocol: (connection, pid, channel, payload)
    stopping: asyncio.Event,
    *,
    standby_seconds: float,
) -> AsyncIterator[bool]:
    """Yields True once this process holds `lock` and hears `channel` (calling `listener`);
    False if `stopping` was set while another process held it. Releases both on exit."""
    async with raw_connection(engine) as conn:
        while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", lock):
            log.info("%s: another process leads; standing by", lock)
            await sleep_unless(stopping, standby_seconds)
            if stopping.is_set():
                yield False
                return
        await conn.add_listener(channel, listener)
        try:
            yield True
        finally:
            await conn.remove_listener(channel, listener)
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", lock)


async def wait_for(event: asyncio.Event, stopping: asyncio.Event, seconds: float) -> bool:
    """Sleep until `event` is set (True), `seconds` pass or `stopping` is set."""
    waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stopping.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waits:
            waiter.cancel()
    return event.is_set()
