"""A unit of work: everything a task does with the store in one transaction, all or nothing."""

from __future__ import annotations

import pytest

from pmo_kernel.store import EventStore, NewEvent
from tests.support import CounterIncremented, metadata


def one(by: int = 1) -> list[NewEvent]:
    return [NewEvent(CounterIncremented(by=by), metadata())]


async def test_appends_in_a_unit_of_work_that_fails_are_all_undone(store: EventStore) -> None:
    async def command_that_fails_after_appending() -> None:
        async with store.unit_of_work():
            await store.append("counter", "a", 0, one())
            await store.append("counter", "b", 0, one())
            assert (
                len(await store.read_stream("counter", "a")) == 1
            )  # its own writes, before commit
            raise RuntimeError("the command fails after appending")

    with pytest.raises(RuntimeError):
        await command_that_fails_after_appending()

    assert (await store.read_stream("counter", "a"), await store.read_stream("counter", "b")) == (
        [],
        [],
    )


async def test_a_unit_of_work_commits_what_it_appended_and_joins_an_inner_one(
    store: EventStore,
) -> None:
    async with store.unit_of_work() as outer:
        await store.append("counter", "a", 0, one())
        async with store.unit_of_work() as inner:
            assert inner is outer
            await store.append("counter", "a", 1, one(2))

    assert [e.stream_version for e in await store.read_stream("counter", "a")] == [1, 2]
