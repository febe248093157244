"""The capacity demo loads through the service's own commands into a fresh database, and a
second run changes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import pytest_asyncio

from pmo_capacity.bootstrap import MIGRATIONS, SCHEMA, CapacityContainer, build
from pmo_capacity.demo import PlannedProject, load_demo
from pmo_capacity.domain import (
    AllocationKind,
    AvailabilityReported,
    Person,
    PersonRole,
    RequestStatus,
    ResourceRequest,
    WorkingCalendar,
    weeks_of_month,
)
from pmo_kernel.capacity import month_of
from pmo_kernel.migrations import upgrade
from tests.support import settings_for

PROJECTS = [
    PlannedProject("D-1", "2027-Q1", "2027-Q3"),
    PlannedProject("D-2", "2027-Q2", "2027-Q2"),
    PlannedProject("D-3", "2027-Q1", "2028-Q2"),
]


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_capacity(fresh_database: str) -> AsyncIterator[CapacityContainer]:
    settings = settings_for(fresh_database)
    await upgrade(settings.database_url, MIGRATIONS, SCHEMA)
    container = build(settings)
    yield container
    await container.engine.dispose()


async def test_the_demo_loads_a_staffed_organisation_into_a_fresh_database(
    fresh_capacity: CapacityContainer,
) -> None:
    service, requests = fresh_capacity.service, fresh_capacity.requests
    said: list[str] = []

    summary = await load_demo(fresh_capacity, PROJECTS, date(2027, 2, 10), said.append)

    calendars = await service.calendars.load_all()
    assert sorted((c.id, c.hours_per_week) for c in calendars) == [
        ("BE", Decimal(38)), ("FR", Decimal(35)),
    ]  # fmt: skip
    assert all(isinstance(c, WorkingCalendar) and date(2027, 5, 6) in c.public_holidays
               for c in calendars)  # fmt: skip
    assert len((await service.skill_catalogue()).skills) == 20
    people: list[Person] = await service.people.load_all()
    assert len(people) == 40
    assert Counter(p.team for p in people) == {
        "Delivery Brussels": 11, "Delivery Paris": 10, "Business Analysis": 6,
        "Architecture and Engineering": 9, "Service Support": 4,
    }  # fmt: skip
    roles = Counter(r for p in people for r in p.roles)
    assert roles[PersonRole.PROJECT_MANAGER] >= 15
    assert roles[PersonRole.PROGRAMME_MANAGER] == 6
    assert roles[PersonRole.SUPPORT] == 4
    assert any(p.part_time_percent < 100 for p in people)
    assert {p.line_manager for p in people} == {"marc", "ines", "henrik", "sofia", "karel"}
    assert sum(len(p.reports) for p in people) > 20
    allocations = [a for p in people for a in p.allocations.values()]
    assert {a.project_id for a in allocations} == {"D-1", "D-2", "D-3"}
    assert {a.kind for a in allocations} == {AllocationKind.SOFT, AllocationKind.HARD}
    assert any(a.percent_of_availability is not None for a in allocations)
    assert any(a.over_allocated for a in allocations)
    raised: list[ResourceRequest] = await requests.requests.load_all()
    assert len(raised) == 3
    assert all(r.skills for r in raised)
    filled = [r for r in raised if r.status is RequestStatus.FILLED]
    assert len(filled) == 1  # the proposal's first assignment, accepted
    assert "40 people" in summary
    assert "1 accepted" in summary
    assert said


async def test_a_second_run_of_the_demo_writes_nothing(fresh_capacity: CapacityContainer) -> None:
    await load_demo(fresh_capacity, PROJECTS[:1], date(2027, 2, 10), lambda line: None)
    stored, _ = await fresh_capacity.store.stats()

    again = await load_demo(fresh_capacity, PROJECTS[:1], date(2027, 2, 10), lambda line: None)

    assert "already loaded" in again
    assert (await fresh_capacity.store.stats())[0] == stored


async def test_the_demo_reports_availability_for_a_year_from_this_month(
    fresh_capacity: CapacityContainer,
) -> None:
    await load_demo(fresh_capacity, [], date(2027, 2, 10), lambda line: None)

    events = await fresh_capacity.store.read_all(limit=5000)
    reports = [e.event for e in events if isinstance(e.event, AvailabilityReported)]
    year = [f"2027-{m:02d}" for m in range(2, 13)] + ["2028-01"]
    months = {w for m in year for w in weeks_of_month(m)}
    assert reports
    assert {r.week for r in reports} <= months
    assert len({month_of(r.week) for r in reports}) >= 10
    assert {r.note for r in reports} == {"holiday", "training", "support rota"}
