"""Audit: the Merkle log's append cost and `pmo audit verify`'s throughput (issue 13).

- merkle append: `MerkleLog.catch_up` over a fresh log (read the events in log order, hash each
  leaf, store leaves, nodes and progress in one transaction per batch of 5,000), beside the
  raw baseline: the same keyset reads of the same columns, nothing hashed or written;
- verify: `verify_chain` (every stream's hash chain) then `verify_merkle_log` (signatures,
  consistency proofs, the tree recomputed from the events and compared to the recorded
  leaves), beside the raw baseline: one server-side cursor over the events, SHA-256 of each
  payload text (the least a verifier must do: read every event and hash it once).
The seeded rows carry chains whose hashes do not match their contents (bench.store.seed_log):
the chain check still hashes every event, it only reports one break per stream.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.harness import CaseResult, Context, Sample, Timer, progress, throughput_result
from bench.store import connect, our_store, seed_log
from pmo_kernel.merkle_log import MerkleLog, MerkleLogSettings
from pmo_kernel.store.audit import verify_chain, verify_merkle_log
from pmo_kernel.store.schema import merkle_log_ddl

TARGET_EVENTS = 1_000_000


async def run(ctx: Context) -> CaseResult:
    url = ctx.infra.database_url
    schema = ctx.schema("audit")
    engine, store = await our_store(url, schema)
    table = f'"{schema}".events'
    events = ctx.size(200_000, 20_000)
    await seed_log(url, table, events)
    conn = await connect(url)
    for statement in merkle_log_ddl(schema, None):
        await conn.execute(statement)
    await conn.execute(f"VACUUM ANALYZE {table}")
    key = Ed25519PrivateKey.generate()
    read_sql = (
        f"SELECT global_position, tx_id, hash, event_id, stream_type, stream_id, stream_version "
        f"FROM {table} WHERE (tx_id, global_position) > ($1, $2) "
        f"ORDER BY tx_id, global_position LIMIT 5000"
    )

    async def raw_read() -> Sample:
        count, cursor = 0, (0, 0)
        with Timer() as t:
            while rows := await conn.fetch(read_sql, *cursor):
                count += len(rows)
                cursor = (rows[-1][1], rows[-1][0])
        return Sample(count, t.seconds)

    async def raw_verify() -> Sample:
        count = 0
        with Timer() as t:
            async with conn.transaction(readonly=True):
                async for row in conn.cursor(
                    f"SELECT payload::text, hash FROM {table} ORDER BY global_position",
                    prefetch=5000,
                ):
                    hashlib.sha256(row[0].encode()).hexdigest()
                    count += 1
        return Sample(count, t.seconds)

    try:
        await raw_read()  # warm-up: the table into shared buffers
        raw_append = await raw_read()
        log = MerkleLog(store, MerkleLogSettings(service="bench"), key)
        await log.load()
        with Timer() as t:
            added = await log.catch_up()
        merkle = Sample(added, t.seconds)
        await log.sign()
        progress(
            f"    merkle append: {merkle.rate:,.0f} leaves/s (raw read {raw_append.rate:,.0f}/s)"
        )
        baseline = await raw_verify()
        with Timer() as t:
            chains = await verify_chain(engine, schema)
            report = await verify_merkle_log(engine, schema, "bench", key.public_key())
        assert report.ok, report.problems
        verify = Sample(chains.events_checked, t.seconds)
        with Timer() as t:
            await verify_merkle_log(engine, schema, "bench", key.public_key())
        tree_only = Sample(events, t.seconds)
        with Timer() as t:
            await verify_chain(engine, schema)
        chain_only = Sample(events, t.seconds)
    finally:
        await conn.close()
        await engine.dispose()
    million = TARGET_EVENTS / verify.rate
    return throughput_result(
        "audit",
        "audit verify: chains + Merkle log",
        [baseline],
        [verify],
        0.25,
        [
            f"{events:,} events; verify = chains ({chain_only.rate:,.0f} ev/s alone) + Merkle log "
            f"against its signed head ({tree_only.rate:,.0f} ev/s alone): {verify.rate:,.0f} ev/s, "
            f"so {TARGET_EVENTS:,} events in ~{million:.0f} s; raw: read + one SHA-256 per event. "
            f"Merkle append (catch_up from empty): {merkle.rate:,.0f} leaves/s, "
            f"{1e6 / merkle.rate:.1f} µs a leaf (raw read of the rows {raw_append.rate:,.0f}/s)"
        ],
    )
