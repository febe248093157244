"""Availability arithmetic against a brute-force count, day by day: every weekday of the week
that is no holiday and not after the last day gives hours_per_week / 5 x part-time, and the
week's report then applies."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_capacity.domain import (
    DefineCalendar,
    OverAllocation,
    Person,
    ProposeAllocation,
    RecordLeaving,
    RegisterPerson,
    ReportAvailability,
    WorkingCalendar,
)
from pmo_kernel.money import Money

YEAR_START = date(2027, 1, 4)  # Monday of 2027-W01
DAYS = st.integers(min_value=0, max_value=120).map(lambda n: YEAR_START + timedelta(days=n))
HOURS = st.decimals(min_value=1, max_value=60, places=2)
PERCENT = st.decimals(min_value=1, max_value=100, places=2)


def brute_force(
    week_monday: date,
    hours_per_week: Decimal,
    holidays: set[date],
    part_time: Decimal,
    last_day: date | None,
    report: tuple[str, Decimal] | None,
) -> Decimal:
    hours = Decimal(0)
    for offset in range(7):
        day = week_monday + timedelta(days=offset)
        worked = day.weekday() < 5 and day not in holidays
        if worked and (last_day is None or day <= last_day):
            hours += hours_per_week / 5 * part_time / 100
    if report is not None:
        kind, value = report
        hours = hours * value / 100 if kind == "percent" else max(Decimal(0), hours - value)
    return hours.quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None)
@given(
    hours_per_week=HOURS,
    holidays=st.sets(DAYS, max_size=15),
    part_time=PERCENT,
    last_day=st.none() | DAYS,
    week_index=st.integers(min_value=0, max_value=17),
    report=st.none()
    | st.tuples(st.just("percent"), st.decimals(min_value=0, max_value=100, places=2))
    | st.tuples(st.just("absence"), st.decimals(min_value=0, max_value=60, places=2)),
)
def test_weekly_availability_equals_the_day_by_day_count(
    hours_per_week: Decimal,
    holidays: set[date],
    part_time: Decimal,
    last_day: date | None,
    week_index: int,
    report: tuple[str, Decimal] | None,
) -> None:
    monday = YEAR_START + timedelta(weeks=week_index)
    week = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
    calendar = WorkingCalendar.define(
        DefineCalendar(
            calendar_id="C", name="C", hours_per_week=hours_per_week,
            public_holidays=sorted(holidays),
        ),
        "rita",
    )  # fmt: skip
    person = Person.register(
        "p",
        RegisterPerson(
            name="P", line_manager="marc", team="T", roles=["developer"],
            cost_rate_per_day=Money.of("500"), calendar_id="C", part_time_percent=part_time,
        ),
        "rita",
    )  # fmt: skip
    if last_day is not None:
        person.record_leaving(RecordLeaving(last_day=last_day), "rita")
    if report is not None:
        kind, value = report
        person.report_availability(
            ReportAvailability(week=week, available_percent=value)
            if kind == "percent"
            else ReportAvailability(week=week, absence_hours=value),
            "marc",
        )

    assert person.available_hours(calendar, week) == brute_force(
        monday, hours_per_week, holidays, part_time, last_day, report
    )


@settings(max_examples=150, deadline=None)
@given(
    proposals=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10),
            st.integers(min_value=0, max_value=5),
            st.decimals(min_value=1, max_value=40, places=1),
        ),
        min_size=1,
        max_size=12,
    ),
    absence=st.decimals(min_value=0, max_value=40, places=0),
)
def test_allocations_never_overbook_unless_accepted(
    proposals: list[tuple[int, int, Decimal]], absence: Decimal
) -> None:
    calendar = WorkingCalendar.define(
        DefineCalendar(calendar_id="C", name="C", hours_per_week=Decimal(40)), "rita"
    )
    person = Person.register(
        "p",
        RegisterPerson(
            name="P", line_manager="marc", team="T", roles=["developer"],
            cost_rate_per_day=Money.of("500"), calendar_id="C",
        ),
        "rita",
    )  # fmt: skip
    person.report_availability(ReportAvailability(week="2027-W03", absence_hours=absence), "marc")
    for n, (start, length, hours) in enumerate(proposals):
        first = YEAR_START + timedelta(weeks=start)
        last = first + timedelta(weeks=length)
        command = ProposeAllocation(
            project_id="x",
            start_week=f"{first.isocalendar().year}-W{first.isocalendar().week:02d}",
            end_week=f"{last.isocalendar().year}-W{last.isocalendar().week:02d}",
            hours_per_week=hours,
        )
        with contextlib.suppress(OverAllocation):
            person.propose_allocation(f"a-{n}", command, calendar, "paula")

    assert all(
        w.allocated_hours <= w.available_hours
        for w in person.loads(calendar, "2027-W01", "2027-W17")
    )
    assert not any(a.over_allocated for a in person.allocations.values())
