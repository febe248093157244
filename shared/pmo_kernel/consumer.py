"""The consumer runner: applies Kafka messages to a service's database exactly once.

- Idempotent: each applied event id is recorded in `processed_messages` in the SAME transaction
  as the handler's effects; a redelivered message finds its id and changes nothing.
- Offsets are committed to Kafka only after the database commit: a crash in between redelivers,
  which the first point makes harmless. For the same reason they are committed at most every
  `commit_interval_seconds` (and when partitions are revoked or the consumer stops), not after
  every batch: at a few hundred events/s a commit per batch was a tenth of a core of broker
  and consumer CPU for nothing a crash could not recover.
- A batch is applied in one transaction (fast path). If that fails, each message of the batch is
  retried alone, a bounded number of times; one that still fails goes to `<topic>.dlq` with the
  error, and the consumer moves on. `replay_dlq` applies dead letters again once the cause is fixed.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from opentelemetry import trace
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.util.types import AttributeValue
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.aio import sleep_unless
from pmo_kernel.cloudevents import MalformedMessage, ReceivedEvent, dlq_topic, from_record
from pmo_kernel.db import raw_connection
from pmo_kernel.faults import is_transient
from pmo_kernel.infra.topics import ensure_topics
from pmo_kernel.telemetry import context_from_traceparent

log = logging.getLogger(__name__)
tracer = trace.get_tracer("pmo.consumer")


class Handler(Protocol):
    """What a consumer does with one event, inside the transaction the runner opened."""

    name: str  # stable: it keys the dedupe records

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None: ...

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        """Called once a batch is committed (e.g. to notify subscribers)."""


class BatchHandler(Handler, Protocol):
    """A handler that applies a whole batch at once (events in per-partition order, already
    deduplicated). One round trip costs 50-100 µs; a projection that reads and writes its rows
    per batch instead of per event goes an order of magnitude faster."""

    async def handle_batch(
        self, conn: asyncpg.Connection, events: Sequence[ReceivedEvent]
    ) -> None: ...


async def apply_events(
    conn: asyncpg.Connection,
    handler: Handler,
    events: Sequence[ReceivedEvent],
    group_id: str = "",
) -> None:
    """Apply already-deduplicated events with `handler`: as one batch when it can, else one
    by one; each under a CONSUMER span continuing the events' traces."""
    if not events:
        return
    batch = getattr(handler, "handle_batch", None)
    if batch is not None and len(events) > 1:
        with _batch_span(events, group_id, handler.name):
            await batch(conn, events)
        return
    for event in events:
        with _event_span(event, group_id, handler.name):
            if batch is not None:
                await batch(conn, [event])
            else:
                await handler.handle(conn, event)


def _messaging_attributes(group_id: str, handler: str) -> dict[str, AttributeValue]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.consumer.group.name": group_id,
        "pmo.handler": handler,
    }


def _event_span(event: ReceivedEvent, group_id: str, handler: str) -> Span:
    return tracer.start_as_current_span(  # type: ignore[return-value]
        f"{event.service} process",
        context=context_from_traceparent(event.traceparent, event.tracestate),
        kind=SpanKind.CONSUMER,
        attributes={
            **_messaging_attributes(group_id, handler),
            "messaging.message.id": str(event.event_id),
            "pmo.event_type": event.event_type,
        },
    )


def _batch_span(events: Sequence[ReceivedEvent], group_id: str, handler: str) -> Span:
    """One CONSUMER span for a batch, linked to every event's trace, as the OpenTelemetry
    messaging conventions do for batch processing."""
    links = []
    for event in events:
        context = context_from_traceparent(event.traceparent, event.tracestate)
        if context is not None:
            links.append(Link(trace.get_current_span(context).get_span_context()))
    return tracer.start_as_current_span(  # type: ignore[return-value]
        f"{events[0].service} process",
        kind=SpanKind.CONSUMER,
        attributes={
            **_messaging_attributes(group_id, handler),
            "messaging.batch.message_count": len(events),
        },
        links=links,
    )


class TransientFailure(Exception):
    """A batch met a failure that passes by itself (see pmo_kernel.faults), its __cause__:
    the batch is put back and taken again once the database is back, never dead-lettered."""


class Unprocessable(Exception):
    """The handler can never apply this event as it is (e.g. a version gap): no retries."""


# aiokafka's background fetcher also wakes every `consumer_timeout_ms` (200 by default) to look
# for work it is not told about; it is woken anyway when a fetch answers, a poll asks or the
# assignment changes, so a second costs no latency and an idle consumer 5 wake-ups a second less.
FETCHER_WAKE_MS = 1000


@dataclass(frozen=True)
class ConsumerSettings:
    topics: tuple[str, ...]
    group_id: str
    bootstrap_servers: str
    # A message failing for its own content is tried `max_retries` times, then dead-lettered.
    # A transient failure (the database or broker away) puts the batch back and waits, from
    # `retry_backoff_seconds` doubling up to `max_backoff_seconds`, as long as it lasts.
    max_retries: int = 3
    retry_backoff_seconds: float = 0.05
    max_backoff_seconds: float = 5.0
    max_batch: int = 1000
    poll_timeout_ms: int = 1000
    # How long the broker may hold a fetch that finds nothing. Apache Kafka answers as soon as a
    # record arrives, whatever the wait; tansu (the development broker) holds it for the whole
    # wait. So a consumer fetches eagerly while records come, and after `idle_after_seconds`
    # without any it lets fetches wait `idle_fetch_max_wait_ms`: an idle consumer then sends 1
    # fetch a second instead of 50, and the first record after a quiet spell may wait that long
    # on tansu (never on Kafka).
    fetch_max_wait_ms: int = 20
    idle_fetch_max_wait_ms: int = 1000
    idle_after_seconds: float = 2.0
    fetcher_wake_ms: int = FETCHER_WAKE_MS
    partitions: int = 6
    replication: int = 1
    # Taken (shared) by every batch transaction; a rebuild takes it exclusively to switch
    # read models over while no batch is in flight (see rebuild.py).
    switchover_lock: str | None = None
    # The longest applied offsets wait before they are committed to Kafka (0: every batch).
    commit_interval_seconds: float = 1.0


@dataclass
class ConsumerStats:
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


class Deduper:
    """Records applied event ids; tells which of a batch are new."""

    def __init__(self, schema: str, consumer: str) -> None:
        self.consumer = consumer
        self._claim = (
            f'INSERT INTO "{schema}".processed_messages (consumer, event_id) '
            f"SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id"
        )

    async def claim(self, conn: asyncpg.Connection, event_ids: Sequence[UUID]) -> set[UUID]:
        """Mark these ids applied; returns the ones not applied before (inside the caller's tx)."""
        if not event_ids:
            return set()
        rows = await conn.fetch(self._claim, self.consumer, list(event_ids))
        return {row[0] for row in rows}


class ConsumerRunner:
    def __init__(
        self, engine: AsyncEngine, schema: str, handler: Handler, settings: ConsumerSettings
    ) -> None:
        self.engine = engine
        self.handler = handler
        self.settings = settings
        self.deduper = Deduper(schema, handler.name)
        self.stats = ConsumerStats()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self.assigned = asyncio.Event()
        # Applied (in the database) but not yet committed to Kafka: partition -> next offset.
        self._uncommitted: dict[TopicPartition, int] = {}
        self._committed_at = 0.0  # event loop time of the last commit (or of the start)
        self._last_records_at = 0.0  # event loop time of the last poll that brought records
        # (partition, offset) of the current batch's records applied or dead-lettered so far.
        self._done: set[tuple[TopicPartition, int]] = set()

    async def start(self) -> None:
        s = self.settings
        await ensure_topics(
            s.bootstrap_servers,
            [*s.topics, *(dlq_topic(t) for t in s.topics)],
            s.partitions,
            s.replication,
        )
        self._producer = AIOKafkaProducer(
            bootstrap_servers=s.bootstrap_servers, acks="all", enable_idempotence=False
        )
        await self._producer.start()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap_servers,
            group_id=s.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=s.fetch_max_wait_ms,
            consumer_timeout_ms=s.fetcher_wake_ms,
            max_poll_records=s.max_batch,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
        )
        listener = _AssignmentListener(self.assigned, self._hand_over)
        self._consumer.subscribe(list(s.topics), listener=listener)
        await self._consumer.start()
        self._committed_at = asyncio.get_running_loop().time()  # the interval counts from here
        self._last_records_at = self._committed_at

    async def stop(self) -> None:
        if self._consumer is not None:
            try:
                await self.commit_offsets()
            except (KafkaError, OSError) as exc:  # redelivered to the next owner: deduplicated
                log.warning("consumer %s: offsets not committed: %r", self.handler.name, exc)
            await self._consumer.stop()
            self._consumer = None
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def run(self, stopping: asyncio.Event) -> None:
        await self.start()
        backoff = self.settings.retry_backoff_seconds
        try:
            while not stopping.is_set():
                try:
                    await self.poll_once()
                except (KafkaError, OSError, TransientFailure) as exc:
                    # The database or the broker is away; poll_once has put the batch back.
                    # Wait for it, longer each time, and take the batch again.
                    log.warning(
                        "consumer %s: %r; batch put back, retrying in %.2f s",
                        self.handler.name,
                        exc.__cause__ or exc,
                        backoff,
                    )
                    await sleep_unless(stopping, backoff)
                    backoff = min(backoff * 2, self.settings.max_backoff_seconds)
                else:
                    backoff = self.settings.retry_backoff_seconds
        finally:
            await self.stop()

    async def poll_once(self) -> int:
        consumer = self._consumer
        assert consumer is not None, "call start() first"
        batches = await consumer.getmany(
            timeout_ms=self.settings.poll_timeout_ms, max_records=self.settings.max_batch
        )
        records = [r for tp in sorted(batches, key=_tp_key) for r in batches[tp]]
        now = asyncio.get_running_loop().time()
        if records:
            self._last_records_at = now
        idle = now - self._last_records_at >= self.settings.idle_after_seconds
        _set_fetch_wait(
            consumer,
            self.settings.idle_fetch_max_wait_ms if idle else self.settings.fetch_max_wait_ms,
        )
        if records:
            try:
                await self.process(records)
            except BaseException:
                # Neither applied nor dead-lettered, so not done: the next poll takes it again
                # (what was applied meanwhile is deduplicated). Otherwise the consumer would go
                # on with later offsets and commit past it.
                self._put_back(records)
                raise
            for tp, msgs in batches.items():
                if msgs:
                    self._uncommitted[tp] = msgs[-1].offset + 1
        # Also when idle (a poll returns within poll_timeout_ms): the group's lag reaches 0
        # within the interval after the last batch.
        due = self._committed_at + self.settings.commit_interval_seconds
        if self._uncommitted and asyncio.get_running_loop().time() >= due:
            await self.commit_offsets()
        return len(records)

    async def commit_offsets(self) -> None:
        """Commit the offsets of what was applied, for the partitions still assigned (the
        others' new owner starts from their last commit: redelivered, deduplicated)."""
        consumer = self._consumer
        if consumer is None:
            return
        assigned = consumer.assignment()
        offsets = {tp: offset for tp, offset in self._uncommitted.items() if tp in assigned}
        self._uncommitted = {}
        self._committed_at = asyncio.get_running_loop().time()
        if offsets:
            await consumer.commit(offsets)

    async def _hand_over(self, revoked: Iterable[TopicPartition]) -> None:
        """Partitions go to another consumer: commit what was applied of them first."""
        offsets = {tp: self._uncommitted.pop(tp) for tp in revoked if tp in self._uncommitted}
        if offsets and self._consumer is not None:
            try:
                await self._consumer.commit(offsets)
            except (KafkaError, OSError) as exc:  # redelivered to the next owner: deduplicated
                log.warning("consumer %s: offsets not handed over: %r", self.handler.name, exc)

    def _put_back(self, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        """Seek each partition back to its first record of `records` not done yet."""
        consumer = self._consumer
        if consumer is None:
            return
        assigned = consumer.assignment()
        first: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            if (tp, record.offset) not in self._done and tp not in first:
                first[tp] = record.offset
        for tp, offset in first.items():
            if tp in assigned:  # a revoked one is its new owner's, from the last commit
                consumer.seek(tp, offset)

    async def process(self, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        """Apply records (already in per-partition order); dead-letter the ones that fail for
        their own content. A transient failure (the database away, a serialization failure)
        raises TransientFailure, with the records handled so far in `_done`."""
        self.stats.batches += 1
        self._done = set()
        decoded: list[tuple[ConsumerRecord[Any, Any], ReceivedEvent]] = []
        for record in records:
            try:
                decoded.append((record, from_record(record.headers, record.value)))
            except MalformedMessage as exc:
                await self._dead_letter(record, exc)
        try:
            applied = await self._apply_batch([event for _, event in decoded])
            self._done.update(_position(record) for record, _ in decoded)
        except Exception as exc:
            if is_transient(exc):
                raise TransientFailure() from exc
            log.info("consumer %s: batch failed (%r), retrying one by one", self.handler.name, exc)
            applied = []
            for record, event in decoded:
                if await self._apply_one_with_retries(record, event):
                    applied.append(event)
                self._done.add(_position(record))
        if applied:
            await self.handler.after_commit(applied)

    async def _apply_batch(self, events: Sequence[ReceivedEvent]) -> list[ReceivedEvent]:
        async with raw_connection(self.engine) as conn, conn.transaction():
            if self.settings.switchover_lock:
                await conn.execute(
                    "SELECT pg_advisory_xact_lock_shared(hashtext($1))",
                    self.settings.switchover_lock,
                )
            new = await self.deduper.claim(conn, [e.event_id for e in events])
            applied = []
            for event in events:
                if event.event_id not in new:
                    self.stats.duplicates += 1
                    continue
                new.discard(event.event_id)  # the same id twice in one batch: apply once
                applied.append(event)
            await apply_events(conn, self.handler, applied, self.settings.group_id)
        self.stats.applied += len(applied)
        return applied

    async def _apply_one_with_retries(
        self, record: ConsumerRecord[Any, Any], event: ReceivedEvent
    ) -> bool:
        error: BaseException | None = None
        for attempt in range(self.settings.max_retries):
            try:
                return bool(await self._apply_batch([event]))
            except Unprocessable as exc:
                error = exc
                break
            except Exception as exc:
                if is_transient(exc):
                    raise TransientFailure() from exc
                error = exc
                await asyncio.sleep(self.settings.retry_backoff_seconds * (2**attempt))
        assert error is not None
        await self._dead_letter(record, error)
        return False

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], error: BaseException) -> None:
        producer = self._producer
        assert producer is not None
        log.error(
            "consumer %s: dead-lettering %s[%s]@%s: %r",
            self.handler.name,
            record.topic,
            record.partition,
            record.offset,
            error,
        )
        headers = [
            *[(k, v) for k, v in record.headers if not k.startswith("pmo_dlq_")],
            *dead_letter_headers(self.handler.name, record, error),
        ]
        # A failed send raises: the record is not done, and the batch is put back.
        await producer.send_and_wait(
            dlq_topic(record.topic), record.value, key=record.key, headers=headers
        )
        self._done.add(_position(record))
        self.stats.dead_lettered += 1
        self.stats.errors.append(repr(error))


def dead_letter_headers(
    consumer: str, record: ConsumerRecord[Any, Any], error: BaseException
) -> list[tuple[str, bytes]]:
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    return [
        ("pmo_dlq_consumer", consumer.encode()),
        ("pmo_dlq_topic", record.topic.encode()),
        ("pmo_dlq_partition", str(record.partition).encode()),
        ("pmo_dlq_offset", str(record.offset).encode()),
        ("pmo_dlq_error", detail[:4000].encode()),
        ("pmo_dlq_failed_at", datetime.now(UTC).isoformat().encode()),
    ]


class _AssignmentListener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(
        self,
        assigned: asyncio.Event,
        hand_over: Callable[[Iterable[TopicPartition]], Awaitable[None]],
    ) -> None:
        self._assigned = assigned
        self._hand_over = hand_over

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self._hand_over(revoked)

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        self._assigned.set()


def _position(record: ConsumerRecord[Any, Any]) -> tuple[TopicPartition, int]:
    return TopicPartition(record.topic, record.partition), record.offset


def _set_fetch_wait(consumer: AIOKafkaConsumer, wait_ms: int) -> None:
    """The wait of the consumer's next fetch requests. aiokafka fixes it at construction; its
    fetcher reads this attribute for every request it builds, so a change takes effect with the
    next fetch. On an aiokafka without it, the consumer keeps its constructed wait."""
    fetcher = getattr(consumer, "_fetcher", None)
    if fetcher is not None and hasattr(fetcher, "_fetch_max_wait_ms"):
        fetcher._fetch_max_wait_ms = wait_ms


def _tp_key(tp: TopicPartition) -> tuple[str, int]:
    return (tp.topic, tp.partition)
