"""People's weekly loads and the over-allocation heatmap, from the capacity read models' rows.

The arithmetic is the shared kernel's (pmo_kernel.capacity): the capacity service decides
allocations with the very same rule, so a week over-allocated here is one it would refuse.
Rows in, plain values out; no I/O. Hours convert to the unit asked for with the person's own
calendar: FTE = hours / its full-time hours per week, person-days = hours / (those / 5).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pmo_kernel.capacity import (
    CENT,
    WORKING_DAYS,
    Booking,
    Contract,
    Load,
    Report,
    monday_of,
    week_count,
    week_loads,
    weeks_between,
)

Row = dict[str, Any]
MAX_RANGE_WEEKS = 156  # as the capacity service: a read spans at most three years
ZERO = Decimal(0)
_WEEK = re.compile(r"^[0-9]{4}-W[0-9]{2}$")


class Unit(StrEnum):
    HOURS = "hours"
    FTE = "fte"
    PERSON_DAYS = "person_days"


class InvalidRange(ValueError):
    """The weeks asked for are not a range one may read; `argument` names the culprit."""

    def __init__(self, message: str, argument: str) -> None:
        super().__init__(message)
        self.argument = argument


def check_week(text: str, argument: str) -> str:
    if _WEEK.match(text):
        try:
            monday_of(text)
            return text
        except ValueError:
            pass
    raise InvalidRange(f"{argument} must be an ISO week like 2027-W17, not {text!r}", argument)


def check_range(first: str, last: str) -> tuple[str, str]:
    """(first, last) when they are ISO weeks, in order, at most MAX_RANGE_WEEKS apart."""
    check_week(first, "fromWeek")
    check_week(last, "toWeek")
    if monday_of(last) < monday_of(first):
        raise InvalidRange(f"toWeek {last} comes before fromWeek {first}", "toWeek")
    if week_count(first, last) > MAX_RANGE_WEEKS:
        raise InvalidRange(f"a range spans at most {MAX_RANGE_WEEKS} weeks", "toWeek")
    return first, last


def hours_per_week(calendar: Row | None) -> Decimal:
    # A person projected before their calendar (another partition) has no hours yet.
    return Decimal(calendar["hours_per_week"]) if calendar is not None else ZERO


def contract_of(person: Row, calendar: Row | None) -> Contract:
    holidays = calendar["holidays"] if calendar is not None else []
    return Contract(
        hours_per_week=hours_per_week(calendar),
        public_holidays=frozenset(date.fromisoformat(day) for day in holidays),
        part_time_percent=Decimal(person["part_time_percent"]),
        last_day=person["last_day"],
    )


def report_of(row: Row) -> Report:
    return Report(row["available_percent"], row["absence_hours"], row["other_duty_hours"])


def booking_of(row: Row) -> Booking:
    return Booking(
        row["start_week"], row["end_week"], row["hours_per_week"], row["kind"] == "hard",
        row["percent_of_availability"],
    )  # fmt: skip


def person_loads(
    person: Row,
    calendar: Row | None,
    reports: Sequence[Row],
    allocations: Sequence[Row],
    first: str,
    last: str,
) -> list[Load]:
    """The person's weeks `first`..`last`: availability and allocated hours (released
    allocations load no one)."""
    return week_loads(
        contract_of(person, calendar),
        {row["week"]: report_of(row) for row in reports},
        [booking_of(row) for row in allocations if not row["released"]],
        first,
        last,
    )


def unit_divisor(calendar: Row | None, unit: Unit) -> Decimal:
    """What hours are divided by to be in `unit` (zero: no calendar, every value is zero)."""
    if unit is Unit.HOURS:
        return Decimal(1)
    full_time = hours_per_week(calendar)
    return full_time if unit is Unit.FTE else full_time / WORKING_DAYS


def in_unit(hours: Decimal, divisor: Decimal) -> Decimal:
    return hours / divisor if divisor and hours else ZERO


@dataclass(frozen=True, slots=True)
class Cell:
    week: str
    available: Decimal
    allocated: Decimal
    soft: Decimal
    hard: Decimal
    over_allocated: bool  # decided in hours, whatever the unit shown


@dataclass(frozen=True)
class HeatmapRow:
    """A person's figures, a column per measure, one value per week of the heatmap."""

    person: Row
    weeks: list[str]
    available: list[Decimal]
    allocated: list[Decimal]
    soft: list[Decimal]
    hard: list[Decimal]
    over_allocated: list[bool]  # decided in hours, whatever the unit shown

    @property
    def cells(self) -> list[Cell]:
        return [
            Cell(*values)
            for values in zip(
                self.weeks, self.available, self.allocated, self.soft, self.hard,
                self.over_allocated, strict=True,
            )
        ]  # fmt: skip


@dataclass(frozen=True)
class WeekTotal:
    week: str
    available: Decimal
    allocated: Decimal
    soft: Decimal
    hard: Decimal
    over_allocated_people: int


@dataclass(frozen=True)
class Heatmap:
    weeks: list[str]
    rows: list[HeatmapRow]
    totals: list[WeekTotal]


def heatmap(
    people: Sequence[Row],
    calendars: Mapping[str, Row],
    reports: Mapping[str, Sequence[Row]],
    allocations: Mapping[str, Sequence[Row]],
    first: str,
    last: str,
    unit: Unit,
) -> Heatmap:
    """A row per person, a cell per week (values in `unit`, to the cent), and the totals of
    each week over the rows (sums of the unrounded values, then rounded)."""
    weeks = list(weeks_between(first, last))
    sums = [[ZERO] * len(weeks) for _ in range(4)]  # available, allocated, soft, hard
    over_people = [0] * len(weeks)
    rows: list[HeatmapRow] = []
    for person in people:
        calendar = calendars.get(person["calendar_id"])
        loads = person_loads(
            person, calendar, reports.get(person["id"], ()), allocations.get(person["id"], ()),
            first, last,
        )  # fmt: skip
        columns = [
            [load.available_hours for load in loads],
            [load.allocated_hours for load in loads],
            [load.soft_hours for load in loads],
            [load.hard_hours for load in loads],
        ]
        if unit is not Unit.HOURS:  # the kernel's hours are to the cent already
            divisor = unit_divisor(calendar, unit)
            columns = [[in_unit(hours, divisor) for hours in column] for column in columns]
        for total, column in zip(sums, columns, strict=True):
            for n, value in enumerate(column):
                total[n] += value
        over_allocated = [load.allocated_hours > load.available_hours for load in loads]
        for n, over in enumerate(over_allocated):
            over_people[n] += over
        if unit is not Unit.HOURS:
            columns = [[value.quantize(CENT) for value in column] for column in columns]
        available, allocated, soft, hard = columns
        rows.append(HeatmapRow(person, weeks, available, allocated, soft, hard, over_allocated))
    totals = [
        WeekTotal(
            week=week,
            available=sums[0][n].quantize(CENT),
            allocated=sums[1][n].quantize(CENT),
            soft=sums[2][n].quantize(CENT),
            hard=sums[3][n].quantize(CENT),
            over_allocated_people=over_people[n],
        )
        for n, week in enumerate(weeks)
    ]
    return Heatmap(weeks, rows, totals)
