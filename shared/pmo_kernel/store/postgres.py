"""The event store on PostgreSQL.

Writes: `append` puts a batch of events on one stream at an expected version in ONE statement,
so a single-event append costs one round trip, like a bare INSERT. A stream is
(stream_type, stream_id) (pmo_kernel.streams): two types may share an id. The unique key
(stream_type, stream_id, stream_version) is the optimistic lock; the statement also checks that
the stream's head is exactly the expected version with the hash the caller chains to, so a
stale writer can neither overwrite nor leave a gap. Appending an event_id that is already stored
is a no-op.

Reads of the whole log: positions come from an identity column, assigned at INSERT time, but
transactions commit in any order; a reader that paged by `global_position > checkpoint` would
step over a row that commits late, forever. We do not serialise appends behind one lock (that
caps concurrent writers at sequential speed). Instead each row stores its transaction id, and
readers page by (tx_id, global_position) and only return rows whose transaction is older than
the oldest transaction still open (`pg_snapshot_xmin`). Any row that can still appear belongs to
a transaction at or above that horizon, so it sorts after everything already read: nothing is
skipped. Per stream the order is kept, since a stream's next version is written by a later
transaction than the one that committed the previous version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from hashlib import sha256
from typing import NamedTuple
from uuid import UUID

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.db import fast_pool, raw_connection
from pmo_kernel.errors import ConcurrencyError, NotFound
from pmo_kernel.events import DomainEvent, EventMetadata, EventRegistry
from pmo_kernel.recorded import LogCursor, RecordedEvent
from pmo_kernel.store.event_ids import new_event_id
from pmo_kernel.store.hashing import canonical_bytes_of_encoded
from pmo_kernel.streams import stream_name


class _Unknown:
    """Sentinel type: the caller does not know the stream head's hash."""


UNKNOWN = _Unknown


START = LogCursor(0, 0)

# The transaction of the current unit of work (EventStore.unit_of_work), by engine: what the
# store's calls in this task use when the caller passes no connection.
_unit_of_work: ContextVar[tuple[AsyncEngine, asyncpg.Connection] | None] = ContextVar(
    "pmo_unit_of_work", default=None
)


@dataclass(frozen=True)
class NewEvent:
    event: DomainEvent
    metadata: EventMetadata
    event_id: UUID | None = None


@dataclass(frozen=True)
class StreamAppend:
    """One stream's part of an atomic multi-stream append (see EventStore.append_streams)."""

    stream_type: str
    stream_id: str
    expected_version: int
    events: Sequence[NewEvent]
    prev_hash: str | type[_Unknown] | None = UNKNOWN


@dataclass(frozen=True)
class AppendResult:
    stream_id: str
    version: int  # the stream's version after the append
    last_hash: str | None
    positions: tuple[int, ...]
    duplicate: bool = False  # every event_id was already stored: nothing written


_COLUMNS = (
    "global_position, tx_id, event_id, stream_type, stream_id, stream_version, event_type, "
    "schema_version, payload::text, metadata::text, recorded_at, prev_hash, hash"
)


class EventStore:
    def __init__(self, engine: AsyncEngine, schema: str, registry: EventRegistry) -> None:
        self.engine = engine
        self.schema = schema
        self.registry = registry
        self._decoder = registry.decode_stored  # one bound method, not one per event read
        t = f'"{schema}".events'
        columns = (
            f"INSERT INTO {t} (event_id, stream_type, stream_id, stream_version, event_type, "
            f"schema_version, payload, metadata, prev_hash, hash) "
        )
        # A stream's first event: the unique key (stream_type, stream_id, stream_version) is
        # the whole check.
        self._insert_first = (
            f"{columns}VALUES ($1, $2, $3, 1, $5, $6, $7::jsonb, $8::jsonb, $4, $9) "
            f"RETURNING global_position"
        )
        # A next event is written only beside the head it chains to: the stream's event at the
        # expected version, with the hash the caller passes (one lookup on the unique key's
        # index). No such head: nothing is written, and the caller sorts out why.
        self._insert_next = (
            f"{columns}SELECT $1, $2, $3, $4 + 1, $6, $7, $8::jsonb, $9::jsonb, $5, $10 "
            f"FROM {t} h WHERE h.stream_type = $2 AND h.stream_id = $3 AND h.stream_version = $4 "
            f"AND h.hash = $5 "
            f"RETURNING global_position"
        )
        # The head check of a batch: the stream is new, or its event at the expected version
        # carries the hash the caller chains to.
        head_ok = (
            f"($4 = 0 OR EXISTS (SELECT 1 FROM {t} h "
            f"WHERE h.stream_type = $2 AND h.stream_id = $3 AND h.stream_version = $4 "
            f"AND h.hash IS NOT DISTINCT FROM $5))"
        )
        self._insert_many = (
            f"{columns}SELECT e.event_id, $2, $3, e.v, e.event_type, e.schema_version, e.payload, "
            f"e.metadata, e.prev_hash, e.hash "
            f"FROM unnest($1::uuid[], $6::int[], $7::text[], $8::int[], $9::jsonb[], $10::jsonb[], "
            f"$11::text[], $12::text[]) AS e(event_id, v, event_type, schema_version, payload, "
            f"metadata, prev_hash, hash) WHERE {head_ok} "
            # All or none in one statement, so no explicit transaction (two round trips less):
            # if any id is already stored, nothing is inserted and the caller sorts out why.
            f"AND NOT EXISTS (SELECT 1 FROM {t} x WHERE x.event_id = ANY($1::uuid[])) "
            f"RETURNING global_position"
        )
        self._head = (
            f"SELECT stream_version, hash FROM {t} WHERE stream_type = $1 AND stream_id = $2 "
            f"ORDER BY stream_version DESC LIMIT 1"
        )
        self._existing = (
            f"SELECT event_id, global_position FROM {t} WHERE event_id = ANY($1::uuid[]) "
            f"ORDER BY global_position"
        )
        self._stream = (
            f"SELECT {_COLUMNS} FROM {t} WHERE stream_type = $1 AND stream_id = $2 "
            f"AND stream_version > $3 ORDER BY stream_version"
        )
        self._log = (
            f"SELECT {_COLUMNS} FROM {t} WHERE (tx_id, global_position) > ($1, $2) "
            f"AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
            f"ORDER BY tx_id, global_position LIMIT $3"
        )
        self._of_type = (
            f"SELECT {_COLUMNS} FROM {t} WHERE stream_type = $1 ORDER BY stream_id, stream_version"
        )
        self._streams_with = (
            f"SELECT DISTINCT stream_id FROM {t} WHERE stream_type = $1 AND event_type = $2 "
            f"AND payload @> $3::jsonb ORDER BY stream_id"
        )
        self._cursor_of = f"SELECT tx_id, global_position FROM {t} WHERE global_position = $1"
        self._by_event_id = f"SELECT {_COLUMNS} FROM {t} WHERE event_id = $1"
        self._head_of_log = f"SELECT count(*), coalesce(max(global_position), 0) FROM {t}"

    # ------------------------------------------------------------------ writing

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[asyncpg.Connection]:
        """One transaction for everything this task does with the store until the block ends:
        appends and reads without a `conn` of their own use it, and the caller may add its own
        statements (e.g. an idempotency record) on the connection it yields. Commits at the
        end of the block, rolls back if it raises. Nested, it joins the outer one."""
        current = _unit_of_work.get()
        if current is not None and current[0] is self.engine:
            yield current[1]
            return
        async with raw_connection(self.engine) as conn, conn.transaction():
            token = _unit_of_work.set((self.engine, conn))
            try:
                yield conn
            finally:
                _unit_of_work.reset(token)

    def _joined(self) -> asyncpg.Connection | None:
        """The connection of the unit of work this task is in, for this store's database."""
        current = _unit_of_work.get()
        return current[1] if current is not None and current[0] is self.engine else None

    async def _fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        """Rows of `sql`, on the unit of work's connection if this task is in one."""
        joined = self._joined()
        if joined is not None:
            return await joined.fetch(sql, *args)
        async with raw_connection(self.engine) as conn:
            return await conn.fetch(sql, *args)

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
        """Append `events` to a stream whose current version is `expected_version`.

        `prev_hash` is the hash of the stream's event at `expected_version` (an aggregate knows it
        from loading, which saves a round trip); left out, the store looks it up.
        Raises ConcurrencyError when the stream is not at `expected_version`.
        """
        if not events:
            return AppendResult(stream_id, expected_version, None, ())
        if conn is None and (joined := self._joined()) is not None:
            conn = joined
        if conn is None:
            pool = fast_pool(self.engine)
            if pool is None:
                async with raw_connection(self.engine) as own:
                    return await self.append(stream_type, stream_id, expected_version, events,
                                             prev_hash=prev_hash, conn=own)  # fmt: skip
            # What raw_connection does, without its two context-manager layers (every append).
            own = await pool.acquire()
            healthy = False
            try:
                result = await self.append(stream_type, stream_id, expected_version, events,
                                           prev_hash=prev_hash, conn=own)  # fmt: skip
                healthy = True
            finally:
                await pool.release(own, healthy)
            return result
        if prev_hash is UNKNOWN:
            prev_hash = await self._lookup_head_hash(conn, stream_type, stream_id,
                                                     expected_version)  # fmt: skip
        assert prev_hash is None or isinstance(prev_hash, str)

        rows = self._encode(stream_type, stream_id, expected_version, events, prev_hash)
        try:
            if conn.is_in_transaction():
                # Inside a caller's transaction a failed INSERT would abort all of it; a
                # savepoint keeps it usable so the conflict can be explained, then the caller
                # rolls back.
                async with conn.transaction():
                    positions = await self._insert(conn, rows, stream_type, stream_id,
                                                   expected_version, prev_hash)  # fmt: skip
            else:
                positions = await self._insert(conn, rows, stream_type, stream_id,
                                               expected_version, prev_hash)  # fmt: skip
        except asyncpg.UniqueViolationError:
            # The stream moved past the expected version, or these event ids are stored (a
            # retry): told apart below, as when nothing was written.
            positions = []

        if len(positions) == len(rows):
            # Filled at once: the frozen dataclass's __init__ sets each field through
            # object.__setattr__ (equal either way: same fields, same values).
            done: AppendResult = _new(AppendResult)
            _setattr(done, "__dict__", {"stream_id": stream_id,
                                        "version": expected_version + len(rows),
                                        "last_hash": rows[-1].hash,
                                        "positions": tuple(positions),
                                        "duplicate": False})  # fmt: skip
            return done
        # Nothing written: either every event id is already stored (a retry) or the head moved.
        existing = await conn.fetch(self._existing, [r.event_id for r in rows])
        if len(existing) == len(rows):
            return AppendResult(
                stream_id,
                expected_version + len(rows),
                rows[-1].hash,
                tuple(rec["global_position"] for rec in existing),
                duplicate=True,
            )
        if existing:
            raise ConcurrencyError(
                f"stream {stream_name(stream_type, stream_id)}: some of these event ids are "
                "already stored, others not",
                stream_type=stream_type,
                stream_id=stream_id,
            )
        raise await self._conflict(conn, stream_type, stream_id, expected_version)

    async def _insert(
        self,
        conn: asyncpg.Connection,
        rows: list[_Row],
        stream_type: str,
        stream_id: str,
        expected_version: int,
        prev_hash: str | None,
    ) -> list[int]:
        if len(rows) == 1:
            r = rows[0]
            if expected_version == 0:
                records = await conn.fetch(
                    self._insert_first, r.event_id, stream_type, stream_id, prev_hash,
                    r.event_type, r.schema_version, r.payload, r.metadata, r.hash,
                )  # fmt: skip
            else:
                records = await conn.fetch(
                    self._insert_next, r.event_id, stream_type, stream_id, expected_version,
                    prev_hash, r.event_type, r.schema_version, r.payload, r.metadata, r.hash,
                )  # fmt: skip
            return [rec[0] for rec in records]
        records = await conn.fetch(
            self._insert_many,
            [r.event_id for r in rows], stream_type, stream_id, expected_version, prev_hash,
            [r.version for r in rows], [r.event_type for r in rows],
            [r.schema_version for r in rows], [r.payload for r in rows],
            [r.metadata for r in rows], [r.prev_hash for r in rows], [r.hash for r in rows],
        )  # fmt: skip
        return [rec[0] for rec in records]

    async def append_streams(
        self, appends: Sequence[StreamAppend], *, conn: asyncpg.Connection | None = None
    ) -> list[AppendResult]:
        """Append to several streams atomically: all of them or none (one transaction). For a
        fact that belongs to two aggregates, e.g. a decision on both a meeting and an item."""
        conn = conn or self._joined()
        if conn is None:
            async with raw_connection(self.engine) as own:
                return await self.append_streams(appends, conn=own)
        async with conn.transaction():
            return [
                await self.append(
                    a.stream_type,
                    a.stream_id,
                    a.expected_version,
                    a.events,
                    prev_hash=a.prev_hash,
                    conn=conn,
                )
                for a in appends
            ]

    async def _conflict(
        self, conn: asyncpg.Connection, stream_type: str, stream_id: str, expected_version: int
    ) -> ConcurrencyError:
        row = await conn.fetchrow(self._head, stream_type, stream_id)
        actual = 0 if row is None else int(row["stream_version"])
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

    async def _lookup_head_hash(
        self, conn: asyncpg.Connection, stream_type: str, stream_id: str, expected_version: int
    ) -> str | None:
        if expected_version == 0:
            return None
        row = await conn.fetchrow(self._head, stream_type, stream_id)
        if row is None or row["stream_version"] != expected_version:
            raise await self._conflict(conn, stream_type, stream_id, expected_version)
        hash_: str = row["hash"]
        return hash_

    def _encode(
        self,
        stream_type: str,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        prev_hash: str | None,
    ) -> list[_Row]:
        # Each payload and each command's metadata is serialised once, with sorted keys: that
        # text is both what is stored (jsonb does not keep key order anyway) and the piece the
        # canonical form embeds (canonical_bytes_of_encoded, equal to canonical_bytes).
        rows: list[_Row] = []
        metadata_texts: dict[int, bytes] = {}  # a command's events share one metadata object
        stream_type_json, stream_id_json = _dumps(stream_type), _dumps(stream_id)
        version = expected_version
        for new in events:
            event_id = new.event_id or new_event_id()
            event = new.event
            payload = event.payload_json()
            meta = new.metadata
            metadata = metadata_texts.get(id(meta))
            if metadata is None:
                metadata = metadata_texts[id(meta)] = meta.stored_json()
            version += 1
            event_type = event.event_type
            digest = sha256(
                canonical_bytes_of_encoded(
                    event_id=event_id,
                    stream_type_json=stream_type_json,
                    stream_id_json=stream_id_json,
                    stream_version=version,
                    event_type_json=_dumps(event_type),
                    schema_version=event.schema_version,
                    payload_sorted=payload,
                    metadata_sorted=metadata,
                    prev_hash=prev_hash,
                )
            ).hexdigest()
            rows.append(
                _Row(
                    event_id, version, event_type, event.schema_version, payload.decode(),
                    metadata.decode(), prev_hash, digest,
                )
            )  # fmt: skip
            prev_hash = digest
        return rows

    # ------------------------------------------------------------------ reading

    async def read_stream(
        self,
        stream_type: str,
        stream_id: str,
        after_version: int = 0,
        *,
        conn: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        """The stream (stream_type, stream_id)'s events after `after_version`, in order; none
        if it is empty, whatever other types' streams hold that id."""
        conn = conn or self._joined()
        if conn is None:
            async with raw_connection(self.engine) as own:
                return await self.read_stream(stream_type, stream_id, after_version, conn=own)
        rows = await conn.fetch(self._stream, stream_type, stream_id, after_version)
        return [self._decode(row) for row in rows]

    async def read_streams_of_type(self, stream_type: str) -> dict[str, list[RecordedEvent]]:
        """Every stream of one type, by stream id: for the few aggregates a command weighs
        together (a year's budget envelopes, the roadmap's items), not for whole-log work."""
        rows = await self._fetch(self._of_type, stream_type)
        streams: dict[str, list[RecordedEvent]] = {}
        for row in rows:
            recorded = self._decode(row)
            streams.setdefault(recorded.stream_id, []).append(recorded)
        return streams

    async def stream_ids_with(
        self,
        stream_type: str,
        event_type: str,
        *,
        conn: asyncpg.Connection | None = None,
        **payload: str | int | bool,
    ) -> list[str]:
        """The streams of `stream_type` holding an `event_type` event whose payload has these
        values (e.g. the items ever assigned to one programme): a lookup over those events,
        where folding every stream of the type would grow with all of them. On `conn`, it
        sees what the caller's transaction appended (a consumer's handler, see consumer.py)."""
        query = orjson.dumps(payload).decode()
        if conn is not None:
            rows = await conn.fetch(self._streams_with, stream_type, event_type, query)
        else:
            rows = await self._fetch(self._streams_with, stream_type, event_type, query)
        return [str(row[0]) for row in rows]

    async def read_all(
        self, after: LogCursor = START, limit: int = 1000, *, conn: asyncpg.Connection | None = None
    ) -> list[RecordedEvent]:
        """The next events of the whole log after `after`, never skipping one (see module doc)."""
        if conn is None:
            async with raw_connection(self.engine) as own:
                return await self.read_all(after, limit, conn=own)
        rows = await conn.fetch(self._log, after.tx_id, after.global_position, limit)
        return [self._decode(row) for row in rows]

    async def cursor_after_position(self, global_position: int) -> LogCursor:
        """The log cursor just after the event at `global_position` (0: the beginning).

        Lets the public feed take `after=<position>` while paging in commit-safe order."""
        if global_position <= 0:
            return START
        async with raw_connection(self.engine) as conn:
            row = await conn.fetchrow(self._cursor_of, global_position)
        if row is None:
            raise NotFound(f"no event at position {global_position}")
        return LogCursor(row["tx_id"], row["global_position"])

    async def get_event(self, event_id: UUID) -> RecordedEvent | None:
        rows = await self._fetch(self._by_event_id, event_id)
        return self._decode(rows[0]) if rows else None

    async def stats(self) -> tuple[int, int]:
        """(number of events, highest position)."""
        async with raw_connection(self.engine) as conn:
            row = await conn.fetchrow(self._head_of_log)
        assert row is not None
        return int(row[0]), int(row[1])

    def _decode(self, row: asyncpg.Record) -> RecordedEvent:
        # Replays build millions of these: setting __dict__ at once skips the frozen
        # dataclass's per-field object.__setattr__ (about 3 µs an event down to under 1).
        recorded: RecordedEvent = _new(RecordedEvent)
        _set_recorded_dict(
            recorded,
            {
                "global_position": row[0],
                "tx_id": row[1],
                "event_id": row[2],
                "stream_type": row[3],
                "stream_id": row[4],
                "stream_version": row[5],
                "event_type": row[6],
                "schema_version": row[7],
                "payload_json": row[8],
                "metadata_json": row[9],
                "recorded_at": row[10],
                "prev_hash": row[11],
                "hash": row[12],
                "decoder": self._decoder,
            },
        )
        return recorded


_new = object.__new__
_setattr = object.__setattr__
_set_recorded_dict = RecordedEvent.__dict__["__dict__"].__set__  # no attribute lookup first
_dumps = orjson.dumps


class _Row(NamedTuple):
    event_id: UUID
    version: int
    event_type: str
    schema_version: int
    payload: str
    metadata: str
    prev_hash: str | None
    hash: str
