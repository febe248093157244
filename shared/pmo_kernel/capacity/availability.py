"""A person's effective availability and load per ISO week, over plain values.

Effective availability of a week = the calendar's hours on the days the person works that week
(Monday to Friday, less public holidays, less the days after they leave) x part-time
percentage, then the latest report for the week: a percentage of that, or that less the hours
of absence and other duties (never below zero). The capacity service decides allocations with
it; the reporting service draws its heatmap with it, so both always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pmo_kernel.capacity.weeks import WORKING_DAYS, monday_of, weeks_between, working_days_of

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Contract:
    """What a person's availability starts from: their calendar and their employment."""

    hours_per_week: Decimal  # the calendar's full-time hours
    public_holidays: frozenset[date] = frozenset()
    part_time_percent: Decimal = HUNDRED
    last_day: date | None = None  # their last working day, if they leave

    @property
    def hours_per_day(self) -> Decimal:
        return self.hours_per_week / WORKING_DAYS


@dataclass(frozen=True)
class Report:
    """A line manager's availability report for one week: a percentage, or hours taken."""

    available_percent: Decimal | None = None
    absence_hours: Decimal | None = None
    other_duty_hours: Decimal | None = None


@dataclass(frozen=True)
class Booking:
    """An allocation as it loads the person: hours per week over a range of weeks."""

    start_week: str
    end_week: str
    hours_per_week: Decimal
    hard: bool  # confirmed by the line manager (soft: proposed)

    def covers(self, week: str) -> bool:
        return monday_of(self.start_week) <= monday_of(week) <= monday_of(self.end_week)


@dataclass(frozen=True)
class Load:
    """One week of a person's: the hours they are available and the hours allocated."""

    week: str
    available_hours: Decimal
    soft_hours: Decimal
    hard_hours: Decimal

    @property
    def allocated_hours(self) -> Decimal:
        return (self.soft_hours + self.hard_hours).quantize(CENT)

    @property
    def over_allocated(self) -> bool:
        return self.allocated_hours > self.available_hours


def worked_days(contract: Contract, week: str) -> list[date]:
    """The days of `week` the person works: Monday to Friday, less holidays, up to leaving."""
    return [
        day
        for day in working_days_of(week)
        if day not in contract.public_holidays
        and (contract.last_day is None or day <= contract.last_day)
    ]


def calendar_hours(contract: Contract, week: str) -> Decimal:
    """The hours the contract gives in `week`, before any report (not rounded)."""
    days = len(worked_days(contract, week))
    return contract.hours_per_day * days * contract.part_time_percent / HUNDRED


def available_hours(contract: Contract, week: str, report: Report | None) -> Decimal:
    """The week's effective availability, to the cent."""
    hours = calendar_hours(contract, week)
    if report is not None:
        if report.available_percent is not None:
            hours = hours * report.available_percent / HUNDRED
        else:
            taken = (report.absence_hours or ZERO) + (report.other_duty_hours or ZERO)
            hours = max(ZERO, hours - taken)
    return hours.quantize(CENT)


def week_loads(
    contract: Contract,
    reports: Mapping[str, Report],
    bookings: Iterable[Booking],
    first: str,
    last: str,
) -> list[Load]:
    """Each week from `first` to `last`: availability (with the week's latest report, from
    `reports` by week) and the hours `bookings` allocate, soft and hard. Released allocations
    no longer load anyone: leave them out of `bookings`."""
    spans = [
        (monday_of(b.start_week), monday_of(b.end_week), b.hours_per_week, b.hard) for b in bookings
    ]
    loads: list[Load] = []
    for week in weeks_between(first, last):
        monday = monday_of(week)
        soft, hard = ZERO, ZERO
        for start, end, hours, is_hard in spans:
            if start <= monday <= end:
                if is_hard:
                    hard += hours
                else:
                    soft += hours
        loads.append(
            Load(
                week=week,
                available_hours=available_hours(contract, week, reports.get(week)),
                soft_hours=soft.quantize(CENT),
                hard_hours=hard.quantize(CENT),
            )
        )
    return loads
