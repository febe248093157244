"""The capacity service's picture as the portfolio plans with it: free person-days per capacity
role and quarter, folded from the capacity facts the feed keeps (`feed.py`). Pure: no I/O.

A person-week's available hours and allocated hours are the kernel's (`pmo_kernel.capacity`:
`week_loads`), the rule the capacity service allocates with and reporting draws its heatmap
with, so the three never disagree: the calendar's hours on the days the person works (less
public holidays and the days after they leave) x part-time percentage, then the week's latest
report; an allocation loads its hours a week, or its percentage of that week's availability.

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
from datetime import date
from decimal import ROUND_DOWN, Decimal

from pmo_kernel.capacity import (
    CENT,
    HUNDRED,
    Booking,
    Contract,
    Report,
    monday_of,
    week_loads,
    week_of,
    weeks_of_quarter,
)
from pmo_kernel.capacity import quarter_of as kernel_quarter_of

HOURS_PER_PERSON_DAY = Decimal(8)
ZERO = Decimal(0)
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


@dataclass(frozen=True)
class CalendarFacts:
    hours_per_week: Decimal
    public_holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class AllocationFacts:
    """An allocation of hours a week, or of a percent of the person's availability each week
    (either one), over a range of ISO weeks (e.g. 2027-W01, both included)."""

    project_id: str
    start_week: str
    end_week: str
    hours_per_week: Decimal | None
    released: bool = False
    percent_of_availability: Decimal | None = None

    def booking(self) -> Booking:
        # Soft or hard loads the person alike here: the picture adds both up.
        return Booking(
            self.start_week, self.end_week, self.hours_per_week, hard=False,
            percent_of_availability=self.percent_of_availability,
        )  # fmt: skip


@dataclass(frozen=True)
class PersonFacts:
    person_id: str
    roles: tuple[str, ...]
    calendar_id: str
    part_time_percent: Decimal = HUNDRED
    last_day: date | None = None
    reports: Mapping[str, Report] = field(default_factory=dict)  # the latest, by ISO week
    allocations: tuple[AllocationFacts, ...] = ()

    @property
    def counted_role(self) -> str | None:
        """The one role the person's hours count for (see the module docstring)."""
        return self.roles[0] if self.roles else None

    def contract(self, calendar: CalendarFacts) -> Contract:
        return Contract(
            calendar.hours_per_week, calendar.public_holidays, self.part_time_percent,
            self.last_day,
        )  # fmt: skip


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


def quarter_of(day: date) -> str:
    """The quarter of the ISO week holding `day` (that of its Monday)."""
    return kernel_quarter_of(week_of(day))


def mondays_of(quarter: str) -> list[date]:
    """The Mondays of `quarter` (e.g. 2027-Q1): one per ISO week the quarter holds."""
    if _QUARTER.fullmatch(quarter) is None:
        raise ValueError(f"{quarter!r} is not a quarter (expected e.g. 2027-Q1)")
    return [monday_of(week) for week in weeks_of_quarter(quarter)]


def weeks_of(quarter: str) -> tuple[str, str]:
    """The first and last ISO week of `quarter`."""
    mondays = mondays_of(quarter)
    return week_of(mondays[0]), week_of(mondays[-1])


def free_hours(
    person: PersonFacts,
    calendar: CalendarFacts,
    first: str,
    last: str,
    ignoring_projects: Collection[str] = frozenset(),
) -> Decimal:
    """The person's free hours from week `first` to `last`: each week's available less
    allocated hours, never below 0; allocations to `ignoring_projects` are left out (the demand
    a scenario weighs is not also capacity used)."""
    bookings = [
        allocation.booking()
        for allocation in person.allocations
        if not allocation.released and allocation.project_id not in ignoring_projects
    ]
    loads = week_loads(person.contract(calendar), person.reports, bookings, first, last)
    return sum((max(ZERO, load.available_hours - load.allocated_hours) for load in loads), ZERO)


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
    spans = {quarter: weeks_of(quarter) for quarter in wanted}
    hours: dict[str, dict[str, Decimal]] = {role: dict.fromkeys(wanted, ZERO) for role in roles}
    for person in facts.people:
        role, calendar = person.counted_role, facts.calendars.get(person.calendar_id)
        if role is None or calendar is None:
            continue
        per_quarter = hours.setdefault(role, dict.fromkeys(wanted, ZERO))
        for quarter, (first, last) in spans.items():
            per_quarter[quarter] += free_hours(person, calendar, first, last, ignoring_projects)
    free = {
        role: {
            quarter: (total / HOURS_PER_PERSON_DAY).quantize(CENT, rounding=ROUND_DOWN)
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
    "free_hours",
    "mondays_of",
    "picture",
    "quarter_of",
    "weeks_of",
]
