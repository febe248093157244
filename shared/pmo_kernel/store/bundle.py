"""`pmo audit export`: the auditor's bundle, checked without pmo by tools/verify_audit_bundle.py.

    <dir>/public-key.pem            the Ed25519 key the heads are signed with
    <dir>/<service>/events.jsonl    the log in log order, one CloudEvent (JSON format) a line
    <dir>/<service>/leaves.jsonl    the Merkle log's leaves as it recorded them, in leaf order
    <dir>/<service>/checkpoints.json  the signed tree heads, smallest first

An event line is a CloudEvents 1.0 structured event: `id`, `source`, `type`, `subject` (stream
id), `time` (occurred_at), `data` (the payload, as stored) and extension attributes carrying
what its hash covers: `pmostreamtype`, `sequence` (stream version), `pmoeventtype`,
`pmoschemaversion`, `pmometadata` (the metadata, a JSON text), `pmoprevhash`, `pmohash`, and
`pmoposition` (its global position, which its Merkle leaf covers). The leaves say which events
the log had, authenticated by the heads: a bundle exported after a deletion still shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.cloudevents import CONTENT_TYPE, SPEC_VERSION, ce_type
from pmo_kernel.db import raw_connection
from pmo_kernel.store.tree_heads import heads_on, public_key_pem

PUBLIC_KEY_FILE = "public-key.pem"


@dataclass(frozen=True)
class BundleSummary:
    events: int
    leaves: int
    heads: int


def write_public_key(out: Path, public_key: Ed25519PublicKey) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / PUBLIC_KEY_FILE
    path.write_text(public_key_pem(public_key))
    return path


async def export_bundle(
    engine: AsyncEngine, schema: str, service: str, out: Path, *, batch: int = 5000
) -> BundleSummary:
    """Write `service`'s part of the bundle under `out/<service>/` (constant memory)."""
    target = out / service
    target.mkdir(parents=True, exist_ok=True)
    s = f'"{schema}"'
    source = f"/pmo/{service}".encode()
    events = leaves = 0
    async with (
        raw_connection(engine) as conn,
        conn.transaction(readonly=True, isolation="repeatable_read"),
    ):
        with (target / "events.jsonl").open("wb") as lines:
            async for row in conn.cursor(
                "SELECT global_position, event_id, stream_type, stream_id, stream_version, "
                "event_type, schema_version, payload::text, metadata::text, prev_hash, hash, "
                "metadata->>'occurred_at' "
                f"FROM {s}.events ORDER BY tx_id, global_position",
                prefetch=batch,
            ):
                (position, event_id, stream_type, stream_id, version, event_type, schema_version,
                 payload, metadata, prev_hash, stored_hash, occurred_at) = row  # fmt: skip
                head = orjson.dumps(
                    {
                        "specversion": SPEC_VERSION,
                        "id": str(event_id),
                        "source": source.decode(),
                        "type": ce_type(service, event_type, schema_version),
                        "subject": stream_id,
                        "time": occurred_at,
                        "datacontenttype": CONTENT_TYPE,
                        "sequence": str(version),
                        "pmostreamtype": stream_type,
                        "pmoeventtype": event_type,
                        "pmoschemaversion": schema_version,
                        "pmoposition": position,
                        "pmometadata": metadata,
                        "pmoprevhash": prev_hash,
                        "pmohash": stored_hash,
                    }
                )
                # The payload spliced in as stored: what the auditor hashes is what we keep.
                lines.write(head[:-1] + b',"data":' + payload.encode() + b"}\n")
                events += 1
        with (target / "leaves.jsonl").open("wb") as lines:
            async for row in conn.cursor(
                "SELECT leaf_index, global_position, event_hash, event_id, stream_type, "
                f"stream_id, stream_version FROM {s}.merkle_leaves ORDER BY leaf_index",
                prefetch=batch,
            ):
                lines.write(
                    orjson.dumps(
                        {
                            "leaf_index": row[0],
                            "global_position": row[1],
                            "event_hash": row[2],
                            "event_id": str(row[3]),
                            "stream_type": row[4],
                            "stream_id": row[5],
                            "stream_version": row[6],
                        }
                    )
                    + b"\n"
                )
                leaves += 1
        heads = await heads_on(conn, schema, service)
    (target / "checkpoints.json").write_bytes(
        orjson.dumps([head.as_json() for head in heads], option=orjson.OPT_INDENT_2)
    )
    return BundleSummary(events, leaves, len(heads))
