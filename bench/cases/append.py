"""Appends: `EventStore.append` against a bare asyncpg INSERT of the same rows.

Ours pays for everything an aggregate's save pays for: encoding the typed event and metadata,
the hash chain, borrowing a pooled connection, the head check. The raw baseline inserts rows
whose JSON texts and hash are precomputed, into an identical table, with no head check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID, uuid4

import asyncpg

from bench import payloads
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
from bench.store import (
    RawEvent,
    connect,
    our_store,
    raw_insert_one,
    raw_insert_unnest,
    raw_table,
)
from pmo_kernel.store import EventStore, NewEvent

STREAM_TYPE = payloads.STREAM_TYPE


class _Streams:
    """Streams with their heads (version, hash), as aggregates would track them."""

    def __init__(self, prefix: str, count: int) -> None:
        self.ids = [f"{prefix}-{uuid4()}" for _ in range(count)]
        self.heads: list[tuple[int, str | None]] = [(0, None)] * count
        self.next = 0

    def take(self) -> int:
        """The next stream, round robin."""
        k = self.next % len(self.ids)
        self.next += 1
        return k


async def _append_one(store: EventStore, streams: _Streams, k: int, new: NewEvent) -> None:
    version, prev = streams.heads[k]
    result = await store.append(STREAM_TYPE, streams.ids[k], version, [new], prev_hash=prev)
    streams.heads[k] = (result.version, result.last_hash)


async def _insert_one(
    conn: asyncpg.Connection, sql: str, streams: _Streams, k: int, raw: RawEvent
) -> None:
    version, prev = streams.heads[k]
    await conn.execute(sql, *raw.row(uuid4(), streams.ids[k], version + 1, prev))
    streams.heads[k] = (version + 1, raw.hash)


# -- 1 event per call, one caller ---------------------------------------------------------


async def sequential(ctx: Context) -> CaseResult:
    url = ctx.infra.database_url
    engine, store = await our_store(url, ctx.schema("append_seq"))
    table = await raw_table(url, ctx.schema("append_seq_raw"))
    conn = await connect(url)
    sql = raw_insert_one(table)
    stream_count = 1000
    ours_streams = _Streams("demand", stream_count)
    raw_streams = _Streams("demand", stream_count)
    meta = payloads.metadata()
    events = [payloads.submitted(s, k) for k, s in enumerate(ours_streams.ids)]
    new = [NewEvent(event, meta) for event in events]
    raw = [RawEvent.of(event, meta) for event in events]

    async def ours_n(n: int) -> Sample:
        with Timer() as t:
            for _ in range(n):
                k = ours_streams.take()
                await _append_one(store, ours_streams, k, new[k])
        return Sample(n, t.seconds)

    async def raw_n(n: int) -> Sample:
        with Timer() as t:
            for _ in range(n):
                k = raw_streams.take()
                await _insert_one(conn, sql, raw_streams, k, raw[k])
        return Sample(n, t.seconds)

    try:
        per_round = ctx.size(1500, 400)
        await raw_n(200)  # warm-up: connections, prepared statements, caches
        await ours_n(200)
        with frozen_inputs():
            raw_samples, our_samples = await paired(
                ctx.size(8, 2), lambda _: raw_n(per_round), lambda _: ours_n(per_round)
            )
    finally:
        await conn.close()
        await engine.dispose()
    return throughput_result(
        "append_seq",
        "append, 1 event per call, sequential",
        raw_samples,
        our_samples,
        0.80,
        [f"{per_round} appends per round over {stream_count} streams, median of rounds"],
    )


# -- 1 event per call, 16 concurrent streams ----------------------------------------------

WRITERS = 16


async def concurrent(ctx: Context) -> CaseResult:
    url = ctx.infra.database_url
    engine, store = await our_store(url, ctx.schema("append_conc"), pool_size=WRITERS + 4)
    table = await raw_table(url, ctx.schema("append_conc_raw"))
    conns = [await connect(url) for _ in range(WRITERS)]
    sql = raw_insert_one(table)
    ours_streams = _Streams("demand", WRITERS)
    raw_streams = _Streams("demand", WRITERS)
    meta = payloads.metadata()
    events = [payloads.submitted(s, k) for k, s in enumerate(ours_streams.ids)]
    new = [NewEvent(event, meta) for event in events]
    raw = [RawEvent.of(event, meta) for event in events]

    async def ours_n(each: int) -> Sample:
        async def writer(k: int) -> None:
            for _ in range(each):
                await _append_one(store, ours_streams, k, new[k])

        with Timer() as t:
            await asyncio.gather(*(writer(k) for k in range(WRITERS)))
        return Sample(each * WRITERS, t.seconds)

    async def raw_n(each: int) -> Sample:
        async def writer(k: int) -> None:
            for _ in range(each):
                await _insert_one(conns[k], sql, raw_streams, k, raw[k])

        with Timer() as t:
            await asyncio.gather(*(writer(k) for k in range(WRITERS)))
        return Sample(each * WRITERS, t.seconds)

    try:
        each = ctx.size(250, 60)
        await raw_n(20)
        await ours_n(20)
        with frozen_inputs():
            raw_samples, our_samples = await paired(
                ctx.size(8, 2), lambda _: raw_n(each), lambda _: ours_n(each)
            )
    finally:
        for conn in conns:
            await conn.close()
        await engine.dispose()
    return throughput_result(
        "append_concurrent",
        f"append, 1 event per call, {WRITERS} concurrent streams",
        raw_samples,
        our_samples,
        0.55,
        [
            f"{WRITERS} tasks x {each} appends per round; ours: pool of {WRITERS + 4}, raw: "
            f"{WRITERS} connections"
        ],
    )


# -- 100 events per call ------------------------------------------------------------------

BATCH = 100


async def batch(ctx: Context) -> CaseResult:
    url = ctx.infra.database_url
    engine, store = await our_store(url, ctx.schema("append_batch"))
    table = await raw_table(url, ctx.schema("append_batch_raw"))
    conn = await connect(url)
    one_sql, unnest_sql = raw_insert_one(table), raw_insert_unnest(table)
    stream_count = 20
    ours_streams = _Streams("demand", stream_count)
    raw_streams = _Streams("demand", stream_count)
    # A realistic mix: submissions with their business case and business case revisions.
    typed = [
        (payloads.submitted("d", j) if j % 2 == 0 else payloads.revised("d", j, 2))
        for j in range(BATCH)
    ]
    meta = payloads.metadata()
    new = [NewEvent(event, meta) for event in typed]
    raw = [RawEvent.of(event, meta) for event in typed]
    event_types = [r.event_type for r in raw]
    schema_versions = [r.schema_version for r in raw]
    payload_texts = [r.payload for r in raw]
    metadata_texts = [r.metadata for r in raw]
    hashes = [r.hash for r in raw]

    async def ours_n(calls: int) -> Sample:
        with Timer() as t:
            for _ in range(calls):
                k = ours_streams.take()
                version, prev = ours_streams.heads[k]
                result = await store.append(
                    STREAM_TYPE, ours_streams.ids[k], version, new, prev_hash=prev
                )
                ours_streams.heads[k] = (result.version, result.last_hash)
        return Sample(calls * BATCH, t.seconds)

    def chain(k: int) -> tuple[str, int, list[str | None]]:
        version, prev = raw_streams.heads[k]
        prevs: list[str | None] = [prev, *hashes[:-1]]
        raw_streams.heads[k] = (version + BATCH, hashes[-1])
        return raw_streams.ids[k], version, prevs

    async def executemany_n(calls: int) -> Sample:
        with Timer() as t:
            for _ in range(calls):
                stream_id, version, prevs = chain(raw_streams.take())
                rows = [
                    r.row(uuid4(), stream_id, version + j, prevs[j - 1])
                    for j, r in enumerate(raw, start=1)
                ]
                async with conn.transaction():
                    await conn.executemany(one_sql, rows)
        return Sample(calls * BATCH, t.seconds)

    async def unnest_n(calls: int) -> Sample:
        with Timer() as t:
            for _ in range(calls):
                stream_id, version, prevs = chain(raw_streams.take())
                ids: list[UUID] = [uuid4() for _ in range(BATCH)]
                await conn.execute(
                    unnest_sql,
                    ids,
                    [STREAM_TYPE] * BATCH,
                    [stream_id] * BATCH,
                    list(range(version + 1, version + BATCH + 1)),
                    event_types,
                    schema_versions,
                    payload_texts,
                    metadata_texts,
                    prevs,
                    hashes,
                )
        return Sample(calls * BATCH, t.seconds)

    variants: dict[str, list[Sample]] = {"executemany": [], "unnest": []}
    runners: dict[str, Callable[[int], Awaitable[Sample]]] = {
        "executemany": executemany_n,
        "unnest": unnest_n,
    }
    calls = ctx.size(80, 25)

    async def raw_round(n: int) -> Sample:
        # Both raw forms every round, in alternating order; the faster one is the baseline.
        order = ["executemany", "unnest"] if n % 2 == 0 else ["unnest", "executemany"]
        for name in order:
            variants[name].append(await runners[name](calls))
        return max((variants[name][-1] for name in order), key=lambda s: s.rate)

    try:
        await executemany_n(5)
        await unnest_n(5)
        await ours_n(5)
        with frozen_inputs():
            _, our_samples = await paired(ctx.size(6, 2), raw_round, lambda _: ours_n(calls))
    finally:
        await conn.close()
        await engine.dispose()
    rates = {name: median_rate(samples) for name, samples in variants.items()}
    best = max(rates, key=lambda name: rates[name])
    progress(f"    raw forms: {', '.join(f'{k} {v:,.0f}/s' for k, v in rates.items())}")
    return throughput_result(
        "append_batch",
        f"append, {BATCH} events per call",
        [Sample(s.events, s.seconds) for s in variants[best]],
        our_samples,
        0.65,
        [
            f"raw forms: executemany in a transaction {rates['executemany']:,.0f} ev/s, "
            f"unnest INSERT {rates['unnest']:,.0f} ev/s; baseline = {best}",
            f"{calls} calls x {BATCH} events per round",
        ],
    )
