"""One consumer's walk through the whole log, the next page read while it works on this one.

A reader of the whole log (the relay, a replay) alternates between waiting for a page and
working on it (publishing it, decoding and applying it). `LogReader` asks the database for the
next page as soon as it hands one over, on a second pooled connection, so PostgreSQL prepares
that page while the consumer is busy: the consumer then waits only for what is left of it.

A page read ahead is a gap-free prefix of the log after its cursor (see EventStore.read_all):
whatever commits later sorts after it and comes with a later page. It is used only if the
consumer asks for exactly that cursor next (otherwise, e.g. after a failed batch or a rewind,
it is dropped), and an empty one is read again: it was read before the consumer was ready, so
it says nothing of what committed since.
"""

from __future__ import annotations

import asyncio

from pmo_kernel.aio import cancelled
from pmo_kernel.recorded import LogCursor, RecordedEvent
from pmo_kernel.store.postgres import EventStore


class LogReader:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        # (the cursor it reads after, its page size, the read)
        self._ahead: tuple[LogCursor, int, asyncio.Future[list[RecordedEvent]]] | None = None

    async def page_after(self, cursor: LogCursor, limit: int) -> list[RecordedEvent]:
        """The next page of the log after `cursor`: at most `limit` events."""
        ahead, self._ahead = self._ahead, None
        page: list[RecordedEvent] = []
        if ahead is not None:
            after, size, pending = ahead
            if after == cursor and size == limit:
                page = await pending
            else:
                await cancelled(pending)
        if not page:
            page = await self.store.read_all(cursor, limit)
        if page:
            following = page[-1].cursor
            self._ahead = (
                following,
                limit,
                asyncio.ensure_future(self.store.read_all(following, limit)),
            )
            # One turn of the loop: the read-ahead sends its query now, not when the consumer
            # next awaits something (a replay decodes a whole page without awaiting).
            await asyncio.sleep(0)
        return page

    async def close(self) -> None:
        """Drop the page being read ahead (its connection goes back to the pool)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            await cancelled(ahead[2])
