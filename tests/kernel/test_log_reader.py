"""Reading the whole log with the next page read ahead, against a real PostgreSQL."""

from __future__ import annotations

import asyncio

from pmo_kernel.store import START, EventStore, NewEvent
from pmo_kernel.store.log_reader import LogReader
from tests.kernel.tailing import assert_each_event_once_in_stream_order, read_while_writing
from tests.support import CounterIncremented, metadata


async def append_streams(store: EventStore, prefix: str, streams: int, events: int) -> None:
    for s in range(streams):
        await store.append(
            "counter",
            f"{prefix}-{s}",
            0,
            [NewEvent(CounterIncremented(by=n), metadata()) for n in range(events)],
        )


async def read_everything(reader: LogReader, limit: int) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []
    cursor = START
    while page := await reader.page_after(cursor, limit):
        seen.extend((e.stream_id, e.stream_version) for e in page)
        cursor = page[-1].cursor
    return seen


async def test_a_reader_returns_the_same_log_as_read_all_page_by_page(store: EventStore) -> None:
    await append_streams(store, "r", streams=7, events=3)
    reader = LogReader(store)

    seen = await read_everything(reader, limit=4)
    await reader.close()

    everything = await store.read_all(START, 1000)
    assert seen == [(e.stream_id, e.stream_version) for e in everything]
    assert len(seen) == 21


async def test_a_page_read_ahead_is_dropped_when_the_reader_is_asked_for_another_cursor(
    store: EventStore,
) -> None:
    await append_streams(store, "a", streams=3, events=2)
    reader = LogReader(store)
    first = await reader.page_after(START, 2)  # and the next 2 are read ahead

    again = await reader.page_after(START, 2)  # a rewind: from the start again
    bigger = await reader.page_after(again[-1].cursor, 4)  # another page size
    await reader.close()

    assert [e.event_id for e in again] == [e.event_id for e in first]
    assert [(e.stream_id, e.stream_version) for e in bigger] == [
        ("a-1", 1),
        ("a-1", 2),
        ("a-2", 1),
        ("a-2", 2),
    ]


async def test_events_committed_after_an_empty_read_ahead_are_not_missed(
    store: EventStore,
) -> None:
    await append_streams(store, "e", streams=1, events=2)
    reader = LogReader(store)
    page = await reader.page_after(START, 10)  # the read ahead after it finds nothing yet
    await asyncio.sleep(0.05)

    await append_streams(store, "late", streams=1, events=1)
    following = await reader.page_after(page[-1].cursor, 10)
    await reader.close()

    assert [(e.stream_id, e.stream_version) for e in following] == [("late-0", 1)]


async def test_a_reader_keeps_up_with_concurrent_writers_without_skipping_or_repeating(
    store: EventStore,
) -> None:
    reader = LogReader(store)

    read = await read_while_writing(
        store, lambda cursor: reader.page_after(cursor, 25), writers=8, per_writer=40
    )
    await reader.close()

    assert_each_event_once_in_stream_order(read, writers=8, per_writer=40)
