"""Store → relay → Kafka → consumer, on the real broker: nothing lost, nothing applied twice,
each stream in order, through relay crashes and broker restarts."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaConnectionError

from pmo_kernel.cloudevents import ReceivedEvent, dlq_topic
from pmo_kernel.consumer import ConsumerRunner, ConsumerSettings, Unprocessable
from pmo_kernel.db import create_engine, raw_connection
from pmo_kernel.dlq import read_dead_letters, read_topic, replay_dead_letters
from pmo_kernel.infra.broker import TansuBroker
from pmo_kernel.infra.topics import ensure_topics
from pmo_kernel.relay import BrokerLostData, Checkpoint, OutboxRelay, RelaySettings
from pmo_kernel.store import EventStore, NewEvent
from tests.infra import Infrastructure
from tests.support import CounterIncremented, eventually, metadata
from tests.tcp_proxy import proxy_to


@dataclass
class CountingProjection:
    """A read model that insists on each stream's order: a gap is unprocessable."""

    schema: str
    name: str = "kernel-test.counters"
    poison_note: str | None = None
    committed: list[str] = field(default_factory=list)

    async def handle(self, conn: asyncpg.Connection, event: ReceivedEvent) -> None:
        if self.poison_note is not None and event.data.get("note") == self.poison_note:
            raise ValueError(f"cannot digest {self.poison_note}")
        current = await conn.fetchval(
            f'SELECT max(version) FROM "{self.schema}".applied WHERE stream_id = $1',
            event.subject,
        )
        if event.sequence != (current or 0) + 1:
            raise Unprocessable(f"{event.subject}: version {event.sequence} after {current}")
        await conn.execute(
            f'INSERT INTO "{self.schema}".applied (stream_id, version, event_id) '
            "VALUES ($1, $2, $3)",
            event.subject,
            event.sequence,
            event.event_id,
        )

    async def after_commit(self, events: Sequence[ReceivedEvent]) -> None:
        self.committed.extend(e.subject for e in events)


@dataclass
class Pipeline:
    store: EventStore
    relay: OutboxRelay
    runner: ConsumerRunner
    projection: CountingProjection
    topic: str
    bootstrap: str
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    stops: dict[str, asyncio.Event] = field(default_factory=dict)

    def start(self, name: str) -> None:
        component = self.relay if name == "relay" else self.runner
        self.stops[name] = asyncio.Event()
        self.tasks[name] = asyncio.create_task(component.run(self.stops[name]))

    async def stop(self, name: str) -> None:
        self.stops[name].set()
        await asyncio.wait_for(self.tasks[name], 30)

    async def kill(self, name: str) -> None:
        """Cancel without a clean shutdown, as a crash would."""
        self.tasks[name].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.tasks[name]

    async def until_applied(self, count: int, within: float = 60) -> None:
        async def done() -> bool:
            return len(await self.applied()) == count

        await eventually(done, within=within)

    async def applied(self) -> list[tuple[str, int]]:
        async with raw_connection(self.store.engine) as conn:
            rows = await conn.fetch(
                f'SELECT stream_id, version FROM "{self.store.schema}".applied ORDER BY 1, 2'
            )
        return [(r[0], r[1]) for r in rows]


@pytest_asyncio.fixture(loop_scope="session")
async def pipeline(
    store: EventStore, infra: Infrastructure, fresh_topic_prefix: str
) -> AsyncIterator[Pipeline]:
    async with raw_connection(store.engine) as conn:
        await conn.execute(
            f'CREATE TABLE "{store.schema}".applied (stream_id text, version int, '
            "event_id uuid, PRIMARY KEY (stream_id, version))"
        )
    topic = f"{fresh_topic_prefix}pmo.kernel.events"
    relay = OutboxRelay(
        store,
        RelaySettings(
            service="kernel",
            topic=topic,
            bootstrap_servers=infra.kafka_bootstrap,
            loss_check_seconds=1.0,
            error_backoff_seconds=0.2,
        ),
    )
    projection = CountingProjection(store.schema)
    runner = ConsumerRunner(
        store.engine,
        store.schema,
        projection,
        ConsumerSettings(
            topics=(topic,),
            group_id=f"{fresh_topic_prefix}projector",
            bootstrap_servers=infra.kafka_bootstrap,
            retry_backoff_seconds=0.01,
        ),
    )
    p = Pipeline(store, relay, runner, projection, topic, infra.kafka_bootstrap)
    yield p
    for name, task in p.tasks.items():
        if not task.done():
            await p.kill(name)


async def write_streams(
    store: EventStore, writers: int, per_writer: int, prefix: str = "s"
) -> None:
    async def write(w: int) -> None:
        head = None
        for v in range(per_writer):
            r = await store.append(
                "counter", f"{prefix}-{w}", v, [NewEvent(CounterIncremented(by=v), metadata())],
                prev_hash=head,
            )  # fmt: skip
            head = r.last_hash

    await asyncio.gather(*(write(w) for w in range(writers)))


async def topic_event_ids(bootstrap: str, topic: str) -> list[str]:
    """Every record's ce_id currently in the topic (duplicates included)."""
    return [
        dict(record.headers).get("ce_id", b"").decode()
        async for record in read_topic(bootstrap, topic)
    ]


def expected(writers: int, per_writer: int, prefix: str = "s") -> list[tuple[str, int]]:
    return sorted((f"{prefix}-{w}", v) for w in range(writers) for v in range(1, per_writer + 1))


async def test_two_thousand_concurrent_appends_all_reach_kafka_and_apply_once_in_order(
    pipeline: Pipeline,
) -> None:
    pipeline.start("relay")
    pipeline.start("consumer")

    await write_streams(pipeline.store, writers=20, per_writer=100)

    await pipeline.until_applied(2000, within=60)
    assert await pipeline.applied() == expected(20, 100)
    ids = await topic_event_ids(pipeline.bootstrap, pipeline.topic)
    assert len(set(ids)) == 2000
    assert pipeline.runner.stats.dead_lettered == 0
    await pipeline.stop("relay")
    await pipeline.stop("consumer")


async def test_a_relay_killed_mid_load_resumes_and_nothing_is_lost_or_applied_twice(
    pipeline: Pipeline,
) -> None:
    pipeline.relay.settings = RelaySettings(
        **{**pipeline.relay.settings.__dict__, "batch_size": 50}
    )
    pipeline.start("consumer")
    pipeline.start("relay")
    load = asyncio.create_task(write_streams(pipeline.store, writers=10, per_writer=60))

    async def some_published() -> bool:
        return (await pipeline.relay.checkpoint()).published > 100

    await eventually(some_published)
    await pipeline.kill("relay")  # mid-load, possibly mid-batch
    await load
    pipeline.start("relay")

    await pipeline.until_applied(600, within=60)
    assert await pipeline.applied() == expected(10, 60)
    assert len(set(await topic_event_ids(pipeline.bootstrap, pipeline.topic))) == 600
    await pipeline.stop("relay")
    await pipeline.stop("consumer")


# How many events the broker outage test appends (a multiple of 200): a fifth before the
# broker goes away, the rest while it is away. The suite keeps it small; issue 9's fault test
# is PMO_OUTAGE_EVENTS=10000 (8,000 appended during the outage).
OUTAGE_EVENTS = int(os.environ.get("PMO_OUTAGE_EVENTS", "1000"))
OUTAGE_SECONDS = 10.0


async def test_a_broker_down_for_ten_seconds_and_back_empty_loses_nothing(
    pipeline: Pipeline, broker_control: TansuBroker
) -> None:
    assert OUTAGE_EVENTS % 200 == 0, "PMO_OUTAGE_EVENTS: a multiple of 200"
    before, during = (20, OUTAGE_EVENTS // 5 // 20), (40, OUTAGE_EVENTS * 4 // 5 // 40)
    loop = asyncio.get_running_loop()
    pipeline.start("consumer")
    pipeline.start("relay")
    await write_streams(pipeline.store, *before, prefix="a")
    await pipeline.until_applied(before[0] * before[1], within=60)

    broker_control.stop()
    down_at = loop.time()
    outage_load = asyncio.create_task(write_streams(pipeline.store, *during, prefix="b"))
    await asyncio.sleep(OUTAGE_SECONDS)
    appended_while_down = (await pipeline.store.stats())[0] - before[0] * before[1]
    broker_control.start()  # the in-memory broker comes back with no topics and no offsets
    up_at = loop.time()
    await outage_load  # every append acknowledged: write_streams raises on any failure

    await pipeline.until_applied(OUTAGE_EVENTS, within=120)
    drained_at = loop.time()
    stored = (await pipeline.store.stats())[0]
    assert (await pipeline.relay.checkpoint()).published == stored, "the outbox drained"
    # Each stream's versions applied once, contiguous (the projection dead-letters any gap).
    assert await pipeline.applied() == sorted(expected(*before, "a") + expected(*during, "b"))
    assert pipeline.runner.stats.dead_lettered == 0
    # The relay noticed the empty broker and republished the whole log: the store, the
    # distinct records on the topic and the applied events are the same.
    ids = await topic_event_ids(pipeline.bootstrap, pipeline.topic)
    assert stored == len(set(ids)) == OUTAGE_EVENTS
    assert [r async for r in read_topic(pipeline.bootstrap, dlq_topic(pipeline.topic))] == []
    print(
        f"\n{OUTAGE_EVENTS} events, {appended_while_down} appended in the first "
        f"{OUTAGE_SECONDS:.0f} s of a {up_at - down_at:.1f} s outage; drained "
        f"{drained_at - up_at:.1f} s after the broker came back; {len(ids)} records on the "
        f"topic ({len(ids) - len(set(ids))} duplicates); "
        f"{pipeline.runner.stats.dead_lettered} dead letters"
    )
    await pipeline.stop("relay")
    await pipeline.stop("consumer")


async def test_a_poison_message_goes_to_the_dlq_the_consumer_goes_on_and_replay_applies_it(
    pipeline: Pipeline,
) -> None:
    pipeline.projection.poison_note = "poison"
    store = pipeline.store
    await store.append("counter", "healthy-1", 0, [NewEvent(CounterIncremented(by=1), metadata())])
    await store.append(
        "counter", "sick", 0, [NewEvent(CounterIncremented(by=1, note="poison"), metadata())]
    )
    await store.append("counter", "healthy-2", 0, [NewEvent(CounterIncremented(by=1), metadata())])
    pipeline.start("consumer")
    pipeline.start("relay")

    async def healthy_applied() -> bool:
        return {s for s, _ in await pipeline.applied()} == {"healthy-1", "healthy-2"}

    await eventually(healthy_applied, within=60)
    await pipeline.stop("relay")
    await pipeline.stop("consumer")

    letters = await read_dead_letters(
        pipeline.bootstrap, pipeline.topic, store.engine, store.schema, pipeline.projection.name
    )
    assert [(d.subject, d.applied) for d in letters] == [("sick", False)]
    assert "cannot digest poison" in letters[0].error

    pipeline.projection.poison_note = None  # the fix is deployed
    report = await replay_dead_letters(letters, store.engine, store.schema, pipeline.projection)
    again = await replay_dead_letters(letters, store.engine, store.schema, pipeline.projection)

    assert (report.applied, again.applied, again.already_applied) == (1, 0, 1)
    assert ("sick", 1) in await pipeline.applied()


async def test_an_unreadable_record_is_dead_lettered_without_retries(pipeline: Pipeline) -> None:
    pipeline.start("consumer")
    await pipeline.runner.assigned.wait()
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(pipeline.topic, b"not json", headers=[("x", b"y")])
    finally:
        await producer.stop()

    async def dead_lettered() -> bool:
        return pipeline.runner.stats.dead_lettered == 1

    await eventually(dead_lettered, within=30)
    await pipeline.stop("consumer")
    dead = [r async for r in read_topic(pipeline.bootstrap, dlq_topic(pipeline.topic))]
    assert [r.value for r in dead] == [b"not json"]
    assert b"not a CloudEvents" in dict(dead[0].headers)["pmo_dlq_error"]


async def test_an_ack_at_offset_0_of_an_anchored_partition_saves_nothing_and_republishes_all(
    pipeline: Pipeline, broker_control: TansuBroker
) -> None:
    relay = pipeline.relay
    await relay.start()
    try:
        await write_streams(pipeline.store, writers=12, per_writer=2, prefix="x")
        while await relay.publish_batch():
            pass
        published = await relay.checkpoint()
        await relay.stop()
        broker_control.restart()  # comes back empty
        await relay.start()
        # Enough new streams that some land on partitions anchored to an "x" event.
        await write_streams(pipeline.store, writers=60, per_writer=1, prefix="y")

        with pytest.raises(BrokerLostData):  # acknowledged at offset 0 of a fresh log
            await relay.publish_batch()

        assert await relay.checkpoint() == published  # the batch's progress is not saved
        assert await relay.recover_lost_records()
        assert (await relay.checkpoint()).published == 0  # everything goes out again
    finally:
        await relay.stop()


async def test_a_batch_not_acknowledged_in_time_is_withdrawn_and_never_lands_later(
    pipeline: Pipeline, broker_control: TansuBroker
) -> None:
    # aiokafka would keep the batch queued through the outage and deliver it to the broker
    # that comes back (empty), ahead of what a lagging consumer has not read yet.
    relay = pipeline.relay
    relay.settings = replace(relay.settings, ack_timeout_seconds=1.0)
    await relay.start()
    try:
        broker_control.stop()
        await write_streams(pipeline.store, writers=6, per_writer=1, prefix="queued")
        publishing = asyncio.create_task(relay.publish_batch())

        await asyncio.wait([publishing], timeout=10)

        assert publishing.done(), "the relay gave up waiting for the acknowledgements"
        with pytest.raises(TimeoutError):
            publishing.result()
        assert (await relay.checkpoint()).published == 0
    finally:
        await relay.stop()
    broker_control.start()
    await ensure_topics(pipeline.bootstrap, [pipeline.topic])
    await asyncio.sleep(1)  # time enough for a batch still queued somewhere to land
    assert await topic_event_ids(pipeline.bootstrap, pipeline.topic) == []


async def test_a_page_read_ahead_is_dropped_when_the_checkpoint_moves_elsewhere(
    pipeline: Pipeline,
) -> None:
    relay = pipeline.relay
    relay.settings = RelaySettings(**{**relay.settings.__dict__, "batch_size": 5})
    await relay.start()
    try:
        await write_streams(pipeline.store, writers=4, per_writer=3, prefix="ahead")
        assert await relay.publish_batch() == 5  # and the next 5 are read while acks come in
        await relay.rewind(0)  # an operator republishes everything meanwhile

        sent = [await relay.publish_batch() for _ in range(4)]

        assert sent == [5, 5, 2, 0]  # from the start again: the page read ahead was not used
        assert (await relay.checkpoint()).published == 12
    finally:
        await relay.stop()


async def test_events_appended_after_an_empty_read_ahead_go_out_with_the_next_batch(
    pipeline: Pipeline,
) -> None:
    relay = pipeline.relay
    await relay.start()
    try:
        await write_streams(pipeline.store, writers=2, per_writer=1, prefix="first")
        assert await relay.publish_batch() == 2  # the page read ahead meanwhile is empty
        await write_streams(pipeline.store, writers=3, per_writer=1, prefix="then")

        assert await relay.publish_batch() == 3  # read again, not taken as "nothing new"
        assert (await relay.checkpoint()).published == 5
    finally:
        await relay.stop()


async def test_checkpoints_that_only_move_the_position_are_saved_too(pipeline: Pipeline) -> None:
    # They commit without waiting for the WAL flush; they must still be there to read, and
    # leave the connection's synchronous_commit as it was.
    relay = pipeline.relay
    await write_streams(pipeline.store, writers=3, per_writer=1, prefix="fast")
    events = await pipeline.store.read_all(limit=10)
    saved = Checkpoint(events[-1].cursor, len(events), {0: str(events[0].event_id)})
    await relay._save(saved, durable=False)
    assert await relay.checkpoint() == saved

    async with raw_connection(pipeline.store.engine) as conn:
        before = await conn.fetchval("SHOW synchronous_commit")
        await conn.execute(relay._save_fast_sql, "another", 1, 1, 1, "{}")
        assert await conn.fetchval("SHOW synchronous_commit") == before


def with_commit_interval(pipeline: Pipeline, seconds: float) -> ConsumerRunner:
    """The pipeline's consumer again, committing offsets at most every `seconds`."""
    old = pipeline.runner
    settings = ConsumerSettings(**{**old.settings.__dict__, "commit_interval_seconds": seconds})
    pipeline.runner = ConsumerRunner(old.engine, pipeline.store.schema, old.handler, settings)
    return pipeline.runner


async def committed_total(pipeline: Pipeline) -> int:
    """How many records the consumer's group has committed past, over all partitions."""
    # Asked as a member of the group would (the admin client's OffsetFetch does not decode
    # against the dev broker); it never joins, so it takes no partition from the runner.
    settings = pipeline.runner.settings
    reader = AIOKafkaConsumer(bootstrap_servers=pipeline.bootstrap, group_id=settings.group_id)
    await reader.start()
    try:
        offsets = [
            await reader.committed(TopicPartition(pipeline.topic, partition))
            for partition in range(settings.partitions)
        ]
    finally:
        await reader.stop()
    return sum(offset or 0 for offset in offsets)


async def test_offsets_wait_for_the_commit_interval_and_stopping_commits_them(
    pipeline: Pipeline,
) -> None:
    with_commit_interval(pipeline, 3600)
    pipeline.start("consumer")
    pipeline.start("relay")
    await write_streams(pipeline.store, writers=6, per_writer=5, prefix="late")

    await pipeline.until_applied(30, within=60)
    assert await committed_total(pipeline) == 0

    await pipeline.stop("consumer")

    assert await committed_total(pipeline) == 30
    await pipeline.stop("relay")


async def test_an_idle_consumer_commits_what_it_applied_once_the_interval_is_over(
    pipeline: Pipeline,
) -> None:
    with_commit_interval(pipeline, 0.5)
    pipeline.start("consumer")
    pipeline.start("relay")
    await write_streams(pipeline.store, writers=4, per_writer=3, prefix="idle")

    async def all_committed() -> bool:
        return await committed_total(pipeline) == 12

    await eventually(all_committed, within=60)  # no new record needed to get there
    assert len(await pipeline.applied()) == 12
    await pipeline.stop("relay")
    await pipeline.stop("consumer")


async def test_an_idle_relay_wakes_on_the_append_notice_not_on_its_poll(
    pipeline: Pipeline,
) -> None:
    # With a 60 s safety poll and 5 s between idle reads, only the events table's NOTIFY can
    # bring an append out within a couple of seconds.
    pipeline.relay.settings = replace(
        pipeline.relay.settings, idle_poll_seconds=5.0, safety_poll_seconds=60.0
    )
    pipeline.start("relay")
    pipeline.start("consumer")
    await write_streams(pipeline.store, writers=1, per_writer=1, prefix="warm")
    await pipeline.until_applied(1, within=30)
    await asyncio.sleep(0.5)  # the relay has found nothing more and sleeps

    await write_streams(pipeline.store, writers=2, per_writer=1, prefix="woken")

    await pipeline.until_applied(3, within=3)
    await pipeline.stop("relay")
    await pipeline.stop("consumer")


class FlakyDeadLetterProducer(AIOKafkaProducer):  # type: ignore[misc]
    """The consumer's producer, whose first `failures` sends (dead letters) fail."""

    failures = 0

    async def send_and_wait(self, *args: Any, **kwargs: Any) -> Any:
        if FlakyDeadLetterProducer.failures > 0:
            FlakyDeadLetterProducer.failures -= 1
            raise KafkaConnectionError("the broker is flaky")
        return await super().send_and_wait(*args, **kwargs)


async def publish_all(relay: OutboxRelay) -> None:
    await relay.start()
    try:
        while await relay.publish_batch():
            pass
    finally:
        await relay.stop()


async def test_a_dead_letter_that_cannot_be_sent_holds_its_batch_back_and_skips_nothing(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.projection.poison_note = "poison"
    store = pipeline.store
    await write_streams(store, writers=10, per_writer=3, prefix="before")
    poison = CounterIncremented(by=1, note="poison")
    await store.append("counter", "sick", 0, [NewEvent(poison, metadata())])
    await write_streams(store, writers=10, per_writer=3, prefix="after")
    await publish_all(pipeline.relay)  # all 61 records wait for the consumer: one batch
    FlakyDeadLetterProducer.failures = 2
    monkeypatch.setattr("pmo_kernel.consumer.AIOKafkaProducer", FlakyDeadLetterProducer)

    pipeline.start("consumer")

    await pipeline.until_applied(60, within=60)
    assert await pipeline.applied() == sorted(expected(10, 3, "before") + expected(10, 3, "after"))

    async def dead_lettered() -> bool:
        return pipeline.runner.stats.dead_lettered == 1

    await eventually(dead_lettered, within=30)
    await pipeline.stop("consumer")
    letters = await read_dead_letters(
        pipeline.bootstrap, pipeline.topic, store.engine, store.schema, pipeline.projection.name
    )
    assert [d.subject for d in letters] == ["sick"]  # once: the failed sends left nothing
    assert FlakyDeadLetterProducer.failures == 0


async def test_a_database_gone_for_ten_seconds_delays_consumption_and_dead_letters_nothing(
    pipeline: Pipeline, fresh_database: str
) -> None:
    async with proxy_to(fresh_database) as proxy:
        engine = create_engine(proxy.url_for(fresh_database))
        runner = ConsumerRunner(engine, pipeline.store.schema, pipeline.projection, replace(
            pipeline.runner.settings, group_id=f"{pipeline.runner.settings.group_id}-cut"
        ))  # fmt: skip
        stopping = asyncio.Event()
        consuming = asyncio.create_task(runner.run(stopping))
        pipeline.start("relay")
        try:
            await write_streams(pipeline.store, writers=10, per_writer=10, prefix="a")
            await pipeline.until_applied(100, within=60)

            await proxy.cut()
            await write_streams(pipeline.store, writers=10, per_writer=10, prefix="b")
            await asyncio.sleep(10)
            assert len(await pipeline.applied()) == 100  # nothing got through meanwhile
            await proxy.restore()

            await pipeline.until_applied(200, within=60)
        finally:
            stopping.set()
            await asyncio.wait_for(consuming, 30)
            await pipeline.stop("relay")
            await engine.dispose()
    assert await pipeline.applied() == sorted(expected(10, 10, "a") + expected(10, 10, "b"))
    assert runner.stats.dead_lettered == 0
    assert [r async for r in read_topic(pipeline.bootstrap, dlq_topic(pipeline.topic))] == []


async def test_a_rebalance_mid_stream_keeps_each_streams_order_and_applies_once(
    pipeline: Pipeline,
) -> None:
    # A second consumer joins the group while events flow: partitions move from the first to
    # it. The projection refuses any gap in a stream's versions (Unprocessable: dead-lettered),
    # so an empty DLQ and every version applied once mean order held across the hand-over.
    second = ConsumerRunner(
        pipeline.store.engine, pipeline.store.schema, pipeline.projection,
        pipeline.runner.settings,
    )  # fmt: skip
    pipeline.start("relay")
    pipeline.start("consumer")
    first_half = asyncio.create_task(write_streams(pipeline.store, writers=12, per_writer=50))

    async def flowing() -> bool:
        return len(await pipeline.applied()) >= 100

    await eventually(flowing, within=60)
    stopping = asyncio.Event()
    joined = asyncio.create_task(second.run(stopping))
    await first_half
    await asyncio.wait_for(second.assigned.wait(), 30)
    await write_streams(pipeline.store, writers=12, per_writer=25, prefix="late")
    try:
        await pipeline.until_applied(900, within=90)
    finally:
        stopping.set()
        await asyncio.wait_for(joined, 30)
    assert await pipeline.applied() == sorted(expected(12, 50) + expected(12, 25, "late"))
    assert second.stats.applied > 0, "the second consumer took partitions over"
    assert pipeline.runner.stats.dead_lettered == second.stats.dead_lettered == 0
    await pipeline.stop("relay")
    await pipeline.stop("consumer")
