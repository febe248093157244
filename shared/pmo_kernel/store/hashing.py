"""The audit chain: each event's hash covers its canonical form and the previous event's hash.

Canonical form: the event's identifying columns, payload and metadata as JSON with sorted keys and
no whitespace (orjson), UTF-8. Payload and metadata are hashed as decoded from jsonb, so a reader
can recompute the hash from what the database returns. Events hold no floats (see events.py), so
that decoding is exact.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS


def canonical_bytes(
    *,
    event_id: UUID,
    stream_type: str,
    stream_id: str,
    stream_version: int,
    event_type: str,
    schema_version: int,
    payload: Any,
    metadata: Any,
    prev_hash: str | None,
) -> bytes:
    return orjson.dumps(
        {
            "event_id": str(event_id),
            "stream_type": stream_type,
            "stream_id": stream_id,
            "stream_version": stream_version,
            "event_type": event_type,
            "schema_version": schema_version,
            "payload": payload,
            "metadata": metadata,
            "prev_hash": prev_hash,
        },
        option=_OPTIONS,
    )


def chain_hash(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()


def canonical_bytes_of_encoded(
    *,
    event_id: UUID,
    stream_type_json: bytes,
    stream_id_json: bytes,
    stream_version: int,
    event_type_json: bytes,
    schema_version: int,
    payload_sorted: bytes,
    metadata_sorted: bytes,
    prev_hash: str | None,
) -> bytes:
    """`canonical_bytes`, byte for byte, from parts already serialised: the appender serialises
    each payload once (sorted keys, also the text it stores) and a command's metadata once.
    `*_json` are orjson dumps of the strings; `*_sorted` orjson dumps with sorted keys. The keys
    below are in sorted order, as OPT_SORT_KEYS writes them (tests/kernel/test_hashing.py)."""
    return _CANONICAL_FORM % (
        str(event_id).encode(),
        event_type_json,
        metadata_sorted,
        payload_sorted,
        b"null" if prev_hash is None else b'"%s"' % prev_hash.encode(),
        schema_version,
        stream_id_json,
        stream_type_json,
        stream_version,
    )


# The keys in sorted order, as OPT_SORT_KEYS writes them; one C-level format per event.
_CANONICAL_FORM = (
    b'{"event_id":"%s","event_type":%s,"metadata":%s,"payload":%s,"prev_hash":%s,'
    b'"schema_version":%d,"stream_id":%s,"stream_type":%s,"stream_version":%d}'
)
