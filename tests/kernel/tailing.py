"""Writers appending while a reader tails the whole log: what the reader saw, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pmo_kernel.recorded import LogCursor, RecordedEvent
from pmo_kernel.store import START, EventStore, NewEvent
from tests.support import CounterIncremented, metadata

NextPage = Callable[[LogCursor], Awaitable[list[RecordedEvent]]]


async def read_while_writing(
    store: EventStore, next_page: NextPage, *, writers: int, per_writer: int
) -> list[tuple[str, int]]:
    """`writers` streams `w-<n>` of `per_writer` events, appended one at a time concurrently,
    while `next_page` is called from the start of the log until the writers are done and a
    page comes back empty. Returns (stream id, version) in the order read."""
    done = asyncio.Event()
    read: list[tuple[str, int]] = []

    async def write(w: int) -> None:
        head = None
        for v in range(per_writer):
            new = NewEvent(CounterIncremented(by=v), metadata())
            result = await store.append("counter", f"w-{w}", v, [new], prev_hash=head)
            head = result.last_hash

    async def tail() -> None:
        cursor = START
        while True:
            finished = done.is_set()
            page = await next_page(cursor)
            read.extend((e.stream_id, e.stream_version) for e in page)
            if page:
                cursor = page[-1].cursor
            elif finished:
                return

    tailing = asyncio.create_task(tail())
    await asyncio.gather(*(write(w) for w in range(writers)))
    done.set()
    await tailing
    return read


def assert_each_event_once_in_stream_order(
    read: list[tuple[str, int]], *, writers: int, per_writer: int
) -> None:
    assert len(read) == writers * per_writer
    assert len(set(read)) == len(read), "no event read twice"
    for w in range(writers):
        versions = [v for s, v in read if s == f"w-{w}"]
        assert versions == list(range(1, per_writer + 1)), f"stream w-{w} out of order"
