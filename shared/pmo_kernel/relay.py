"""The outbox relay: the events table is the outbox; this process tails it and publishes.

At-least-once: a batch is produced and acknowledged by the broker (acks=all) before the checkpoint
moves past it, so a crash between the two republishes the batch (consumers are idempotent).
Per-stream order holds: the log is read in an order that keeps each stream's versions ascending,
the record key is the stream id, and a failed batch is retried whole from the checkpoint.

The in-memory dev broker forgets everything when it restarts. The relay remembers which event
it published at offset 0 of each partition (its "anchor"); if a partition whose log still starts
at 0 no longer holds that event there, the broker lost the topic's data and the relay republishes
the whole log. (Counting end offsets would not do: the dev broker reports a partition's end as
the start of its last batch.) Apache Kafka never loses acknowledged records this way, and with
retention the log start moves past 0, so the check never fires there by mistake.

Through a broker outage (issue 9's fault test: 10 s down under load, back empty):
- aiokafka never expires a batch queued for a broker it cannot reach; it delivers it to whatever
  answers next, i.e. to the restarted, empty broker, at offset 0 of a fresh log, ahead of the
  records published before it. A consumer that had not read those yet meets a version gap. So
  acknowledgements are awaited at most `ack_timeout_seconds`; past that the producer is thrown
  away with everything it still queues (`_discard`) and the batch goes again from the checkpoint.
- An acknowledgement at offset 0 on a partition anchored to another event is the broker having
  lost the log: the batch's progress is not saved, and the loop recovers before the next batch.
- The restarted dev broker creates a topic, with its default 4 partitions, for any client that
  asks for its metadata by name; recovery replaces such a topic (see `_recreate_topic`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaError
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from pmo_kernel.aio import cancelled, sleep_unless
from pmo_kernel.cloudevents import to_record
from pmo_kernel.consumer import FETCHER_WAKE_MS
from pmo_kernel.db import raw_connection
from pmo_kernel.infra.topics import TopicError, delete_topics, ensure_topics
from pmo_kernel.leadership import leading, wait_for
from pmo_kernel.recorded import LogCursor, RecordedEvent
from pmo_kernel.settings import Settings
from pmo_kernel.store.log_reader import LogReader
from pmo_kernel.store.postgres import START, EventStore
from pmo_kernel.store.schema import wakeup_channel
from pmo_kernel.telemetry import context_from_traceparent

log = logging.getLogger(__name__)
tracer = trace.get_tracer("pmo.relay")


@dataclass(frozen=True)
class RelaySettings:
    service: str
    topic: str
    bootstrap_servers: str
    name: str = "kafka"
    batch_size: int = 1000
    # An idle relay sleeps until the events table's NOTIFY (see store.schema.event_wakeup_ddl)
    # or, as a safety net, for at most `safety_poll_seconds`. After a wake-up that found nothing
    # to publish (the rows are not visible yet, below the log's horizon), it reads again after
    # `idle_poll_seconds`, doubling up to the safety poll.
    idle_poll_seconds: float = 0.01
    safety_poll_seconds: float = 1.0
    error_backoff_seconds: float = 0.5
    partitions: int = 6
    replication: int = 1
    loss_check_seconds: float = 5.0
    # A healthy broker acknowledges within milliseconds; longer than this, the broker is taken
    # as away and the unacknowledged records are withdrawn (module doc). Kept below the outages
    # worth surviving without a single out-of-order record (10 s in the fault test).
    ack_timeout_seconds: float = 5.0


@dataclass(frozen=True)
class Checkpoint:
    cursor: LogCursor
    published: int
    anchors: dict[int, str] = field(default_factory=dict)  # partition -> event id at offset 0


class BrokerLostData(Exception):
    """An acknowledgement showed that the broker lost what it had acknowledged before."""


def make_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    # No idempotent producer, no transactions: Apache Kafka has them, but correctness must not
    # depend on them (the dev broker lacks them); consumers deduplicate instead.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        max_batch_size=1024 * 1024,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


class OutboxRelay:
    def __init__(
        self,
        store: EventStore,
        settings: RelaySettings,
        producer_factory: Callable[[str], AIOKafkaProducer] = make_producer,
    ) -> None:
        self.store = store
        self.settings = settings
        self._producer_factory = producer_factory
        self._producer: AIOKafkaProducer | None = None
        self._check_now = asyncio.Event()
        self._appended = asyncio.Event()  # set by the events table's NOTIFY
        self._probe_lock = asyncio.Lock()  # one user of the probe consumer at a time
        self._probe: AIOKafkaConsumer | None = None
        # Partitions whose acknowledgements showed a lost log: recovered whatever the probe says
        # (the probe may not see the topic yet when the broker has just come back).
        self._acked_over_anchor: set[int] = set()
        # Reads the next page while the broker acknowledges this one.
        self._reader = LogReader(store)
        t = f'"{store.schema}".relay_checkpoints'
        self._load_sql = (
            f"SELECT tx_id, global_position, published, anchors::text FROM {t} WHERE relay = $1"
        )
        insert = f"INSERT INTO {t} (relay, tx_id, global_position, published, anchors, updated_at) "
        upsert = (
            "ON CONFLICT (relay) DO UPDATE SET "
            "tx_id = excluded.tx_id, global_position = excluded.global_position, "
            "published = excluded.published, anchors = excluded.anchors, updated_at = now()"
        )
        self._save_sql = f"{insert}VALUES ($1, $2, $3, $4, $5::jsonb, now()) {upsert}"
        # The same, committed without waiting for the WAL flush (synchronous_commit off for
        # this one statement's transaction: set_config(..., true) is read at its commit). A
        # database crash may then lose the last few checkpoints: the relay resumes from an
        # older one and republishes what the broker already has, which at-least-once allows
        # and consumers deduplicate. It never moves a checkpoint ahead of the acks. Anchors
        # are the exception (a lost anchor would hide a later broker loss), so a checkpoint
        # that adds one is saved durably.
        self._save_fast_sql = (
            f"{insert}SELECT $1, $2, $3, $4, $5::jsonb, now() "
            f"FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit {upsert}"
        )

    # ----------------------------------------------------------------- checkpoint

    async def checkpoint(self) -> Checkpoint:
        async with raw_connection(self.store.engine) as conn:
            row = await conn.fetchrow(self._load_sql, self.settings.name)
        if row is None:
            return Checkpoint(START, 0)
        anchors = {int(p): str(e) for p, e in orjson.loads(row[3]).items()}
        return Checkpoint(LogCursor(row[0], row[1]), row[2], anchors)

    async def _save(self, checkpoint: Checkpoint, *, durable: bool = True) -> None:
        async with raw_connection(self.store.engine) as conn:
            await conn.execute(
                self._save_sql if durable else self._save_fast_sql,
                self.settings.name,
                checkpoint.cursor.tx_id,
                checkpoint.cursor.global_position,
                checkpoint.published,
                orjson.dumps({str(p): e for p, e in checkpoint.anchors.items()}).decode(),
            )

    async def rewind(self, global_position: int = 0) -> None:
        """Republish from just after `global_position` (0: the whole log) on the next batches."""
        cursor = await self.store.cursor_after_position(global_position)
        published = 0
        if cursor != START:
            async with raw_connection(self.store.engine) as conn:
                published = await conn.fetchval(
                    f'SELECT count(*) FROM "{self.store.schema}".events '
                    "WHERE (tx_id, global_position) <= ($1, $2)",
                    cursor.tx_id,
                    cursor.global_position,
                )
        await self._save(Checkpoint(cursor, published, (await self.checkpoint()).anchors))
        log.info("relay rewound", extra={"relay": self.settings.name, "after": global_position})

    # ----------------------------------------------------------------- running

    async def start(self) -> None:
        await self._ensure_topic()
        await self._start_producer()
        self._probe = AIOKafkaConsumer(
            bootstrap_servers=self.settings.bootstrap_servers,
            enable_auto_commit=False,
            fetch_max_wait_ms=10,
            consumer_timeout_ms=FETCHER_WAKE_MS,
        )
        await self._probe.start()

    async def _start_producer(self) -> AIOKafkaProducer:
        producer = self._producer_factory(self.settings.bootstrap_servers)
        await producer.start()
        self._producer = producer
        return producer

    async def _discard_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await _discard(producer)

    async def _ensure_topic(self) -> None:
        s = self.settings
        await ensure_topics(s.bootstrap_servers, [s.topic], s.partitions, s.replication)

    async def stop(self) -> None:
        await self._reader.close()
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        if self._probe is not None:
            await self._probe.stop()
            self._probe = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Publish until `stopping` is set; survives broker outages by retrying from the
        checkpoint with backoff. Several relays may run for availability: one publishes, the
        others wait for its leadership lock (two publishing would only duplicate records)."""
        lock = f"pmo-relay:{self.store.schema}:{self.settings.name}"
        channel = wakeup_channel(self.store.schema)
        async with leading(
            self.store.engine, lock, channel, self._on_appended, stopping, standby_seconds=1.0
        ) as leader:
            if leader:
                await self._run_as_leader(stopping)

    def _on_appended(self, *_: object) -> None:
        self._appended.set()

    async def _run_as_leader(self, stopping: asyncio.Event) -> None:
        """The publish loop. The loss check (module doc) runs before the first batch and before
        publishing again after a broker failure, in the loop; in between, a watcher task probes
        the broker every `loss_check_seconds` off the publish path (a probe waits on fetches for
        tens of milliseconds, which used to hold every pending event back each time) and only
        asks the loop to recover when it sees a loss. The checkpoint is then reset between two
        batches, by the loop, so a batch in flight can never save over the reset."""
        await self.start()
        self._check_now.set()
        watcher = asyncio.create_task(self._watch_for_loss(stopping))
        idle_wait = self.settings.idle_poll_seconds
        try:
            while not stopping.is_set():
                # Cleared before reading: a NOTIFY that arrives while this batch is read makes
                # the wait below return at once, so no append is left waiting for the next one.
                self._appended.clear()
                try:
                    if self._check_now.is_set():
                        self._check_now.clear()
                        await self.recover_lost_records()
                    sent = await self.publish_batch()
                except BrokerLostData as exc:
                    log.warning("relay: %s; recovering before the next batch", exc)
                    self._check_now.set()
                    continue
                except (TimeoutError, KafkaError, OSError, TopicError) as exc:
                    log.warning("relay: broker unavailable, retrying: %r", exc)
                    self._check_now.set()  # after an outage, check what the broker kept
                    await sleep_unless(stopping, self.settings.error_backoff_seconds)
                    continue
                if sent:
                    idle_wait = self.settings.idle_poll_seconds
                    continue
                if await self._wait_for_appends(stopping, idle_wait):
                    idle_wait = self.settings.idle_poll_seconds
                else:
                    idle_wait = min(idle_wait * 2, self.settings.safety_poll_seconds)
        finally:
            await cancelled(watcher)
            await self.stop()

    async def _wait_for_appends(self, stopping: asyncio.Event, seconds: float) -> bool:
        """Sleep until an append is announced (True), `seconds` pass or we are stopping."""
        return await wait_for(self._appended, stopping, seconds)

    async def _watch_for_loss(self, stopping: asyncio.Event) -> None:
        """Every `loss_check_seconds`, probe the broker; on a loss, have the loop recover."""
        while not stopping.is_set():
            await sleep_unless(stopping, self.settings.loss_check_seconds)
            if stopping.is_set() or self._check_now.is_set():
                continue
            try:
                if await self.lost_records():
                    self._check_now.set()
            except (TimeoutError, KafkaError, OSError) as exc:
                # The publish loop meets the same outage and checks again once it is over.
                log.info("relay: loss check failed: %r", exc)

    async def lost_records(self) -> bool:
        """Whether the broker lost what we published (see module doc); changes nothing."""
        async with self._probe_lock:
            probe = self._probe
            if probe is None:
                return False
            checkpoint = await self.checkpoint()
            if not checkpoint.anchors:
                return False
            return bool(await self._lost_partitions(probe, checkpoint.anchors))

    async def publish_batch(self) -> int:
        """Publish the next batch after the checkpoint; returns how many events were sent.

        While the broker acknowledges a batch, the next page of the log is already being read
        (`LogReader`); it is used only if the next batch starts exactly where this one ends,
        i.e. this one was checkpointed and nobody rewound in between."""
        checkpoint = await self.checkpoint()
        batch = await self._reader.page_after(checkpoint.cursor, self.settings.batch_size)
        if not batch:
            return 0
        futures = await self._send(batch)
        anchors = await self._acknowledged(batch, futures)
        # A partition anchored to another event acknowledged a record at offset 0: its log is
        # not the one we published to (the broker lost it). Saving this batch's progress would
        # leave what it lost unpublished; the loop republishes everything instead.
        overwritten = {p for p, e in anchors.items() if checkpoint.anchors.get(p, e) != e}
        if overwritten:
            self._acked_over_anchor |= overwritten
            raise BrokerLostData(
                f"partitions {sorted(overwritten)} of {self.settings.topic} acknowledged a new "
                "record at offset 0"
            )
        await self._save(
            Checkpoint(
                batch[-1].cursor,
                checkpoint.published + len(batch),
                # An anchor, once set, stays until a republish resets them all: an event that
                # lands at offset 0 later means the broker lost the first one.
                {**anchors, **checkpoint.anchors},
            ),
            # Only the position moves: a checkpoint lost to a crash republishes (see __init__).
            durable=bool(anchors.keys() - checkpoint.anchors.keys()),
        )
        return len(batch)

    async def _send(self, batch: list[RecordedEvent]) -> list[asyncio.Future[Any]]:
        """Hand every record to the producer; returns the futures of their acknowledgements."""
        # None after a discard (an outage): a new producer, so nothing of the old one's queue.
        producer = self._producer or await self._start_producer()
        futures = []
        topic = self.settings.topic
        service = self.settings.service
        send = producer.send
        for recorded in batch:
            key, value, headers = to_record(service, recorded)
            traceparent = recorded.metadata_dict.get("traceparent")
            if traceparent is None:  # no trace to continue: skip the span's ~10 µs
                futures.append(await send(topic, value, key=key, headers=headers))
                continue
            # One short span per traced record, child of the command's trace: the trace goes
            # on on the consumer side through the traceparent header.
            with tracer.start_as_current_span(
                f"{topic} publish",
                context=context_from_traceparent(traceparent),
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "publish",
                    "messaging.destination.name": topic,
                    "messaging.message.id": str(recorded.event_id),
                    "messaging.kafka.message.key": recorded.stream_id,
                },
            ):
                futures.append(await send(topic, value, key=key, headers=headers))
        return futures

    async def _acknowledged(
        self, batch: list[RecordedEvent], futures: list[asyncio.Future[Any]]
    ) -> dict[int, str]:
        """The partitions where `batch` landed at offset 0, with the event there. Waits for
        every acknowledgement (not only up to the first failure); on a failure or after
        `ack_timeout_seconds`, discards the producer so that none of the batch lands later,
        behind the records sent after it (module doc), and raises."""
        timeout = self.settings.ack_timeout_seconds
        if futures:
            await asyncio.wait(futures, timeout=timeout, return_when=asyncio.FIRST_EXCEPTION)
        failed = next((f for f in futures if not f.done() or f.exception() is not None), None)
        if failed is not None:
            timed_out = not failed.done()  # before the discard fails every future
            await self._discard_producer()
            for future in futures:  # all failed now; retrieved, so asyncio does not warn
                if future.done() and not future.cancelled():
                    future.exception()
            if timed_out or failed.cancelled():
                raise TimeoutError(f"no acknowledgement within {timeout} s")
            error = failed.exception()
            assert error is not None
            raise error
        acknowledged = [f.result() for f in futures]
        return {
            meta.partition: str(recorded.event_id)
            for meta, recorded in zip(acknowledged, batch, strict=True)
            if meta.offset == 0
        }

    async def recover_lost_records(self) -> bool:
        """If the broker lost what we published (see module doc), republish everything."""
        async with self._probe_lock:
            return await self._recover_lost_records()

    async def _recover_lost_records(self) -> bool:
        probe = self._probe
        if probe is None:  # between reconnections: the publish loop checks before it resumes
            return False
        checkpoint = await self.checkpoint()
        if not checkpoint.anchors:
            return False
        lost = self._acked_over_anchor | await self._lost_partitions(probe, checkpoint.anchors)
        if not lost:
            return False
        log.warning(
            "relay: partitions %s of %s no longer hold the events we published: the broker "
            "lost data, republishing the whole log",
            sorted(lost),
            self.settings.topic,
        )
        await self._recreate_topic()
        # A new producer: fresh metadata (the topic's partitions) and no queued stale batches.
        await self._discard_producer()
        await self._save(Checkpoint(START, 0))
        self._acked_over_anchor = set()
        return True

    async def _recreate_topic(self) -> None:
        """Make sure the topic is there with its partitions, after the broker lost its data.

        The restarted dev broker creates a topic with 4 partitions for any client (the probe,
        a consumer) that asks for its metadata by name; keys would then map to other partitions
        and each stream's order would be lost. Only then, after a detected loss, is the topic
        deleted and created again: it holds nothing that is not republished next."""
        try:
            await self._ensure_topic()
        except TopicError as exc:
            log.warning("relay: %s; recreating it after the broker's loss", exc)
            await delete_topics(self.settings.bootstrap_servers, [self.settings.topic])
            await self._ensure_topic()

    async def _lost_partitions(self, probe: AIOKafkaConsumer, anchors: dict[int, str]) -> set[int]:
        await probe.topics()  # fresh metadata: the topic may have vanished or come back
        known = probe.partitions_for_topic(self.settings.topic) or set()
        missing = {p for p in anchors if p not in known}
        tps = [TopicPartition(self.settings.topic, p) for p in anchors if p in known]
        if not tps:
            return missing
        probe.assign(tps)
        try:
            return missing | await self._missing_firsts(probe, tps, anchors)
        finally:
            # An assigned consumer keeps fetching in the background: between checks the probe
            # would poll the broker all the time (a tenth of a core for nothing when idle).
            # Paused, not unassigned: an unassigned probe stops tracking the topic's metadata
            # and misses that a restarted broker lost it.
            probe.pause(*probe.assignment())

    async def _missing_firsts(
        self, probe: AIOKafkaConsumer, tps: list[TopicPartition], anchors: dict[int, str]
    ) -> set[int]:
        """The partitions whose first record is not the anchor we published there."""
        missing: set[int] = set()
        starts = await probe.beginning_offsets(tps)
        # Retention may move a log start past 0: offset 0 is then gone on purpose.
        pending = {tp for tp in tps if starts[tp] == 0}
        for tp in pending:
            probe.seek(tp, 0)
        firsts: dict[TopicPartition, Any] = {}
        deadline = asyncio.get_running_loop().time() + 2.0
        while pending - firsts.keys() and asyncio.get_running_loop().time() < deadline:
            fetched = await probe.getmany(*(pending - firsts.keys()), timeout_ms=200)
            for tp, records in fetched.items():
                if records:
                    firsts.setdefault(tp, records[0])
        for tp in pending:
            first = firsts.get(tp)
            if (
                first is None
                or first.offset != 0
                or dict(first.headers).get("ce_id", b"").decode() != anchors[tp.partition]
            ):
                missing.add(tp.partition)
        return missing


async def _discard(producer: AIOKafkaProducer) -> None:
    """Close `producer` without delivering what it still queues (aiokafka's stop() flushes, and
    would deliver it to the next broker that answers; see the module doc): the sender task is
    cancelled first, then every pending batch is failed. Private aiokafka API: guarded, and
    the relay only needs it during outages."""
    sender = getattr(producer, "_sender", None)
    accumulator = getattr(producer, "_message_accumulator", None)
    if sender is not None and accumulator is not None:
        await sender.close()  # cancels the sender task: nothing more goes out
        batches = [b for queued in accumulator._batches.values() for b in queued]
        batches += list(accumulator._pending_batches)
        accumulator.fail_all(KafkaConnectionError("the relay discarded its producer"))
        for batch in batches:  # retrieved, so that asyncio does not warn about them
            if batch.future.done() and not batch.future.cancelled():
                batch.future.exception()
    try:
        await producer.stop()
    except (KafkaError, OSError) as exc:
        log.info("relay: discarded producer: %r", exc)


def relay_for(store: EventStore, settings: Settings, service: str) -> OutboxRelay:
    """The relay publishing `service`'s event store to its topic, as configured."""
    return OutboxRelay(
        store,
        RelaySettings(
            service=service,
            topic=settings.topic(service),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            partitions=settings.kafka_partitions,
            replication=settings.kafka_replication_factor,
            idle_poll_seconds=settings.relay_idle_poll_seconds,
            safety_poll_seconds=settings.relay_safety_poll_seconds,
        ),
    )
