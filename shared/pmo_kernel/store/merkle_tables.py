"""Reads of a service's Merkle log tables (store.schema.merkle_log_ddl), shared by the process
that builds the log, `pmo audit verify` and the event feed's proofs."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from pmo_kernel.store.merkle import Node, Range, nodes_of, resolve


async def fetch_nodes(
    conn: asyncpg.Connection, schema: str, wanted: Iterable[Node]
) -> dict[Node, bytes]:
    """The stored nodes among `wanted` (one query); missing ones are left out."""
    nodes = sorted(set(wanted))
    rows = await conn.fetch(
        f'SELECT level, node_index, hash FROM "{schema}".merkle_nodes '
        "WHERE (level, node_index) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))",
        [n.level for n in nodes],
        [n.node_index for n in nodes],
    )
    return {Node(r[0], r[1]): bytes(r[2]) for r in rows}


async def proof_hashes(
    conn: asyncpg.Connection, schema: str, ranges: list[Range]
) -> list[bytes] | None:
    """The hashes of a proof's ranges, or None if some node is not stored (yet)."""
    wanted = nodes_of(ranges)
    nodes = await fetch_nodes(conn, schema, wanted)
    if not wanted <= nodes.keys():
        return None
    return resolve(ranges, nodes)


async def leaf_index_of(conn: asyncpg.Connection, schema: str, global_position: int) -> int | None:
    """The leaf of the event at `global_position`, if the log has it."""
    index = await conn.fetchval(
        f'SELECT leaf_index FROM "{schema}".merkle_leaves WHERE global_position = $1',
        global_position,
    )
    return None if index is None else int(index)
