"""The planning read models against PostgreSQL: every new table, redelivery, version notices."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.db import asyncpg_dsn
from pmo_reporting.changes import PORTFOLIO_CHANNEL, decode_versions
from tests.reporting.portfolio_factory import Item, meeting, project_portfolio
from tests.reporting.portfolio_planning_factory import (
    Envelope,
    Scenario,
    adoption_recorded,
    assigned,
    programme,
)

pytestmark = pytest.mark.integration


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def planning_events() -> list[ReceivedEvent]:
    envelope = Envelope("BE-2026").opened(2026, "100000.00").revised("120000.00", "100000.00")
    envelope.arbitration(2026, "120000.00", "150000.00", "30000.00", ["P-1"])
    scenario = Scenario("SC-1").saved(["P-1"]).adopted("DEC-9", "M-2", ["P-1"])
    item = assigned(Item("P-1").registered(), "PG-1")
    minutes = adoption_recorded(meeting("M-2", []), "DEC-9", "SC-1", ["P-1"])
    return [
        *envelope.events,
        *scenario.events,
        *programme("PG-1").events,
        *item.events,
        *minutes.events,
    ]


async def test_every_planning_stream_lands_in_its_table(reporting_db: str) -> None:
    await project_portfolio(reporting_db, planning_events())

    [envelope] = await fetch(reporting_db, "SELECT * FROM reporting.budget_envelopes")
    assert (envelope["envelope_version"], str(envelope["amount"])) == (2, "120000.00")
    assert [v["amount"] for v in json.loads(envelope["versions"])] == ["100000.00", "120000.00"]
    [request] = await fetch(reporting_db, "SELECT * FROM reporting.arbitration_requests")
    assert (request["year"], str(request["over_by"]), json.loads(request["item_ids"])) == (
        2026,
        "30000.00",
        ["P-1"],
    )
    [scenario] = await fetch(reporting_db, "SELECT * FROM reporting.scenarios")
    assert scenario["state"] == "adopted"
    assert json.loads(scenario["result"])["total_value"] == "102.5"
    [found] = await fetch(reporting_db, "SELECT * FROM reporting.programmes")
    assert found["name"] == "Finance transformation"
    [item] = await fetch(reporting_db, "SELECT programme_id FROM reporting.portfolio_items")
    assert item["programme_id"] == "PG-1"
    [adoption] = await fetch(reporting_db, "SELECT * FROM reporting.scenario_adoption_decisions")
    assert (adoption["meeting_id"], adoption["scenario_id"]) == ("M-2", "SC-1")


async def test_redelivered_planning_events_change_nothing(reporting_db: str) -> None:
    events = planning_events()
    await project_portfolio(reporting_db, events)
    before = await fetch(reporting_db, "SELECT * FROM reporting.budget_envelopes")

    again = await project_portfolio(reporting_db, events, batch=False)

    assert again.skipped == len(events)
    assert await fetch(reporting_db, "SELECT * FROM reporting.budget_envelopes") == before
    assert len(await fetch(reporting_db, "SELECT * FROM reporting.arbitration_requests")) == 1


async def test_the_stream_versions_reached_are_notified_at_commit(reporting_db: str) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    conn = await asyncpg.connect(asyncpg_dsn(reporting_db))
    try:
        await conn.add_listener(PORTFOLIO_CHANNEL, lambda *args: heard.put_nowait(args[-1]))
        await project_portfolio(reporting_db, Envelope("BE-1").opened().revised("1", "2").events)
        payload = await asyncio.wait_for(heard.get(), 5)
    finally:
        await conn.close()

    assert decode_versions(payload) == {"budget-envelope/BE-1": 2}
