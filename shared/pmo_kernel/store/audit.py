"""`pmo audit verify`: recompute every stream's hash chain and name the first broken event.

A stream is (stream_type, stream_id) (pmo_kernel.streams): each has its own chain from version 1,
so two types sharing an id are two chains.

An event is broken when its stored hash differs from the hash of its canonical form, when its
prev_hash is not the previous event's hash, or when its stream version does not follow the
previous one. Any change to a stored byte after the fact (possible only for a superuser who
disabled the immutability trigger) shows up as one of these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.db import raw_connection
from pmo_kernel.store.hashing import canonical_bytes, chain_hash
from pmo_kernel.streams import stream_name


@dataclass(frozen=True)
class BrokenEvent:
    global_position: int
    event_id: UUID
    stream_type: str
    stream_id: str
    stream_version: int
    reason: str

    @property
    def stream(self) -> str:
        """The stream's name, `<type>-<id>`."""
        return stream_name(self.stream_type, self.stream_id)


@dataclass(frozen=True)
class AuditReport:
    schema: str
    events_checked: int
    streams_checked: int
    broken: list[BrokenEvent]

    @property
    def ok(self) -> bool:
        return not self.broken

    @property
    def first_broken(self) -> BrokenEvent | None:
        return min(self.broken, key=lambda b: b.global_position) if self.broken else None


async def verify_chain(
    engine: AsyncEngine,
    schema: str,
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = 5000,
) -> AuditReport:
    """Walk the log stream by stream (server-side cursor: constant memory)."""
    sql = (
        "SELECT global_position, event_id, stream_type, stream_id, stream_version, event_type, "
        "schema_version, payload::text, metadata::text, prev_hash, hash "
        f'FROM "{schema}".events ORDER BY stream_type, stream_id, stream_version'
    )
    checked = streams = 0
    broken: list[BrokenEvent] = []
    current_stream: tuple[str, str] | None = None
    previous_hash: str | None = None
    previous_version = 0
    stream_broken = False
    async with raw_connection(engine) as conn, conn.transaction(readonly=True):
        async for row in conn.cursor(sql, prefetch=batch):
            (position, event_id, stream_type, stream_id, version, event_type, schema_version,
             payload, metadata, prev_hash, stored_hash) = row  # fmt: skip
            if (stream_type, stream_id) != current_stream:
                current_stream, previous_hash, previous_version = (stream_type, stream_id), None, 0
                stream_broken = False
                streams += 1
            checked += 1
            if progress is not None and checked % batch == 0:
                progress(checked)
            reason = None
            if version != previous_version + 1:
                reason = f"version {version} follows {previous_version}"
            elif prev_hash != previous_hash:
                reason = "prev_hash does not match the previous event's hash"
            else:
                expected = chain_hash(
                    canonical_bytes(
                        event_id=event_id,
                        stream_type=stream_type,
                        stream_id=stream_id,
                        stream_version=version,
                        event_type=event_type,
                        schema_version=schema_version,
                        payload=orjson.loads(payload),
                        metadata=orjson.loads(metadata),
                        prev_hash=prev_hash,
                    )
                )
                if expected != stored_hash:
                    reason = "content does not match its hash: the event was altered"
            # Report only the first break of a stream: everything after it fails by consequence.
            if reason is not None and not stream_broken:
                broken.append(
                    BrokenEvent(position, event_id, stream_type, stream_id, version, reason)
                )
                stream_broken = True
            previous_hash, previous_version = stored_hash, version
    if progress is not None:
        progress(checked)
    return AuditReport(schema, checked, streams, broken)
