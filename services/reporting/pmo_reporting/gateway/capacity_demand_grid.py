"""Capacity against demand, by role or skill and by week, month or quarter, from the capacity
read models' rows: pure arithmetic, no I/O (capacity_demand.py serves it).

For each key (a role, or a skill) and period:
- available: the effective availability (the kernel's rule, as the heatmap: calendar x
  part time x the week's report) of the people who hold the key. A person with several roles
  (or skills) counts under EACH of them, in full, as `people(role:)` and the heatmap's role
  filter list them: a row is what the people able to do that work have, and rows do not add up
  to the headcount. Skills compare by name in any case (casefolded, as the optimiser does).
- soft, hard (allocated = soft + hard): the hours allocated to those same people (released
  allocations left out; a percentage loads its share of each week's availability).
- open demand: the hours a week of the OPEN resource requests of the key (filled ones are
  allocations already, cancelled ones no demand), counted week by week: a request spanning
  several periods puts each of its weeks in the period holding that week, and only its weeks
  inside the range count. By skill, a request counts under each skill it requires (it is
  demand for each); one requiring none counts under no skill here (see `unfilled`).
- gap = available - allocated - open demand, of the figures as shown; `short` when the gap in
  hours is below zero (decided in hours whatever the unit shown, as over-allocation).

A week belongs to its month by its Thursday and to its quarter by its Monday (pmo_kernel.
capacity.weeks); a period at an end of the range counts only its weeks inside the range
(`weeks` says how many). Units: hours; person-days (hours / a fifth of the person's calendar's
full-time week, for demand a nominal 8-hour day); FTE (those hours over the full-time week,
for demand a nominal 40 hours, averaged over the period's weeks in range: 2 people full time
for a month is 2 FTE, not 8). Cells are the sums of unrounded values, rounded to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pmo_kernel.capacity import CENT, WORKING_DAYS, month_of, quarter_of, weeks_between
from pmo_reporting.gateway.capacity_loads import Row, Unit, in_unit, person_loads, unit_divisor

ZERO = Decimal(0)
NOMINAL_WEEK_HOURS = Decimal(40)  # what a request's hours are FTE of (it has no calendar)


class GroupBy(StrEnum):
    ROLE = "role"
    SKILL = "skill"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


def period_of(week: str, period: Period) -> str:
    if period is Period.WEEK:
        return week
    return month_of(week) if period is Period.MONTH else quarter_of(week)


@dataclass(frozen=True)
class PeriodSpan:
    """A period as the range holds it: its weeks inside the range, first to last."""

    name: str
    first_week: str
    last_week: str
    weeks: int


def periods(first: str, last: str, period: Period) -> list[PeriodSpan]:
    """The periods the weeks `first`..`last` fall in, in order."""
    weeks: dict[str, list[str]] = {}
    for week in weeks_between(first, last):
        weeks.setdefault(period_of(week, period), []).append(week)
    return [PeriodSpan(name, found[0], found[-1], len(found)) for name, found in weeks.items()]


def person_keys(person: Row, by: GroupBy) -> list[str]:
    """The keys a person counts under: each of their roles, or each of their skills."""
    if by is GroupBy.ROLE:
        return list(dict.fromkeys(str(role) for role in person["roles"]))
    return list(dict.fromkeys(str(s["name"]).casefold() for s in person["skills"]))


def request_keys(request: Row, by: GroupBy) -> list[str | None]:
    """The keys a request's hours count under: its role, or each skill it requires (None
    when it requires none)."""
    if by is GroupBy.ROLE:
        return [str(request["role"])]
    skills = [str(s["name"]).casefold() for s in request["skills"]]
    return [*dict.fromkeys(skills)] or [None]


def request_weeks(request: Row, first: str, last: str) -> list[str]:
    """The request's weeks inside `first`..`last` (ISO week texts sort in time order)."""
    start, end = max(request["start_week"], first), min(request["end_week"], last)
    return list(weeks_between(start, end)) if start <= end else []


def demand_divisor(unit: Unit) -> Decimal:
    if unit is Unit.HOURS:
        return Decimal(1)
    return NOMINAL_WEEK_HOURS if unit is Unit.FTE else NOMINAL_WEEK_HOURS / WORKING_DAYS


@dataclass(frozen=True)
class DemandCell:
    period: str
    available: Decimal
    soft: Decimal
    hard: Decimal
    allocated: Decimal
    open_demand: Decimal
    gap: Decimal
    short: bool  # the gap in hours is below zero
    request_ids: tuple[str, ...]  # the open requests behind open_demand


@dataclass(frozen=True)
class DemandRow:
    key: str
    people: int  # how many of the people counted hold the key
    cells: list[DemandCell]


@dataclass(frozen=True)
class DemandGrid:
    periods: list[PeriodSpan]
    rows: list[DemandRow]


class _Sums:
    """Unrounded sums of one key, per period, in the unit and in hours."""

    def __init__(self, count: int) -> None:
        self.unit = [[ZERO] * count for _ in range(4)]  # available, soft, hard, demand
        self.hours = [[ZERO] * count for _ in range(4)]
        self.requests: list[set[str]] = [set() for _ in range(count)]
        self.people = 0


def capacity_vs_demand(
    people: Sequence[Row],
    calendars: Mapping[str, Row],
    reports: Mapping[str, Sequence[Row]],
    allocations: Mapping[str, Sequence[Row]],
    requests: Iterable[Row],
    first: str,
    last: str,
    by: GroupBy,
    period: Period,
    unit: Unit,
) -> DemandGrid:
    """A row per key (every key of the people or of the open requests, sorted), a cell per
    period of the range. `requests`: resource requests (only the open ones count)."""
    spans = periods(first, last, period)
    index = {span.name: n for n, span in enumerate(spans)}
    slot = {week: index[period_of(week, period)] for week in weeks_between(first, last)}
    sums: dict[str, _Sums] = {}

    def of(key: str) -> _Sums:
        found = sums.get(key)
        if found is None:
            found = sums[key] = _Sums(len(spans))
        return found

    for person in people:
        keys = person_keys(person, by)
        if not keys:
            continue
        calendar = calendars.get(person["calendar_id"])
        loads = person_loads(
            person, calendar, reports.get(person["id"], ()), allocations.get(person["id"], ()),
            first, last,
        )  # fmt: skip
        divisor = unit_divisor(calendar, unit)
        targets = [of(key) for key in keys]
        for target in targets:
            target.people += 1
        for load in loads:
            n = slot[load.week]
            measures = (load.available_hours, load.soft_hours, load.hard_hours)
            for measure, value in enumerate(measures):
                shown = in_unit(value, divisor)
                for target in targets:
                    target.hours[measure][n] += value
                    target.unit[measure][n] += shown
    divisor = demand_divisor(unit)
    for request in requests:
        if request["status"] != "open":
            continue
        keys = [key for key in request_keys(request, by) if key is not None]
        weekly = Decimal(request["hours_per_week"])
        shown = in_unit(weekly, divisor)
        for week in request_weeks(request, first, last):
            n = slot[week]
            for key in keys:
                target = of(key)
                target.hours[3][n] += weekly
                target.unit[3][n] += shown
                target.requests[n].add(request["id"])
    rows = [
        DemandRow(key, sums[key].people, _cells(sums[key], spans, unit)) for key in sorted(sums)
    ]
    return DemandGrid(spans, rows)


def _cells(sums: _Sums, spans: list[PeriodSpan], unit: Unit) -> list[DemandCell]:
    cells = []
    for n, span in enumerate(spans):
        # FTE is a level, not an amount: a period's is the average of its weeks'.
        weeks = Decimal(span.weeks if unit is Unit.FTE else 1)
        available, soft, hard, demand = ((m[n] / weeks).quantize(CENT) for m in sums.unit)
        allocated = soft + hard
        h_available, h_soft, h_hard, h_demand = (m[n] for m in sums.hours)
        cells.append(
            DemandCell(
                period=span.name,
                available=available,
                soft=soft,
                hard=hard,
                allocated=allocated,
                open_demand=demand,
                gap=available - allocated - demand,
                short=h_available - h_soft - h_hard - h_demand < 0,
                request_ids=tuple(sorted(sums.requests[n])),
            )
        )
    return cells


@dataclass(frozen=True)
class UnfilledCell:
    """Open request hours of one key (a role; a skill, or None for requests requiring none)
    in one period, and the requests they come from."""

    key: str | None
    period: str
    hours: Decimal
    request_ids: tuple[str, ...]


def unfilled(
    requests: Iterable[Row], first: str, last: str, by: GroupBy, period: Period
) -> list[UnfilledCell]:
    """The hours of the open requests by key and period (the cells that have some), sorted by
    key (None first), then period: what no allocation covers yet, whatever any proposal says.
    By skill, a request counts under each skill it requires, so the hours of one key add up
    and those of all keys may not (as the optimiser's unfilled demand)."""
    hours: dict[tuple[str | None, str], Decimal] = {}
    behind: dict[tuple[str | None, str], set[str]] = {}
    for request in requests:
        if request["status"] != "open":
            continue
        weekly = Decimal(request["hours_per_week"])
        for week in request_weeks(request, first, last):
            for key in request_keys(request, by):
                cell = (key, period_of(week, period))
                hours[cell] = hours.get(cell, ZERO) + weekly
                behind.setdefault(cell, set()).add(request["id"])
    order = sorted(hours, key=lambda c: (c[0] is not None, c[0] or "", c[1]))
    return [
        UnfilledCell(key, name, hours[key, name].quantize(CENT), tuple(sorted(behind[key, name])))
        for key, name in order
    ]
