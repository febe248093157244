"""Pytest plugin: the PostgreSQL server and Kafka broker the tests run against.

Chosen once per session by $PMO_TEST_INFRA:

* ``embedded`` (default): a throwaway embedded PostgreSQL (fsync off) and a tansu broker,
  each on a free port, started once and stopped at the end of the session. Needs nothing
  but the virtualenv.
* ``external``: $DATABASE_URL (default: postgresql://postgres@127.0.0.1:5432/postgres)
  and $KAFKA_BOOTSTRAP_SERVERS; without the latter a tansu broker is started anyway.
* ``docker``: PostgreSQL and Kafka (KRaft) containers through testcontainers.

Tests never share data: each asks for `fresh_database` and `fresh_topic_prefix`.
Enable with ``pytest_plugins = ["tests.infra"]`` or ``pytest -p tests.infra``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import pytest_asyncio

from pmo_kernel.infra.broker import TansuBroker
from pmo_kernel.infra.databases import create_database, drop_database
from pmo_kernel.infra.ports import free_port
from pmo_kernel.infra.postgres import EmbeddedPostgres

INFRA_ENV = "PMO_TEST_INFRA"
MODES = ("embedded", "external", "docker")
DEFAULT_EXTERNAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_IMAGE = os.environ.get("PMO_TEST_POSTGRES_IMAGE", "postgres:16")
KAFKA_IMAGE = os.environ.get("PMO_TEST_KAFKA_IMAGE", "confluentinc/cp-kafka:7.6.0")

# Session scratch folders are named so that a later session can find and clean up
# after one that was killed before its teardown ran (CI timeout, kill -9).
_SCRATCH_PREFIX = "pmo-test-"
_OWNER_FILE = "owner.pid"
_BROKER_PID_FILE = "tansu.pid"


@dataclass(frozen=True)
class Infrastructure:
    """Where the tests' PostgreSQL server and Kafka broker are."""

    database_url: str  # a superuser URL of the server's maintenance database
    kafka_bootstrap: str
    broker: TansuBroker | None  # None when the broker is not ours to stop and start


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    mode = os.environ.get(INFRA_ENV, "embedded").strip().lower() or "embedded"
    if mode not in MODES:
        raise pytest.UsageError(f"{INFRA_ENV}={mode!r}: expected one of {', '.join(MODES)}")
    with ExitStack() as stack:
        if mode == "embedded":
            yield _embedded(stack)
        elif mode == "external":
            yield _external(stack)
        else:
            yield _docker(stack)


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_database(infra: Infrastructure) -> AsyncIterator[str]:
    """URL of a new, empty database, dropped (sessions and all) after the test."""
    name = f"pmo_test_{secrets.token_hex(6)}"
    url = await create_database(infra.database_url, name)
    try:
        yield url
    finally:
        await drop_database(infra.database_url, name)


@pytest.fixture
def fresh_schema_name() -> str:
    """A unique schema name, for tests that isolate by schema inside one database."""
    return f"pmo_test_{secrets.token_hex(6)}"


@pytest.fixture
def fresh_topic_prefix() -> str:
    """A unique topic name prefix such as "t1a2b3c4d5.", so tests never share topics."""
    return f"t{secrets.token_hex(5)}."


@pytest.fixture
def broker_control(infra: Infrastructure) -> Iterator[TansuBroker]:
    """The session's tansu broker, to stop/start/restart in failure tests.

    Restarting empties the broker for every later test too; that is fine because tests
    create their own topics. A broker the test left stopped is started again afterwards.
    """
    if infra.broker is None:
        pytest.skip(
            f"the Kafka broker is not controllable with {INFRA_ENV}="
            f"{os.environ.get(INFRA_ENV, 'embedded')} (external or docker Kafka)"
        )
    yield infra.broker
    if not infra.broker.is_running():
        infra.broker.start()


# -- the three set-ups -------------------------------------------------------------------


def _embedded(stack: ExitStack) -> Infrastructure:
    scratch = _scratch_dir(stack)
    postgres = EmbeddedPostgres(scratch / "pgdata", port=free_port(), fast=True)
    stack.callback(postgres.stop)  # registered first: also stops a half-started server
    database_url = postgres.start()
    broker = _tansu(stack, scratch)
    return Infrastructure(database_url, broker.bootstrap, broker)


def _external(stack: ExitStack) -> Infrastructure:
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_EXTERNAL_DATABASE_URL
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if bootstrap:
        return Infrastructure(_plain_postgres_url(database_url), bootstrap, None)
    broker = _tansu(stack, _scratch_dir(stack))
    return Infrastructure(_plain_postgres_url(database_url), broker.bootstrap, broker)


def _docker(stack: ExitStack) -> Infrastructure:
    # Imported here: the other modes must not need Docker or testcontainers' extras.
    try:
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the "community" namespace
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

    # Same server settings as the embedded server; driver=None gives postgresql:// URLs.
    postgres = PostgresContainer(POSTGRES_IMAGE, driver=None).with_command(
        "postgres -c max_connections=200 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off"
    )
    stack.enter_context(postgres)
    kafka = KafkaContainer(KAFKA_IMAGE).with_kraft()
    stack.enter_context(kafka)
    return Infrastructure(
        database_url=_plain_postgres_url(postgres.get_connection_url()),
        kafka_bootstrap=kafka.get_bootstrap_server(),
        broker=None,
    )


def _tansu(stack: ExitStack, scratch: Path) -> TansuBroker:
    broker = TansuBroker(port=free_port(), log_file=scratch / "tansu.log")
    stack.callback(broker.stop)
    broker.start()
    (scratch / _BROKER_PID_FILE).write_text(str(broker.pid))
    return broker


def _plain_postgres_url(url: str) -> str:
    """postgresql+asyncpg://… or postgresql+psycopg2://… → postgresql://… (asyncpg's form)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    return f"{scheme.split('+', 1)[0]}://{rest}"


# -- scratch folders ---------------------------------------------------------------------


def _scratch_dir(stack: ExitStack) -> Path:
    _reap_abandoned_sessions()
    scratch = Path(tempfile.mkdtemp(prefix=_SCRATCH_PREFIX))
    (scratch / _OWNER_FILE).write_text(str(os.getpid()))
    stack.callback(shutil.rmtree, scratch, ignore_errors=True)
    return scratch


def _reap_abandoned_sessions() -> None:
    """Stop servers and delete folders left by test sessions that died without teardown."""
    for scratch in Path(tempfile.gettempdir()).glob(f"{_SCRATCH_PREFIX}*"):
        try:
            owner = int((scratch / _OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being set up
        if psutil.pid_exists(owner):
            continue
        with contextlib.suppress(Exception):
            broker_pid = int((scratch / _BROKER_PID_FILE).read_text())
            process = psutil.Process(broker_pid)
            if process.name().startswith("tansu"):
                process.kill()
        if (scratch / "pgdata").is_dir():
            with contextlib.suppress(Exception):
                EmbeddedPostgres(scratch / "pgdata").stop(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)
