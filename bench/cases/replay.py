"""Replay: read the whole log and decode every event to its typed class.

Ours: the kernel's `LogReader` (what the relay reads the log with) page by page (1000 events),
touching `.event` (the typed pydantic event) on each; it reads the next page while the current
one is decoded. Raw: an asyncpg keyset fetch of the same rows and columns from the same table,
page by page, plus `orjson.loads` of each payload.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson

from bench.harness import (
    CaseResult,
    Context,
    Sample,
    Timer,
    cpython_default_gc,
    frozen_inputs,
    median_rate,
    paired,
    progress,
    throughput_result,
)
from bench.store import connect, our_store, seed_log
from pmo_demand.domain.events import registry
from pmo_kernel.recorded import LogCursor, RecordedEvent
from pmo_kernel.store import START
from pmo_kernel.store.log_reader import LogReader

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

    async def replay(next_page: Callable[[LogCursor], Awaitable[list[RecordedEvent]]]) -> Sample:
        count = 0
        cursor = START
        with Timer() as t:
            while batch := await next_page(cursor):
                for recorded in batch:
                    recorded.event  # noqa: B018 - the typed event, parsed on first use
                count += len(batch)
                cursor = batch[-1].cursor
        return Sample(count, t.seconds)

    async def ours(_: int) -> Sample:
        reader = LogReader(store)
        try:
            return await replay(lambda cursor: reader.page_after(cursor, PAGE))
        finally:
            await reader.close()

    async def page_by_page(_: int) -> Sample:
        # Not the case: `EventStore.read_all` called page after page, nothing read ahead.
        return await replay(lambda cursor: store.read_all(cursor, PAGE))

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
            # Nine short rounds (under a second each): one noisy round moves the median of
            # five by several points of the ratio.
            raw_samples, our_samples = await paired(ctx.size(9, 1), raw, ours)
            typed = await raw_typed()
            plain_raw, plain = await paired(ctx.size(2, 1), raw, page_by_page)
            with cpython_default_gc():
                default_raw, default_ours = await paired(1, raw, ours)
        plain_ratio = median_rate(plain) / median_rate(plain_raw)
        default_ratio = median_rate(default_ours) / median_rate(default_raw)
        progress(f"    raw fetch + the same pydantic decoding: {typed.rate:,.0f}/s")
        progress(f"    read_all page after page, nothing read ahead: ours/raw {plain_ratio:.0%}")
        progress(f"    with CPython's default collector thresholds: ours/raw {default_ratio:.0%}")
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
            f"{PAGE}, median of {len(our_samples)} rounds; raw fetch + the same pydantic "
            f"decoding (not the baseline, the kernel's own share): {typed.rate:,.0f} ev/s, ours at "
            f"{median_rate(our_samples) / typed.rate:.0%} of it; `read_all` page after page "
            f"with nothing read ahead: {median_rate(plain):,.0f} ev/s, {plain_ratio:.0%} of raw; "
            f"with CPython's default "
            f"collector thresholds instead of the service processes' (one round): ours "
            f"{median_rate(default_ours):,.0f} ev/s, raw {median_rate(default_raw):,.0f} ev/s, "
            f"{default_ratio:.0%}"
        ],
    )
