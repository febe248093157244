"""The log is append-only, and a change made behind the trigger's back is found."""

from __future__ import annotations

import asyncpg
import pytest

from pmo_kernel.db import asyncpg_dsn, raw_connection
from pmo_kernel.store import EventStore, NewEvent
from pmo_kernel.store.audit import verify_chain
from pmo_kernel.store.schema import application_role_ddl
from tests.support import CounterIncremented, metadata


async def _three_events(store: EventStore) -> None:
    head = None
    for v in range(3):
        r = await store.append(
            "counter",
            "audited",
            v,
            [NewEvent(CounterIncremented(by=v), metadata())],
            prev_hash=head,
        )
        head = r.last_hash


@pytest.mark.parametrize("statement", ["UPDATE {t} SET payload = '{{}}'", "DELETE FROM {t}"])
async def test_the_application_role_cannot_rewrite_or_delete_events(
    store: EventStore, fresh_database: str, statement: str
) -> None:
    await _three_events(store)
    async with raw_connection(store.engine) as conn:
        for ddl in application_role_ddl(store.schema, "pmo_kernel_test_app"):
            await conn.execute(ddl)
    app = await asyncpg.connect(asyncpg_dsn(fresh_database), user="pmo_kernel_test_app")
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await app.execute(statement.format(t=f'"{store.schema}".events'))
    finally:
        await app.close()


async def test_even_a_superuser_cannot_update_delete_or_truncate_with_the_trigger_on(
    store: EventStore,
) -> None:
    await _three_events(store)
    table = f'"{store.schema}".events'
    async with raw_connection(store.engine) as conn:
        for statement in (
            f"UPDATE {table} SET event_type = 'X'",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="immutable"):
                await conn.execute(statement)


async def test_an_untouched_log_verifies(store: EventStore) -> None:
    await _three_events(store)

    report = await verify_chain(store.engine, store.schema)

    assert report.ok
    assert (report.events_checked, report.streams_checked) == (3, 1)


async def test_two_types_sharing_an_id_are_two_chains_and_verify_as_two_streams(
    store: EventStore,
) -> None:
    await _three_events(store)  # counter "audited", versions 1 to 3
    await store.append("tally", "audited", 0, [NewEvent(CounterIncremented(by=9), metadata())])

    report = await verify_chain(store.engine, store.schema)

    assert report.ok, report.first_broken
    assert (report.events_checked, report.streams_checked) == (4, 2)


async def test_a_break_in_one_of_two_streams_sharing_an_id_names_that_stream(
    store: EventStore,
) -> None:
    await _three_events(store)
    await store.append("tally", "audited", 0, [NewEvent(CounterIncremented(by=9), metadata())])
    table = f'"{store.schema}".events'
    async with raw_connection(store.engine) as conn, conn.transaction():
        await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER events_immutable")
        await conn.execute(
            f"UPDATE {table} SET payload = jsonb_set(payload, '{{by}}', '8') "
            "WHERE stream_type = 'tally'"
        )
        await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER events_immutable")

    report = await verify_chain(store.engine, store.schema)

    assert [(b.stream, b.stream_version) for b in report.broken] == [("tally-audited", 1)]


async def test_a_byte_changed_by_a_superuser_is_found_and_the_event_named(
    store: EventStore,
) -> None:
    await _three_events(store)
    table = f'"{store.schema}".events'
    async with raw_connection(store.engine) as conn:
        target = await conn.fetchrow(
            f"SELECT event_id, global_position FROM {table} WHERE stream_version = 2"
        )
        assert target is not None
        async with conn.transaction():
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER events_immutable")
            await conn.execute(
                f"UPDATE {table} SET payload = jsonb_set(payload, '{{by}}', '7') "
                "WHERE event_id = $1",
                target["event_id"],
            )
            await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER events_immutable")

    report = await verify_chain(store.engine, store.schema)

    assert not report.ok
    broken = report.first_broken
    assert broken is not None
    assert (broken.event_id, broken.stream_version) == (target["event_id"], 2)
    assert "altered" in broken.reason
