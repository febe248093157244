"""Event ids: random version-4 UUIDs, as uuid.uuid4() makes them, made cheaply because every
appended event needs one."""

from __future__ import annotations

from os import urandom
from uuid import UUID

from asyncpg.pgproto import pgproto

_wire_uuid = pgproto.UUID


def new_event_id() -> UUID:
    """A random version-4 UUID (uuid.uuid4()'s bits, from os.urandom) of asyncpg's own UUID
    type, which event ids read back from the store have too: a uuid.UUID whose str() and wire
    encoding are C code, and every appended event needs both (its hash, the INSERT)."""
    raw = bytearray(urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    event_id: UUID = _wire_uuid(bytes(raw))
    return event_id
