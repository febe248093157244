"""The capacity service's log as the portfolio's capacity feed receives it: events recorded by
the capacity aggregates themselves (their own event classes), numbered per stream and by log
position as its relay publishes them, and handed to the feed in a transaction as the Kafka
consumer runner does, minus Kafka."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from pmo_capacity.domain.calendar import WorkingCalendar
from pmo_capacity.domain.commands import DefineCalendar, ProposeAllocation, RegisterPerson
from pmo_capacity.domain.person import Person
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.cloudevents import ReceivedEvent
from pmo_kernel.db import raw_connection
from pmo_kernel.money import Money
from pmo_portfolio.bootstrap import PortfolioContainer
from pmo_portfolio.capacity.feed import CapacityFeed
from tests.reporting.records import received_event

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RESOURCE_MANAGER = "rita"
LINE_MANAGER = "marc"


class CapacityLog:
    def __init__(self, position: int = 100) -> None:
        self.position = position  # the last one published

    def publish(self, aggregate: Aggregate) -> list[ReceivedEvent]:
        """The aggregate's new events, as they come off pmo.capacity.events."""
        published = []
        for offset, event in enumerate(aggregate.pending, start=1):
            self.position += 1
            received = received_event(
                "capacity", aggregate.stream_type, aggregate.id, aggregate.version + offset,
                event.event_type, event.payload(), at=T0, actor=RESOURCE_MANAGER,
            )  # fmt: skip
            published.append(replace(received, position=self.position))
        aggregate.mark_saved(aggregate.version + len(published), None)
        return published

    def calendar(
        self, calendar_id: str = "BE", hours: str = "40", holidays: tuple[date, ...] = ()
    ) -> tuple[WorkingCalendar, list[ReceivedEvent]]:
        command = DefineCalendar(
            calendar_id=calendar_id,
            name=calendar_id,
            hours_per_week=Decimal(hours),
            public_holidays=list(holidays),
        )
        calendar = WorkingCalendar.define(command, RESOURCE_MANAGER, now=T0)
        return calendar, self.publish(calendar)

    def person(
        self, person_id: str, *roles: str, calendar_id: str = "BE", part_time: str = "100"
    ) -> tuple[Person, list[ReceivedEvent]]:
        command = RegisterPerson.model_validate({
            "name": person_id, "line_manager": LINE_MANAGER, "team": "Delivery",
            "roles": list(roles), "cost_rate_per_day": Money.of("600"),
            "calendar_id": calendar_id, "part_time_percent": part_time,
        })  # fmt: skip
        person = Person.register(person_id, command, RESOURCE_MANAGER, now=T0)
        return person, self.publish(person)

    def allocate(
        self, person: Person, calendar: WorkingCalendar, allocation_id: str, project_id: str,
        weeks: tuple[str, str], hours: str | None = None, *, percent: str | None = None,
    ) -> list[ReceivedEvent]:  # fmt: skip
        """`hours` a week, or else `percent` of the person's availability each week."""
        command = ProposeAllocation(
            project_id=project_id, start_week=weeks[0], end_week=weeks[1],
            hours_per_week=None if hours is None else Decimal(hours),
            percent_of_availability=None if percent is None else Decimal(percent),
        )  # fmt: skip
        person.propose_allocation(allocation_id, command, calendar, RESOURCE_MANAGER, now=T0)
        return self.publish(person)


async def feed(container: PortfolioContainer, *events: ReceivedEvent) -> None:
    handler = CapacityFeed(container.store.schema)
    async with raw_connection(container.engine) as conn, conn.transaction():
        for event in events:
            await handler.handle(conn, event)


TABLES = ("capacity_streams", "capacity_people", "capacity_calendars", "capacity_reports",
          "capacity_allocations", "capacity_version")  # fmt: skip


async def tables(container: PortfolioContainer) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the feed's tables, with the system columns that change on any write."""
    schema = container.store.schema
    async with raw_connection(container.engine) as conn:
        return {
            table: [
                tuple(row)
                for row in await conn.fetch(
                    f'SELECT xmin::text, ctid::text, t.* FROM "{schema}".{table} t ORDER BY ctid'
                )
            ]
            for table in TABLES
        }
