"""The heatmap agrees with the capacity service: for random calendars, reports and allocations,
the capacity domain's events folded by the reporting projection and drawn as a heatmap give, in
every week, the availability, soft and hard hours and over-allocation of `Person.loads`; and
FTE is those hours over the calendar's full-time hours."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_kernel.capacity import week_of
from pmo_reporting.gateway.capacity_loads import Unit, heatmap
from pmo_reporting.projections.capacity import fold
from pmo_reporting.projections.capacity_state import State
from tests.reporting.capacity_factory import Capacity

YEAR_START = date(2027, 1, 4)  # Monday of 2027-W01
FIRST, LAST = "2027-W01", "2027-W12"
WEEK = st.integers(min_value=0, max_value=11).map(
    lambda n: week_of(YEAR_START + timedelta(weeks=n))
)
DAY = st.integers(0, 83).map(lambda n: YEAR_START + timedelta(days=n))
REPORT = st.tuples(WEEK, st.sampled_from(["percent", "hours"]), st.integers(0, 100))
ALLOCATION = st.tuples(
    st.integers(0, 11), st.integers(0, 4), st.integers(1, 40), st.booleans(), st.booleans(),
    st.booleans(),  # a percent of availability (the number, up to 40) rather than hours
)  # fmt: skip


def as_stored(row: dict[str, Any]) -> dict[str, Any]:
    """A projected row as PostgreSQL gives it back: numbers as Decimal, days as dates."""
    stored = dict(row)
    for column, value in row.items():
        if column == "last_day" and value is not None:
            stored[column] = date.fromisoformat(value)
        elif isinstance(value, str) and value.replace(".", "", 1).isdigit():
            stored[column] = Decimal(value)
    return stored


@settings(max_examples=25, deadline=None)
@given(
    hours_per_week=st.sampled_from(["40", "38", "32.5"]),
    holidays=st.sets(DAY, max_size=6),
    part_time=st.sampled_from(["100", "80", "50"]),
    last_day=st.none() | DAY,
    reports=st.lists(REPORT, max_size=8),
    allocations=st.lists(ALLOCATION, max_size=6),
)
def test_the_heatmap_gives_the_capacity_services_loads(
    hours_per_week: str,
    holidays: set[date],
    part_time: str,
    last_day: date | None,
    reports: list[tuple[str, str, int]],
    allocations: list[tuple[int, int, int, bool, bool, bool]],
) -> None:
    capacity = Capacity()
    calendar = capacity.calendar("C", hours_per_week, tuple(sorted(holidays)))
    capacity.person("p", calendar_id="C", part_time=part_time)
    for week, kind, value in reports:
        if kind == "percent":
            capacity.report("p", week, available_percent=Decimal(value))
        else:
            capacity.report("p", week, absence_hours=Decimal(value // 2),
                            other_duty_hours=Decimal(value % 7))  # fmt: skip
    for n, (start, length, hours, confirmed, released, share) in enumerate(allocations):
        first, last = YEAR_START + timedelta(weeks=start), YEAR_START + timedelta(weeks=start)
        last += timedelta(weeks=length)
        weeks = (week_of(first), week_of(last))
        if share:
            capacity.allocate("p", f"A-{n}", "X", *weeks, percent=str(hours))
        else:
            capacity.allocate("p", f"A-{n}", "X", *weeks, str(hours))
        if confirmed:
            capacity.confirm("p", f"A-{n}")
        if released:
            capacity.release("p", f"A-{n}")
    if last_day is not None:
        capacity.leave("p", last_day)
    state = State()
    for event in capacity.events:
        assert fold(state, event)

    people = [as_stored(state.people["p"])]
    calendars = {"C": as_stored(state.calendars["C"])}
    stored_reports = {"p": [as_stored(r) for r in state.reports.values()]}
    active = {"p": [as_stored(a) for a in state.allocations.values() if not a["released"]]}
    in_hours = heatmap(people, calendars, stored_reports, active, FIRST, LAST, Unit.HOURS)
    in_fte = heatmap(people, calendars, stored_reports, active, FIRST, LAST, Unit.FTE)

    expected = capacity.people["p"].loads(calendar, FIRST, LAST)
    assert [
        (c.week, c.available, c.allocated, c.soft, c.hard, c.over_allocated)
        for c in in_hours.rows[0].cells
    ] == [
        (w.week, w.available_hours, w.allocated_hours, w.soft_hours, w.hard_hours,
         w.over_allocated)
        for w in expected
    ]  # fmt: skip
    full_time = Decimal(hours_per_week)
    assert [c.available for c in in_fte.rows[0].cells] == [
        (w.available_hours / full_time).quantize(Decimal("0.01")) for w in expected
    ]
    assert [t.allocated for t in in_hours.totals] == [w.allocated_hours for w in expected]
