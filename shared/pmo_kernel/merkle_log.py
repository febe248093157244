"""The audit log process: a service's events as an RFC 9162 Merkle log, with signed tree heads.

A process of its own per service (`python -m pmo_<service> merkle-log`), never on the command
path. It tails the events table in log order ((tx_id, global_position), below the oldest open
transaction: the order every log reader sees, store/postgres.py), so leaf i is the i-th event
readers get, and a late-committing row is never skipped. Per batch, in one transaction, it adds
the batch's leaves, every tree node the batch completes (store/merkle.py: a proof is then a few
index lookups) and its progress. In memory it keeps only the frontier (`CompactRange`, at most
log2(n) + 1 hashes), reloaded from the stored nodes on start.

It signs a tree head (pmo_kernel.store.tree_heads) once `checkpoint_events` leaves are unsigned,
or `checkpoint_seconds` after the first unsigned one arrived, and when it stops; stores it in
`audit_checkpoints`; then publishes it on `pmo.audit.checkpoints` (key: the service). Publishing
is at-least-once: `merkle_state.published_size` moves only after the broker acknowledged, and a
broker outage delays publication, never the log.

Idle, it costs nothing: it sleeps on the events table's NOTIFY (store.schema.event_wakeup_ddl),
like the outbox relay, or until a head falls due, or at most `safety_poll_seconds`. Only one
process builds a schema's log (an advisory lock; the others stand by).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pmo_kernel.aio import sleep_unless
from pmo_kernel.db import raw_connection
from pmo_kernel.infra.topics import TopicError, ensure_topics
from pmo_kernel.leadership import leading, wait_for
from pmo_kernel.recorded import LogCursor
from pmo_kernel.relay import make_producer
from pmo_kernel.settings import Settings
from pmo_kernel.store.merkle import CompactRange, event_leaf_hash
from pmo_kernel.store.merkle_tables import fetch_nodes
from pmo_kernel.store.postgres import START, EventStore
from pmo_kernel.store.schema import wakeup_channel
from pmo_kernel.store.tree_heads import TreeHead, read_heads, sign_head, signing_key

log = logging.getLogger(__name__)

CHECKPOINTS_TOPIC = "pmo.audit.checkpoints"
TREE_HEAD_TYPE = "pmo.audit.TreeHeadSigned.v1"


@dataclass(frozen=True)
class MerkleLogSettings:
    service: str
    topic: str = ""  # "": heads are stored and served, not published
    bootstrap_servers: str = ""
    checkpoint_events: int = 1000
    checkpoint_seconds: float = 10.0
    safety_poll_seconds: float = 60.0
    # After a NOTIFY whose rows were not visible yet (below the log's horizon): read again
    # after this, doubling up to the safety poll.
    idle_poll_seconds: float = 0.05
    batch_size: int = 5000
    error_backoff_seconds: float = 1.0
    partitions: int = 6
    replication: int = 1
    ack_timeout_seconds: float = 10.0


def tree_head_record(head: TreeHead) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of a head on `pmo.audit.checkpoints`: CloudEvents binary mode."""
    time_ = datetime.fromtimestamp(head.timestamp_ms / 1000, UTC).isoformat()
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"{head.service}-tree-head-{head.tree_size}".encode()),
        ("ce_source", f"/pmo/{head.service}/audit".encode()),
        ("ce_type", TREE_HEAD_TYPE.encode()),
        ("ce_subject", head.service.encode()),
        ("ce_time", time_.encode()),
        ("content-type", b"application/json"),
    ]
    return head.service.encode(), orjson.dumps(head.as_json()), headers


class MerkleLog:
    def __init__(
        self,
        store: EventStore,
        settings: MerkleLogSettings,
        key: Ed25519PrivateKey,
        *,
        producer_factory: Callable[[str], AIOKafkaProducer] = make_producer,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.key = key
        self._producer_factory = producer_factory
        self._producer: AIOKafkaProducer | None = None
        self._clock = clock
        self._appended = asyncio.Event()
        self.tree = CompactRange()
        self.cursor = START
        self.signed_size = 0
        self.published_size = 0
        self._first_unsigned_at: float | None = None
        s = f'"{store.schema}"'
        self._read_sql = (
            f"SELECT global_position, tx_id, hash, event_id, stream_type, stream_id, "
            f"stream_version FROM {s}.events WHERE (tx_id, global_position) > ($1, $2) "
            f"AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
            f"ORDER BY tx_id, global_position LIMIT $3"
        )
        self._leaves_sql = (
            f"INSERT INTO {s}.merkle_leaves (leaf_index, global_position, event_hash, event_id, "
            f"stream_type, stream_id, stream_version) SELECT * FROM unnest($1::bigint[], "
            f"$2::bigint[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::int[])"
        )
        self._nodes_sql = (
            f"INSERT INTO {s}.merkle_nodes (level, node_index, hash) "
            f"SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])"
        )
        # Guarded by the size it moves from: a second builder (which the advisory lock should
        # rule out) fails on the leaves' primary key or here, never forks the log.
        self._state_sql = (
            f"INSERT INTO {s}.merkle_state (singleton, tree_size, tx_id, global_position) "
            f"VALUES (true, $1, $2, $3) ON CONFLICT (singleton) DO UPDATE SET "
            f"tree_size = excluded.tree_size, tx_id = excluded.tx_id, "
            f"global_position = excluded.global_position, updated_at = now() "
            f"WHERE merkle_state.tree_size = $4"
        )
        self._head_sql = (
            f"INSERT INTO {s}.audit_checkpoints (tree_size, root_hash, timestamp_ms, key_id, "
            f"signature) VALUES ($1, $2, $3, $4, $5)"
        )
        self._schema = s

    # ----------------------------------------------------------------- building

    async def load(self) -> None:
        """Resume from the stored progress and frontier."""
        s = self._schema
        async with raw_connection(self.store.engine) as conn:
            state = await conn.fetchrow(
                f"SELECT tree_size, tx_id, global_position, published_size FROM {s}.merkle_state"
            )
            signed = await conn.fetchval(
                f"SELECT coalesce(max(tree_size), 0) FROM {s}.audit_checkpoints"
            )
            if state is None:
                self.tree, self.cursor, self.published_size = CompactRange(), START, 0
            else:
                size = int(state[0])
                wanted = CompactRange.frontier(size)
                found = await fetch_nodes(conn, self.store.schema, wanted)
                self.tree = CompactRange(size, [found[n] for n in wanted])
                self.cursor = LogCursor(int(state[1]), int(state[2]))
                self.published_size = int(state[3])
        self.signed_size = int(signed)
        self._first_unsigned_at = self._clock() if self.tree.size > self.signed_size else None

    async def append_batch(self) -> int:
        """Add the next events of the log as leaves; returns how many."""
        async with raw_connection(self.store.engine) as conn:
            rows = await conn.fetch(
                self._read_sql, self.cursor.tx_id, self.cursor.global_position,
                self.settings.batch_size,
            )  # fmt: skip
            if not rows:
                return 0
            tree = self.tree.copy()
            first = tree.size
            levels: list[int] = []
            indexes: list[int] = []
            hashes: list[bytes] = []

            def completed(level: int, index: int, h: bytes) -> None:
                levels.append(level)
                indexes.append(index)
                hashes.append(h)

            for row in rows:
                tree.append(event_leaf_hash(row[0], row[2]), completed)
            last = rows[-1]
            async with conn.transaction():
                await conn.execute(
                    self._leaves_sql,
                    list(range(first, tree.size)),
                    [r[0] for r in rows],
                    [r[2] for r in rows],
                    [r[3] for r in rows],
                    [r[4] for r in rows],
                    [r[5] for r in rows],
                    [r[6] for r in rows],
                )
                await conn.execute(self._nodes_sql, levels, indexes, hashes)
                status = await conn.execute(self._state_sql, tree.size, last[1], last[0], first)
                if status.endswith(" 0"):
                    raise RuntimeError("another process moved the Merkle log; stopping")
        self.tree = tree
        self.cursor = LogCursor(last[1], last[0])
        if self._first_unsigned_at is None:
            self._first_unsigned_at = self._clock()
        return len(rows)

    async def catch_up(self) -> int:
        """Add every visible event not yet in the log; returns how many."""
        total = 0
        while True:
            added = await self.append_batch()
            total += added
            if added < self.settings.batch_size:
                return total

    def due(self) -> bool:
        unsigned = self.tree.size - self.signed_size
        if unsigned <= 0:
            return False
        if unsigned >= self.settings.checkpoint_events:
            return True
        started = self._first_unsigned_at
        return started is not None and self._clock() - started >= self.settings.checkpoint_seconds

    def _seconds_until_due(self) -> float | None:
        if self.tree.size == self.signed_size or self._first_unsigned_at is None:
            return None
        elapsed = self._clock() - self._first_unsigned_at
        return max(0.0, self.settings.checkpoint_seconds - elapsed)

    async def sign(self) -> TreeHead | None:
        """Sign and store the head of the tree as it stands, if it grew since the last one."""
        if self.tree.size == self.signed_size:
            return None
        head = sign_head(
            self.key, self.settings.service, self.tree.size, self.tree.root(),
            int(self._clock() * 1000),
        )  # fmt: skip
        async with raw_connection(self.store.engine) as conn:
            await conn.execute(
                self._head_sql, head.tree_size, head.root_hash, head.timestamp_ms, head.key_id,
                head.signature,
            )  # fmt: skip
        self.signed_size = head.tree_size
        self._first_unsigned_at = None
        log.info("signed tree head", extra={"tree_size": head.tree_size})
        return head

    async def checkpoint(self) -> TreeHead | None:
        """Catch up and sign now (tests, and a clean stop)."""
        await self.catch_up()
        return await self.sign()

    # ----------------------------------------------------------------- publishing

    async def publish(self) -> int:
        """Publish the stored heads the topic has not acknowledged yet; returns how many."""
        if not self.settings.topic or self.signed_size <= self.published_size:
            return 0
        heads = await read_heads(
            self.store.engine, self.store.schema, self.settings.service,
            after_size=self.published_size,
        )  # fmt: skip
        if not heads:
            return 0
        producer = await self._ensure_producer()
        try:
            for head in heads:
                key, value, headers = tree_head_record(head)
                await asyncio.wait_for(
                    producer.send_and_wait(self.settings.topic, value, key=key, headers=headers),
                    self.settings.ack_timeout_seconds,
                )
        except BaseException:
            self._producer = None
            await _stop_quietly(producer)
            raise
        async with raw_connection(self.store.engine) as conn:
            await conn.execute(
                f"UPDATE {self._schema}.merkle_state SET published_size = $1 "
                "WHERE published_size < $1",
                heads[-1].tree_size,
            )
        self.published_size = heads[-1].tree_size
        return len(heads)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            s = self.settings
            await ensure_topics(s.bootstrap_servers, [s.topic], s.partitions, s.replication)
            producer = self._producer_factory(s.bootstrap_servers)
            await producer.start()
            self._producer = producer
        return self._producer

    # ----------------------------------------------------------------- running

    async def run(self, stopping: asyncio.Event) -> None:
        lock = f"pmo-merkle:{self.store.schema}"
        channel = wakeup_channel(self.store.schema)
        async with leading(
            self.store.engine, lock, channel, self._on_appended, stopping,
            standby_seconds=self.settings.safety_poll_seconds,
        ) as leader:  # fmt: skip
            if leader:
                await self._run_as_leader(stopping)

    def _on_appended(self, *_: object) -> None:
        self._appended.set()

    async def _run_as_leader(self, stopping: asyncio.Event) -> None:
        await self.load()
        idle_wait = self.settings.idle_poll_seconds
        noticed = False
        try:
            while not stopping.is_set():
                self._appended.clear()  # before reading: a NOTIFY meanwhile wakes the wait
                try:
                    added = await self.catch_up()
                    if self.due():
                        await self.sign()
                except (OSError, asyncpg.PostgresError) as exc:
                    log.warning("merkle log: database unavailable, retrying: %r", exc)
                    await sleep_unless(stopping, self.settings.error_backoff_seconds)
                    continue
                unpublished = await self._publish_quietly()
                if added:
                    idle_wait = self.settings.idle_poll_seconds
                elif noticed:  # announced rows not visible yet: look again soon, then less
                    idle_wait = min(idle_wait * 2, self.settings.safety_poll_seconds)
                timeout = self.settings.safety_poll_seconds
                if noticed and not added:
                    timeout = idle_wait
                until_due = self._seconds_until_due()
                if until_due is not None:
                    timeout = min(timeout, until_due)
                if unpublished:
                    timeout = min(timeout, self.settings.checkpoint_seconds)
                noticed = await wait_for(self._appended, stopping, timeout)
        finally:
            try:
                await self.checkpoint()  # what came in since the last head gets one now
                await self._publish_quietly()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("merkle log: no final head: %r", exc)
            finally:
                if self._producer is not None:
                    await _stop_quietly(self._producer)
                    self._producer = None

    async def _publish_quietly(self) -> bool:
        """Publish; True if heads are left unpublished (the broker is away)."""
        try:
            await self.publish()
        except (TimeoutError, KafkaError, OSError, TopicError) as exc:
            log.warning("merkle log: broker unavailable, heads published later: %r", exc)
            return True
        return False


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        await asyncio.wait_for(producer.stop(), 5.0)
    except (TimeoutError, KafkaError, OSError) as exc:
        log.info("merkle log: producer stopped with %r", exc)


def merkle_log_for(store: EventStore, settings: Settings, service: str) -> MerkleLog:
    """The Merkle log of `service`'s event store, as configured."""
    return MerkleLog(
        store,
        MerkleLogSettings(
            service=service,
            topic=f"{settings.kafka_topic_prefix}{CHECKPOINTS_TOPIC}",
            bootstrap_servers=settings.kafka_bootstrap_servers,
            checkpoint_events=settings.audit_checkpoint_events,
            checkpoint_seconds=settings.audit_checkpoint_seconds,
            safety_poll_seconds=settings.audit_safety_poll_seconds,
            partitions=settings.kafka_partitions,
            replication=settings.kafka_replication_factor,
        ),
        signing_key(settings),
    )
