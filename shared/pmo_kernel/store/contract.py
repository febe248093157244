"""What every event store promises, as a type: application code asks for an
`EventStoreContract`, production hands it the PostgreSQL `EventStore`, unit tests the
`InMemoryEventStore`. Both keep the same promises, checked by one test suite run on each
(tests/kernel/test_store_contract.py):

- A stream is (stream_type, stream_id): two types may share an id, each with its own versions
  and hash chain; `read_stream(stream_type, stream_id)` of a type that never used the id is
  empty.
- `append` writes a batch to one stream at an expected version, all of it or nothing, and
  refuses (ConcurrencyError) a stale or future version or a `prev_hash` other than the head's;
  a batch whose event ids are all stored already is a no-op answered with `duplicate=True`.
- `append_streams` does the same for several streams at once: all of them or none.
- Each event's hash covers its canonical form and its predecessor's hash (store/hashing.py):
  the same events (ids, payloads, metadata) get the same hashes in either store.
- `read_all` pages through the whole log by `LogCursor`, never skipping an event.

`conn` is an asyncpg connection to run inside a caller's transaction; the in-memory store
takes it and ignores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

import asyncpg

from pmo_kernel.events import EventRegistry
from pmo_kernel.recorded import LogCursor, RecordedEvent
from pmo_kernel.store.postgres import (
    START,
    UNKNOWN,
    AppendResult,
    NewEvent,
    StreamAppend,
    _Unknown,
)


class EventStoreContract(Protocol):
    @property
    def registry(self) -> EventRegistry:
        """The events this store's service knows: how stored payloads are decoded."""
        ...

    async def append(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        *,
        prev_hash: str | type[_Unknown] | None = UNKNOWN,
        conn: asyncpg.Connection | None = None,
    ) -> AppendResult: ...

    async def append_streams(
        self, appends: Sequence[StreamAppend], *, conn: asyncpg.Connection | None = None
    ) -> list[AppendResult]: ...

    async def read_stream(
        self,
        stream_type: str,
        stream_id: str,
        after_version: int = 0,
        *,
        conn: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]: ...

    async def read_streams_of_type(self, stream_type: str) -> dict[str, list[RecordedEvent]]: ...

    async def stream_ids_with(
        self,
        stream_type: str,
        event_type: str,
        *,
        conn: asyncpg.Connection | None = None,
        **payload: str | int | bool,
    ) -> list[str]: ...

    async def read_all(
        self, after: LogCursor = START, limit: int = 1000, *, conn: asyncpg.Connection | None = None
    ) -> list[RecordedEvent]: ...

    async def cursor_after_position(self, global_position: int) -> LogCursor: ...

    async def get_event(self, event_id: UUID) -> RecordedEvent | None: ...

    async def stats(self) -> tuple[int, int]: ...
