"""The demand projection against PostgreSQL: rows, history, ordering guards, notices."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest

from pmo_kernel.consumer import Unprocessable
from pmo_kernel.db import asyncpg_dsn
from pmo_reporting.changes import CHANNEL, ChangeNotice, decode_notices
from tests.reporting.factory import DemandStory, business_case
from tests.reporting.support import project

pytestmark = pytest.mark.integration


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_events_become_a_demand_row_and_its_history(reporting_db: str) -> None:
    story = DemandStory("D-1")
    story.submitted(case=business_case("100000.00"))
    story.revised(2, business_case("150000.00"))
    story.information_requested("Which ERP?")

    await project(reporting_db, story.events)

    [row] = await fetch(reporting_db, "SELECT * FROM reporting.demands")
    assert row["version"] == 3
    assert row["state"] == "information_requested"
    assert json.loads(row["open_questions"]) == ["Which ERP?"]
    assert row["business_case_version"] == 2
    assert str(row["estimated_cost"]) == "150000.00"
    assert row["last_actor_id"] == "bob"
    history = await fetch(
        reporting_db,
        "SELECT version, event_type, actor_id, actor_name, summary, changes::text "
        "FROM reporting.demand_history ORDER BY version",
    )
    assert [(h["version"], h["event_type"], h["actor_name"]) for h in history] == [
        (1, "DemandSubmitted", "Alice Martin"),
        (2, "BusinessCaseRevised", "Bob Analyst"),
        (3, "InformationRequested", "Bob Analyst"),
    ]
    assert json.loads(history[1]["changes"])["estimated_cost"] == {
        "from": "100000.00",
        "to": "150000.00",
    }


async def test_a_redelivered_event_is_skipped(reporting_db: str) -> None:
    story = DemandStory("D-1")
    submitted, asked = story.submitted(), story.information_requested("Why?")
    await project(reporting_db, [submitted, asked])

    projection = await project(reporting_db, [asked, submitted])

    assert projection.skipped == 2
    [row] = await fetch(reporting_db, "SELECT version FROM reporting.demands")
    assert row["version"] == 2
    [count] = await fetch(reporting_db, "SELECT count(*) FROM reporting.demand_history")
    assert count[0] == 2


async def test_a_version_gap_is_unprocessable_and_changes_nothing(reporting_db: str) -> None:
    story = DemandStory("D-1")
    submitted = story.submitted()
    story.information_requested("Why?")  # lost on the way
    answered = story.information_provided("Because")
    await project(reporting_db, [submitted])

    with pytest.raises(Unprocessable, match="gap"):
        await project(reporting_db, [answered])

    [row] = await fetch(reporting_db, "SELECT version, state FROM reporting.demands")
    assert (row["version"], row["state"]) == (1, "submitted")


async def test_a_batch_gives_the_same_read_model_as_one_event_at_a_time(
    reporting_db: str,
) -> None:
    def stories(prefix: str) -> list[Any]:
        events = []
        for i in range(20):
            story = DemandStory(f"{prefix}-{i}")
            story.submitted(case=business_case())
            story.revised(2, business_case("99.99"))
            if i % 2:
                story.qualified(committee=i % 3 == 0)
            events.extend(story.events)
        return events

    await project(reporting_db, stories("ONE"), batch=False)
    await project(reporting_db, stories("BATCH"), batch=True)

    def normalised(rows: list[asyncpg.Record]) -> list[tuple[Any, ...]]:
        return [(r["id"].split("-", 1)[1], *list(r.values())[1:]) for r in rows]

    columns = (
        "id, version, state, business_case::text, estimated_cost, requires_investment_committee"
    )
    one = await fetch(reporting_db, f"SELECT {columns} FROM reporting.demands "
                      "WHERE id LIKE 'ONE-%' ORDER BY id")  # fmt: skip
    batch = await fetch(reporting_db, f"SELECT {columns} FROM reporting.demands "
                        "WHERE id LIKE 'BATCH-%' ORDER BY id")  # fmt: skip
    assert normalised(one) == normalised(batch)
    history = await fetch(
        reporting_db,
        "SELECT split_part(demand_id, '-', 1) AS run, count(*) AS lines, "
        "array_agg(changes::text ORDER BY demand_id, version) AS changes "
        "FROM reporting.demand_history GROUP BY 1 ORDER BY 1",
    )
    assert history[0]["lines"] == history[1]["lines"] == 50
    assert history[0]["changes"] == history[1]["changes"]
    [status] = await fetch(reporting_db, "SELECT events_applied FROM reporting.projection_status")
    assert status[0] == 100


async def test_notices_are_delivered_at_commit_only(reporting_db: str) -> None:
    listener = await asyncpg.connect(asyncpg_dsn(reporting_db))
    received: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(CHANNEL, lambda *args: received.put_nowait(args[3]))
    story = DemandStory("D-1")
    try:
        await project(
            reporting_db, [story.submitted(), story.information_requested("Why?")], batch=True
        )
        payload = await asyncio.wait_for(received.get(), timeout=5)
        assert decode_notices(payload) == [
            ChangeNotice("D-1", 1, "DemandSubmitted"),
            ChangeNotice("D-1", 2, "InformationRequested"),
        ]

        answered = story.information_provided("Because")  # v3: fine on its own
        story.version += 2
        gap = story.rejected("Out of scope")  # v6: v4 and v5 never came
        with pytest.raises(Unprocessable):
            await project(reporting_db, [answered, gap], batch=True)

        await asyncio.sleep(0.2)
        assert received.empty(), "a rolled-back batch notified nobody"
        [row] = await fetch(reporting_db, "SELECT version FROM reporting.demands")
        assert row["version"] == 2
    finally:
        await listener.close()
