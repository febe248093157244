"""Behaviour of the local infrastructure: embedded PostgreSQL, the tansu broker, topics."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pmo_kernel.infra.broker import BrokerError, TansuBroker
from pmo_kernel.infra.databases import database_url
from pmo_kernel.infra.ports import accepts_connections, free_port
from pmo_kernel.infra.postgres import EmbeddedPostgres
from pmo_kernel.infra.topics import (
    TopicError,
    delete_topics,
    ensure_topics,
    list_topics,
    wait_for_broker,
)
from tests.infra import Infrastructure, _plain_postgres_url

# -- embedded PostgreSQL -----------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_data_dir() -> Iterator[Path]:
    """One data directory for this module: initdb runs once, later starts take ~0.2 s."""
    scratch = Path(tempfile.mkdtemp(prefix="pmo-infra-test-"))
    try:
        yield scratch / "data"
    finally:
        EmbeddedPostgres(scratch / "data").stop()
        shutil.rmtree(scratch, ignore_errors=True)


async def test_embedded_postgres_starts_and_accepts_connections(pg_data_dir: Path) -> None:
    with EmbeddedPostgres(pg_data_dir, port=free_port(), fast=True) as server:
        assert server.is_running()
        conn = await asyncpg.connect(server.url)
        try:
            assert await conn.fetchval("SHOW max_connections") == "200"
            assert await conn.fetchval("SHOW fsync") == "off"
            assert await conn.fetchval("SELECT current_user") == "postgres"
        finally:
            await conn.close()
    assert not server.is_running()


async def test_embedded_postgres_keeps_data_across_a_restart(pg_data_dir: Path) -> None:
    server = EmbeddedPostgres(pg_data_dir, port=free_port())
    try:
        conn = await asyncpg.connect(server.start())
        await conn.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')")
        await conn.close()
        server.stop()
        assert not server.is_running()

        conn = await asyncpg.connect(server.start())
        try:
            assert await conn.fetchval("SELECT v FROM kept") == "survives"
            assert await conn.fetchval("SHOW fsync") == "on"  # durable unless fast=True
        finally:
            await conn.close()
    finally:
        server.stop()


def test_embedded_postgres_reuses_the_server_already_running_for_its_data_dir(
    pg_data_dir: Path,
) -> None:
    first = EmbeddedPostgres(pg_data_dir, port=free_port(), fast=True)
    try:
        url = first.start()
        second = EmbeddedPostgres(pg_data_dir, port=free_port())
        assert second.start() == url
        assert second.port == first.port
    finally:
        first.stop()
    first.stop()  # idempotent
    assert not first.is_running()


def test_embedded_postgres_moves_to_the_next_free_port_when_its_port_is_taken(
    pg_data_dir: Path,
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        with EmbeddedPostgres(pg_data_dir, port=taken, fast=True) as server:
            assert server.port != taken
            assert server.url.endswith(f":{server.port}/postgres")
            assert accepts_connections(server.port)


def test_embedded_postgres_data_dir_is_private_to_the_server(pg_data_dir: Path) -> None:
    mode = stat.S_IMODE(pg_data_dir.stat().st_mode)
    assert mode & 0o007 == 0


async def test_fresh_database_is_empty_and_private_to_the_test(
    fresh_database: str, infra: Infrastructure
) -> None:
    conn = await asyncpg.connect(fresh_database)
    try:
        name = await conn.fetchval("SELECT current_database()")
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await conn.close()
    assert name.startswith("pmo_test_")
    assert tables == 0
    assert fresh_database == database_url(infra.database_url, name)


def test_database_url_replaces_only_the_database() -> None:
    url = "postgresql://u:p@db.example:6543/postgres?sslmode=require"
    assert database_url(url, "orders") == "postgresql://u:p@db.example:6543/orders?sslmode=require"


def test_driver_suffixes_are_removed_from_postgres_urls() -> None:
    assert _plain_postgres_url("postgresql+psycopg2://t:t@h:1/d") == "postgresql://t:t@h:1/d"
    assert _plain_postgres_url("postgresql://t@h:1/d") == "postgresql://t@h:1/d"


# -- the tansu broker and topics ---------------------------------------------------------


async def test_topics_are_created_with_six_partitions(
    infra: Infrastructure, fresh_topic_prefix: str
) -> None:
    names = [f"{fresh_topic_prefix}orders", f"{fresh_topic_prefix}invoices"]
    await ensure_topics(infra.kafka_bootstrap, names)
    await ensure_topics(infra.kafka_bootstrap, names)  # again: already there, fine

    topics = await list_topics(infra.kafka_bootstrap)
    assert {name: topics[name] for name in names} == dict.fromkeys(names, 6)


async def test_an_existing_topic_with_another_partition_count_is_refused(
    infra: Infrastructure, fresh_topic_prefix: str
) -> None:
    name = f"{fresh_topic_prefix}narrow"
    await ensure_topics(infra.kafka_bootstrap, [name], partitions=2)
    with pytest.raises(TopicError, match="2 partitions, expected 6"):
        await ensure_topics(infra.kafka_bootstrap, [name], partitions=6)


async def test_deleted_topics_disappear_from_metadata(
    infra: Infrastructure, fresh_topic_prefix: str
) -> None:
    name = f"{fresh_topic_prefix}doomed"
    await ensure_topics(infra.kafka_bootstrap, [name])
    await delete_topics(infra.kafka_bootstrap, [name, f"{fresh_topic_prefix}never-existed"])
    assert name not in await list_topics(infra.kafka_bootstrap)


async def test_a_produced_message_is_consumed(
    infra: Infrastructure, fresh_topic_prefix: str
) -> None:
    topic = f"{fresh_topic_prefix}events"
    await ensure_topics(infra.kafka_bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b"hello", key=b"order-1")
    finally:
        await producer.stop()

    # No consumer group: joining one takes ~5 s on tansu; assign the partition directly.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=infra.kafka_bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, sent.partition)])
        await consumer.seek_to_beginning()
        message = await asyncio.wait_for(consumer.getone(), timeout=10)
    finally:
        await consumer.stop()
    assert (message.key, message.value, message.offset) == (b"order-1", b"hello", sent.offset)


async def test_a_restarted_broker_comes_back_empty_on_the_same_port(
    broker_control: TansuBroker, fresh_topic_prefix: str
) -> None:
    topic = f"{fresh_topic_prefix}lost"
    await ensure_topics(broker_control.bootstrap, [topic])
    before = broker_control.bootstrap

    broker_control.restart()

    assert broker_control.bootstrap == before
    assert topic not in await list_topics(broker_control.bootstrap)


async def test_a_stopped_broker_refuses_connections_until_started(
    broker_control: TansuBroker,
) -> None:
    broker_control.stop()
    assert not broker_control.is_running()
    assert not accepts_connections(broker_control.port)
    with pytest.raises(TimeoutError, match="no Kafka broker answered"):
        await wait_for_broker(broker_control.bootstrap, timeout=0.3)

    broker_control.start()
    await broker_control.wait_ready(timeout=5)


def test_a_broker_that_dies_while_starting_reports_its_log(tmp_path: Path) -> None:
    fake = tmp_path / "tansu"
    fake.write_text('#!/bin/sh\necho "boom: cannot start"\nexit 3\n')
    fake.chmod(0o755)
    broker = TansuBroker(port=free_port(), binary=str(fake), log_file=tmp_path / "tansu.log")
    with pytest.raises(BrokerError, match=r"(?s)exited with code 3.*boom: cannot start"):
        broker.start()
    assert not broker.is_running()


def test_a_broker_context_leaves_no_process_behind() -> None:
    with TansuBroker(port=free_port()) as broker:
        pid = broker.pid
        assert pid is not None
        assert accepts_connections(broker.port)
    assert not broker.is_running()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped by stop(): gone, not even a zombie


def test_a_killed_broker_starts_again_on_its_port() -> None:
    with TansuBroker(port=free_port()) as broker:
        port = broker.port
        broker.kill()
        assert not broker.is_running()
        assert broker.start() == f"127.0.0.1:{port}"
        assert accepts_connections(port)
