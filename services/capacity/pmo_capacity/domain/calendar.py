"""The WorkingCalendar aggregate: contract hours per week and public holidays (e.g. BE, FR)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Self

from pmo_capacity.domain.commands import DefineCalendar
from pmo_capacity.domain.events import CalendarDefined
from pmo_kernel.aggregate import Aggregate
from pmo_kernel.capacity import Contract, worked_days
from pmo_kernel.errors import InvalidTransition
from pmo_kernel.events import DomainEvent, utcnow


class WorkingCalendar(Aggregate):
    stream_type = "calendar"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.name = ""
        self.hours_per_week = Decimal(0)
        self.public_holidays: frozenset[date] = frozenset()

    @classmethod
    def define(cls, command: DefineCalendar, defined_by: str, now: datetime | None = None) -> Self:
        calendar = cls(command.calendar_id)
        calendar._record(
            CalendarDefined(
                calendar_id=command.calendar_id,
                name=command.name,
                hours_per_week=command.hours_per_week,
                public_holidays=sorted(set(command.public_holidays)),
                defined_by=defined_by,
                defined_at=now or utcnow(),
            )
        )
        return calendar

    def redefine(
        self, command: DefineCalendar, defined_by: str, now: datetime | None = None
    ) -> None:
        if command.calendar_id != self.id:
            raise InvalidTransition(
                f"calendar {self.id} cannot be redefined as {command.calendar_id}"
            )
        self._record(
            CalendarDefined(
                calendar_id=self.id,
                name=command.name,
                hours_per_week=command.hours_per_week,
                public_holidays=sorted(set(command.public_holidays)),
                defined_by=defined_by,
                defined_at=now or utcnow(),
            )
        )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, CalendarDefined):
            self.name = event.name
            self.hours_per_week = event.hours_per_week
            self.public_holidays = frozenset(event.public_holidays)

    def contract(
        self, part_time_percent: Decimal = Decimal(100), last_day: date | None = None
    ) -> Contract:
        """The calendar as the kernel's availability rule takes it, for one person."""
        return Contract(self.hours_per_week, self.public_holidays, part_time_percent, last_day)

    @property
    def hours_per_day(self) -> Decimal:
        return self.contract().hours_per_day

    def working_days(self, week: str) -> list[date]:
        """The days of `week` worked under this calendar: Monday to Friday, less holidays."""
        return worked_days(self.contract(), week)
