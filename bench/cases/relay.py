"""Relay publish: drain the event log to Kafka.

Ours: `OutboxRelay.publish_batch` in a loop until the log is drained (read the checkpoint, read a
page of the log, produce it and wait for every acknowledgement, save the checkpoint), to a fresh
topic. Raw: an aiokafka producer with the same settings (acks=all, linger 2 ms, 1 MB batches)
sending the same (key, value, headers), precomputed, awaiting the acknowledgements every 1000
records, the relay's batch size, to another fresh topic.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from bench import payloads
from bench.harness import (
    CaseResult,
    Context,
    Sample,
    Timer,
    frozen_inputs,
    paired,
    throughput_result,
)
from bench.store import our_store, seed_log
from pmo_kernel.cloudevents import Headers, to_record
from pmo_kernel.infra.topics import ensure_topics
from pmo_kernel.relay import OutboxRelay, RelaySettings
from pmo_kernel.store import START

BATCH = 1000  # RelaySettings.batch_size's default
PARTITIONS = 6


def _producer(bootstrap: str) -> AIOKafkaProducer:
    # What pmo_kernel.relay.make_producer configures, spelt out.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        max_batch_size=1024 * 1024,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


async def run(ctx: Context) -> CaseResult:
    url = ctx.infra.database_url
    bootstrap = ctx.infra.kafka_bootstrap
    schema = ctx.schema("relay")
    engine, store = await our_store(url, schema)
    events = ctx.size(50_000, 10_000)
    await seed_log(url, f'"{schema}".events', events)

    # The raw side's records: exactly what the relay would produce for the same rows.
    records: list[tuple[bytes, bytes, Headers]] = []
    cursor = START
    while batch := await store.read_all(cursor, 5000):
        records.extend(to_record(payloads.SERVICE, recorded) for recorded in batch)
        cursor = batch[-1].cursor

    raw_producer = _producer(bootstrap)
    await raw_producer.start()

    async def raw(n: int) -> Sample:
        topic = ctx.topic(f"relay_raw_{n}")
        await ensure_topics(bootstrap, [topic], PARTITIONS)
        with Timer() as t:
            for start in range(0, len(records), BATCH):
                futures = [
                    await raw_producer.send(topic, value, key=key, headers=headers)
                    for key, value, headers in records[start : start + BATCH]
                ]
                await asyncio.gather(*futures)
        return Sample(len(records), t.seconds)

    async def ours(n: int) -> Sample:
        relay = OutboxRelay(
            store,
            RelaySettings(
                service=payloads.SERVICE,
                topic=ctx.topic(f"relay_ours_{n}"),
                bootstrap_servers=bootstrap,
                name=f"bench-{n}",
                batch_size=BATCH,
                partitions=PARTITIONS,
            ),
        )
        await relay.start()  # creates the topic, connects: not timed
        try:
            count = 0
            with Timer() as t:
                while sent := await relay.publish_batch():
                    count += sent
        finally:
            await relay.stop()
        return Sample(count, t.seconds)

    try:
        with frozen_inputs():
            raw_samples, our_samples = await paired(ctx.size(3, 1), raw, ours)
    finally:
        await raw_producer.stop()
        await engine.dispose()
    return throughput_result(
        "relay",
        "relay publish",
        raw_samples,
        our_samples,
        0.55,
        [
            f"{events:,} events per round to a fresh {PARTITIONS}-partition topic; "
            f"raw awaits acks every {BATCH} records"
        ],
    )
