"""Rebuilding read models from the source services' event feeds, then switching over.

1. Build the read-model schema afresh under a temporary name (the service's own migrations).
2. Replay every source feed (GET /events, the source of truth — Kafka may have lost data) into
   it, through the same handlers and dedupe records the live projector uses.
3. Take the switch-over lock exclusively (live projector batches hold it shared, so this waits
   for the batch in flight and holds the next), replay what arrived meanwhile, then rename the
   schemas in one transaction: readers see the old tables or the new, never a mix.
Events the live projector applies after the switch are deduplicated by the rebuilt
`processed_messages`, which holds every event the rebuild applied.

`kept_tables` are tables of the live schema that are not read models (nothing in the feeds
makes them: the reporting service's stored report editions): in the switch-over transaction
each moves, rows and all, into the rebuilt schema in place of its fresh, empty twin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.cloudevents import ReceivedEvent, from_feed_item
from pmo_kernel.consumer import Deduper, Handler, apply_events
from pmo_kernel.db import raw_connection
from pmo_kernel.migrations import upgrade


@dataclass(frozen=True)
class FeedSource:
    service: str
    base_url: str
    token: str


@dataclass(frozen=True)
class RebuildReport:
    schema: str
    events_applied: int
    per_service: dict[str, int]


HandlerFactory = Callable[[str], Handler]  # schema -> handler writing into that schema
Progress = Callable[[str, int], None]


async def rebuild_read_models(
    engine: AsyncEngine,
    database_url: str,
    *,
    live_schema: str,
    migrations: Path,
    sources: list[FeedSource],
    handlers: dict[str, HandlerFactory],
    switchover_lock: str,
    client: httpx.AsyncClient | None = None,
    page_size: int = 1000,
    progress: Progress | None = None,
    kept_tables: tuple[str, ...] = (),
) -> RebuildReport:
    next_schema = f"{live_schema}_rebuild"
    async with raw_connection(engine) as conn:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{next_schema}" CASCADE')
    await upgrade(database_url, migrations, next_schema)
    owned_client = client is None
    http = client or httpx.AsyncClient(timeout=30)
    positions = {s.service: 0 for s in sources}
    counts = {s.service: 0 for s in sources}
    bound = {s.service: handlers[s.service](next_schema) for s in sources}
    try:
        for source in sources:  # the bulk, while the live projector keeps running
            await _replay(http, source, bound[source.service], engine, next_schema, positions,
                          counts, page_size, progress)  # fmt: skip
        async with raw_connection(engine) as lock_conn:
            await lock_conn.execute("SELECT pg_advisory_lock(hashtext($1))", switchover_lock)
            try:
                for source in sources:  # what arrived during the bulk replay
                    await _replay(http, source, bound[source.service], engine, next_schema,
                                  positions, counts, page_size, progress)  # fmt: skip
                retired = f"{live_schema}_retired_{datetime.now(UTC):%Y%m%d%H%M%S}"
                async with lock_conn.transaction():
                    exists = await lock_conn.fetchval(
                        "SELECT 1 FROM pg_namespace WHERE nspname = $1", live_schema
                    )
                    if exists:
                        await _keep(lock_conn, live_schema, next_schema, kept_tables)
                        await lock_conn.execute(
                            f'ALTER SCHEMA "{live_schema}" RENAME TO "{retired}"'
                        )
                    await lock_conn.execute(
                        f'ALTER SCHEMA "{next_schema}" RENAME TO "{live_schema}"'
                    )
                    if exists:
                        await lock_conn.execute(f'DROP SCHEMA "{retired}" CASCADE')
            finally:
                await lock_conn.execute("SELECT pg_advisory_unlock(hashtext($1))", switchover_lock)
    finally:
        if owned_client:
            await http.aclose()
    return RebuildReport(live_schema, sum(counts.values()), counts)


async def _keep(conn: asyncpg.Connection, live: str, rebuilt: str, tables: tuple[str, ...]) -> None:
    """Move each of `tables` from the live schema into the rebuilt one, replacing the empty
    table the migrations made there (a table the live schema lacks stays as built)."""
    for table in tables:
        if await conn.fetchval("SELECT to_regclass($1)", f'"{live}"."{table}"') is None:
            continue
        await conn.execute(f'DROP TABLE "{rebuilt}"."{table}"')
        await conn.execute(f'ALTER TABLE "{live}"."{table}" SET SCHEMA "{rebuilt}"')


async def _replay(
    http: httpx.AsyncClient,
    source: FeedSource,
    handler: Handler,
    engine: AsyncEngine,
    schema: str,
    positions: dict[str, int],
    counts: dict[str, int],
    page_size: int,
    progress: Progress | None,
) -> None:
    deduper = Deduper(schema, handler.name)
    while True:
        response = await http.get(
            f"{source.base_url.rstrip('/')}/events",
            params={"after": positions[source.service], "limit": page_size},
            headers={"Authorization": f"Bearer {source.token}"},
        )
        response.raise_for_status()
        page = response.json()
        events: list[ReceivedEvent] = [from_feed_item(source.service, i) for i in page["events"]]
        if events:
            async with raw_connection(engine) as conn, conn.transaction():
                new = await deduper.claim(conn, [e.event_id for e in events])
                await apply_events(conn, handler, [e for e in events if e.event_id in new])
            counts[source.service] += len(events)
            if progress is not None:
                progress(source.service, counts[source.service])
        positions[source.service] = page["next_after"]
        if not page["has_more"]:
            return
