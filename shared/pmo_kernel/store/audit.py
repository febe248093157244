"""`pmo audit verify`: recompute every stream's hash chain and name the first broken event;
check the log against its signed Merkle tree heads, so that what a chain cannot show (a
stream's tail or a whole stream deleted, events reordered or inserted) shows too.

A stream is (stream_type, stream_id) (pmo_kernel.streams): each has its own chain from version 1,
so two types sharing an id are two chains.

An event is broken when its stored hash differs from the hash of its canonical form, when its
prev_hash is not the previous event's hash, or when its stream version does not follow the
previous one. Any change to a stored byte after the fact (possible only for a superuser who
disabled the immutability trigger) shows up as one of these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_kernel.db import raw_connection
from pmo_kernel.store.hashing import canonical_bytes, chain_hash
from pmo_kernel.store.merkle import (
    CompactRange,
    Range,
    consistency_ranges,
    event_leaf_hash,
    nodes_of,
    resolve,
    verify_consistency,
)
from pmo_kernel.store.merkle_tables import fetch_nodes, leaf_index_of
from pmo_kernel.store.tree_heads import TreeHead, key_id, read_heads
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


# --------------------------------------------------------------------------- the Merkle log


@dataclass(frozen=True)
class LogEntry:
    """One event as the events table has it now, or as the Merkle log recorded it."""

    global_position: int
    event_hash: str
    event_id: UUID
    stream_type: str
    stream_id: str
    stream_version: int

    def describe(self) -> str:
        return (
            f"event {self.event_id} (stream {stream_name(self.stream_type, self.stream_id)} "
            f"v{self.stream_version}, position {self.global_position})"
        )


@dataclass(frozen=True)
class LogReport:
    """What `verify_merkle_log` found: `problems` in log order, the first one first."""

    schema: str
    heads_checked: int
    latest_size: int
    events_checked: int
    problems: list[str]
    unsigned: int = 0  # events after the latest signed head, not covered by a signature yet

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_merkle_log(
    engine: AsyncEngine,
    schema: str,
    service: str,
    public_key: Ed25519PublicKey,
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = 5000,
    witnessed: Sequence[TreeHead] = (),
) -> LogReport:
    """Check the log against its signed heads: the stored ones and those `witnessed` outside
    the database (read from the checkpoints topic, or kept by the auditor), so that deleting
    the newest heads with the events they sign does not hide the deletion.

    1. Every stored head's signature, with `public_key` (the auditor's copy of the key).
    2. Every earlier head is consistent with the latest: an RFC 9162 consistency proof from the
       stored nodes verifies (the log only ever grew).
    3. The tree recomputed from the events, in log order, has each head's root at its size;
       the events table holds at least as many events as the latest head counts.
    4. The first leaf where the events differ from the leaves the Merkle log recorded names the
       event: missing (deleted), altered, reordered or extra (inserted). The recorded leaves are
       themselves checked against the heads, so a rewrite of the Merkle tables shows too.
    """
    heads, problems = merge_witnessed(await read_heads(engine, schema, service), witnessed)
    expected_key = key_id(public_key)
    trusted: list[TreeHead] = []
    for head in heads:
        if head.key_id != expected_key:
            problems.append(
                f"signed head of size {head.tree_size} names key {head.key_id}, "
                f"not the auditor's key {expected_key}"
            )
        elif not head.verifies_with(public_key):
            problems.append(f"signed head of size {head.tree_size}: the signature is not valid")
        else:
            trusted.append(head)
    if not trusted:
        return LogReport(schema, len(heads), 0, 0, problems)
    latest = trusted[-1]
    problems += await _inconsistent_heads(engine, schema, trusted)
    sizes = {head.tree_size: head for head in trusted}
    s = f'"{schema}"'
    sql = (
        "WITH e AS (SELECT row_number() OVER (ORDER BY tx_id, global_position) - 1 AS i, "
        "global_position, hash, event_id, stream_type, stream_id, stream_version "
        f"FROM {s}.events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint) "
        "SELECT coalesce(e.i, l.leaf_index), e.global_position, e.hash, e.event_id, "
        "e.stream_type, e.stream_id, e.stream_version, l.global_position, l.event_hash, "
        "l.event_id, l.stream_type, l.stream_id, l.stream_version "
        f"FROM e FULL JOIN {s}.merkle_leaves l ON l.leaf_index = e.i ORDER BY 1"
    )
    events = CompactRange()  # the tree of the events as they are
    recorded: CompactRange | None = None  # the recorded leaves' tree, once they differ
    first_difference: tuple[int, LogEntry | None, LogEntry | None] | None = None
    wrong_heads: list[str] = []
    recorded_wrong: list[int] = []
    checked = 0
    async with raw_connection(engine) as conn, conn.transaction(readonly=True):
        async for row in conn.cursor(sql, prefetch=batch):
            index = row[0]
            now = LogEntry(*row[1:7]) if row[1] is not None else None
            then = LogEntry(*row[7:13]) if row[7] is not None else None
            if first_difference is None and then is not None and now != then:
                first_difference = (index, now, then)
                recorded = events.copy()
            if now is not None:
                checked += 1
                events.append(event_leaf_hash(now.global_position, now.event_hash))
                if progress is not None and checked % batch == 0:
                    progress(checked)
                at = sizes.get(events.size)
                if at is not None and events.root() != at.root_hash:
                    wrong_heads.append(_mismatch(at))
            if recorded is not None and then is not None:
                recorded.append(event_leaf_hash(then.global_position, then.event_hash))
                at = sizes.get(recorded.size)
                if at is not None and recorded.root() != at.root_hash:
                    recorded_wrong.append(at.tree_size)
    if progress is not None:
        progress(checked)
    if events.size < latest.tree_size:
        wrong_heads.append(
            f"the log holds {events.size} events, the signed head of size {latest.tree_size} "
            f"counts {latest.tree_size - events.size} more: events were deleted"
        )
    if first_difference is not None:
        index, now, then = first_difference
        problems.append(await _name_difference(conn_engine=engine, schema=schema, index=index,
                                               now=now, then=then, latest=latest))  # fmt: skip
        if recorded_wrong:
            problems.append(
                f"the Merkle log's own leaves do not reproduce the signed head of size "
                f"{recorded_wrong[0]} either: its tables were changed too, so the event named "
                "above is only the best guess"
            )
    problems += wrong_heads[:1]
    unsigned = max(0, events.size - latest.tree_size)
    return LogReport(schema, len(heads), latest.tree_size, checked, problems, unsigned)


def merge_witnessed(
    stored: list[TreeHead], witnessed: Sequence[TreeHead]
) -> tuple[list[TreeHead], list[str]]:
    """The stored heads with the witnessed ones the store lacks, smallest first, and what is
    wrong between them. A head is stored before it is published, so a witnessed head that is
    not stored was deleted, and a different one stored at its size was forged (or the log
    forked: two signed trees of the same size)."""
    by_size = {head.tree_size: head for head in stored}
    problems: list[str] = []
    for head in sorted(set(witnessed), key=lambda h: h.tree_size):
        kept = by_size.get(head.tree_size)
        if kept is None:
            problems.append(
                f"the signed head of size {head.tree_size} witnessed outside the database is "
                "missing from the stored heads: it was deleted"
            )
            by_size[head.tree_size] = head
        elif kept != head:
            problems.append(
                f"the stored head of size {head.tree_size} differs from the one witnessed "
                f"outside the database (root {kept.root_hash.hex()[:16]}… stored, "
                f"{head.root_hash.hex()[:16]}… witnessed): the heads were rewritten"
            )
    return [by_size[size] for size in sorted(by_size)], problems


def _mismatch(head: TreeHead) -> str:
    return (
        f"the events do not reproduce the signed head of size {head.tree_size} "
        f"(root {head.root_hash.hex()[:16]}…): the first {head.tree_size} events were changed"
    )


async def _inconsistent_heads(engine: AsyncEngine, schema: str, heads: list[TreeHead]) -> list[str]:
    """Earlier heads whose consistency proof to the latest does not verify."""
    latest = heads[-1]
    wanted: dict[int, list[Range]] = {
        head.tree_size: consistency_ranges(head.tree_size, latest.tree_size) for head in heads[:-1]
    }
    async with raw_connection(engine) as conn:
        nodes = await fetch_nodes(conn, schema, nodes_of(r for rs in wanted.values() for r in rs))
    problems = []
    for head in heads[:-1]:
        ranges = wanted[head.tree_size]
        if not nodes_of(ranges) <= nodes.keys():
            problems.append(
                f"signed head of size {head.tree_size}: nodes of its consistency proof to size "
                f"{latest.tree_size} are missing from the Merkle log"
            )
            continue
        proof = resolve(ranges, nodes)
        if not verify_consistency(head.tree_size, latest.tree_size, head.root_hash,
                                  latest.root_hash, proof):  # fmt: skip
            problems.append(
                f"signed head of size {head.tree_size} is not consistent with the signed head "
                f"of size {latest.tree_size}: the log was rewritten between them"
            )
    return problems


async def _name_difference(
    *,
    conn_engine: AsyncEngine,
    schema: str,
    index: int,
    now: LogEntry | None,
    then: LogEntry | None,
    latest: TreeHead,
) -> str:
    """Name what differs at leaf `index`, where the events have `now`, the Merkle log `then`."""
    where = f"leaf {index}" + (
        " (after the latest signed head)" if index >= latest.tree_size else ""
    )
    if then is None:  # the Merkle log never had anything there: cannot happen before its end
        assert now is not None
        return f"extra event at {where}: {now.describe()} was never in the Merkle log"
    if now is None:
        return f"missing event at {where}: {then.describe()} was deleted (the log's end is gone)"
    if now.global_position == then.global_position:
        return (
            f"altered event at {where}: {then.describe()} now has hash "
            f"{now.event_hash[:16]}…, the Merkle log recorded {then.event_hash[:16]}…"
        )
    s = f'"{schema}"'
    async with raw_connection(conn_engine) as conn:
        still_there = await conn.fetchval(
            f"SELECT hash FROM {s}.events WHERE global_position = $1", then.global_position
        )
        was_logged = await leaf_index_of(conn, schema, now.global_position)
    if still_there is None:
        return f"missing event at {where}: {then.describe()} was deleted"
    if was_logged is None:
        return (
            f"extra event at {where}: {now.describe()} was inserted before "
            f"{then.describe()}; the Merkle log never had it"
        )
    return (
        f"reordered events at {where}: the log now has {now.describe()} there, recorded at leaf "
        f"{was_logged}; the Merkle log has {then.describe()} there"
    )
