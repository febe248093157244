"""Event store set-up shared by the cases: fresh schemas, our store, the raw twin table."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import payloads
from pmo_demand.domain.events import registry
from pmo_kernel.db import asyncpg_dsn, create_engine
from pmo_kernel.events import DomainEvent, EventMetadata
from pmo_kernel.store import EventStore, NewEvent
from pmo_kernel.store.schema import event_store_ddl

RAW_COLUMNS = (
    "event_id, stream_type, stream_id, stream_version, event_type, schema_version, "
    "payload, metadata, prev_hash, hash"
)


async def create_event_store_schema(url: str, schema: str) -> None:
    """The event store DDL (the same for ours and the raw baseline's identical table)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in event_store_ddl(schema):
            await conn.execute(statement)
    finally:
        await conn.close()


async def our_store(url: str, schema: str, pool_size: int = 20) -> tuple[AsyncEngine, EventStore]:
    await create_event_store_schema(url, schema)
    engine = create_engine(url, pool_size=pool_size, max_overflow=0)
    return engine, EventStore(engine, schema, registry)


async def raw_table(url: str, schema: str) -> str:
    """Creates the twin table; returns its quoted name."""
    await create_event_store_schema(url, schema)
    return f'"{schema}".events'


async def connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(url))


def raw_insert_one(table: str) -> str:
    """The baseline's single-row INSERT: same columns and casts, no head check."""
    return (
        f"INSERT INTO {table} ({RAW_COLUMNS}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)"
    )


def raw_insert_unnest(table: str) -> str:
    return (
        f"INSERT INTO {table} ({RAW_COLUMNS}) SELECT * FROM unnest($1::uuid[], $2::text[], "
        "$3::text[], $4::int[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::text[], "
        "$10::text[])"
    )


@dataclass(frozen=True)
class RawEvent:
    """One event pre-encoded for the raw baseline: JSON texts and a precomputed hash."""

    event_type: str
    schema_version: int
    payload: str
    metadata: str
    hash: str

    @classmethod
    def of(cls, event: DomainEvent, metadata: EventMetadata) -> RawEvent:
        payload = orjson.dumps(event.payload()).decode()
        meta = orjson.dumps(metadata.model_dump(mode="json", exclude_none=True)).decode()
        return cls(
            event.event_type,
            event.schema_version,
            payload,
            meta,
            hashlib.sha256(payload.encode()).hexdigest(),
        )

    def row(
        self, event_id: UUID, stream_id: str, version: int, prev_hash: str | None
    ) -> tuple[object, ...]:
        return (
            event_id,
            payloads.STREAM_TYPE,
            stream_id,
            version,
            self.event_type,
            self.schema_version,
            self.payload,
            self.metadata,
            prev_hash,
            self.hash,
        )


def new_events(events: Sequence[tuple[DomainEvent, EventMetadata]]) -> list[NewEvent]:
    return [NewEvent(event, meta) for event, meta in events]


async def seed_log(url: str, table: str, events: int, templates: int = 100) -> int:
    """Fill `table` with `events` demand events, whole lifecycles (six events of six types per
    stream, ~600 B average, the submission ~1.3 KB), fast: multi-row unnest INSERTs of
    pre-encoded rows. The rows are not hash-chained; reads do not verify the chain.
    Returns the number of streams."""
    lifecycles = [
        [RawEvent.of(event, meta) for event, meta in payloads.lifecycle(f"demand-{i}", i)]
        for i in range(templates)
    ]
    length = len(lifecycles[0])
    sql = raw_insert_unnest(table)
    conn = await connect(url)
    streams = 0
    try:
        written = 0
        while written < events:
            columns: list[list[object]] = [[] for _ in range(10)]
            chunk = min(1200, events - written)
            for j in range(chunk):
                version = (written + j) % length + 1
                if version == 1:
                    streams += 1
                stream_id = f"demand-{streams:08d}"
                raw = lifecycles[streams % templates][version - 1]
                prev = None if version == 1 else lifecycles[streams % templates][version - 2].hash
                for column, value in zip(
                    columns, raw.row(uuid4(), stream_id, version, prev), strict=True
                ):
                    column.append(value)
            await conn.execute(sql, *columns)
            written += chunk
    finally:
        await conn.close()
    return streams
