"""The capacity service's picture as the portfolio plans with it: free person-days per capacity
role and quarter, folded from the capacity facts the feed keeps (`feed.py`). Pure: no I/O.

A person-week's available hours follow the capacity service's rule (its `Person` docstring):
the calendar's hours on the days the person works that week (Monday to Friday, less public
holidays, less the days after they leave) x part-time percentage, then the latest report of the
week: a percentage of that, or that less the hours of absence and other duties (never below 0),
to the cent. `available_hours` is the only place that states it: when the kernel holds that
rule (`pmo_kernel.capacity`), it calls the kernel instead and nothing else here changes.

Free hours of a person-week = available less allocated (soft and hard alike, released ones not
counted), never below 0: an over-allocated week frees nothing, and does not eat another week's
capacity. A quarter holds the ISO weeks whose Monday falls in it (2027-W53 of a year that has
one belongs to the quarter of its Monday), and a person-day is 8 hours.

A person with several roles counts once, for their FIRST listed role (the order they were
registered with): their hours are not people-days of every role they could fill, which would
overstate each role's capacity, and an even share would invent fractions of a person the
resource manager never planned. People whose calendar is not known yet count for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

HOURS_PER_PERSON_DAY = Decimal(8)
WORKING_DAYS = 5  # Monday to Friday
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


@dataclass(frozen=True)
class CalendarFacts:
    hours_per_week: Decimal
    public_holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class ReportFacts:
    """The latest availability report of one person-week."""

    available_percent: Decimal | None = None
    absence_hours: Decimal | None = None
    other_duty_hours: Decimal | None = None


@dataclass(frozen=True)
class AllocationFacts:
    project_id: str
    start_week: str  # ISO weeks, e.g. 2027-W01, both included
    end_week: str
    hours_per_week: Decimal
    released: bool = False

    def covers(self, monday: date) -> bool:
        return monday_of(self.start_week) <= monday <= monday_of(self.end_week)


@dataclass(frozen=True)
class PersonFacts:
    person_id: str
    roles: tuple[str, ...]
    calendar_id: str
    part_time_percent: Decimal = _HUNDRED
    last_day: date | None = None
    reports: Mapping[str, ReportFacts] = field(default_factory=dict)  # by ISO week
    allocations: tuple[AllocationFacts, ...] = ()

    @property
    def counted_role(self) -> str | None:
        """The one role the person's hours count for (see the module docstring)."""
        return self.roles[0] if self.roles else None


@dataclass(frozen=True)
class CapacityFacts:
    """What the portfolio knows of the capacity service, as of capacity event `version` (the
    highest capacity log position applied; None while nothing was received)."""

    version: int | None
    people: tuple[PersonFacts, ...] = ()
    calendars: Mapping[str, CalendarFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class CapacityPicture:
    version: int | None
    free_person_days: dict[str, dict[str, Decimal]]  # role -> quarter -> person-days


def monday_of(week: str) -> date:
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def mondays_of(quarter: str) -> list[date]:
    """The Mondays of `quarter` (e.g. 2027-Q1): one per ISO week the quarter holds."""
    match = _QUARTER.fullmatch(quarter)
    if match is None:
        raise ValueError(f"{quarter!r} is not a quarter (expected e.g. 2027-Q1)")
    year, number = int(match.group(1)), int(match.group(2))
    first = date(year, 3 * number - 2, 1)
    after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    day = first + timedelta(days=-first.weekday() % 7)
    mondays = []
    while day < after:
        mondays.append(day)
        day += timedelta(days=7)
    return mondays


def available_hours(person: PersonFacts, calendar: CalendarFacts, monday: date) -> Decimal:
    """The person's available hours in the week of `monday`: the capacity service's rule (see
    the module docstring); the one function to swap for the kernel's once it holds the rule."""
    worked = [
        day
        for day in (monday + timedelta(days=i) for i in range(WORKING_DAYS))
        if day not in calendar.public_holidays
        and (person.last_day is None or day <= person.last_day)
    ]
    hours_per_day = calendar.hours_per_week / WORKING_DAYS
    hours = hours_per_day * len(worked) * person.part_time_percent / _HUNDRED
    report = person.reports.get(week_of(monday))
    if report is not None:
        if report.available_percent is not None:
            hours = hours * report.available_percent / _HUNDRED
        else:
            taken = (report.absence_hours or 0) + (report.other_duty_hours or 0)
            hours = max(Decimal(0), hours - taken)
    return hours.quantize(_CENT)


def free_hours(
    person: PersonFacts,
    calendar: CalendarFacts,
    monday: date,
    ignoring_projects: Collection[str] = frozenset(),
) -> Decimal:
    """Available less allocated hours of the week, never below 0; allocations to
    `ignoring_projects` are left out (the demand a scenario weighs is not also capacity used)."""
    allocated = sum(
        (
            allocation.hours_per_week
            for allocation in person.allocations
            if not allocation.released
            and allocation.project_id not in ignoring_projects
            and allocation.covers(monday)
        ),
        Decimal(0),
    )
    return max(Decimal(0), available_hours(person, calendar, monday) - allocated)


def picture(
    facts: CapacityFacts,
    quarters: Iterable[str],
    *,
    roles: Iterable[str] = (),
    ignoring_projects: Collection[str] = frozenset(),
) -> CapacityPicture:
    """Free person-days per role (every role people count for, and each of `roles`, 0 when
    nobody counts for it) and each of `quarters`, to the cent of a day rounded down (a picture
    never promises more than there is)."""
    wanted = sorted(set(quarters))
    mondays = {quarter: mondays_of(quarter) for quarter in wanted}
    hours: dict[str, dict[str, Decimal]] = {
        role: dict.fromkeys(wanted, Decimal(0)) for role in roles
    }
    for person in facts.people:
        role, calendar = person.counted_role, facts.calendars.get(person.calendar_id)
        if role is None or calendar is None:
            continue
        per_quarter = hours.setdefault(role, dict.fromkeys(wanted, Decimal(0)))
        for quarter, days in mondays.items():
            per_quarter[quarter] += sum(
                (free_hours(person, calendar, monday, ignoring_projects) for monday in days),
                Decimal(0),
            )
    free = {
        role: {
            quarter: (total / HOURS_PER_PERSON_DAY).quantize(_CENT, rounding=ROUND_DOWN)
            for quarter, total in per_quarter.items()
        }
        for role, per_quarter in sorted(hours.items())
    }
    return CapacityPicture(facts.version, free)


__all__ = [
    "HOURS_PER_PERSON_DAY",
    "AllocationFacts",
    "CalendarFacts",
    "CapacityFacts",
    "CapacityPicture",
    "PersonFacts",
    "ReportFacts",
    "available_hours",
    "free_hours",
    "mondays_of",
    "picture",
    "quarter_of",
    "week_of",
]
