"""Capacity events as the projector receives them, made by the capacity domain itself: each
aggregate decides (Person.register, report_availability, propose_allocation, ...), and what it
recorded becomes a CloudEvent with the JSON payload its relay would publish
(model_dump(mode="json")). The aggregates stay at hand, to compare the read models with what
the capacity service computes (Person.loads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from pmo_capacity.domain import (
    DefineCalendar,
    Person,
    ProposeAllocation,
    RecordLeaving,
    RegisterPerson,
    ReleaseAllocation,
    ReportAvailability,
    WorkingCalendar,
)
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.db import asyncpg_dsn
from pmo_kernel.money import Money
from pmo_reporting.projections.capacity import CapacityProjection
from tests.reporting.records import received_event

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
RESOURCE_MANAGER = "rita"


def published(aggregate: Aggregate, actor: str) -> list[ReceivedEvent]:
    """What `aggregate` recorded since it was last saved, as published; then it is saved."""
    events = [
        received_event(
            "capacity",
            aggregate.stream_type,
            aggregate.id,
            aggregate.version + n,
            event.event_type,
            event.model_dump(mode="json"),
            at=T0,
            actor=actor,
        )
        for n, event in enumerate(aggregate.pending, start=1)
    ]
    aggregate.mark_saved(aggregate.version + len(events), None)
    return events


@dataclass
class Capacity:
    """Calendars and people, and every event their decisions published, in order."""

    calendars: dict[str, WorkingCalendar] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    events: list[ReceivedEvent] = field(default_factory=list)

    def calendar(
        self, calendar_id: str, hours_per_week: str = "40", holidays: tuple[date, ...] = ()
    ) -> WorkingCalendar:
        calendar = WorkingCalendar.define(
            DefineCalendar(
                calendar_id=calendar_id, name=f"Calendar {calendar_id}",
                hours_per_week=Decimal(hours_per_week), public_holidays=list(holidays),
            ),
            RESOURCE_MANAGER, T0,
        )  # fmt: skip
        self.calendars[calendar_id] = calendar
        self.events += published(calendar, RESOURCE_MANAGER)
        return calendar

    def person(
        self,
        person_id: str,
        *,
        manager: str = "marc",
        team: str = "Platform",
        roles: tuple[str, ...] = ("developer",),
        skills: tuple[tuple[str, int], ...] = (("python", 4),),
        calendar_id: str = "BE",
        part_time: str = "100",
        rate: str = "640.00",
    ) -> Person:
        command = RegisterPerson.model_validate(
            {
                "name": f"Person {person_id}",
                "line_manager": manager,
                "team": team,
                "roles": list(roles),
                "skills": [{"name": name, "level": level} for name, level in skills],
                "cost_rate_per_day": Money.of(rate),
                "calendar_id": calendar_id,
                "part_time_percent": Decimal(part_time),
            }
        )
        person = Person.register(person_id, command, RESOURCE_MANAGER, T0)
        self.people[person_id] = person
        self.events += published(person, RESOURCE_MANAGER)
        return person

    def report(self, person_id: str, week: str, **values: Any) -> None:
        person = self.people[person_id]
        person.report_availability(ReportAvailability(week=week, **values), person.line_manager, T0)
        self.events += published(person, person.line_manager)

    def allocate(
        self,
        person_id: str,
        allocation_id: str,
        project: str,
        first: str,
        last: str,
        hours: str | None = None,
        *,
        percent: str | None = None,
    ) -> None:
        """`hours` a week, or else `percent` of the person's availability."""
        person = self.people[person_id]
        command = ProposeAllocation(
            project_id=project, start_week=first, end_week=last,
            hours_per_week=Decimal(hours) if hours is not None else None,
            percent_of_availability=Decimal(percent) if percent is not None else None,
            accept_over_allocation=True,
        )  # fmt: skip
        calendar = self.calendars[person.calendar_id]
        person.propose_allocation(allocation_id, command, calendar, "pam", T0)
        self.events += published(person, "pam")

    def confirm(self, person_id: str, allocation_id: str) -> None:
        person = self.people[person_id]
        person.confirm_allocation(allocation_id, person.line_manager, T0)
        self.events += published(person, person.line_manager)

    def release(self, person_id: str, allocation_id: str) -> None:
        person = self.people[person_id]
        person.release_allocation(allocation_id, ReleaseAllocation(reason="re-planned"), "pam", T0)
        self.events += published(person, "pam")

    def leave(self, person_id: str, last_day: date) -> None:
        person = self.people[person_id]
        person.record_leaving(RecordLeaving(last_day=last_day), RESOURCE_MANAGER, T0)
        self.events += published(person, RESOURCE_MANAGER)


async def project_capacity(
    database_url: str, events: list[ReceivedEvent], *, batch: bool = True
) -> CapacityProjection:
    """Apply `events` in one transaction: one `apply` for the batch, or one `handle` each."""
    projection = CapacityProjection()
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            if batch:
                await projection.apply(conn, events)
            else:
                for one in events:
                    await projection.handle(conn, one)
    finally:
        await conn.close()
    return projection
