"""Existing databases move to typed streams: the demand and portfolio migrations swap the
events' unique key to (stream_type, stream_id, stream_version) without touching an event, the
audit chain stays intact, and a log where one id already holds two types is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import sqlalchemy.exc

from pmo_demand.bootstrap import MIGRATIONS as DEMAND_MIGRATIONS
from pmo_kernel.db import create_engine, raw_connection
from pmo_kernel.migrations import upgrade
from pmo_kernel.store import EventStore, NewEvent
from pmo_kernel.store.audit import verify_chain
from pmo_portfolio.bootstrap import MIGRATIONS as PORTFOLIO_MIGRATIONS
from tests.support import CounterIncremented, kernel_registry, metadata

# service -> (its migrations, the revision before typed streams)
BEFORE = {"demand": (DEMAND_MIGRATIONS, "0003"), "portfolio": (PORTFOLIO_MIGRATIONS, "0005")}


@pytest_asyncio.fixture(loop_scope="session", params=sorted(BEFORE))
async def old_log(
    request: pytest.FixtureRequest, fresh_database: str
) -> AsyncIterator[tuple[str, Path, EventStore]]:
    """(database url, migrations, a store) on a service schema at the revision before typed
    streams, holding a few events."""
    schema: str = request.param
    migrations, before = BEFORE[schema]
    await upgrade(fresh_database, migrations, schema, before)
    engine = create_engine(fresh_database, pool_size=2)
    store = EventStore(engine, schema, kernel_registry)
    first = await store.append("counter", "0", 0, [new(1), new(2)])
    await store.append("counter", "0", 2, [new(3)], prev_hash=first.last_hash)
    await store.append("tally", "1", 0, [new(4)])
    try:
        yield fresh_database, migrations, store
    finally:
        await engine.dispose()


def new(by: int) -> NewEvent:
    return NewEvent(CounterIncremented(by=by), metadata())


async def stream_keys(store: EventStore) -> list[str]:
    async with raw_connection(store.engine) as conn:
        rows = await conn.fetch(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass "
            "AND contype = 'u' AND conname <> 'events_event_id_key'",
            f'"{store.schema}".events',
        )
    return [row[0] for row in rows]


async def revision(store: EventStore) -> str:
    async with raw_connection(store.engine) as conn:
        version: str = await conn.fetchval(
            f'SELECT version_num FROM "{store.schema}".alembic_version'
        )
    return version


async def test_the_old_log_is_kept_as_it_was_and_its_chains_stay_intact(
    old_log: tuple[str, Path, EventStore],
) -> None:
    url, migrations, store = old_log
    assert await stream_keys(store) == ["UNIQUE (stream_id, stream_version)"]
    before = await store.read_all()

    await upgrade(url, migrations, store.schema)

    assert await stream_keys(store) == ["UNIQUE (stream_type, stream_id, stream_version)"]
    after = await store.read_all()
    assert [(e.event_id, e.global_position, e.hash) for e in after] == [
        (e.event_id, e.global_position, e.hash) for e in before
    ]
    report = await verify_chain(store.engine, store.schema)
    assert report.ok, report.first_broken
    assert (report.events_checked, report.streams_checked) == (4, 2)


async def test_after_the_upgrade_another_type_may_use_an_old_id(
    old_log: tuple[str, Path, EventStore],
) -> None:
    url, migrations, store = old_log
    await upgrade(url, migrations, store.schema)

    await store.append("tally", "0", 0, [new(5)])
    await store.append("counter", "0", 3, [new(6)])

    assert [e.stream_version for e in await store.read_stream("tally", "0")] == [1]
    assert [e.stream_version for e in await store.read_stream("counter", "0")] == [1, 2, 3, 4]
    report = await verify_chain(store.engine, store.schema)
    assert report.ok, report.first_broken
    assert (report.events_checked, report.streams_checked) == (6, 3)


async def test_upgrading_twice_changes_nothing_more(
    old_log: tuple[str, Path, EventStore],
) -> None:
    url, migrations, store = old_log
    await upgrade(url, migrations, store.schema)
    await upgrade(url, migrations, store.schema)

    assert await stream_keys(store) == ["UNIQUE (stream_type, stream_id, stream_version)"]


async def test_an_id_holding_events_of_two_types_is_refused_naming_it_and_nothing_changes(
    old_log: tuple[str, Path, EventStore],
) -> None:
    url, migrations, store = old_log
    _, before = BEFORE[store.schema]
    # Under the old key another type could only follow on at the next version: written by
    # hand here, as nothing in pmo ever did
    async with raw_connection(store.engine) as conn:
        await conn.execute(
            f'INSERT INTO "{store.schema}".events (event_id, stream_type, stream_id, '
            "stream_version, event_type, schema_version, payload, metadata, prev_hash, hash) "
            "SELECT gen_random_uuid(), 'tally', stream_id, 4, event_type, schema_version, "
            f'payload, metadata, hash, hash FROM "{store.schema}".events '
            "WHERE stream_id = '0' AND stream_version = 3"
        )

    with pytest.raises(
        sqlalchemy.exc.DBAPIError, match=r"more than one type: 0 \(counter, tally\)"
    ):
        await upgrade(url, migrations, store.schema)

    assert await stream_keys(store) == ["UNIQUE (stream_id, stream_version)"]
    assert await revision(store) == before
    assert len(await store.read_all()) == 5
