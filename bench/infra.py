"""The PostgreSQL server and Kafka broker the benchmarks run against.

By default both are started here, in a temp dir on free ports, and stopped at the end: an
embedded PostgreSQL with its DURABLE defaults (fsync, synchronous_commit and full_page_writes on,
as in production; ours and the raw baselines share the server, so the ratio stays fair) and a
tansu broker. $BENCH_DATABASE_URL (a superuser or CREATEDB URL) and $BENCH_KAFKA (bootstrap
servers) use existing ones instead.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from pmo_kernel.infra.broker import TansuBroker
from pmo_kernel.infra.databases import create_database, drop_database
from pmo_kernel.infra.ports import free_port
from pmo_kernel.infra.postgres import EmbeddedPostgres
from pmo_kernel.infra.topics import wait_for_broker

DATABASE_ENV = "BENCH_DATABASE_URL"
KAFKA_ENV = "BENCH_KAFKA"


@dataclass(frozen=True)
class Infra:
    server_url: str  # the server's maintenance database (creates/drops the bench databases)
    database_url: str  # a fresh database for this run
    kafka_bootstrap: str
    scratch: Path  # a temp dir for logs, removed at the end
    run_id: str  # unique per run: prefixes schemas and topics
    description: str  # for the report

    @property
    def topic_prefix(self) -> str:
        """Every topic of this run starts with it (and is deleted with its case)."""
        return f"bench.{self.run_id}."

    async def fresh_database(self, name: str) -> str:
        """Another fresh database on the same server (dropped with the run)."""
        return await create_database(self.server_url, f"bench_{self.run_id}_{name}")


@contextlib.asynccontextmanager
async def infrastructure() -> AsyncIterator[Infra]:
    run_id = secrets.token_hex(4)
    scratch = Path(tempfile.mkdtemp(prefix="pmo-bench-"))
    postgres: EmbeddedPostgres | None = None
    broker: TansuBroker | None = None
    server_url = os.environ.get(DATABASE_ENV, "")
    bootstrap = os.environ.get(KAFKA_ENV, "")
    try:
        described = []
        if server_url:
            described.append(f"PostgreSQL from ${DATABASE_ENV}")
        else:
            postgres = EmbeddedPostgres(scratch / "pgdata", port=free_port(), fast=False)
            server_url = postgres.start()
            described.append("embedded PostgreSQL (durable: fsync and synchronous_commit on)")
        if bootstrap:
            described.append(f"Kafka from ${KAFKA_ENV}")
        else:
            broker = TansuBroker(port=free_port(), log_file=scratch / "tansu.log")
            bootstrap = broker.start()
            described.append("tansu broker (in memory)")
        await wait_for_broker(bootstrap)
        database_url = await create_database(server_url, f"bench_{run_id}")
        try:
            yield Infra(server_url, database_url, bootstrap, scratch, run_id, "; ".join(described))
        finally:
            for name in await _bench_databases(server_url, run_id):
                await drop_database(server_url, name)
    finally:
        if broker is not None:
            broker.stop()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)


async def clear_case_state(infra: Infra) -> None:
    """Remove what a finished case left on the shared servers (its topics, schemas and extra
    databases) and flush its writes, so that the next case starts on servers as quiet as a
    fresh deployment's: otherwise the in-memory broker holds the relay case's 300,000 records
    through the e2e case, and PostgreSQL checkpoints one case's writes during the next."""
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(infra.topic_prefix)]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()
    main = f"bench_{infra.run_id}"
    for name in await _bench_databases(infra.server_url, infra.run_id):
        if name != main:
            await drop_database(infra.server_url, name)
    conn = await asyncpg.connect(infra.database_url)
    try:
        schemas = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", f"b{infra.run_id}\\_%"
        )
        for (schema,) in schemas:
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):  # $BENCH_DATABASE_URL
            await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def _bench_databases(server_url: str, run_id: str) -> list[str]:
    conn = await asyncpg.connect(server_url)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"bench\\_{run_id}%"
        )
    finally:
        await conn.close()
    return [str(row[0]) for row in rows]
