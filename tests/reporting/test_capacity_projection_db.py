"""The capacity projection against PostgreSQL, fed the capacity domain's own event payloads:
calendars, people, the latest availability report of a week, allocations soft → hard →
released; redelivery changes nothing, a gap is unprocessable, other stream types pass by."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from pmo_kernel.consumer import Unprocessable
from pmo_kernel.db import asyncpg_dsn
from tests.reporting.capacity_factory import T0, Capacity, project_capacity
from tests.reporting.records import received_event

pytestmark = pytest.mark.integration


def team() -> Capacity:
    capacity = Capacity()
    capacity.calendar("BE", "38", (date(2027, 5, 13),))
    capacity.person("ann", skills=(("python", 4), ("sql", 3)), part_time="80")
    capacity.report("ann", "2027-W17", available_percent=Decimal(50))
    capacity.report("ann", "2027-W17", absence_hours=Decimal(8), other_duty_hours=Decimal(2))
    capacity.allocate("ann", "A-1", "P-1", "2027-W15", "2027-W20", "16")
    capacity.allocate("ann", "A-2", "P-2", "2027-W16", "2027-W16", "40")
    capacity.confirm("ann", "A-1")
    capacity.release("ann", "A-2")
    capacity.allocate("ann", "A-3", "P-3", "2027-W18", "2027-W19", percent="25")
    capacity.leave("ann", date(2027, 12, 31))
    return capacity


async def rows(database_url: str, sql: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return [dict(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


async def test_the_read_tables_hold_what_the_events_say(reporting_db: str) -> None:
    await project_capacity(reporting_db, team().events)

    [calendar] = await rows(reporting_db, "SELECT * FROM reporting.calendars")
    assert (calendar["id"], calendar["version"], calendar["hours_per_week"]) == (
        "BE", 1, Decimal("38.00"),
    )  # fmt: skip
    assert calendar["holidays"] == '["2027-05-13"]'
    [person] = await rows(reporting_db, "SELECT * FROM reporting.people")
    assert person["version"] == 9
    assert (person["line_manager"], person["team"], person["calendar_id"]) == (
        "marc", "Platform", "BE",
    )  # fmt: skip
    assert (person["cost_rate_amount"], person["cost_rate_currency"]) == (Decimal("640.00"), "EUR")
    assert person["part_time_percent"] == Decimal("80.00")
    assert person["last_day"] == date(2027, 12, 31)
    [report] = await rows(reporting_db, "SELECT * FROM reporting.availability_reports")
    assert (report["week"], report["available_percent"]) == ("2027-W17", None)  # latest wins
    assert (report["absence_hours"], report["other_duty_hours"]) == (Decimal(8), Decimal(2))
    allocations = await rows(
        reporting_db,
        "SELECT id, kind, released, confirmed_by, hours_per_week, percent_of_availability "
        "FROM reporting.allocations ORDER BY id",
    )
    assert allocations == [
        {"id": "A-1", "kind": "hard", "released": False, "confirmed_by": "marc",
         "hours_per_week": Decimal("16.00"), "percent_of_availability": None},
        {"id": "A-2", "kind": "soft", "released": True, "confirmed_by": None,
         "hours_per_week": Decimal("40.00"), "percent_of_availability": None},
        {"id": "A-3", "kind": "soft", "released": False, "confirmed_by": None,
         "hours_per_week": None, "percent_of_availability": Decimal("25.00")},
    ]  # fmt: skip


async def test_event_by_event_gives_the_same_tables_as_one_batch(reporting_db: str) -> None:
    await project_capacity(reporting_db, team().events, batch=False)

    [person] = await rows(reporting_db, "SELECT version, last_day FROM reporting.people")
    assert person == {"version": 9, "last_day": date(2027, 12, 31)}
    kinds = await rows(reporting_db, "SELECT id, kind, released FROM reporting.allocations")
    assert sorted((r["id"], r["kind"], r["released"]) for r in kinds) == [
        ("A-1", "hard", False), ("A-2", "soft", True), ("A-3", "soft", False),
    ]  # fmt: skip


async def test_a_redelivered_batch_changes_nothing(reporting_db: str) -> None:
    events = team().events
    await project_capacity(reporting_db, events[:5])
    before = await rows(reporting_db, "SELECT * FROM reporting.allocations")

    again = await project_capacity(reporting_db, events)

    assert again.skipped == 5
    after = await rows(reporting_db, "SELECT * FROM reporting.people")
    assert after[0]["version"] == 9
    assert before[0]["kind"] == "soft"
    [status] = await rows(
        reporting_db,
        "SELECT events_applied FROM reporting.projection_status "
        "WHERE projection = 'reporting.capacity'",
    )
    assert status["events_applied"] == len(events)


async def test_an_event_past_a_gap_is_unprocessable(reporting_db: str) -> None:
    events = team().events
    await project_capacity(reporting_db, events[:2])

    with pytest.raises(Unprocessable, match="gap"):
        await project_capacity(reporting_db, [events[3]])


async def test_streams_it_does_not_know_pass_by(reporting_db: str) -> None:
    other = received_event(
        "capacity", "resource-request", "RR-1", 1, "ResourceRequested", {}, at=T0, actor="pam"
    )

    projection = await project_capacity(reporting_db, [other])

    assert projection.skipped == 0
    assert await rows(reporting_db, "SELECT * FROM reporting.people") == []
