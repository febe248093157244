"""The event store's contract, kept alike by the PostgreSQL store and the in-memory one.

Every test but the last runs on both stores (`any_store`); the last appends the same events to
each and finds the same hashes, so an audit of either gives the same answer.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import orjson
import pytest

from pmo_kernel.errors import ConcurrencyError, NotFound
from pmo_kernel.events import Actor, EventMetadata
from pmo_kernel.recorded import RecordedEvent
from pmo_kernel.store import START, EventStore, LogCursor, NewEvent, StreamAppend
from pmo_kernel.store.contract import EventStoreContract
from pmo_kernel.store.hashing import canonical_bytes, chain_hash
from pmo_kernel.store.memory import InMemoryEventStore
from tests.support import CounterIncremented, kernel_registry, metadata

RECORDED_AT = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "in-memory"])
def any_store(request: pytest.FixtureRequest) -> EventStoreContract:
    if request.param == "postgresql":
        postgresql: EventStore = request.getfixturevalue("store")
        return postgresql
    return InMemoryEventStore(kernel_registry, clock=lambda: RECORDED_AT)


def new(by: int = 1, event_id: uuid.UUID | None = None) -> NewEvent:
    return NewEvent(CounterIncremented(by=by), metadata(), event_id)


def audited_hash(e: RecordedEvent) -> str:
    """The hash `pmo audit verify` recomputes from what the store returns."""
    return chain_hash(
        canonical_bytes(
            event_id=e.event_id,
            stream_type=e.stream_type,
            stream_id=e.stream_id,
            stream_version=e.stream_version,
            event_type=e.event_type,
            schema_version=e.schema_version,
            payload=orjson.loads(e.payload_json),
            metadata=orjson.loads(e.metadata_json),
            prev_hash=e.prev_hash,
        )
    )


async def versions(store: EventStoreContract, stream_id: str) -> list[int]:
    return [e.stream_version for e in await store.read_stream("counter", stream_id)]


# ---------------------------------------------------------------------- appending


async def test_a_first_append_starts_the_stream_at_version_1_with_no_previous_hash(
    any_store: EventStoreContract,
) -> None:
    result = await any_store.append("counter", "c-1", 0, [new(7)])

    (event,) = await any_store.read_stream("counter", "c-1")
    assert (result.stream_id, result.version, result.duplicate) == ("c-1", 1, False)
    assert result.positions == (event.global_position,)
    assert result.last_hash == event.hash == audited_hash(event)
    assert event.prev_hash is None
    assert (event.stream_type, event.stream_version) == ("counter", 1)
    assert event.event == CounterIncremented(by=7)
    assert event.metadata.actor.id == "tester"


async def test_a_next_append_at_the_stream_version_chains_to_its_head(
    any_store: EventStoreContract,
) -> None:
    first = await any_store.append("counter", "c-2", 0, [new(1)])
    second = await any_store.append("counter", "c-2", 1, [new(2)], prev_hash=first.last_hash)
    third = await any_store.append("counter", "c-2", 2, [new(3)])  # head hash looked up

    events = await any_store.read_stream("counter", "c-2")
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert [e.prev_hash for e in events] == [None, first.last_hash, second.last_hash]
    assert [e.hash for e in events] == [first.last_hash, second.last_hash, third.last_hash]
    assert [e.hash for e in events] == [audited_hash(e) for e in events]


async def test_a_stale_expected_version_is_a_concurrency_error_and_writes_nothing(
    any_store: EventStoreContract,
) -> None:
    first = await any_store.append("counter", "c-3", 0, [new()])
    await any_store.append("counter", "c-3", 1, [new()], prev_hash=first.last_hash)

    with pytest.raises(ConcurrencyError) as unknown_head:
        await any_store.append("counter", "c-3", 1, [new(), new()])
    with pytest.raises(ConcurrencyError) as known_head:
        await any_store.append("counter", "c-3", 1, [new()], prev_hash=first.last_hash)

    for refused in (unknown_head, known_head):
        assert refused.value.extensions == {
            "stream_type": "counter",
            "stream_id": "c-3",
            "expected_version": 1,
            "actual_version": 2,
        }
        assert "reload it and retry" in refused.value.detail
    assert await versions(any_store, "c-3") == [1, 2]
    assert await any_store.stats() == (
        2,
        max(e.global_position for e in await any_store.read_all()),
    )


async def test_an_expected_version_ahead_of_the_stream_cannot_leave_a_gap(
    any_store: EventStoreContract,
) -> None:
    first = await any_store.append("counter", "c-4", 0, [new()])

    with pytest.raises(ConcurrencyError):
        await any_store.append("counter", "c-4", 5, [new()])
    with pytest.raises(ConcurrencyError):
        await any_store.append("counter", "c-4", 2, [new(), new()], prev_hash=first.last_hash)

    assert await versions(any_store, "c-4") == [1]


async def test_a_wrong_prev_hash_is_refused_at_the_right_version(
    any_store: EventStoreContract,
) -> None:
    await any_store.append("counter", "c-5", 0, [new()])

    with pytest.raises(ConcurrencyError, match="hash") as one:
        await any_store.append("counter", "c-5", 1, [new()], prev_hash="0" * 64)
    with pytest.raises(ConcurrencyError, match="hash"):
        await any_store.append("counter", "c-5", 1, [new(), new()], prev_hash="0" * 64)
    with pytest.raises(ConcurrencyError, match="hash"):
        await any_store.append("counter", "c-5", 1, [new()], prev_hash=None)

    assert one.value.extensions["actual_version"] == 1
    assert await versions(any_store, "c-5") == [1]


async def test_appending_stored_event_ids_again_is_a_no_op_reported_as_duplicate(
    any_store: EventStoreContract,
) -> None:
    ids = [uuid.uuid4(), uuid.uuid4()]
    first = await any_store.append("counter", "c-6", 0, [new(1, ids[0]), new(2, ids[1])])

    again = await any_store.append("counter", "c-6", 0, [new(1, ids[0]), new(2, ids[1])])

    assert again.duplicate
    assert (again.version, again.positions) == (2, first.positions)
    assert await versions(any_store, "c-6") == [1, 2]
    assert (await any_store.stats())[0] == 2


async def test_a_single_stored_event_appended_again_is_a_no_op_at_its_own_version(
    any_store: EventStoreContract,
) -> None:
    first_id, second_id = uuid.uuid4(), uuid.uuid4()
    first = await any_store.append("counter", "c-7", 0, [new(1, first_id)])
    second = await any_store.append(
        "counter", "c-7", 1, [new(2, second_id)], prev_hash=first.last_hash
    )

    again_first = await any_store.append("counter", "c-7", 0, [new(1, first_id)])
    again_second = await any_store.append(
        "counter", "c-7", 1, [new(2, second_id)], prev_hash=first.last_hash
    )

    assert again_first.duplicate
    assert again_first.positions == first.positions
    assert again_second.duplicate
    assert again_second.positions == second.positions
    assert await versions(any_store, "c-7") == [1, 2]


async def test_a_batch_reusing_some_stored_event_ids_is_refused_whole(
    any_store: EventStoreContract,
) -> None:
    reused = uuid.uuid4()
    await any_store.append("counter", "c-8", 0, [new(1, reused)])

    with pytest.raises(ConcurrencyError, match="some of these event ids"):
        await any_store.append("counter", "c-8", 1, [new(2), new(3, reused)])

    assert await versions(any_store, "c-8") == [1]


async def test_a_batch_takes_consecutive_versions_and_increasing_positions_in_one_step(
    any_store: EventStoreContract,
) -> None:
    result = await any_store.append("counter", "c-9", 0, [new(1), new(2), new(3)])

    events = await any_store.read_stream("counter", "c-9")
    assert result.version == 3
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert list(result.positions) == sorted(result.positions) == [e.global_position for e in events]
    assert len({e.tx_id for e in events}) == 1
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert result.last_hash == events[-1].hash


async def test_an_empty_batch_writes_nothing_and_keeps_the_version(
    any_store: EventStoreContract,
) -> None:
    result = await any_store.append("counter", "c-10", 4, [])

    assert (result.version, result.last_hash, result.positions) == (4, None, ())
    assert await any_store.stats() == (0, 0)


async def test_appending_to_several_streams_is_all_or_nothing(
    any_store: EventStoreContract,
) -> None:
    await any_store.append("counter", "pair-b", 0, [new()])

    done = await any_store.append_streams(
        [
            StreamAppend("counter", "pair-a", 0, [new()]),
            StreamAppend("counter", "pair-b", 1, [new()]),
        ]
    )
    with pytest.raises(ConcurrencyError):
        await any_store.append_streams(
            [
                StreamAppend("counter", "pair-a", 1, [new(), new()]),
                StreamAppend("counter", "pair-c", 0, [new()]),
                StreamAppend("counter", "pair-b", 1, [new()]),  # stale: b is at 2
            ]
        )

    assert [(r.stream_id, r.version) for r in done] == [("pair-a", 1), ("pair-b", 2)]
    together = [
        *await any_store.read_stream("counter", "pair-a"),
        *await any_store.read_stream("counter", "pair-b", 1),
    ]
    assert len({e.tx_id for e in together}) == 1
    assert await versions(any_store, "pair-a") == [1]
    assert await versions(any_store, "pair-b") == [1, 2]
    assert await versions(any_store, "pair-c") == []
    assert (await any_store.stats())[0] == 3


async def test_of_fifty_writers_racing_on_one_version_exactly_one_wins(
    any_store: EventStoreContract,
) -> None:
    await any_store.append("counter", "race", 0, [new()])

    outcomes = await asyncio.gather(
        *(any_store.append("counter", "race", 1, [new(i)]) for i in range(50)),
        return_exceptions=True,
    )

    assert sum(1 for o in outcomes if not isinstance(o, BaseException)) == 1
    assert all(isinstance(o, ConcurrencyError) for o in outcomes if isinstance(o, BaseException))
    assert await versions(any_store, "race") == [1, 2]


# ---------------------------------------------------------------------- reading


async def test_a_stream_reads_back_from_after_a_given_version(
    any_store: EventStoreContract,
) -> None:
    await any_store.append("counter", "c-11", 0, [new(1), new(2), new(3)])

    assert [e.event for e in await any_store.read_stream("counter", "c-11", 1)] == [
        CounterIncremented(by=2),
        CounterIncremented(by=3),
    ]
    assert await any_store.read_stream("counter", "c-11", 3) == []
    assert await any_store.read_stream("counter", "no-such-stream") == []


async def test_streams_of_one_type_read_back_whole_and_grouped_by_stream_id(
    any_store: EventStoreContract,
) -> None:
    await any_store.append("tally", "tally-b", 0, [new(1), new(2)])
    await any_store.append("tally", "tally-a", 0, [new(3)])
    await any_store.append("counter", "tally-other", 0, [new(4)])

    streams = await any_store.read_streams_of_type("tally")

    assert list(streams) == ["tally-a", "tally-b"]
    assert [e.event for e in streams["tally-b"]] == [
        CounterIncremented(by=1),
        CounterIncremented(by=2),
    ]
    assert [e.stream_version for e in streams["tally-b"]] == [1, 2]
    assert await any_store.read_streams_of_type("nothing") == {}


async def test_streams_are_looked_up_by_an_event_of_theirs_with_given_values(
    any_store: EventStoreContract,
) -> None:
    await any_store.append("tally", "tally-a", 0, [new(1), new(2)])
    await any_store.append("tally", "tally-b", 0, [new(2)])
    await any_store.append("tally", "tally-c", 0, [new(3)])
    await any_store.append("counter", "other-d", 0, [new(2)])

    found = await any_store.stream_ids_with("tally", "CounterIncremented", by=2)

    assert found == ["tally-a", "tally-b"]
    assert await any_store.stream_ids_with("tally", "CounterIncremented", by=9) == []
    assert await any_store.stream_ids_with("tally", "Nothing", by=2) == []


async def test_the_whole_log_pages_by_cursor_in_append_order_without_gaps(
    any_store: EventStoreContract,
) -> None:
    await any_store.append("counter", "log-a", 0, [new(1), new(2)])
    await any_store.append("counter", "log-b", 0, [new(3)])
    await any_store.append_streams(
        [
            StreamAppend("counter", "log-a", 2, [new(4)]),
            StreamAppend("counter", "log-c", 0, [new(5), new(6)]),
        ]
    )
    await any_store.append("counter", "log-b", 1, [new(7)])

    pages: list[list[RecordedEvent]] = []
    cursor = START
    while page := await any_store.read_all(cursor, limit=2):
        pages.append(page)
        cursor = page[-1].cursor
    read = [e for page in pages for e in page]

    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [e.event for e in read] == [CounterIncremented(by=n) for n in range(1, 8)]
    assert [e.global_position for e in read] == sorted({e.global_position for e in read})
    assert [e.cursor for e in read] == sorted(e.cursor for e in read)
    assert await any_store.read_all(cursor) == []
    assert [e.event_id for e in await any_store.read_all(limit=100)] == [e.event_id for e in read]


async def test_a_cursor_after_a_position_resumes_the_log_after_that_event(
    any_store: EventStoreContract,
) -> None:
    done = await any_store.append("counter", "c-12", 0, [new(1), new(2), new(3)])

    cursor = await any_store.cursor_after_position(done.positions[0])

    assert await any_store.cursor_after_position(0) == START
    assert isinstance(cursor, LogCursor)
    assert cursor.global_position == done.positions[0]
    assert [e.event for e in await any_store.read_all(cursor)] == [
        CounterIncremented(by=2),
        CounterIncremented(by=3),
    ]
    with pytest.raises(NotFound):
        await any_store.cursor_after_position(done.positions[-1] + 1000)


async def test_an_event_is_found_by_its_id_and_an_unknown_id_is_none(
    any_store: EventStoreContract,
) -> None:
    event_id = uuid.uuid4()
    await any_store.append("counter", "c-13", 0, [new(1), new(2, event_id)])

    found = await any_store.get_event(event_id)

    assert found is not None
    assert (found.event_id, found.stream_id, found.stream_version) == (event_id, "c-13", 2)
    assert found.event == CounterIncremented(by=2)
    assert found.hash == audited_hash(found)
    assert await any_store.get_event(uuid.uuid4()) is None


async def test_stats_count_the_events_and_name_the_highest_position(
    any_store: EventStoreContract,
) -> None:
    assert await any_store.stats() == (0, 0)

    await any_store.append("counter", "c-14", 0, [new(), new()])
    done = await any_store.append("counter", "c-15", 0, [new()])

    assert await any_store.stats() == (3, done.positions[-1])


async def test_each_read_hands_out_its_own_records(any_store: EventStoreContract) -> None:
    await any_store.append("counter", "c-16", 0, [new(1)])

    (first,) = await any_store.read_stream("counter", "c-16")
    first.metadata_dict["actor"] = "someone else"
    (again,) = await any_store.read_stream("counter", "c-16")

    assert first is not again
    assert again.metadata_dict["actor"]["id"] == "tester"


# ---------------------------------------------------------------------- typed streams


async def test_two_types_may_share_an_id_each_with_its_own_versions_and_chain(
    any_store: EventStoreContract,
) -> None:
    counter = await any_store.append("counter", "0", 0, [new(1), new(2)])
    tally = await any_store.append("tally", "0", 0, [new(10)])

    counted, tallied = (
        await any_store.read_stream("counter", "0"),
        await any_store.read_stream("tally", "0"),
    )
    assert [(e.stream_type, e.stream_version, e.event) for e in counted] == [
        ("counter", 1, CounterIncremented(by=1)),
        ("counter", 2, CounterIncremented(by=2)),
    ]
    assert [(e.stream_type, e.stream_version, e.event) for e in tallied] == [
        ("tally", 1, CounterIncremented(by=10))
    ]
    assert (tallied[0].prev_hash, counted[1].prev_hash) == (None, counted[0].hash)
    assert [audited_hash(e) for e in [*counted, *tallied]] == [e.hash for e in [*counted, *tallied]]
    assert (counter.version, tally.version) == (2, 1)
    of_type = await any_store.read_streams_of_type("tally")
    assert {i: [e.event_id for e in es] for i, es in of_type.items()} == {
        "0": [tallied[0].event_id]
    }


async def test_an_id_used_only_by_another_type_is_an_empty_stream(
    any_store: EventStoreContract,
) -> None:
    await any_store.append("counter", "only-counted", 0, [new()])

    assert await any_store.read_stream("tally", "only-counted") == []
    assert await any_store.read_streams_of_type("tally") == {}


async def test_expected_versions_and_head_hashes_are_checked_per_type_and_id(
    any_store: EventStoreContract,
) -> None:
    counter = await any_store.append("counter", "x", 0, [new(), new()])
    tally = await any_store.append("tally", "x", 0, [new()])

    # The counter's head neither stands for the tally's nor the other way round
    with pytest.raises(ConcurrencyError) as stale:
        await any_store.append("tally", "x", 2, [new()])
    with pytest.raises(ConcurrencyError, match="hash"):
        await any_store.append("tally", "x", 1, [new()], prev_hash=counter.last_hash)
    assert stale.value.extensions == {
        "stream_type": "tally",
        "stream_id": "x",
        "expected_version": 2,
        "actual_version": 1,
    }
    assert "tally-x" in stale.value.detail
    # while each moves on from its own head, in one transaction or alone
    await any_store.append_streams(
        [
            StreamAppend("counter", "x", 2, [new()], prev_hash=counter.last_hash),
            StreamAppend("tally", "x", 1, [new()], prev_hash=tally.last_hash),
        ]
    )
    await any_store.append("tally", "x", 2, [new()])
    assert await versions(any_store, "x") == [1, 2, 3]
    assert [e.stream_version for e in await any_store.read_stream("tally", "x")] == [1, 2, 3]
    assert [e.stream_version for e in await any_store.read_stream("tally", "x", 2)] == [3]


# ---------------------------------------------------------------------- the same hashes


async def test_the_same_events_get_the_same_hashes_in_both_stores(store: EventStore) -> None:
    memory = InMemoryEventStore(kernel_registry)
    at = EventMetadata(
        actor=Actor(id="ana", name="Ana Ñúñez", roles=("admin",)),
        occurred_at=datetime(2026, 5, 4, 9, 15, 30, 123456, tzinfo=UTC),
        correlation_id="req-1",
    )
    ids = [uuid.UUID(int=n) for n in range(1, 7)]

    def batch(*pairs: tuple[int, int]) -> list[NewEvent]:
        return [NewEvent(CounterIncremented(by=by, note="naïve €"), at, ids[i]) for i, by in pairs]

    recorded: list[list[RecordedEvent]] = []
    for s in (store, memory):
        first = await s.append("counter", "same-a", 0, batch((0, 1), (1, 2)))
        await s.append("counter", "same-a", 2, batch((2, 3)), prev_hash=first.last_hash)
        await s.append_streams(
            [
                StreamAppend("counter", "same-a", 3, batch((3, 4))),
                StreamAppend("counter", "same-b", 0, batch((4, 5), (5, 6))),
            ]
        )
        recorded.append(await s.read_all())
    in_postgresql, in_memory = recorded

    def chain(events: list[RecordedEvent]) -> list[tuple[object, ...]]:
        return [
            (e.event_id, e.stream_id, e.stream_version, e.prev_hash, e.hash,
             orjson.loads(e.payload_json), orjson.loads(e.metadata_json))
            for e in events
        ]  # fmt: skip

    assert len(in_memory) == 6
    assert chain(in_memory) == chain(in_postgresql)
    assert [audited_hash(e) for e in in_memory] == [e.hash for e in in_postgresql]
