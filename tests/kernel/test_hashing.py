"""The appender's canonical form, assembled from serialised parts, is byte for byte the one
`pmo audit verify` recomputes from the stored columns."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import orjson
import pytest

from pmo_kernel.store.hashing import canonical_bytes, canonical_bytes_of_encoded

PAYLOADS: list[Any] = [
    {},
    {"b": 1, "a": {"z": [3, {"y": None, "x": 'é ✓ "quoted" \\ \n'}], "amount": "12.50"}},
    {"title": "Ünïcødé \u2028 \U0001f600", "n": -7, "ok": True, "items": []},
]
METADATA: list[Any] = [
    {"actor": {"id": "alice", "roles": ["requester"]}, "occurred_at": "2026-03-02T09:30:00Z"},
    {"occurred_at": "2026-03-02T09:30:00.123456+01:00", "actor": {"id": "système"}, "x": None},
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("metadata", METADATA)
@pytest.mark.parametrize("prev_hash", [None, "ab" * 32])
@pytest.mark.parametrize("stream_id", ["demand-1", 'odd "id" ✓'])
def test_the_assembled_canonical_form_is_the_canonical_form(
    payload: Any, metadata: Any, prev_hash: str | None, stream_id: str
) -> None:
    event_id = uuid4()
    sort = orjson.OPT_SORT_KEYS

    assembled = canonical_bytes_of_encoded(
        event_id=event_id,
        stream_type_json=orjson.dumps("demand"),
        stream_id_json=orjson.dumps(stream_id),
        stream_version=12,
        event_type_json=orjson.dumps("DemandSubmitted"),
        schema_version=3,
        payload_sorted=orjson.dumps(payload, option=sort),
        metadata_sorted=orjson.dumps(metadata, option=sort),
        prev_hash=prev_hash,
    )

    assert assembled == canonical_bytes(
        event_id=event_id,
        stream_type="demand",
        stream_id=stream_id,
        stream_version=12,
        event_type="DemandSubmitted",
        schema_version=3,
        payload=payload,
        metadata=metadata,
        prev_hash=prev_hash,
    )
