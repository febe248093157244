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
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from pmo_kernel.capacity.weeks import WORKING_DAYS, monday_of, weeks_between, working_days_of

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ZERO = Decimal(0)
ZERO_CENTS = Decimal("0.00")


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
    """An allocation as it loads the person, over a range of weeks: `hours_per_week`, or
    `percent_of_availability` (that share of the hours they are available each week)."""

    start_week: str
    end_week: str
    hours_per_week: Decimal | None
    hard: bool  # confirmed by the line manager (soft: proposed)
    percent_of_availability: Decimal | None = None

    def covers(self, week: str) -> bool:
        return monday_of(self.start_week) <= monday_of(week) <= monday_of(self.end_week)

    def hours_in(self, available: Decimal) -> Decimal:
        """The hours it loads a week in which the person is available `available` hours."""
        return booked_hours(self.hours_per_week, self.percent_of_availability, available)


def booked_hours(hours: Decimal | None, percent: Decimal | None, available: Decimal) -> Decimal:
    """What an allocation of `hours` a week, or else of `percent` of availability, loads a
    week in which the person is available `available` hours."""
    if hours is not None:
        return hours
    if percent is None:
        raise ValueError("an allocation gives hours per week or a percent of availability")
    return (available * percent / HUNDRED).quantize(CENT)


@dataclass(frozen=True, slots=True)
class Load:
    """One week of a person's: the hours they are available and the hours allocated."""

    week: str
    available_hours: Decimal
    soft_hours: Decimal
    hard_hours: Decimal
    allocated_hours: Decimal  # soft + hard

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
    `reports` by week) and the hours `bookings` allocate, soft and hard (a percentage booking
    loads its share of that week's availability). Released allocations no longer load anyone:
    leave them out of `bookings`.

    The same arithmetic as `available_hours` week by week, done so that a heatmap of hundreds
    of people over years stays fast: a week's contract hours depend only on how many days are
    worked in it, so each count is computed once."""
    spans = [(monday_of(b.start_week), monday_of(b.end_week), b) for b in bookings]
    holidays = _weekday_holidays_by_monday(contract.public_holidays)
    leaves = contract.last_day
    by_days: dict[int, tuple[Decimal, Decimal]] = {}  # days worked → (hours, to the cent)
    loads: list[Load] = []
    for week, monday in _span(first, last):
        if leaves is not None and leaves < monday + _FRIDAY:
            days = len(worked_days(contract, week))  # the week they leave, or after
        else:
            days = WORKING_DAYS - holidays.get(monday, 0)
        contract_hours = by_days.get(days)
        if contract_hours is None:
            hours = contract.hours_per_day * days * contract.part_time_percent / HUNDRED
            contract_hours = by_days[days] = (hours, hours.quantize(CENT))
        report = reports.get(week)
        if report is None:
            available = contract_hours[1]
        else:
            hours = contract_hours[0]
            if report.available_percent is not None:
                hours = hours * report.available_percent / HUNDRED
            else:
                taken = (report.absence_hours or ZERO) + (report.other_duty_hours or ZERO)
                hours = max(ZERO, hours - taken)
            available = hours.quantize(CENT)
        soft, hard = ZERO_CENTS, ZERO_CENTS
        for start, end, booking in spans:
            if start <= monday <= end:
                booked = booking.hours_per_week
                if booked is None:  # a share of what is left of the week after the report
                    booked = booked_hours(None, booking.percent_of_availability, available)
                if booking.hard:
                    hard += booked
                else:
                    soft += booked
        if soft or hard:
            soft, hard = soft.quantize(CENT), hard.quantize(CENT)
        loads.append(Load(week, available, soft, hard, (soft + hard).quantize(CENT)))
    return loads


_FRIDAY = timedelta(days=WORKING_DAYS - 1)


@lru_cache(maxsize=64)
def _span(first: str, last: str) -> tuple[tuple[str, date], ...]:
    """(week, its Monday) from `first` to `last`: the same few ranges are read again and again."""
    return tuple((week, monday_of(week)) for week in weeks_between(first, last))


@lru_cache(maxsize=64)
def _weekday_holidays_by_monday(holidays: frozenset[date]) -> dict[date, int]:
    """How many of a week's Monday to Friday are holidays, by the week's Monday."""
    counts: dict[date, int] = {}
    for day in holidays:
        if day.weekday() < WORKING_DAYS:
            monday = day - timedelta(days=day.weekday())
            counts[monday] = counts.get(monday, 0) + 1
    return counts
