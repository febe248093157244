"""Each write service runs as its own least-privilege login: it reads and appends its events and
keeps its own bookkeeping, and can neither rewrite the log nor switch off what guards it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from pmo_capacity.bootstrap import MIGRATIONS as CAPACITY_MIGRATIONS
from pmo_capacity.plugin import plugin as capacity_plugin
from pmo_demand.bootstrap import MIGRATIONS as DEMAND_MIGRATIONS
from pmo_demand.plugin import plugin as demand_plugin
from pmo_kernel.db import asyncpg_dsn, create_engine, with_login
from pmo_kernel.migrations import migrate_service, upgrade
from pmo_kernel.store import EventStore, NewEvent
from pmo_portfolio.bootstrap import MIGRATIONS as PORTFOLIO_MIGRATIONS
from pmo_portfolio.plugin import plugin as portfolio_plugin
from tests.support import CounterIncremented, kernel_registry, metadata

SERVICES = {
    "demand": (DEMAND_MIGRATIONS, demand_plugin.app_role),
    "portfolio": (PORTFOLIO_MIGRATIONS, portfolio_plugin.app_role),
    "capacity": (CAPACITY_MIGRATIONS, capacity_plugin.app_role),
}
REWRITES = [
    "UPDATE {s}.events SET payload = '{{}}'",
    "DELETE FROM {s}.events",
    "TRUNCATE {s}.events",
    "ALTER TABLE {s}.events DISABLE TRIGGER events_immutable",
    "DROP TRIGGER events_immutable ON {s}.events",
    "ALTER TABLE {s}.events DISABLE TRIGGER ALL",
    "UPDATE {s}.idempotency_keys SET outcome = '{{}}'",
]


@pytest_asyncio.fixture(loop_scope="session", params=sorted(SERVICES))
async def as_service(
    request: pytest.FixtureRequest, fresh_database: str
) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """(schema, a connection as the service's login) after its migrations ran as the owner."""
    service: str = request.param
    migrations, role = SERVICES[service]
    assert role is not None
    await upgrade(fresh_database, migrations, service)
    conn = await asyncpg.connect(asyncpg_dsn(with_login(fresh_database, role)))
    try:
        yield service, conn
    finally:
        await conn.close()


async def test_the_login_appends_and_reads_its_events(
    as_service: tuple[str, asyncpg.Connection], fresh_database: str
) -> None:
    schema, _ = as_service
    role = SERVICES[schema][1]
    assert role is not None
    engine = create_engine(with_login(fresh_database, role), pool_size=1)
    try:
        store = EventStore(engine, schema, kernel_registry)
        async with store.unit_of_work() as conn:
            await store.append(
                "counter", "c-1", 0, [NewEvent(CounterIncremented(by=1), metadata())]
            )
            await conn.execute(
                f'INSERT INTO "{schema}".idempotency_keys (key, fingerprint, outcome) '
                "VALUES ('k', 'f', '{}')"
            )
        assert [e.stream_version for e in await store.read_stream("counter", "c-1")] == [1]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("statement", REWRITES)
async def test_the_login_cannot_rewrite_the_log_or_disable_its_guards(
    as_service: tuple[str, asyncpg.Connection], statement: str
) -> None:
    schema, conn = as_service

    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.execute(statement.format(s=f'"{schema}"'))


async def test_the_portfolio_login_keeps_the_intakes_bookkeeping(fresh_database: str) -> None:
    await upgrade(fresh_database, PORTFOLIO_MIGRATIONS, "portfolio")
    conn = await asyncpg.connect(asyncpg_dsn(with_login(fresh_database, "pmo_portfolio_app")))
    try:
        await conn.execute(
            "INSERT INTO portfolio.demand_facts (demand_id, version, facts, accepted, updated_at) "
            "VALUES ('d-1', 1, '{}', false, now())"
        )
        await conn.execute("UPDATE portfolio.demand_facts SET version = 2 WHERE demand_id = 'd-1'")
        await conn.execute(
            "INSERT INTO portfolio.processed_messages (consumer, event_id) "
            "VALUES ('portfolio.demand-intake', gen_random_uuid())"
        )
    finally:
        await conn.close()


async def test_the_portfolio_login_keeps_the_capacity_feeds_facts(fresh_database: str) -> None:
    await upgrade(fresh_database, PORTFOLIO_MIGRATIONS, "portfolio")
    conn = await asyncpg.connect(asyncpg_dsn(with_login(fresh_database, "pmo_portfolio_app")))
    try:
        for statement in (
            "INSERT INTO portfolio.capacity_streams VALUES ('person', 'p-1', 1)",
            "INSERT INTO portfolio.capacity_people VALUES ('p-1', '{developer}', 'BE', 100, null)",
            "INSERT INTO portfolio.capacity_calendars VALUES ('BE', 40, '{2027-01-01}')",
            "INSERT INTO portfolio.capacity_reports VALUES ('p-1', '2027-W01', 50, null, null)",
            "INSERT INTO portfolio.capacity_allocations "
            "VALUES ('p-1', 'a-1', 'crm', '2027-W01', '2027-W02', 8, 'soft', false)",
            "INSERT INTO portfolio.capacity_allocations "
            "VALUES ('p-1', 'a-2', 'crm', '2027-W01', '2027-W02', null, 'soft', false, 25)",
            "INSERT INTO portfolio.capacity_version VALUES (true, 7)",
            "UPDATE portfolio.capacity_allocations SET released = true",
            "UPDATE portfolio.capacity_version SET position = 8",
        ):
            await conn.execute(statement)
        assert await conn.fetchval("SELECT position FROM portfolio.capacity_version") == 8
    finally:
        await conn.close()


async def test_the_capacity_login_keeps_the_planned_items_consumers_bookkeeping(
    fresh_database: str,
) -> None:
    await upgrade(fresh_database, CAPACITY_MIGRATIONS, "capacity")
    conn = await asyncpg.connect(asyncpg_dsn(with_login(fresh_database, "pmo_capacity_app")))
    try:
        await conn.execute(
            "INSERT INTO capacity.processed_messages (consumer, event_id) "
            "VALUES ('capacity.planned-items', gen_random_uuid())"
        )
        assert await conn.fetchval("SELECT count(*) FROM capacity.processed_messages") == 1
    finally:
        await conn.close()


async def test_migrating_with_an_app_password_gives_the_login_that_password(
    fresh_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # docker-compose and k8s set <SERVICE>_APP_PASSWORD so the services log in with a password.
    monkeypatch.setenv("DEMAND_APP_PASSWORD", "s3cret 'quoted'")
    await migrate_service(
        fresh_database, DEMAND_MIGRATIONS, "demand", "demand", demand_plugin.app_role
    )
    conn = await asyncpg.connect(asyncpg_dsn(fresh_database))
    try:
        stored = await conn.fetchval(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1", demand_plugin.app_role
        )
    finally:
        await conn.close()
    assert stored is not None
    assert stored.startswith(("SCRAM-SHA-256$", "md5"))
