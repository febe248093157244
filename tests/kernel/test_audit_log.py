"""The audit log reveals what a per-stream chain cannot: a superuser who disables the triggers
and deletes a stream's tail, a whole stream or the log's last event, swaps two events or inserts
one, is named by `pmo audit verify` (exit 1), and by the standalone script on an exported
bundle."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import orjson
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from typer.testing import CliRunner

from pmo_demand.bootstrap import MIGRATIONS
from pmo_kernel.cli.main import app
from pmo_kernel.db import create_engine, raw_connection
from pmo_kernel.infra.topics import ensure_topics
from pmo_kernel.merkle_log import (
    CHECKPOINTS_TOPIC,
    MerkleLog,
    MerkleLogSettings,
    tree_head_record,
)
from pmo_kernel.migrations import upgrade
from pmo_kernel.settings import load_settings
from pmo_kernel.store import EventStore, NewEvent
from pmo_kernel.store.hashing import canonical_bytes, chain_hash
from pmo_kernel.store.merkle import (
    event_leaf_hash,
    inclusion_ranges,
    verify_consistency,
    verify_inclusion,
)
from pmo_kernel.store.merkle_tables import proof_hashes
from pmo_kernel.store.tree_heads import key_id, load_public_key, read_heads, signing_key
from tests.infra import Infrastructure
from tests.support import CounterIncremented, kernel_registry, metadata

SCHEMA = "demand"  # the CLI verifies the installed services' schemas
EVENTS = f'"{SCHEMA}".events'
SCRIPT = Path(__file__).parents[2] / "tools" / "verify_audit_bundle.py"


@dataclass
class Audited:
    store: EventStore
    log: MerkleLog
    env: dict[str, str]


@pytest_asyncio.fixture(loop_scope="session")
async def audited(
    fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Audited]:
    """The demand schema holding streams a (3 events), b (2) and c (2), written in separate
    transactions, all in the Merkle log under one signed head."""
    await upgrade(fresh_database, MIGRATIONS, SCHEMA)
    env = {"DATABASE_URL": fresh_database, "AUDIT_KEY_FILE": str(tmp_path / "audit.pem")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DEMAND_DATABASE_URL", raising=False)
    engine = create_engine(fresh_database, pool_size=2)
    store = EventStore(engine, SCHEMA, kernel_registry)
    for stream, count in (("a", 3), ("b", 2), ("c", 2)):
        head = None
        for version in range(count):
            result = await store.append(
                "counter", stream, version,
                [NewEvent(CounterIncremented(by=version), metadata())], prev_hash=head,
            )  # fmt: skip
            head = result.last_hash
    log = MerkleLog(store, MerkleLogSettings(service="demand"), signing_key(load_settings()))
    await log.load()
    await log.checkpoint()
    yield Audited(store, log, env)
    await engine.dispose()


def _verify(*options: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify", "--service", "demand", *options])
    return result.exit_code, " ".join(result.output.split())


async def _cli_verify() -> tuple[int, str]:
    return await asyncio.to_thread(_verify)


async def _superuser(store: EventStore, *statements: str) -> None:
    async with raw_connection(store.engine) as conn, conn.transaction():
        await conn.execute(f"ALTER TABLE {EVENTS} DISABLE TRIGGER events_immutable")
        for statement in statements:
            await conn.execute(statement)
        await conn.execute(f"ALTER TABLE {EVENTS} ENABLE TRIGGER events_immutable")


async def _event_id(store: EventStore, stream: str, version: int) -> str:
    async with raw_connection(store.engine) as conn:
        sql = f"SELECT event_id FROM {EVENTS} WHERE stream_id = $1 AND stream_version = $2"
        return str(await conn.fetchval(sql, stream, version))


async def _insert_forged_event(store: EventStore) -> None:
    """A well-chained event on stream a (v4), slipped into the transaction of a's v3: between
    stream a's events and stream b's in the log."""
    async with raw_connection(store.engine) as conn:
        last = await conn.fetchrow(
            f"SELECT tx_id, hash FROM {EVENTS} WHERE stream_id = 'a' AND stream_version = 3"
        )
        assert last is not None
        meta = orjson.loads(await conn.fetchval(f"SELECT metadata::text FROM {EVENTS} LIMIT 1"))
        event_id = "00000000-0000-4000-8000-00000000f0f0"
        forged = chain_hash(
            canonical_bytes(
                event_id=UUID(event_id), stream_type="counter", stream_id="a",
                stream_version=4, event_type="CounterIncremented", schema_version=1,
                payload={"by": 99}, metadata=meta, prev_hash=last["hash"],
            )
        )  # fmt: skip
        await conn.execute(
            f"INSERT INTO {EVENTS} (tx_id, event_id, stream_type, stream_id, stream_version, "
            "event_type, schema_version, payload, metadata, prev_hash, hash) VALUES ($1, $2, "
            "'counter', 'a', 4, 'CounterIncremented', 1, '{\"by\": 99}', $3::jsonb, $4, $5)",
            last["tx_id"], UUID(event_id), orjson.dumps(meta).decode(),
            last["hash"], forged,
        )  # fmt: skip


Tamper = Callable[[EventStore], Awaitable[str]]


async def delete_streams_last_event(store: EventStore) -> str:
    victim = await _event_id(store, "a", 3)
    await _superuser(store, f"DELETE FROM {EVENTS} WHERE event_id = '{victim}'")
    return rf"missing event at leaf 2: event {victim} \(stream counter-a v3, position 3\)"


async def delete_whole_stream(store: EventStore) -> str:
    victim = await _event_id(store, "b", 1)
    await _superuser(store, f"DELETE FROM {EVENTS} WHERE stream_id = 'b'")
    return rf"missing event at leaf 3: event {victim} \(stream counter-b v1, position 4\)"


async def delete_logs_last_event(store: EventStore) -> str:
    victim = await _event_id(store, "c", 2)
    await _superuser(store, f"DELETE FROM {EVENTS} WHERE event_id = '{victim}'")
    return rf"missing event at leaf 6: event {victim} \(stream counter-c v2, position 7\)"


async def swap_two_events(store: EventStore) -> str:
    moved = await _event_id(store, "c", 1)
    await _superuser(
        store,
        f"UPDATE {EVENTS} e SET tx_id = o.tx_id FROM {EVENTS} o "
        f"WHERE (e.global_position, o.global_position) IN ((4, 6), (6, 4))",
    )
    return rf"reordered events at leaf 3: the log now has event {moved} \(stream counter-c v1"


async def insert_one_event(store: EventStore) -> str:
    await _insert_forged_event(store)
    return (
        r"extra event at leaf 3: event 00000000-0000-4000-8000-00000000f0f0 \(stream counter-a v4"
    )


TAMPERING = [
    delete_streams_last_event,
    delete_whole_stream,
    delete_logs_last_event,
    swap_two_events,
    insert_one_event,
]


async def test_an_untouched_log_verifies_against_its_signed_head(audited: Audited) -> None:
    code, output = await _cli_verify()

    assert code == 0, output
    assert "log of 7 events matches its 1 signed tree heads (latest: size 7)" in output


@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda t: t.__name__)
async def test_verify_exits_1_and_names_the_first_missing_reordered_or_extra_event(
    audited: Audited, tamper: Tamper
) -> None:
    expected = await tamper(audited.store)

    code, output = await _cli_verify()

    assert code == 1, output
    assert re.search(expected, output), output


@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda t: t.__name__)
async def test_the_standalone_script_catches_the_same_on_an_exported_bundle(
    audited: Audited, tamper: Tamper, tmp_path: Path
) -> None:
    clean, tampered = tmp_path / "clean", tmp_path / "tampered"
    await asyncio.to_thread(CliRunner().invoke, app, ["audit", "export", str(clean)])
    expected = await tamper(audited.store)
    await asyncio.to_thread(CliRunner().invoke, app, ["audit", "export", str(tampered)])

    intact = _run_script(clean)
    caught = _run_script(tampered)

    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert caught.returncode == 1, caught.stdout + caught.stderr
    assert re.search(expected, caught.stdout), caught.stdout


def _run_script(bundle: Path) -> subprocess.CompletedProcess[str]:
    # A plain interpreter, no PYTHONPATH: the script may use nothing of pmo.
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(bundle)],
        capture_output=True, text=True, timeout=30, env={},
    )  # fmt: skip


async def test_a_restarted_log_resumes_and_its_heads_stay_consistent(audited: Audited) -> None:
    await audited.store.append("counter", "d", 0, [NewEvent(CounterIncremented(by=1), metadata())])
    restarted = MerkleLog(audited.store, audited.log.settings, audited.log.key)
    await restarted.load()

    head = await restarted.checkpoint()

    assert head is not None
    assert head.tree_size == 8
    code, output = await _cli_verify()
    assert code == 0, output
    assert "matches its 2 signed tree heads (latest: size 8)" in output


async def test_every_event_has_an_inclusion_proof_to_the_signed_root(audited: Audited) -> None:
    root, size = audited.log.tree.root(), audited.log.tree.size
    events = await audited.store.read_all()
    async with raw_connection(audited.store.engine) as conn:
        for index, event in enumerate(events):
            path = await proof_hashes(conn, SCHEMA, inclusion_ranges(index, size))
            assert path is not None
            leaf = event_leaf_hash(event.global_position, event.hash)
            assert verify_inclusion(index, size, leaf, path, root)


async def test_the_application_login_may_not_rewrite_the_audit_log(
    audited: Audited, fresh_database: str
) -> None:
    from pmo_kernel.db import asyncpg_dsn, with_login

    conn = await asyncpg.connect(asyncpg_dsn(with_login(fresh_database, "pmo_demand_app")))
    try:
        for statement in (
            "UPDATE demand.audit_checkpoints SET tree_size = 1",
            "DELETE FROM demand.merkle_leaves",
            "UPDATE demand.merkle_nodes SET hash = ''",
            "TRUNCATE demand.audit_checkpoints",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


async def test_the_running_log_wakes_on_an_append_signs_and_publishes_the_head(
    audited: Audited, infra: Infrastructure, fresh_topic_prefix: str
) -> None:
    # A 60 s safety poll and 60 s between heads: only the NOTIFY wakes it, only the event
    # count makes a head due.
    topic = f"{fresh_topic_prefix}{CHECKPOINTS_TOPIC}"
    settings = MerkleLogSettings(
        service="demand", topic=topic, bootstrap_servers=infra.kafka_bootstrap,
        checkpoint_events=2, checkpoint_seconds=60.0, safety_poll_seconds=60.0, partitions=1,
    )  # fmt: skip
    log = MerkleLog(audited.store, settings, audited.log.key)
    stopping = asyncio.Event()
    running = asyncio.create_task(log.run(stopping))
    await ensure_topics(infra.kafka_bootstrap, [topic], 1)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=infra.kafka_bootstrap,
        group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest",
    )  # fmt: skip
    try:
        await audited.store.append(
            "counter", "e", 0,
            [NewEvent(CounterIncremented(by=1), metadata()),
             NewEvent(CounterIncremented(by=2), metadata())],
        )  # fmt: skip
        await consumer.start()
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.seek_to_beginning()
        heads: list[dict[str, object]] = []
        deadline = asyncio.get_running_loop().time() + 20
        while not any(h["tree_size"] == 9 for h in heads):
            assert asyncio.get_running_loop().time() < deadline, heads
            for records in (await consumer.getmany(timeout_ms=500)).values():
                heads += [orjson.loads(r.value) for r in records]
    finally:
        stopping.set()
        await running
        await consumer.stop()

    assert heads[-1]["service"] == "demand"
    assert heads[-1]["key_id"] == key_id(audited.log.key.public_key())
    code, output = await _cli_verify()
    assert code == 0, output


async def test_the_event_feed_serves_signed_heads_and_proofs_that_verify(
    audited: Audited, fresh_database: str
) -> None:
    from pmo_demand.bootstrap import build, create_app
    from tests.support import bearer, settings_for

    await audited.store.append("counter", "d", 0, [NewEvent(CounterIncremented(by=1), metadata())])
    await audited.log.checkpoint()  # heads of sizes 7 and 8
    settings = settings_for(fresh_database)
    container = build(settings)
    transport = httpx.ASGITransport(app=create_app(settings, container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://demand") as api:
            api.headers.update(bearer(settings, "ada", "auditor"))
            heads = (await api.get("/events/checkpoints")).json()
            proof = (await api.get("/events/proofs/inclusion", params={"position": 3})).json()
            grown = await api.get("/events/proofs/consistency", params={"first": 7})
            absent = await api.get("/events/proofs/inclusion", params={"position": 99})
    finally:
        await container.engine.dispose()

    public_key = load_public_key(heads["public_key"].encode())
    first, latest = heads["checkpoints"]
    assert (first["tree_size"], latest["tree_size"]) == (7, 8)
    root = bytes.fromhex(latest["root_hash"])
    assert verify_inclusion(
        proof["leaf_index"], 8, bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(h) for h in proof["audit_path"]], root,
    )  # fmt: skip
    assert verify_consistency(
        7, 8, bytes.fromhex(first["root_hash"]), root,
        [bytes.fromhex(h) for h in grown.json()["proof"]],
    )  # fmt: skip
    assert absent.status_code == 404
    assert public_key.public_bytes_raw() == audited.log.key.public_key().public_bytes_raw()


async def _publish_heads(audited: Audited, bootstrap: str, topic: str) -> None:
    await ensure_topics(bootstrap, [topic], 1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for head in await read_heads(audited.store.engine, SCHEMA, "demand"):
            key, value, headers = tree_head_record(head)
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def _delete_newest_head_with_its_events(store: EventStore, keep: int) -> None:
    """What a superuser can do that the database alone cannot reveal: delete the log's newest
    events, the Merkle log's rows past them and the head that signed them."""
    s = f'"{SCHEMA}"'
    async with raw_connection(store.engine) as conn, conn.transaction():
        for table in ("events", "merkle_leaves", "merkle_nodes", "audit_checkpoints"):
            await conn.execute(f"ALTER TABLE {s}.{table} DISABLE TRIGGER USER")
        await conn.execute(
            f"DELETE FROM {s}.events WHERE global_position NOT IN (SELECT global_position "
            f"FROM {s}.merkle_leaves WHERE leaf_index < $1)",
            keep,
        )
        await conn.execute(f"DELETE FROM {s}.merkle_leaves WHERE leaf_index >= $1", keep)
        await conn.execute(
            f"DELETE FROM {s}.merkle_nodes WHERE (node_index + 1) * (1 << level) > $1", keep
        )
        await conn.execute(f"DELETE FROM {s}.audit_checkpoints WHERE tree_size > $1", keep)
        await conn.execute(
            f"UPDATE {s}.merkle_state SET tree_size = $1::bigint, published_size = $1::bigint, "
            f"global_position = (SELECT global_position FROM {s}.merkle_leaves "
            "WHERE leaf_index = $1::bigint - 1)",
            keep,
        )
        for table in ("events", "merkle_leaves", "merkle_nodes", "audit_checkpoints"):
            await conn.execute(f"ALTER TABLE {s}.{table} ENABLE TRIGGER USER")


async def test_heads_witnessed_on_kafka_reveal_events_deleted_with_the_heads_that_signed_them(
    audited: Audited, infra: Infrastructure, fresh_topic_prefix: str,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    # Given two signed heads (sizes 7 and 9), both published on the checkpoints topic.
    await audited.store.append(
        "counter", "d", 0,
        [NewEvent(CounterIncremented(by=1), metadata()),
         NewEvent(CounterIncremented(by=2), metadata())],
    )  # fmt: skip
    await audited.log.catch_up()
    await audited.log.checkpoint()
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", infra.kafka_bootstrap)
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", fresh_topic_prefix)
    await _publish_heads(audited, infra.kafka_bootstrap, f"{fresh_topic_prefix}{CHECKPOINTS_TOPIC}")
    kept = tmp_path / "checkpoints.json"
    heads = await read_heads(audited.store.engine, SCHEMA, "demand")
    kept.write_bytes(orjson.dumps([head.as_json() for head in heads]))

    # When a superuser deletes the two newest events, their leaves and nodes and the head of 9.
    await _delete_newest_head_with_its_events(audited.store, keep=7)

    # Then the database alone shows an intact log of 7 events...
    code, output = await _cli_verify()
    assert code == 0, output
    assert "log of 7 events matches its 1 signed tree heads" in output
    # ...and the heads seen on Kafka, or kept by the auditor, name what was deleted.
    for witness in (["--heads-from-kafka"], ["--heads", str(kept)]):
        code, output = await asyncio.to_thread(_verify, *witness)
        assert code == 1, output
        assert "2 signed tree heads witnessed outside the database" in output
        assert "signed head of size 9 witnessed outside the database is missing" in output
        assert "the log holds 7 events, the signed head of size 9 counts 2 more" in output
