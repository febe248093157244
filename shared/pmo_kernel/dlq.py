"""Dead-letter queues: list what a consumer could not apply, and apply it again once fixed.

Kafka cannot delete a record, so a replayed dead letter stays in `<topic>.dlq`; what tells whether
it has been applied is the consumer's own `processed_messages`, which also makes replays
idempotent (replaying twice applies once).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.cloudevents import MalformedMessage, dlq_topic, from_record
from pmo_kernel.consumer import Deduper, Handler, apply_events
from pmo_kernel.db import raw_connection


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    consumer: str
    error: str
    failed_at: str
    event_id: UUID | None
    event_type: str | None
    subject: str | None
    applied: bool
    record: ConsumerRecord[Any, Any]


async def read_dead_letters(
    bootstrap_servers: str, topic: str, engine: AsyncEngine, schema: str, consumer: str
) -> list[DeadLetter]:
    """Every dead letter of `consumer` on `topic`'s DLQ, with whether it has since been applied."""
    letters = [letter async for letter in read_topic(bootstrap_servers, dlq_topic(topic))]
    mine = [r for r in letters if _header(r, "pmo_dlq_consumer") == consumer]
    ids = [i for i in (_event_id(r) for r in mine) if i is not None]
    async with raw_connection(engine) as conn:
        done = {
            row[0]
            for row in await conn.fetch(
                f'SELECT event_id FROM "{schema}".processed_messages '
                "WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
                consumer,
                ids,
            )
        }
    out = []
    for r in mine:
        event_id = _event_id(r)
        ce_type = _header(r, "ce_type")
        out.append(
            DeadLetter(
                topic=_header(r, "pmo_dlq_topic") or topic,
                partition=int(_header(r, "pmo_dlq_partition") or -1),
                offset=int(_header(r, "pmo_dlq_offset") or -1),
                consumer=consumer,
                error=_header(r, "pmo_dlq_error") or "",
                failed_at=_header(r, "pmo_dlq_failed_at") or "",
                event_id=event_id,
                event_type=ce_type.split(".")[2] if ce_type and ce_type.count(".") == 3 else None,
                subject=_header(r, "ce_subject"),
                applied=event_id in done,
                record=r,
            )
        )
    return out


@dataclass(frozen=True)
class ReplayReport:
    applied: int
    already_applied: int
    failed: list[tuple[DeadLetter, str]]


async def replay_dead_letters(
    letters: list[DeadLetter], engine: AsyncEngine, schema: str, handler: Handler
) -> ReplayReport:
    """Apply each pending dead letter in its original order, each in its own transaction."""
    deduper = Deduper(schema, handler.name)
    applied = already = 0
    failed: list[tuple[DeadLetter, str]] = []
    for letter in sorted(letters, key=lambda d: (d.topic, d.partition, d.offset)):
        if letter.applied:
            already += 1
            continue
        try:
            event = from_record(letter.record.headers, letter.record.value)
        except MalformedMessage as exc:
            failed.append((letter, str(exc)))
            continue
        try:
            async with raw_connection(engine) as conn, conn.transaction():
                if not await deduper.claim(conn, [event.event_id]):
                    already += 1
                    continue
                await apply_events(conn, handler, [event])
        except Exception as exc:
            failed.append((letter, repr(exc)))
            continue
        await handler.after_commit([event])
        applied += 1
    return ReplayReport(applied, already, failed)


async def read_topic(
    bootstrap_servers: str, topic: str, idle_ms: int = 500
) -> AsyncIterator[ConsumerRecord[Any, Any]]:
    """Every record currently in `topic`, read without a consumer group (no offsets kept).

    Reads past the reported end offsets until the topic stays idle for `idle_ms`: the dev
    broker reports a partition's end as the start of its last batch."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        while True:
            batch = await consumer.getmany(*tps, timeout_ms=idle_ms)
            for records in batch.values():
                for record in records:
                    yield record
            if not batch and all([await consumer.position(tp) >= ends[tp] for tp in tps]):
                return
    finally:
        await consumer.stop()


def _header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for key, value in record.headers:
        if key == name:
            return bytes(value).decode("utf-8", "replace")
    return None


def _event_id(record: ConsumerRecord[Any, Any]) -> UUID | None:
    raw = _header(record, "ce_id")
    try:
        return UUID(raw) if raw else None
    except ValueError:
        return None
