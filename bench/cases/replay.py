"""Replay: read the whole log and decode every event to its typed class.

Ours: `EventStore.read_all` page by page (1000 events, as the relay reads), touching `.event`
(the typed pydantic event) on each. Raw: an asyncpg keyset fetch of the same rows and columns
from the same table, page by page, plus `orjson.loads` of each payload.
"""

from __future__ import annotations

import orjson

from bench.harness import (
    CaseResult,
    Context,
    Sample,
    Timer,
    frozen_inputs,
    median_rate,
    paired,
    progress,
    throughput_result,
)
from bench.store import connect, our_store, seed_log
from pmo_demand.domain.events import registry
from pmo_kernel.store import START

PAGE = 1000


async def run(ctx: Context) -> CaseResult:
    url = ctx.infra.database_url
    schema = ctx.schema("replay")
    engine, store = await our_store(url, schema)
    table = f'"{schema}".events'
    events = ctx.size(50_000, 10_000)
    await seed_log(url, table, events)
    conn = await connect(url)
    await conn.execute(f"VACUUM ANALYZE {table}")
    raw_sql = (
        "SELECT global_position, tx_id, event_id, stream_type, stream_id, stream_version, "
        "event_type, schema_version, payload::text, metadata::text, recorded_at, prev_hash, hash "
        f"FROM {table} WHERE global_position > $1 ORDER BY global_position LIMIT $2"
    )

    async def ours(_: int) -> Sample:
        count = 0
        cursor = START
        with Timer() as t:
            while batch := await store.read_all(cursor, PAGE):
                for recorded in batch:
                    recorded.event  # noqa: B018 - the typed event, parsed on first use
                count += len(batch)
                cursor = batch[-1].cursor
        return Sample(count, t.seconds)

    async def raw(_: int) -> Sample:
        count = 0
        position = 0
        with Timer() as t:
            while rows := await conn.fetch(raw_sql, position, PAGE):
                for row in rows:
                    orjson.loads(row[8])
                count += len(rows)
                position = rows[-1][0]
        return Sample(count, t.seconds)

    async def raw_typed() -> Sample:
        # Not the baseline: the same raw fetch, decoded as the store decodes (decode_stored: the
        # same pydantic classes, rebuilt without re-validation when the JSON is as dumped). The
        # gap between this and ours is the kernel's own cost (RecordedEvent, paging, pool).
        count = 0
        position = 0
        decode = registry.decode_stored
        with Timer() as t:
            while rows := await conn.fetch(raw_sql, position, PAGE):
                for row in rows:
                    decode(row[6], row[7], row[8])
                count += len(rows)
                position = rows[-1][0]
        return Sample(count, t.seconds)

    try:
        await raw(0)  # warm-up: the table into shared buffers, statements prepared
        await ours(0)
        with frozen_inputs():
            raw_samples, our_samples = await paired(ctx.size(5, 1), raw, ours)
            typed = await raw_typed()
        progress(f"    raw fetch + the same pydantic decoding: {typed.rate:,.0f}/s")
    finally:
        await conn.close()
        await engine.dispose()
    return throughput_result(
        "replay",
        "replay: read + decode to typed events",
        raw_samples,
        our_samples,
        0.50,
        [
            f"{events:,} events (demand lifecycles: 6 event types, ~600 B average), pages of "
            f"{PAGE}; raw fetch + the same pydantic decoding (not the baseline, the kernel's "
            f"own share): {typed.rate:,.0f} ev/s, ours at "
            f"{median_rate(our_samples) / typed.rate:.0%} of it"
        ],
    )
