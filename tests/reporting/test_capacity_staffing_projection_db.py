"""The capacity projection of staffing against PostgreSQL, fed the capacity domain's own event
payloads: requests raised, revised, filled or cancelled; a proposal whole, with the decision
on each assignment; the skills catalogue; every stream's version recorded and NOTIFYed;
redelivery changes nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
import pytest

from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.consumer import Unprocessable
from pmo_kernel.db import asyncpg_dsn
from pmo_kernel.migrations import upgrade
from pmo_reporting.changes import CAPACITY_CHANNEL, PORTFOLIO_CHANNEL, decode_versions
from pmo_reporting.projector import MIGRATIONS, SCHEMA
from tests.reporting.capacity_factory import Capacity, project_capacity
from tests.reporting.staffing_factory import Staffing

pytestmark = pytest.mark.integration


def staffed() -> Staffing:
    """Ann takes R-1 from proposal P-1; Bob's R-2 assignment is declined; R-3 is left unfilled
    and then cancelled; R-1 was revised before."""
    capacity = Capacity()
    capacity.calendar("BE", "40", (date(2027, 5, 13),))
    capacity.person("ann", skills=(("python", 4),))
    capacity.person("bob", manager="mia", skills=(("python", 3),))
    staffing = Staffing(capacity)
    staffing.skill("python", "The language")
    staffing.skill("sql")
    staffing.request("R-1", hours="16")
    staffing.revise("R-1", "24")
    staffing.request("R-2", "crm")
    staffing.request("R-3", "crm", skills=(("sql", 5),))
    staffing.propose("P-1", {"R-1": "ann", "R-2": "bob"}, unfilled=("R-3",))
    staffing.accept("P-1", "R-1", "A-1")
    staffing.decline("P-1", "R-2", "bob is needed elsewhere")
    staffing.cancel("R-3", "no longer needed")
    return staffing


async def rows(database_url: str, sql: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return [dict(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


async def test_requests_hold_their_status_and_who_filled_them(reporting_db: str) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)

    requests = {
        r["id"]: r for r in await rows(reporting_db, "SELECT * FROM reporting.resource_requests")
    }
    filled, declined, cancelled = requests["R-1"], requests["R-2"], requests["R-3"]
    assert (filled["status"], filled["person_id"], filled["allocation_id"]) == (
        "filled", "ann", "A-1",
    )  # fmt: skip
    assert (filled["version"], filled["hours_per_week"]) == (3, Decimal("24.00"))
    assert (filled["role"], filled["source"], filled["raised_by"]) == ("developer", "direct", "pam")
    assert orjson.loads(filled["skills"]) == [{"name": "python", "min_level": 3}]
    assert (filled["start_week"], filled["end_week"]) == ("2027-W10", "2027-W12")
    assert (declined["status"], declined["person_id"]) == ("open", None)
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "no longer needed")


async def test_a_proposal_keeps_its_body_and_each_assignments_decision(reporting_db: str) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)

    [proposal] = await rows(reporting_db, "SELECT * FROM reporting.staffing_proposals")
    body, decisions = orjson.loads(proposal["body"]), orjson.loads(proposal["decisions"])
    assert proposal["version"] == 3
    assert [a["person_id"] for a in body["assignments"]] == ["ann", "bob"]
    assert body["assignments"][0]["reasons"] == ["python 4 against 3 asked", "free those weeks"]
    assert body["assignments"][0]["alternatives"][0]["person_id"] == "bob"
    assert (body["value"], body["greedy_value"], body["optimal"]) == ("21.00", "17.50", True)
    assert body["unfilled"][0]["request_id"] == "R-3"
    assert decisions["R-1"]["decision"] == "accepted"
    assert decisions["R-1"]["allocation_id"] == "A-1"
    assert (decisions["R-2"]["decision"], decisions["R-2"]["reason"]) == (
        "declined", "bob is needed elsewhere",
    )  # fmt: skip
    [allocation] = await rows(reporting_db, "SELECT id, person_id FROM reporting.allocations")
    assert allocation == {"id": "A-1", "person_id": "ann"}


async def test_the_catalogue_and_every_streams_version_are_kept(reporting_db: str) -> None:
    await project_capacity(reporting_db, staffed().capacity.events)

    skills = await rows(reporting_db, "SELECT name, description FROM reporting.skills ORDER BY 1")
    assert skills == [
        {"name": "python", "description": "The language"}, {"name": "sql", "description": None},
    ]  # fmt: skip
    versions = await rows(reporting_db, "SELECT * FROM reporting.capacity_stream_versions")
    assert {v["stream_id"]: v["version"] for v in versions} == {
        "calendar/BE": 1, "person/ann": 2, "person/bob": 1, "skills/catalogue": 2,
        "request/R-1": 3, "request/R-2": 1, "request/R-3": 2, "proposal/P-1": 3,
    }  # fmt: skip


async def test_a_redelivered_batch_changes_nothing(reporting_db: str) -> None:
    events = staffed().capacity.events
    await project_capacity(reporting_db, events[:9])

    again = await project_capacity(reporting_db, events, batch=False)

    assert again.skipped == 9
    [proposal] = await rows(reporting_db, "SELECT version FROM reporting.staffing_proposals")
    assert proposal["version"] == 3
    [status] = await rows(
        reporting_db,
        "SELECT events_applied FROM reporting.projection_status "
        "WHERE projection = 'reporting.capacity'",
    )
    assert status["events_applied"] == len(events)


async def test_a_decision_before_its_proposal_is_a_gap(reporting_db: str) -> None:
    events = staffed().capacity.events
    decline = next(e for e in events if e.event_type == "ProposedAssignmentDeclined")

    with pytest.raises(Unprocessable, match="gap"):
        await project_capacity(reporting_db, [decline])


async def test_the_versions_reached_are_notified_on_the_capacity_channel_only(
    reporting_db: str,
) -> None:
    heard: dict[str, list[str]] = {CAPACITY_CHANNEL: [], PORTFOLIO_CHANNEL: []}
    listener = await asyncpg.connect(asyncpg_dsn(reporting_db))
    got = asyncio.Event()

    def on_notice(_conn: object, _pid: int, channel: str, payload: object) -> None:
        heard[channel].append(str(payload))
        got.set()

    try:
        for channel in heard:
            await listener.add_listener(channel, on_notice)
        await project_capacity(reporting_db, staffed().capacity.events)
        await asyncio.wait_for(got.wait(), 5)
        await listener.execute("SELECT 1")  # notices sent before this answer are delivered
    finally:
        await listener.close()

    [payload] = heard[CAPACITY_CHANNEL]
    assert decode_versions(payload)["proposal/P-1"] == 3
    assert decode_versions(payload)["person/ann"] == 2
    assert heard[PORTFOLIO_CHANNEL] == []


async def test_the_migration_starts_the_versions_from_the_projected_calendars_and_people(
    fresh_database: str,
) -> None:
    # A read model projected before 0008 kept its versions on the calendars' and people's rows.
    await upgrade(fresh_database, MIGRATIONS, SCHEMA, "0007")
    conn = await asyncpg.connect(asyncpg_dsn(fresh_database))
    try:
        await conn.execute(
            "INSERT INTO reporting.calendars VALUES ('BE', 2, 'BE', 40, '[]', now());"
            "INSERT INTO reporting.people VALUES ('ann', 5, 'Ann', 'marc', 'Platform', '[]', "
            "'[]', 640, 'EUR', 'BE', 100, NULL, now())"
        )
    finally:
        await conn.close()

    await upgrade(fresh_database, MIGRATIONS, SCHEMA)

    versions = await rows(fresh_database, "SELECT * FROM reporting.capacity_stream_versions")
    assert {v["stream_id"]: v["version"] for v in versions} == {"calendar/BE": 2, "person/ann": 5}
    capacity = Capacity()
    capacity.calendar("BE")
    redelivered = await project_capacity(fresh_database, [_at(capacity.events[0], 2)])
    assert redelivered.skipped == 1
    with pytest.raises(Unprocessable, match="gap"):  # at v2 in the read model: v3 is next
        await project_capacity(fresh_database, [_at(capacity.events[0], 4)])


def _at(event: ReceivedEvent, version: int) -> ReceivedEvent:
    return dataclasses.replace(event, sequence=version)
