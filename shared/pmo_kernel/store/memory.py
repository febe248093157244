"""An event store in memory, for fast unit tests of application handlers: no database.

It keeps the PostgreSQL store's contract (store/contract.py; one test suite runs on both):
the same checks and exceptions on append, the same no-op for stored event ids, the same hashes
(each event is encoded as PostgreSQL's `EventStore` encodes it: its payload and metadata JSON
with sorted keys, hashed in canonical form), and every read hands back fresh `RecordedEvent`s
whose typed event the registry decodes from the stored JSON, as a read from PostgreSQL does.

What it does not copy: the JSON text it hands back is orjson's (PostgreSQL returns jsonb's
own spacing and key order; the parsed values are equal), nothing is ever invisible to
`read_all` (every append commits at once, in position order), and a `conn` is accepted and
ignored, so appends through one connection are not one transaction here. Each call lets other
tasks run first (`asyncio.sleep(0)`, as a round trip would), so handlers racing on one stream
interleave and meet the optimistic lock, as they do on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime
from hashlib import sha256
from typing import NamedTuple
from uuid import UUID

import asyncpg
import orjson

from pmo_kernel.errors import ConcurrencyError, NotFound
from pmo_kernel.events import EventRegistry, utcnow
from pmo_kernel.recorded import LogCursor, RecordedEvent
from pmo_kernel.store.event_ids import new_event_id
from pmo_kernel.store.hashing import canonical_bytes_of_encoded
from pmo_kernel.store.postgres import (
    START,
    UNKNOWN,
    AppendResult,
    NewEvent,
    StreamAppend,
    _Unknown,
)
from pmo_kernel.streams import stream_name


class _Stored(NamedTuple):
    """One stored event: the columns of the PostgreSQL events table."""

    global_position: int
    tx_id: int
    event_id: UUID
    stream_type: str
    stream_id: str
    stream_version: int
    event_type: str
    schema_version: int
    payload_json: str
    metadata_json: str
    recorded_at: datetime
    prev_hash: str | None
    hash: str


class _Encoded(NamedTuple):
    event_id: UUID
    event_type: str
    schema_version: int
    payload_json: str
    metadata_json: str
    prev_hash: str | None
    hash: str


class InMemoryEventStore:
    """The event store's contract in a few dicts and lists. `clock` stamps `recorded_at`
    (which no hash covers); pass a fixed one for deterministic records."""

    def __init__(self, registry: EventRegistry, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.registry = registry
        self.clock = clock
        self._log: list[_Stored] = []  # in (tx_id, global_position) order: the read order
        self._cursors: list[LogCursor] = []  # the cursor of each entry of _log, for bisect
        # (stream type, stream id) -> its events, version v at index v - 1
        self._streams: dict[tuple[str, str], list[_Stored]] = {}
        self._by_id: dict[UUID, _Stored] = {}
        self._by_position: dict[int, _Stored] = {}
        self._last_position = 0  # never reused, like an identity column
        self._last_tx = 0

    # ------------------------------------------------------------------ writing

    async def append(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        *,
        prev_hash: str | type[_Unknown] | None = UNKNOWN,
        conn: asyncpg.Connection | None = None,
    ) -> AppendResult:
        """Append `events` to a stream whose current version is `expected_version` (see
        `EventStore.append`). Raises ConcurrencyError when the stream is not at that version
        or its head's hash is not `prev_hash`."""
        await asyncio.sleep(0)
        return self._append(
            stream_type, stream_id, expected_version, events, prev_hash, self._new_tx()
        )

    async def append_streams(
        self, appends: Sequence[StreamAppend], *, conn: asyncpg.Connection | None = None
    ) -> list[AppendResult]:
        """Append to several streams atomically: all of them or none."""
        await asyncio.sleep(0)
        tx_id = self._new_tx()
        mark = len(self._log)
        try:
            return [
                self._append(
                    a.stream_type, a.stream_id, a.expected_version, a.events, a.prev_hash, tx_id
                )
                for a in appends
            ]
        except BaseException:
            self._roll_back_to(mark)
            raise

    def _append(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        prev_hash: str | type[_Unknown] | None,
        tx_id: int,
    ) -> AppendResult:
        # No await from here on: the checks and the write are one step, as one statement is.
        if not events:
            return AppendResult(stream_id, expected_version, None, ())
        stream = self._streams.get((stream_type, stream_id), [])
        if prev_hash is UNKNOWN:
            if expected_version == 0:
                prev_hash = None
            elif len(stream) != expected_version:
                raise self._conflict(stream_type, stream_id, expected_version)
            else:
                prev_hash = stream[-1].hash
        assert prev_hash is None or isinstance(prev_hash, str)

        rows = _encode(stream_type, stream_id, expected_version, events, prev_hash)
        ids = [r.event_id for r in rows]
        # What the PostgreSQL statements check: the head is exactly the expected version (a
        # new stream, or its event there carries the hash chained to; the version after it is
        # free), and no event id is stored already or twice in the batch.
        head_ok = len(stream) == expected_version and (
            expected_version == 0 or stream[-1].hash == prev_hash
        )
        if head_ok and len(set(ids)) == len(ids) and not any(i in self._by_id for i in ids):
            return self._write(stream_type, stream_id, expected_version, rows, tx_id)

        # Nothing written: either every event id is already stored (a retry) or the head moved.
        existing = sorted(
            {self._by_id[i] for i in ids if i in self._by_id},
            key=lambda stored: stored.global_position,
        )
        if len(existing) == len(rows):
            return AppendResult(
                stream_id,
                expected_version + len(rows),
                rows[-1].hash,
                tuple(stored.global_position for stored in existing),
                duplicate=True,
            )
        if existing:
            raise ConcurrencyError(
                f"stream {stream_name(stream_type, stream_id)}: some of these event ids are "
                "already stored, others not",
                stream_type=stream_type,
                stream_id=stream_id,
            )
        raise self._conflict(stream_type, stream_id, expected_version)

    def _write(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int,
        rows: list[_Encoded],
        tx_id: int,
    ) -> AppendResult:
        stream = self._streams.setdefault((stream_type, stream_id), [])
        positions: list[int] = []
        for version, row in enumerate(rows, start=expected_version + 1):
            self._last_position += 1
            stored = _Stored(
                self._last_position, tx_id, row.event_id, stream_type, stream_id, version,
                row.event_type, row.schema_version, row.payload_json, row.metadata_json,
                self.clock(), row.prev_hash, row.hash,
            )  # fmt: skip
            self._log.append(stored)
            self._cursors.append(LogCursor(tx_id, stored.global_position))
            stream.append(stored)
            self._by_id[stored.event_id] = stored
            self._by_position[stored.global_position] = stored
            positions.append(stored.global_position)
        return AppendResult(
            stream_id, expected_version + len(rows), rows[-1].hash, tuple(positions)
        )

    def _roll_back_to(self, mark: int) -> None:
        """Forget every event appended after the first `mark` ones (their positions stay
        used, as a rolled-back transaction's identity values do)."""
        while len(self._log) > mark:
            stored = self._log.pop()
            self._cursors.pop()
            key = (stored.stream_type, stored.stream_id)
            stream = self._streams[key]
            stream.pop()
            if not stream:
                del self._streams[key]
            del self._by_id[stored.event_id]
            del self._by_position[stored.global_position]

    def _conflict(
        self, stream_type: str, stream_id: str, expected_version: int
    ) -> ConcurrencyError:
        actual = len(self._streams.get((stream_type, stream_id), ()))
        if actual == expected_version:
            reason = "the hash it chains to does not match the stored head"
        else:
            reason = f"it is at version {actual}; reload it and retry"
        return ConcurrencyError(
            f"stream {stream_name(stream_type, stream_id)} is not at the expected version "
            f"{expected_version}: {reason}",
            stream_type=stream_type,
            stream_id=stream_id,
            expected_version=expected_version,
            actual_version=actual,
        )

    def _new_tx(self) -> int:
        self._last_tx += 1
        return self._last_tx

    # ------------------------------------------------------------------ reading

    async def read_stream(
        self,
        stream_type: str,
        stream_id: str,
        after_version: int = 0,
        *,
        conn: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        await asyncio.sleep(0)
        stream = self._streams.get((stream_type, stream_id), [])
        return [self._decode(stored) for stored in stream[max(after_version, 0) :]]

    async def read_streams_of_type(self, stream_type: str) -> dict[str, list[RecordedEvent]]:
        """Every stream of one type, by stream id (in order of their ids, as PostgreSQL sorts
        them under the C collation)."""
        await asyncio.sleep(0)
        ids = sorted(stream_id for kind, stream_id in self._streams if kind == stream_type)
        return {
            stream_id: [self._decode(stored) for stored in self._streams[stream_type, stream_id]]
            for stream_id in ids
        }

    async def stream_ids_with(
        self,
        stream_type: str,
        event_type: str,
        *,
        conn: asyncpg.Connection | None = None,
        **payload: str | int | bool,
    ) -> list[str]:
        """The streams of `stream_type` holding an `event_type` event whose payload has these
        values (as PostgreSQL's jsonb containment of top-level values)."""
        await asyncio.sleep(0)
        found = set()
        for (kind, stream_id), stream in self._streams.items():
            if kind != stream_type:
                continue
            for stored in stream:
                if stored.event_type != event_type:
                    continue
                data = orjson.loads(stored.payload_json)
                if all(data.get(key) == value for key, value in payload.items()):
                    found.add(stream_id)
                    break
        return sorted(found)

    async def read_all(
        self, after: LogCursor = START, limit: int = 1000, *, conn: asyncpg.Connection | None = None
    ) -> list[RecordedEvent]:
        """The next events of the whole log after `after`, at most `limit` of them."""
        await asyncio.sleep(0)
        start = bisect_right(self._cursors, after)
        return [self._decode(stored) for stored in self._log[start : start + max(limit, 0)]]

    async def cursor_after_position(self, global_position: int) -> LogCursor:
        """The log cursor just after the event at `global_position` (0: the beginning)."""
        await asyncio.sleep(0)
        if global_position <= 0:
            return START
        stored = self._by_position.get(global_position)
        if stored is None:
            raise NotFound(f"no event at position {global_position}")
        return LogCursor(stored.tx_id, stored.global_position)

    async def get_event(self, event_id: UUID) -> RecordedEvent | None:
        await asyncio.sleep(0)
        stored = self._by_id.get(event_id)
        return None if stored is None else self._decode(stored)

    async def stats(self) -> tuple[int, int]:
        """(number of events, highest position)."""
        await asyncio.sleep(0)
        return len(self._log), self._log[-1].global_position if self._log else 0

    def _decode(self, stored: _Stored) -> RecordedEvent:
        # A new record per read, its event decoded by the registry from the stored JSON on
        # first use: nothing a caller caches on one read leaks into the next.
        return RecordedEvent(
            event_id=stored.event_id,
            stream_type=stored.stream_type,
            stream_id=stored.stream_id,
            stream_version=stored.stream_version,
            global_position=stored.global_position,
            tx_id=stored.tx_id,
            event_type=stored.event_type,
            schema_version=stored.schema_version,
            payload_json=stored.payload_json,
            metadata_json=stored.metadata_json,
            recorded_at=stored.recorded_at,
            prev_hash=stored.prev_hash,
            hash=stored.hash,
            decoder=self.registry.decode_stored,
        )


def _encode(
    stream_type: str,
    stream_id: str,
    expected_version: int,
    events: Sequence[NewEvent],
    prev_hash: str | None,
) -> list[_Encoded]:
    """Each event as `EventStore` encodes it: the payload and metadata JSON it stores (sorted
    keys) and the hash of its canonical form, chained to the one before."""
    rows: list[_Encoded] = []
    stream_type_json, stream_id_json = orjson.dumps(stream_type), orjson.dumps(stream_id)
    for version, new in enumerate(events, start=expected_version + 1):
        event_id = new.event_id or new_event_id()
        event = new.event
        payload = event.payload_json()
        metadata = new.metadata.stored_json()
        digest = sha256(
            canonical_bytes_of_encoded(
                event_id=event_id,
                stream_type_json=stream_type_json,
                stream_id_json=stream_id_json,
                stream_version=version,
                event_type_json=orjson.dumps(event.event_type),
                schema_version=event.schema_version,
                payload_sorted=payload,
                metadata_sorted=metadata,
                prev_hash=prev_hash,
            )
        ).hexdigest()
        rows.append(
            _Encoded(
                event_id, event.event_type, event.schema_version, payload.decode(),
                metadata.decode(), prev_hash, digest,
            )
        )  # fmt: skip
        prev_hash = digest
    return rows
