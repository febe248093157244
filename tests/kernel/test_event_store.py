"""The event store's promises, against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest

from pmo_kernel.db import asyncpg_dsn, fast_pool, raw_connection
from pmo_kernel.errors import ConcurrencyError
from pmo_kernel.store import START, EventStore, NewEvent, StreamAppend
from pmo_kernel.store.event_ids import new_event_id
from tests.kernel.tailing import assert_each_event_once_in_stream_order, read_while_writing
from tests.support import CounterIncremented, metadata


def new(by: int = 1, event_id: uuid.UUID | None = None) -> NewEvent:
    return NewEvent(CounterIncremented(by=by), metadata(), event_id)


async def test_appended_events_read_back_in_stream_order_with_a_hash_chain(
    store: EventStore,
) -> None:
    first = await store.append("counter", "c-1", 0, [new(1)])
    await store.append("counter", "c-1", 1, [new(2), new(3)], prev_hash=first.last_hash)

    events = await store.read_stream("counter", "c-1")

    assert [e.stream_version for e in events] == [1, 2, 3]
    assert [e.event for e in events] == [CounterIncremented(by=n) for n in (1, 2, 3)]
    assert events[0].prev_hash is None
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert events[0].metadata.actor.id == "tester"


async def test_a_stale_expected_version_is_a_concurrency_error_and_writes_nothing(
    store: EventStore,
) -> None:
    await store.append("counter", "c-2", 0, [new()])
    await store.append("counter", "c-2", 1, [new()])

    with pytest.raises(ConcurrencyError) as refused:
        await store.append("counter", "c-2", 1, [new(), new()])

    assert refused.value.extensions["actual_version"] == 2
    assert len(await store.read_stream("counter", "c-2")) == 2


async def test_an_expected_version_ahead_of_the_stream_cannot_leave_a_gap(
    store: EventStore,
) -> None:
    await store.append("counter", "c-3", 0, [new()])

    with pytest.raises(ConcurrencyError):
        await store.append("counter", "c-3", 5, [new()])

    assert [e.stream_version for e in await store.read_stream("counter", "c-3")] == [1]


async def test_a_wrong_chain_hash_is_refused(store: EventStore) -> None:
    await store.append("counter", "c-4", 0, [new()])

    with pytest.raises(ConcurrencyError, match="hash"):
        await store.append("counter", "c-4", 1, [new()], prev_hash="0" * 64)


async def test_appending_the_same_event_ids_again_is_a_no_op(store: EventStore) -> None:
    ids = [uuid.uuid4(), uuid.uuid4()]
    first = await store.append("counter", "c-5", 0, [new(1, ids[0]), new(2, ids[1])])

    for _ in range(2):
        again = await store.append("counter", "c-5", 0, [new(1, ids[0]), new(2, ids[1])])
        assert again.duplicate
        assert again.positions == first.positions

    assert len(await store.read_stream("counter", "c-5")) == 2


async def test_appending_one_stored_event_again_is_a_no_op_at_either_version(
    store: EventStore,
) -> None:
    first_id, second_id = uuid.uuid4(), uuid.uuid4()
    first = await store.append("counter", "c-5b", 0, [new(1, first_id)])
    second = await store.append(
        "counter", "c-5b", 1, [new(2, second_id)], prev_hash=first.last_hash
    )

    again_first = await store.append("counter", "c-5b", 0, [new(1, first_id)])
    again_second = await store.append(
        "counter", "c-5b", 1, [new(2, second_id)], prev_hash=first.last_hash
    )

    assert again_first.duplicate
    assert again_first.positions == first.positions
    assert again_second.duplicate
    assert again_second.positions == second.positions
    assert [e.stream_version for e in await store.read_stream("counter", "c-5b")] == [1, 2]


async def test_a_retry_inside_a_callers_transaction_leaves_the_transaction_usable(
    store: EventStore,
) -> None:
    stored = uuid.uuid4()
    await store.append("counter", "c-5c", 0, [new(1, stored)])

    async with raw_connection(store.engine) as conn, conn.transaction():
        again = await store.append("counter", "c-5c", 0, [new(1, stored)], conn=conn)
        other = await store.append("counter", "c-5d", 0, [new(1)], conn=conn)

    assert again.duplicate
    assert not other.duplicate
    assert len(await store.read_stream("counter", "c-5d")) == 1


async def test_a_lookup_on_the_callers_connection_sees_what_its_transaction_appended(
    store: EventStore,
) -> None:
    # A consumer's handler appends and looks up in the one transaction the runner opened.
    async with raw_connection(store.engine) as conn, conn.transaction():
        await store.append("tally", "seen-1", 0, [new(41)], conn=conn)

        inside = await store.stream_ids_with("tally", "CounterIncremented", conn=conn, by=41)
        outside = await store.stream_ids_with("tally", "CounterIncremented", by=41)

    assert (inside, outside) == (["seen-1"], [])
    assert await store.stream_ids_with("tally", "CounterIncremented", by=41) == ["seen-1"]


async def test_a_batch_reusing_some_stored_event_ids_is_refused_whole(store: EventStore) -> None:
    reused = uuid.uuid4()
    await store.append("counter", "c-6", 0, [new(1, reused)])

    with pytest.raises(ConcurrencyError):
        await store.append("counter", "c-6", 1, [new(2), new(3, reused)])

    assert len(await store.read_stream("counter", "c-6")) == 1


async def test_a_reader_never_skips_an_event_that_commits_after_a_later_one(
    store: EventStore, fresh_database: str
) -> None:
    """The classic gap: T1 inserts (position p) but commits after T2 (position p+1). A reader
    paging by position alone would read p+1, move past p and never see it."""
    table = f'"{store.schema}".events'
    slow = await asyncpg.connect(asyncpg_dsn(fresh_database))
    try:
        slow_tx = slow.transaction()
        await slow_tx.start()
        # T1 takes a position first, by appending through the store on its own connection.
        await store.append("counter", "slow", 0, [new()], conn=slow)
        fast = await store.append("counter", "fast", 0, [new()])  # T2 commits first

        seen = await store.read_all(START)
        assert [e.stream_id for e in seen] == [], "nothing is readable while T1 is open"

        await slow_tx.commit()
        seen = await store.read_all(START)
        assert [e.stream_id for e in seen] == ["slow", "fast"]
        async with raw_connection(store.engine) as conn:
            rows = await conn.fetch(f"SELECT stream_id, global_position FROM {table}")
        positions: dict[str, int] = {r["stream_id"]: r["global_position"] for r in rows}
        assert positions["slow"] < fast.positions[0]
    finally:
        await slow.close()


async def test_concurrent_writers_and_a_tailing_reader_see_every_event_exactly_once_in_order(
    store: EventStore,
) -> None:
    read = await read_while_writing(
        store, lambda cursor: store.read_all(cursor, 300), writers=20, per_writer=100
    )

    assert_each_event_once_in_stream_order(read, writers=20, per_writer=100)


async def test_fifty_writers_racing_on_one_version_leave_exactly_one_winner(
    store: EventStore,
) -> None:
    await store.append("counter", "race", 0, [new()])

    outcomes = await asyncio.gather(
        *(store.append("counter", "race", 1, [new(i)]) for i in range(50)),
        return_exceptions=True,
    )

    assert sum(1 for o in outcomes if not isinstance(o, BaseException)) == 1
    assert all(isinstance(o, ConcurrencyError) for o in outcomes if isinstance(o, BaseException))
    assert [e.stream_version for e in await store.read_stream("counter", "race")] == [1, 2]


async def test_appending_to_several_streams_is_all_or_nothing(store: EventStore) -> None:
    await store.append("counter", "pair-b", 0, [new()])

    done = await store.append_streams(
        [
            StreamAppend("counter", "pair-a", 0, [new()]),
            StreamAppend("counter", "pair-b", 1, [new()]),
        ]
    )
    with pytest.raises(ConcurrencyError):
        await store.append_streams(
            [
                StreamAppend("counter", "pair-a", 1, [new(), new()]),
                StreamAppend("counter", "pair-b", 1, [new()]),  # stale: b is at 2
            ]
        )

    assert [r.version for r in done] == [1, 2]
    assert len(await store.read_stream("counter", "pair-a")) == 1
    assert len(await store.read_stream("counter", "pair-b")) == 2


async def test_streams_of_one_type_read_back_whole_and_grouped_by_stream(
    store: EventStore,
) -> None:
    kind = f"tally-{uuid.uuid4().hex[:8]}"
    await store.append(kind, f"{kind}-b", 0, [new(1), new(2)])
    await store.append(kind, f"{kind}-a", 0, [new(3)])
    await store.append("counter", f"{kind}-other", 0, [new(4)])

    streams = await store.read_streams_of_type(kind)

    assert list(streams) == [f"{kind}-a", f"{kind}-b"]
    assert [e.event for e in streams[f"{kind}-b"]] == [
        CounterIncremented(by=1),
        CounterIncremented(by=2),
    ]
    assert [e.stream_version for e in streams[f"{kind}-b"]] == [1, 2]


def test_new_event_ids_are_random_version_4_uuids() -> None:
    ids = [new_event_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for event_id in ids[:200]:
        assert event_id.version == 4
        assert event_id.variant == uuid.RFC_4122
        assert event_id == uuid.UUID(str(event_id))
        assert event_id.is_safe is uuid.SafeUUID.unknown
        assert hash(event_id) == hash(uuid.UUID(str(event_id)))


def test_event_ids_made_on_many_threads_at_once_are_all_different() -> None:
    with ThreadPoolExecutor(8) as threads:
        batches = list(threads.map(lambda _: [new_event_id() for _ in range(3000)], range(8)))

    ids = [event_id for batch in batches for event_id in batch]
    assert len(set(ids)) == len(ids)


def test_a_forked_process_makes_other_event_ids_than_its_parent() -> None:
    new_event_id()  # the parent has drawn its randomness already
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next 100 ids, then gone
        os.write(write_end, b"".join(new_event_id().bytes for _ in range(100)))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        written = pipe.read()
    os.waitpid(pid, 0)

    child = {written[i : i + 16] for i in range(0, len(written), 16)}
    parent = {new_event_id().bytes for _ in range(100)}
    assert len(child) == 100
    assert not child & parent


async def test_appends_borrow_and_give_back_one_pooled_connection(store: EventStore) -> None:
    pool = fast_pool(store.engine)
    assert pool is not None
    stream = f"pool-{uuid.uuid4().hex[:8]}"
    await store.append("counter", stream, 0, [new(1)])
    idle = len(pool._idle)
    result = await store.append("counter", stream, 1, [new(2)])
    assert len(pool._idle) == idle  # taken and given back
    with pytest.raises(ConcurrencyError):
        await store.append("counter", stream, 1, [new(3)])  # stale
    # A failed borrower's connection is dropped, as raw_connection does; the slot comes back.
    assert pool._slots is not None
    assert pool._slots._value == pool.size
    again = await store.append(
        "counter", stream, result.version, [new(4)], prev_hash=result.last_hash
    )
    assert again.version == 3
    assert again == type(again)(stream, 3, again.last_hash, again.positions)
